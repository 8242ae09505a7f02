"""What each connector's pushes look like on the simulator, for the benchmarks: the
channel's settings, binding the variants (and the shop's catalogue), and reading the
quantities a received request carried ({sku: quantity})."""

import json

WOO_KEY, WOO_SECRET = "ck_bench", "cs_bench"
SHOPIFY_TOKEN = "shpat_bench"
SHOPIFY_LOCATION = "77"


class GenericWire:
    connector = "generic_json"

    def __init__(self, sim, secret):
        self.sim = sim
        self.secret = secret

    def prefix(self, code):
        return f"/generic/{code}"

    def channel_vals(self, code):
        return {"endpoint_url": self.sim.generic_url(code), "api_secret": self.secret}

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
            "external_location_id": SHOPIFY_LOCATION,
        }

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


WIRES = {wire.connector: wire for wire in (GenericWire, WooCommerceWire, ShopifyWire)}
