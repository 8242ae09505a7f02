"""Against a real server (HTTP workers, cron workers running the dispatcher) and the
simulator's WooCommerce shop, set up in the README's order (the channel, then Import
mapping): one inventory adjustment, made as the web client makes it, reaches the shop as
one batch request per parent product, never twice."""

import time
import uuid

import requests

from odoo.tests import tagged
from odoo.tests.common import get_db_name

from .common import start_simulator
from .live_server import LiveServerCase

SHOP = "live-woo"
KEY, SECRET = "ck_live", "cs_live"
REQUEST_TIMEOUT = 30
SETTLE_SECONDS = 15  # the dispatcher's retries and the cron's next wake-ups come within


@tagged("post_install", "-at_install")
class TestLiveWooCommerce(LiveServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        cls.sim.configure_woocommerce(SHOP, consumer_key=KEY, consumer_secret=SECRET)
        token = uuid.uuid4().hex[:8]
        skus = [f"WOO-{token}-{n}" for n in range(3)]
        shop = cls.sim.woocommerce
        cls.simple_id = shop.add_product(SHOP, skus[0], 0)
        cls.parent_id, cls.variation_ids = shop.add_product(
            SHOP, f"WOO-{token}-P", variations=[(skus[1], 0), (skus[2], 0)]
        )
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.stock_location_id = warehouse.lot_stock_id.id
            products = env["product.product"].create(
                [{"name": f"Live Woo {sku}", "default_code": sku, "type": "consu",
                  "is_storable": True} for sku in skus]
            )  # fmt: skip
            cls.product_ids = products.ids
            channel = env["stock.channel"].create(
                {"name": "Live Woo", "code": f"woo-{token}", "channel_type": "shop",
                 "warehouse_id": warehouse.id, "connector": "woocommerce",
                 "endpoint_url": cls.sim.woocommerce_url(SHOP), "api_key": KEY,
                 "api_secret": SECRET}
            )  # fmt: skip
            # other channels of the warehouse, dispatched in parallel with it
            channel |= env["stock.channel"].create(
                [{"name": f"Live market {n}", "code": f"gen{n}-{token}",
                  "channel_type": "marketplace", "warehouse_id": warehouse.id,
                  "connector": "generic_json",
                  "endpoint_url": cls.sim.generic_url(f"gen{n}-{token}"),
                  "api_secret": "live-secret"} for n in range(2)]
            )  # fmt: skip
            cls.channel_ids = channel.ids
        cls.start_server(workers=2, cron_threads=2)

    # -- JSON-RPC, as the web client ------------------------------------------------
    def _session(self):
        session = requests.Session()
        answer = self._rpc(
            session, "/web/session/authenticate",
            {"db": get_db_name(), "login": "admin", "password": "admin"},
        )  # fmt: skip
        return session, answer["user_context"]

    def _rpc(self, session, path, params):
        response = session.post(
            self.base_url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=REQUEST_TIMEOUT,
        )
        payload = response.json()
        self.assertNotIn("error", payload, payload.get("error"))
        return payload.get("result")

    def _call(self, session, model, method, args, kwargs=None):
        return self._rpc(
            session, f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )  # fmt: skip

    def _batches(self):
        return [
            entry
            for entry in self.sim.received(f"/woocommerce/{SHOP}/")
            if entry["method"] == "POST" and entry["path"].endswith("/batch")
        ]

    def _settle(self, seconds=SETTLE_SECONDS):
        """Wait until no request reached the shop for 3 s (at most `seconds`)."""
        deadline = time.monotonic() + seconds
        count, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = len(self.sim.received(f"/woocommerce/{SHOP}/"))
            if now != count:
                count, quiet_since = now, time.monotonic()
            elif time.monotonic() - quiet_since > 3:
                return
            time.sleep(0.2)

    def test_one_inventory_adjustment_sends_one_batch_per_parent(self):
        session, user_context = self._session()
        # the README's order: the channel exists, then Import mapping binds the products
        self._call(session, "stock.channel", "action_import_mapping", [self.channel_ids[:1]],
                   {"context": user_context})  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._call(
            session, "stock.channel.binding", "search_count",
            [[("channel_id", "=", self.channel_ids[0])]], {"context": user_context},
        ) < len(self.product_ids):  # fmt: skip
            time.sleep(0.5)
        self._settle(60)
        before = len(self._batches())
        context = dict(user_context, inventory_mode=True)
        # the Physical Inventory list: the counted quantities saved, then applied
        quant_ids = [
            self._call(
                session, "stock.quant", "create",
                [[{"product_id": product_id, "location_id": self.stock_location_id,
                   "inventory_quantity": 12}]],
                {"context": context},
            )[0]
            for product_id in self.product_ids
        ]  # fmt: skip
        applied_at = time.time()
        self._call(session, "stock.quant", "action_apply_inventory", [quant_ids],
                   {"context": context})  # fmt: skip
        time.sleep(SETTLE_SECONDS)
        batches = self._batches()[before:]
        shop = self.sim.woocommerce
        self.assertEqual(shop.quantity(SHOP, self.simple_id), 12)
        self.assertEqual(shop.quantity(SHOP, self.parent_id, self.variation_ids[1]), 12)
        self.assertEqual(
            len(batches), 2,
            f"applied at {applied_at}; {[(b['time'], b['path'], b['body']) for b in batches]}",
        )  # fmt: skip
