"""The marketplaces that are polled and confirm later, with separate transactions at the
same time (committed data, as separate workers): an order polled for the last unit while
the POS sells it (never both), and the documented rate limits kept by every worker
together (no burst above them, no 429)."""

import threading
import uuid

from odoo import fields
from odoo.tests import tagged

from ..core.connectors import PushItem, get_connector
from ..core.errors import RetryableError
from ..core.ratelimit import per_window
from .common import set_settings, start_simulator
from .live_server import LiveServerCase, sell_at_pos

ROUNDS = 3
TIMEOUT = 60
CLIENT, SECRET, REFRESH = "amzn1.application-oa2-client.race", "lwa-race", "Atzr|race"
SELLER, DE = "A2RACE", "A1PA6795UKMFR9"


@tagged("post_install", "-at_install")
class TestMarketplaceRaces(LiveServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        cls.token = uuid.uuid4().hex[:8]
        cls.account = f"race-{cls.token}"
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.stock_location_id = warehouse.lot_stock_id.id
            euro = env.ref("base.EUR")
            cls.euro_was_active = euro.active
            euro.active = True
            cls.pricelist_id = False
            if env.company.currency_id != euro:
                cls.pricelist_id = (
                    env["product.pricelist"]
                    .create({"name": f"Race EUR {cls.token}", "currency_id": euro.id})
                    .id
                )
            products = env["product.product"].create(
                [{"name": f"Polled Race {n}", "default_code": f"PRACE-{cls.token}-{n}",
                  "type": "consu", "is_storable": True} for n in range(3 * ROUNDS + 3)]
            )  # fmt: skip
            cls.product_ids.extend(products.ids)
            cls.channels = {}
            for connector, vals in cls._channel_vals().items():
                settings = vals.pop("settings", {})
                channel = env["stock.channel"].create(
                    {"name": f"Race {connector}", "code": f"{connector}-{cls.token}",
                     "channel_type": "marketplace", "warehouse_id": warehouse.id,
                     "connector": connector,
                     "endpoint_url": cls.sim.marketplace_url(connector, cls.account), **vals}
                )  # fmt: skip
                set_settings(channel, **settings)
                cls.channels[connector] = channel.id
                cls.channel_ids.append(channel.id)
            env.flush_all()
            env["stock.channel.outbox"].search([("channel_id", "in", cls.channel_ids)]).unlink()
        cls.addClassCleanup(cls._restore_euro)

    @classmethod
    def _channel_vals(cls):
        url = cls.sim.marketplace_url
        return {
            "bol": {"api_key": "bol-client", "api_secret": "bol-secret",
                    "settings": {"token_url": f"{url('bol', cls.account)}/token"}},
            "mirakl": {"api_key": "mirakl-key"},
            "amazon": {"api_key": CLIENT, "api_secret": SECRET,
                       "settings": {"refresh_token": REFRESH, "seller_id": SELLER,
                                    "marketplace_id": DE,
                                    "token_url": f"{url('amazon', cls.account)}/auth/o2/token"}},
        }  # fmt: skip

    @classmethod
    def _restore_euro(cls):
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            env["product.pricelist"].browse(cls.pricelist_id).exists().unlink()
            env.ref("base.EUR").active = cls.euro_was_active

    def setUp(self):
        super().setUp()
        self.sim.reset()
        self.sim.configure_marketplace("bol", self.account, processing_delay=0.05)
        self.sim.configure_marketplace("mirakl", self.account, processing_delay=0.05)
        self.sim.configure_marketplace(
            "amazon", self.account, client_id=CLIENT, client_secret=SECRET,
            refresh_token=REFRESH, seller_id=SELLER, marketplace_id=DE, processing_delay=0.05,
        )  # fmt: skip

    def _sku(self, index):
        return f"PRACE-{self.token}-{index}"

    def _set_stock(self, product_id, quantity):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            env["stock.quant"]._update_available_quantity(
                env["product.product"].browse(product_id),
                env["stock.location"].browse(self.stock_location_id),
                quantity,
            )

    # -- an order polled for the last unit, and a POS sale ---------------------------------
    def _place(self, connector, order_id, sku):
        if connector == "bol":
            offer = self.sim.bol.add_offer(self.account, "0", sku)
            self.sim.bol.add_order(self.account, order_id, [(f"{order_id}-1", offer, 1, 10.0)])
        elif connector == "mirakl":
            line = {"sku": sku, "quantity": 1, "price_unit": 10.0}
            self.sim.mirakl.add_order(self.account, order_id=order_id, lines=[line])
        else:
            self.sim.amazon.add_order(self.account, {
                "orderId": order_id, "createdTime": "2026-11-23T09:00:00Z",
                "buyer": {"buyerName": "Rae Racer", "buyerEmail": f"{order_id}@example.com"},
                "recipient": {"deliveryAddress": {
                    "name": "Rae Racer", "addressLine1": "Hauptstr. 1", "city": "Berlin",
                    "postalCode": "10115", "countryCode": "DE"}},
                "proceeds": {"grandTotal": {"amount": "10.00", "currencyCode": "EUR"}},
                "orderItems": [{"orderItemId": f"{order_id}1", "quantityOrdered": 1,
                                "product": {"asin": "B0RACE", "sellerSku": sku, "price": {
                                    "unitPrice": {"amount": "10.00", "currencyCode": "EUR"}}}}],
            })  # fmt: skip

    def _poll(self, barrier, channel_id, results):
        barrier.wait()
        try:
            with self.registry.cursor() as cr:
                self.env_of(cr)["stock.channel"].browse(channel_id)._poll_orders()
        except Exception as error:  # reported by the test
            results["error"] = repr(error)

    def _pos(self, barrier, product_id, results):
        barrier.wait()
        sell_at_pos(self.registry, product_id, results)

    def _race(self, connector, round_no):
        index = {"bol": 0, "mirakl": 1, "amazon": 2}[connector] * ROUNDS + round_no
        product_id = self.product_ids[index]
        order_id = f"{connector[:3].upper()}{self.token}{round_no}"
        self._set_stock(product_id, 1)
        self._place(connector, order_id, self._sku(index))
        self._limits_rest()
        barrier, polled, sold = threading.Barrier(2), {}, {}
        threads = [
            threading.Thread(target=self._poll, args=(barrier, self.channels[connector], polled)),
            threading.Thread(target=self._pos, args=(barrier, product_id, sold)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        self.assertNotIn("error", polled, f"{connector} round {round_no}: the poll failed")
        self.assertEqual(sold.get("state"), "done", f"{connector} round {round_no}: {sold}")
        self._judge_deferred()
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            order = env["sale.order"].search(
                [
                    ("channel_id", "=", self.channels[connector]),
                    ("channel_order_ref", "=", order_id),
                ]
            )
            self.assertEqual(len(order), 1, f"{connector} round {round_no}: the order came in")
            self.assertNotEqual(
                order.channel_status,
                "accepted",
                f"{connector} round {round_no}: the POS sold the unit: the order cannot have it",
            )
            self.assertIn(order.channel_status, ("to_check", "cancelled"))
            incident = env["stock.channel.incident"].search([("sale_order_id", "=", order.id)])
            self.assertEqual(
                incident.qty_short, 1.0, f"{connector} round {round_no}: the oversell is recorded"
            )
            if connector == "mirakl":  # refused on Mirakl: the order is cancelled
                self.assertEqual(incident.resolution, "cancelled")
            if connector == "mirakl":
                self.assertEqual(order.state, "cancel", "refused on Mirakl, line by line")
            [(on_hand, reserved)] = env["stock.quant"]._read_group(
                [("product_id", "=", product_id), ("location_id", "=", self.stock_location_id)],
                aggregates=["quantity:sum", "reserved_quantity:sum"],
            )
            self.assertEqual((on_hand, reserved), (0, 0), f"{connector} round {round_no}")

    def _limits_rest(self):
        """The channels' limits rest between rounds (Mirakl reads its orders, OR11, once a
        minute for every caller): the test lets their time pass."""
        with self.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM stock_channel_rate_slot WHERE channel_id = ANY(%s)",
                [list(self.channel_ids)],
            )

    def _judge_deferred(self):
        """A polled order that lost a lock to the POS sale is stored and judged again
        by the scheduled action: run it now."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            deferred = env["stock.channel.inbound"].search(
                [("channel_id", "in", self.channel_ids), ("state", "=", "received")]
            )
            deferred.write({"retry_at": fields.Datetime.now()})
            env["stock.channel.inbound"]._cron_process_stale()

    def test_an_order_polled_for_the_last_unit_racing_a_pos_sale_never_both(self):
        for connector in ("bol", "mirakl", "amazon"):
            for round_no in range(ROUNDS):
                self._race(connector, round_no)

    # -- the rate limits, kept by every worker together ---------------------------------------
    def _push(self, barrier, connector, items, results):
        barrier.wait()
        try:
            with self.registry.cursor() as cr:
                channel = self.env_of(cr)["stock.channel"].browse(self.channels[connector])
                with channel._connector() as pusher:
                    results.append(pusher.push(items))
        except RetryableError as error:
            results.append(error)

    def _push_from_two_workers(self, connector, batches):
        barrier, results = threading.Barrier(len(batches)), []
        threads = [
            threading.Thread(target=self._push, args=(barrier, connector, items, results))
            for items in batches
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        self.assertFalse(
            [r for r in self.sim.received(f"/{connector}/") if r["status"] == 429],
            f"{connector}: a worker went over the limit",
        )
        return results

    def _items(self, skus, ids):
        return [PushItem(sku, 1, 1, None, external_id=ids.get(sku, "")) for sku in skus]

    def test_bol_two_workers_keep_the_offer_stock_limit_together(self):
        self.sim.configure_marketplace("bol", self.account, stock_limit=20, stock_window=1.0)
        skus = [f"L{n}" for n in range(50)]
        ids = {sku: self.sim.bol.add_offer(self.account, "0", sku) for sku in skus}
        self._with_limits("bol", {"offer_stock": per_window(20, 1)})
        results = self._push_from_two_workers("bol", [self._items(skus[:25], ids),
                                                      self._items(skus[25:], ids)])  # fmt: skip
        self.assertEqual(sum(len(r.tracking) for r in results), 50)
        served = self.sim.bol.served(self.account, "offer_stock")
        self.assertEqual(len(served), 50)
        self.assertLessEqual(
            self.sim.bol.limits.max_in_window((self.account, "offer_stock"), 0.95), 20
        )

    def test_mirakl_two_workers_send_one_stock_file_a_minute(self):
        for sku in ("M1", "M2"):
            self.sim.mirakl.add_offer(self.account, sku)
        results = self._push_from_two_workers("mirakl", [self._items(["M1"], {}),
                                                         self._items(["M2"], {})])  # fmt: skip
        imports = [r for r in self.sim.received("/mirakl/") if r["method"] == "POST"]
        self.assertEqual(len(imports), 1)
        [waited] = [r for r in results if isinstance(r, RetryableError)]
        self.assertTrue(waited.throttled and waited.seconds > 40)

    def test_amazon_two_workers_keep_the_listings_usage_plan_together(self):
        skus = [f"Z{n}" for n in range(16)]
        for sku in skus:
            self.sim.amazon.add_listing(self.account, sku)
        self._push_from_two_workers(
            "amazon", [self._items(skus[:8], {}), self._items(skus[8:], {})]
        )
        patches = [r for r in self.sim.received("/amazon/") if r["method"] == "PATCH"]
        self.assertEqual(len(patches), 16)

    def _with_limits(self, connector, limits):
        """The connector's documented limits for this test (restored after it)."""
        cls = get_connector(connector)
        original = dict(cls.limits)
        cls.limits = {**original, **limits}
        self.addCleanup(setattr, cls, "limits", original)
