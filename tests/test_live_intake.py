"""Against a real server (2 HTTP workers, a cron worker running the dispatcher), with
another transaction holding what a request needs, and with requests that land on either
worker: issue 7, items 7 (Shopify answered in time) and 16 (the incoming horizon)."""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests

from odoo.tests import tagged
from odoo.tests.common import get_db_name

from ..simulator.clients import shopify_webhook_request
from .common import set_settings, start_simulator
from .live_server import LiveServerCase

SHOP_SECRET = "live-shop-secret"
ON_HAND = 17
INCOMING = 10
# a time zone whose calendar day differs from UTC's at the receipt's hour (05:00 UTC is
# 18:00 the day before in Pago Pago, UTC-11)
FAR_TIME_ZONE = "Pacific/Pago_Pago"
ROUNDS = 8
REQUEST_TIMEOUT = 30


@tagged("post_install", "-at_install")
class TestLiveIntake(LiveServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        cls.token = uuid.uuid4().hex[:8]
        cls.sku = f"LIVE-{cls.token}"
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.currency = env.company.currency_id.name
            product, shop_product = env["product.product"].create(
                [{"name": "Live Widget", "default_code": cls.sku, "type": "consu",
                  "is_storable": True},
                 {"name": "Live Shop Widget", "default_code": f"{cls.sku}-SHOP", "type": "consu",
                  "is_storable": True}]
            )  # fmt: skip
            cls.product_ids = [product.id, shop_product.id]
            for variant in (product, shop_product):
                env["stock.quant"]._update_available_quantity(
                    variant, warehouse.lot_stock_id, ON_HAND
                )
            channels = env["stock.channel"].create(
                [
                    {"name": "Live market", "code": f"live-{cls.token}",
                     "channel_type": "marketplace", "warehouse_id": warehouse.id,
                     "connector": "generic_json",
                     "endpoint_url": cls.sim.generic_url(f"live-{cls.token}"),
                     "api_secret": "live-secret"},
                    {"name": "Live shop", "code": f"shop-{cls.token}", "channel_type": "shop",
                     "warehouse_id": warehouse.id, "connector": "shopify",
                     "endpoint_url": cls.sim.shopify_url("live"), "api_key": "live-token",
                     "api_secret": SHOP_SECRET},
                ]
            )  # fmt: skip
            set_settings(channels[1], location_id="77")
            cls.channel_ids = channels.ids
            cls.market, cls.shop = channels.ids
            env["stock.channel.binding"].create(
                {"channel_id": cls.shop, "product_id": shop_product.id, "external_id": "4242"}
            )
            cls.receipt_id = cls._receipt(env, warehouse, product).id
            cls.policy_id, cls.rule_id = cls._rule(env)
            admin = env.ref("base.user_admin")
            cls.admin_tz = admin.tz
            admin.tz = FAR_TIME_ZONE
        cls.addClassCleanup(cls._restore)
        cls.start_server(workers=2, cron_threads=1)

    @classmethod
    def _receipt(cls, env, warehouse, product):
        """A confirmed receipt due in 3 days (UTC), at 05:00 UTC."""
        due = datetime.now(UTC).replace(tzinfo=None, hour=5, minute=0, second=0, microsecond=0)
        due += timedelta(days=3)
        supplier = env.ref("stock.stock_location_suppliers")
        picking = env["stock.picking"].create(
            {
                "picking_type_id": warehouse.in_type_id.id,
                "location_id": supplier.id,
                "location_dest_id": warehouse.lot_stock_id.id,
                "scheduled_date": due,
                "move_ids": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": INCOMING,
                            "product_uom": product.uom_id.id, "location_id": supplier.id,
                            "location_dest_id": warehouse.lot_stock_id.id, "date": due})
                ],
            }
        )  # fmt: skip
        picking.action_confirm()
        return picking

    @classmethod
    def _rule(cls, env):
        Policy = env["stock.channel.policy"]
        policy = Policy._in_force(env.company)
        created = not policy
        if created:
            policy = Policy.create({"name": f"Live {cls.token}", "policy_type": "standard"})
        rule = env["stock.channel.policy.rule"].create(
            {"policy_id": policy.id, "channel_id": cls.market, "scope": "all",
             "include_incoming_days": 5}
        )  # fmt: skip
        return (policy.id if created else None), rule.id

    @classmethod
    def _restore(cls):
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            env.ref("base.user_admin").tz = cls.admin_tz
            env["stock.picking"].browse(cls.receipt_id).exists().action_cancel()
            if cls.policy_id:
                env["stock.channel.policy"].browse(cls.policy_id).unlink()

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
        return payload["result"]

    def _call(self, session, model, method, args, context):
        return self._rpc(
            session, f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": {"context": context}},
        )  # fmt: skip

    # -- 16 -------------------------------------------------------------------------
    def test_defect_16_a_receipt_outside_the_horizon_is_never_counted(self):
        """Write the rule from one session, read at once from another (either worker),
        the dispatcher running, round after round, as a user whose calendar day is not
        UTC's: the horizon counts days in one time zone, whoever asks."""
        writer, context = self._session()
        reader, _context = self._session()
        self.assertEqual(context["tz"], FAR_TIME_ZONE)
        read_context = {**context, "channel_id": self.market}
        seen = []
        for _round in range(ROUNDS):
            for days, expected in ((2, ON_HAND), (5, ON_HAND + INCOMING)):
                self._call(writer, "stock.channel.policy.rule", "write",
                           [[self.rule_id], {"include_incoming_days": days}], context)  # fmt: skip
                [row] = self._call(reader, "product.product", "read",
                                   [self.product_ids[:1], ["publishable_qty"]],
                                   read_context)  # fmt: skip
                seen.append((days, row["publishable_qty"], expected))
        wrong = [(days, got, want) for days, got, want in seen if got != want]
        self.assertFalse(wrong, f"(horizon, read, expected) that differ: {wrong}")
        with self.registry.cursor() as cr:
            env = self.env_of(cr, tz=FAR_TIME_ZONE)
            product = env["product.product"].browse(self.product_ids[0])
            channel = env["stock.channel"].browse(self.market)
            env["stock.channel.policy.rule"].browse(self.rule_id).include_incoming_days = 2
            self.assertEqual(channel._compute_publishable(product)[self.market, product.id]
                             .publishable, ON_HAND)  # fmt: skip
            cr.rollback()

    # -- 7 --------------------------------------------------------------------------
    def test_defect_07_shopify_is_answered_within_5_s_whatever_happens_inside(self):
        """Another transaction holds the variant's lock for 8 s: the delivery is stored
        and answered 2xx within Shopify's 5 s; the scheduled action imports it after."""
        held, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=self._hold_lock, args=(held, release))
        holder.start()
        try:
            held.wait(10)
            order = {
                "id": 7700 + int(time.time()) % 1000, "name": "#77",
                "created_at": "2026-11-23T10:00:00+01:00", "currency": self.currency,
                "email": f"live-{self.token}@example.com",
                "customer": {"first_name": "Liv", "last_name": "Shop"},
                "shipping_address": {"name": "Liv Shop", "address1": "Rue Haute 1",
                                     "zip": "1000", "city": "Brussels", "country_code": "BE"},
                "line_items": [{"id": 1, "sku": f"{self.sku}-SHOP", "quantity": 1,
                                "price": "10.00"}],
                "total_price": "10.00", "taxes_included": True, "cancelled_at": None,
            }  # fmt: skip
            body, headers = shopify_webhook_request(SHOP_SECRET, order, "orders/create", "live-1")
            start = time.monotonic()
            response = requests.post(
                f"{self.base_url}/stock_channel_sync/shop-{self.token}/orders",
                data=body, headers=headers, timeout=REQUEST_TIMEOUT,
            )  # fmt: skip
            elapsed = time.monotonic() - start
        finally:
            release.set()
            holder.join(30)
        self.assertLess(elapsed, 5, "Shopify gives up after 5 s")
        self.assertIn(response.status_code, (200, 202), response.text)
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline and state != "sale":
            time.sleep(0.5)
            with self.registry.cursor() as cr:
                state = (
                    self.env_of(cr)["sale.order"]
                    .search(
                        [
                            ("channel_id", "=", self.shop),
                            ("channel_order_ref", "=", str(order["id"])),
                        ]
                    )
                    .state
                )
        self.assertEqual(state, "sale", "imported by the scheduled action afterwards")

    def _hold_lock(self, held, release):
        with self.registry.cursor() as cr:
            self.env_of(cr)["stock.channel.variant.lock"]._acquire(
                self.env_of(cr)["product.product"].browse(self.product_ids[1])
            )
            held.set()
            release.wait(8)
            cr.rollback()
