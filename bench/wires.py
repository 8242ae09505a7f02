"""What each connector's pushes look like on the simulator, for the benchmarks: the
channel's settings, binding the variants (and the shop's catalogue), and reading the
quantities a received request carried ({sku: quantity}). The marketplaces that confirm
later (bol.com, Mirakl, Amazon) take ``processing_delay`` seconds to process a push."""

import json

from simulator.mirakl import _stock_lines, form_parts

WOO_KEY, WOO_SECRET = "ck_bench", "cs_bench"
SHOPIFY_TOKEN = "shpat_bench"
SHOPIFY_LOCATION = "77"


class GenericWire:
    connector = "generic_json"
    initial_quantity = 1000  # each bench variant's stock before the runs

    def __init__(self, sim, secret):
        self.sim = sim
        self.secret = secret

    def prefix(self, code):
        return f"/generic/{code}"

    def channel_vals(self, code):
        return {"endpoint_url": self.sim.generic_url(code), "api_secret": self.secret}

    def settings(self, code):
        """The settings the connector declares, set on the channel once made."""
        return {}

    def configure(self, code):
        self.sim.configure_channel(code, secret=self.secret)

    def bind(self, env, channel, products):
        """Nothing to bind: the internal reference is the SKU."""

    def items(self, request):
        if request["method"] != "POST" or request["status"] != 200:
            return {}
        return {item["sku"]: item["quantity"] for item in json.loads(request["body"])["items"]}


class WooCommerceWire(GenericWire):
    connector = "woocommerce"

    def __init__(self, sim, secret):
        super().__init__(sim, secret)
        self.skus = {}  # (shop, product id) -> sku

    def prefix(self, code):
        return f"/woocommerce/{code}/wp-json/wc/v3/products/batch"

    def channel_vals(self, code):
        return {
            "endpoint_url": self.sim.woocommerce_url(code),
            "api_key": WOO_KEY,
            "api_secret": WOO_SECRET,
        }

    def configure(self, code):
        self.sim.configure_woocommerce(code, consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)

    def bind(self, env, channel, products):
        rows = []
        for product in products:
            product_id = self.sim.woocommerce.add_product(channel.code, product.default_code, 0)
            self.skus[(channel.code, product_id)] = product.default_code
            rows.append(
                {"channel_id": channel.id, "product_id": product.id, "external_id": str(product_id)}
            )
        env["stock.channel.binding"].create(rows)

    def items(self, request):
        if request["status"] != 200:
            return {}
        shop = request["path"].split("/")[2]
        updates = json.loads(request["body"]).get("update") or []
        return {self.skus[(shop, row["id"])]: row["stock_quantity"] for row in updates}


class ShopifyWire(GenericWire):
    connector = "shopify"

    def __init__(self, sim, secret):
        super().__init__(sim, secret)
        self.skus = {}  # inventory item gid -> sku
        self.catalogs = {}

    def prefix(self, code):
        return f"/shopify/{code}/"

    def channel_vals(self, code):
        return {
            "endpoint_url": self.sim.shopify_url(code),
            "api_key": SHOPIFY_TOKEN,
        }

    def settings(self, code):
        return {"location_id": SHOPIFY_LOCATION}

    def configure(self, code):
        # a Plus plan's bucket: 1000 points/s restored
        self.sim.configure_shop(
            code,
            token=SHOPIFY_TOKEN,
            maximum_available=10_000.0,
            restore_rate=1000.0,
            catalog=self.catalogs.get(code, {}),
        )

    def bind(self, env, channel, products):
        rows = []
        catalog = self.catalogs.setdefault(channel.code, {})
        for product in products:
            number = len(self.skus) + 1
            gid = f"gid://shopify/InventoryItem/{number}"
            self.skus[gid] = product.default_code
            catalog[product.default_code] = gid
            rows.append(
                {"channel_id": channel.id, "product_id": product.id, "external_id": str(number)}
            )
        env["stock.channel.binding"].create(rows)
        self.configure(channel.code)

    def items(self, request):
        if request["status"] != 200 or "inventorySetQuantities" not in request["body"]:
            return {}
        rows = json.loads(request["body"])["variables"]["input"]["quantities"]
        return {self.skus[row["inventoryItemId"]]: row["quantity"] for row in rows}


