"""Against a real server (HTTP workers, cron workers running the dispatcher; prefork, and
threaded as dev/run serves) and the simulator's WooCommerce shop, set up in the order of
docs/marketplaces/woocommerce.md (the channel, then Import mapping) on a warehouse that
already has stock, a delivery waiting for it and variants the shop does not list: one
inventory adjustment, made as the web client makes it, reaches the shop as one batch
request per parent product, never twice, and each push is accepted at its first
attempt."""

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
ON_HAND_BEFORE = 5  # what the warehouse held before the channel was made
WAITING_QTY = 20  # a delivery of the first variation waits for more than comes in


@tagged("post_install", "-at_install")
class TestLiveWooCommerce(LiveServerCase):
    workers = 2  # prefork

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
            # the shop's variants, and two it does not list (dead letters before and after)
            products = env["product.product"].create(
                [{"name": f"Live Woo {sku}", "default_code": sku, "type": "consu",
                  "is_storable": True} for sku in [*skus, f"WOO-{token}-X1", f"WOO-{token}-X2"]]
            )  # fmt: skip
            cls.product_ids = products.ids
            for product in products:
                env["stock.quant"]._update_available_quantity(
                    product, warehouse.lot_stock_id, ON_HAND_BEFORE
                )
            cls._waiting_delivery(env, warehouse, products[1])
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
        cls.start_server(workers=cls.workers, cron_threads=2)

    @classmethod
    def _waiting_delivery(cls, env, warehouse, product):
        """A confirmed delivery of `product` waiting for stock (reserved when it comes),
        removed at the end."""
        stock, customers = warehouse.lot_stock_id, env.ref("stock.stock_location_customers")
        picking = env["stock.picking"].create(
            {"picking_type_id": warehouse.out_type_id.id, "location_id": stock.id,
             "location_dest_id": customers.id,
             "move_ids": [(0, 0, {"product_id": product.id, "product_uom_qty": WAITING_QTY,
                                  "location_id": stock.id, "location_dest_id": customers.id})]}
        )  # fmt: skip
        picking.action_confirm()
        picking.action_assign()
        cls.addClassCleanup(cls._remove_picking, picking.id)

    @classmethod
    def _remove_picking(cls, picking_id):
        with cls.registry.cursor() as cr:
            picking = cls.env_of(cr)["stock.picking"].browse(picking_id).exists()
            picking.action_cancel()
            picking.unlink()

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
        # in docs/marketplaces/woocommerce.md's order: the channel exists, then Import
        # mapping binds the products
        self._call(session, "stock.channel", "action_import_mapping", [self.channel_ids[:1]],
                   {"context": user_context})  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._call(
            session, "stock.channel.binding", "search_count",
            [[("channel_id", "=", self.channel_ids[0])]], {"context": user_context},
        ) < 3:  # fmt: skip
            time.sleep(0.5)
        self._settle(60)
        before = len(self._batches())
        logs_before = self._push_log_ids()
        context = dict(user_context, inventory_mode=True)
        # the Physical Inventory list: the counted quantities saved, then applied
        quant_ids = [
            self._call(
                session, "stock.quant", "create",
                [[{"product_id": product_id, "location_id": self.stock_location_id,
                   "inventory_quantity": 12}]],
                {"context": context},
            )[0]
            for product_id in self.product_ids[:3]
        ]  # fmt: skip
        applied_at = time.time()
        self._call(session, "stock.quant", "action_apply_inventory", [quant_ids],
                   {"context": context})  # fmt: skip
        time.sleep(SETTLE_SECONDS)
        batches = self._batches()[before:]
        shop = self.sim.woocommerce
        self.assertEqual(shop.quantity(SHOP, self.simple_id), 12)
        self.assertEqual(shop.quantity(SHOP, self.parent_id, self.variation_ids[1]), 12)
        # the first variation's delivery took the 12: its quantity (0) did not move
        self.assertEqual(shop.quantity(SHOP, self.parent_id, self.variation_ids[0]), 0)
        self.assertEqual(
            len(batches), 2,
            f"applied at {applied_at}; {[(b['time'], b['path'], b['body']) for b in batches]}",
        )  # fmt: skip
        with self.registry.cursor() as cr:
            logs = self.env_of(cr)["stock.channel.sync.log"].search(
                [("channel_id", "=", self.channel_ids[0]), ("id", "not in", logs_before)]
            )
            self.assertEqual(
                [(log.state, log.attempt) for log in logs],
                [("done", 1)],
                "one push, accepted at its first attempt",
            )

    def _push_log_ids(self):
        with self.registry.cursor() as cr:
            return (
                self.env_of(cr)["stock.channel.sync.log"]
                .search([("channel_id", "=", self.channel_ids[0])])
                .ids
            )


@tagged("post_install", "-at_install")
class TestLiveWooCommerceThreaded(TestLiveWooCommerce):
    """The same, on a threaded server (dev/run's default: HTTP and cron threads in one
    process, one connector pool)."""

    workers = 0