class BolWire(GenericWire):
    """One stock update per offer (202, processed later)."""

    connector = "bol"
    processing_delay = 2.0
    initial_quantity = 100  # bol takes 0-999: the runs' changes stay below it

    def __init__(self, sim, secret):
        super().__init__(sim, secret)
        self.skus = {}  # offer id -> sku

    def prefix(self, code):
        return f"/bol/{code}/retailer/offers/"

    def channel_vals(self, code):
        url = self.sim.marketplace_url("bol", code)
        return {"endpoint_url": url, "api_key": "bol-client", "api_secret": "bol-secret"}

    def settings(self, code):
        return {"token_url": f"{self.sim.marketplace_url('bol', code)}/token"}

    def configure(self, code):
        self.sim.configure_marketplace("bol", code, processing_delay=self.processing_delay)

    def bind(self, env, channel, products):
        rows = []
        for product in products:
            offer_id = self.sim.bol.add_offer(
                channel.code, product.default_code, product.default_code
            )
            self.skus[offer_id] = product.default_code
            rows.append(
                {"channel_id": channel.id, "product_id": product.id, "external_id": offer_id}
            )
        env["stock.channel.binding"].create(rows)

    def items(self, request):
        if request["method"] != "PUT" or request["status"] != 202:
            return {}
        offer_id = request["path"].split("/")[-2]
        return {self.skus[offer_id]: json.loads(request["body"])["amount"]}


class MiraklWire(GenericWire):
    """One stock file a minute at most (201, processed later)."""

    connector = "mirakl"
    processing_delay = 2.0

    def prefix(self, code):
        return f"/mirakl/{code}/api/offers/stock/imports"

    def channel_vals(self, code):
        return {"endpoint_url": self.sim.marketplace_url("mirakl", code), "api_key": "mirakl-key"}

    def configure(self, code):
        self.sim.configure_marketplace("mirakl", code, processing_delay=self.processing_delay)

    def bind(self, env, channel, products):
        for product in products:
            self.sim.mirakl.add_offer(channel.code, product.default_code)

    def items(self, request):
        if request["method"] != "POST" or request["status"] != 201:
            return {}
        parts = form_parts(request["headers"], request["body"].encode())
        _header, lines = _stock_lines(parts["file"])
        return {line["offer-sku"]: int(line["quantity"]) for _number, line in lines}


class AmazonWire(GenericWire):
    """One patch per SKU (5 a second), or a listings feed above the channel's threshold
    (ACCEPTED, processed later)."""

    connector = "amazon"
    processing_delay = 2.0
    client, secret, refresh = "amzn1.application-oa2-client.bench", "lwa-bench", "Atzr|bench"

    def prefix(self, code):
        return f"/amazon/{code}/"

    def channel_vals(self, code):
        url = self.sim.marketplace_url("amazon", code)
        return {"endpoint_url": url, "api_key": self.client, "api_secret": self.secret}

    def settings(self, code):
        return {
            "token_url": f"{self.sim.marketplace_url('amazon', code)}/auth/o2/token",
            "refresh_token": self.refresh,
            "seller_id": "A2BENCH",
            "marketplace_id": "A1PA6795UKMFR9",
        }

    def configure(self, code):
        self.sim.configure_marketplace(
            "amazon",
            code,
            client_id=self.client,
            client_secret=self.secret,
            refresh_token=self.refresh,
            seller_id="A2BENCH",
            marketplace_id="A1PA6795UKMFR9",
            processing_delay=self.processing_delay,
        )

    def bind(self, env, channel, products):
        for product in products:
            self.sim.amazon.add_listing(channel.code, product.default_code)

    def items(self, request):
        if request["method"] == "PATCH" and request["status"] == 200:
            patch = json.loads(request["body"])["patches"][0]["value"][0]
            return {request["path"].rsplit("/", 1)[-1]: patch["quantity"]}
        if request["method"] == "PUT" and "/_documents/" in request["path"]:
            return {
                message["sku"]: message["patches"][0]["value"][0]["quantity"]
                for message in json.loads(request["body"])["messages"]
            }
        return {}


WIRES = {
    wire.connector: wire
    for wire in (GenericWire, WooCommerceWire, ShopifyWire, BolWire, MiraklWire, AmazonWire)
}
