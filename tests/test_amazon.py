"""Amazon end to end, against the simulator's seller account over real HTTP: quantity
patches accepted then confirmed later (or failed), a listings feed for large pushes,
Login with Amazon tokens, the usage plans, merchant-fulfilled orders polled (pending
ones completed once Amazon gives the address), shipments confirmed, read-back, FBA
listings bound and never pushed."""

import json

from odoo import fields
from odoo.tests import tagged

from .common import OrderCase

ACCOUNT = "seller"
SELLER = "A2SELLER"
DE = "A1PA6795UKMFR9"
CLIENT, SECRET, REFRESH = "amzn1.application-oa2-client.odoo", "lwa-secret", "Atzr|odoo-refresh"


def amazon_order(number, lines, status="UNSHIPPED", **over):
    """A merchant-fulfilled order of ``lines`` [(sku, quantity)] at 10.00 EUR each."""
    items = sum(quantity for _sku, quantity in lines) * 10
    order = {
        "orderId": f"302-0000000-{number:07d}",
        "createdTime": "2026-11-23T09:00:00Z",
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": DE},
        "fulfillment": {"fulfillmentStatus": status, "fulfilledBy": "MERCHANT"},
        "buyer": {"buyerName": "Berta Buyer", "buyerEmail": f"b{number}@marketplace.amazon.de"},
        "recipient": {"deliveryAddress": {
            "name": "Berta Buyer", "addressLine1": "Hauptstr. 1", "city": "Berlin",
            "postalCode": "10115", "countryCode": "DE"}},
        "proceeds": {"grandTotal": {"amount": f"{items:.2f}", "currencyCode": "EUR"},
                     "breakdowns": [{"type": "ITEM", "subtotal": {"amount": f"{items:.2f}",
                                                                  "currencyCode": "EUR"}}]},
        "orderItems": [
            {"orderItemId": f"{number}{index:04d}", "quantityOrdered": quantity,
             "product": {"asin": f"B0{sku}", "sellerSku": sku,
                         "price": {"unitPrice": {"amount": "10.00", "currencyCode": "EUR"}}}}
            for index, (sku, quantity) in enumerate(lines, start=1)
        ],
    }  # fmt: skip
    order.update(over)
    return order


@tagged("post_install", "-at_install")
class TestAmazon(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sell_in_euros()
        url = cls.sim.marketplace_url("amazon", ACCOUNT)
        cls.amazon = cls.marketplace_channel(
            "amazon", "amazon", endpoint_url=url, api_key=CLIENT, api_secret=SECRET,
            settings={"token_url": f"{url}/auth/o2/token", "refresh_token": REFRESH,
                      "seller_id": SELLER, "marketplace_id": DE, "feed_threshold": 3},
        )  # fmt: skip
        cls.fba = cls._create_product("Bulky", "BULKY")

    def setUp(self):
        super().setUp()
        self.sim.configure_marketplace(
            "amazon", ACCOUNT, client_id=CLIENT, client_secret=SECRET, refresh_token=REFRESH,
            seller_id=SELLER, marketplace_id=DE, processing_delay=0.05,
        )  # fmt: skip
        self.sim.amazon.add_listing(ACCOUNT, "WIDGET")
        self.sim.amazon.add_listing(ACCOUNT, "GADGET")
        self.sim.amazon.add_listing(ACCOUNT, "BULKY", 40, fulfillment="AMAZON_EU")
        self.amazon.action_import_mapping()
        self.run_jobs()
        self.dispatch()  # the mapping's pushes (the FBA listing: none)
        self.read_verdicts(self.amazon)
        self.sim.clear_received()

    def patches(self):
        return [r for r in self.sim.received("/amazon/") if r["method"] == "PATCH"]

    # -- the mapping, stock out and the verdicts ----------------------------------------
    def test_fba_listings_are_bound_and_never_pushed(self):
        binding = self.amazon._bindings(self.fba)[self.fba.id]
        self.assertTrue(binding.fulfilled_by_channel)
        self.set_stock(self.fba, 3)
        self.dispatch()
        self.assertFalse(self.patches())
        self.assertEqual(self.sim.amazon.quantity(ACCOUNT, "BULKY"), 40)
        self.assertFalse(self.outbox(self.amazon))

    def test_a_patch_is_confirmed_later_with_its_confirmed_latency(self):
        self.sim.configure_marketplace("amazon", ACCOUNT, processing_delay=0.3)
        self.set_stock(self.product, 6)
        self.dispatch()
        [log] = self.logs(self.amazon, "sent")
        [patch] = self.patches()
        self.assertEqual(json.loads(patch["body"])["patches"][0]["op"], "merge")
        self.assertEqual(self.sim.amazon.quantity(ACCOUNT, "WIDGET"), 0, "ACCEPTED is not done")
        self.read_verdicts(self.amazon, wait=0)
        self.assertEqual(log.state, "sent")
        self.read_verdicts(self.amazon, wait=0.4)
        self.assertEqual(log.state, "done")
        self.assertGreaterEqual(log.confirmed_latency_ms, 300)
        self.assertEqual(self.quantity_line(self.amazon).published_qty, 6)

    def test_a_patch_failed_later_is_retried_then_dead_lettered(self):
        self.sim.configure_marketplace("amazon", ACCOUNT, fail_skus=["GADGET"])
        self.set_stock(self.product, 2)
        self.set_stock(self.product_b, 2)
        self.dispatch()
        self.read_verdicts(self.amazon)
        [row] = self.outbox(self.amazon)
        self.assertEqual((row.product_id, row.attempts), (self.product_b, 1))
        row.next_attempt_at = fields.Datetime.now()
        self.dispatch()
        self.read_verdicts(self.amazon)
        [dead] = self.outbox(self.amazon, state="dead")
        self.assertEqual(dead.product_id, self.product_b)
        self.assertEqual(self.sim.amazon.quantity(ACCOUNT, "WIDGET"), 2)

    def forget_logs(self):
        """The set-up's pushes (the mapping's) out of the figures."""
        self.logs(self.amazon).unlink()

    def accepted_latency(self):
        """The channel's accepted latency figures (p95 over the hour and the day)."""
        self.amazon.invalidate_recordset(["latency_p95_1h", "latency_p95_24h"])
        return self.amazon.latency_p95_1h, self.amazon.latency_p95_24h

    def test_a_listing_refused_as_invalid_is_dead_never_done_nor_timed(self):
        self.forget_logs()
        del self.sim.amazon.listings[ACCOUNT]["GADGET"]  # unknown to Amazon: INVALID at once
        self.set_stock(self.product_b, 4)
        self.dispatch()
        [log] = self.logs(self.amazon)
        self.assertEqual(log.state, "dead")
        self.assertEqual((log.acked_at, log.latency_ms), (False, 0))
        self.assertIn("GADGET: amazon: ", log.error)
        self.assertIn("SKU 'GADGET' does not exist", log.error)
        [dead] = self.outbox(self.amazon, state="dead")
        self.assertEqual(dead.product_id, self.product_b)
        self.assertEqual(self.accepted_latency(), (0, 0), "nothing was accepted")

    def test_in_a_push_only_the_listings_amazon_took_are_accepted_and_timed(self):
        self.forget_logs()
        del self.sim.amazon.listings[ACCOUNT]["GADGET"]
        self.set_stock(self.product, 6)
        self.set_stock(self.product_b, 4)
        self.dispatch()
        taken, refused = self.logs(self.amazon)  # newest first
        self.assertEqual((refused.state, refused.skus, refused.acked_at), ("dead", "GADGET", False))
        self.assertEqual((taken.state, taken.skus, taken.item_count), ("sent", "WIDGET", 1))
        self.assertFalse(taken.error)
        self.read_verdicts(self.amazon)
        self.assertEqual(taken.state, "done")
        self.assertEqual(self.accepted_latency(), (taken.latency_ms, taken.latency_ms))

    def test_a_push_refused_by_its_verdict_leaves_the_accepted_latency(self):
        self.forget_logs()
        self.sim.configure_marketplace("amazon", ACCOUNT, fail_skus=["GADGET"])
        self.set_stock(self.product_b, 2)
        self.dispatch()
        [log] = self.logs(self.amazon, "sent")
        self.assertTrue(log.latency_ms >= 0 and log.acked_at)
        self.read_verdicts(self.amazon)
        self.assertEqual(log.state, "retry")
        self.assertEqual(self.accepted_latency(), (0, 0), "Amazon refused it: not accepted")

    def test_no_verdict_by_the_deadline_is_sent_again(self):
        self.sim.configure_marketplace("amazon", ACCOUNT, processing_delay=3600)
        self.set_stock(self.product, 3)
        self.dispatch()
        self.logs(self.amazon, "sent").write({"confirm_deadline": fields.Datetime.now()})
        self.read_verdicts(self.amazon)
        [row] = self.outbox(self.amazon)
        self.assertEqual((row.product_id, row.attempts, row.force), (self.product, 1, True))
        self.assertIn("no verdict from the channel after 60 minutes", row.last_error)
        self.assertEqual(self.logs(self.amazon)[0].state, "retry")

    def test_a_large_push_goes_as_one_feed_confirmed_by_its_report(self):
        products = [self._create_product(f"Many {n}", f"MANY-{n}") for n in range(4)]
        for product in products:
            self.sim.amazon.add_listing(ACCOUNT, product.default_code)
            self.set_stock(product, 5)
        self.dispatch()
        self.assertFalse(self.patches())
        [log] = self.logs(self.amazon, "sent")
        self.assertEqual(len(set(log.remote_ids.values())), 1, "one feed")
        self.read_verdicts(self.amazon, wait=0.3)
        self.assertEqual(log.state, "done")
        self.assertEqual(self.sim.amazon.quantity(ACCOUNT, "MANY-3"), 5)

    def test_an_expired_token_is_refreshed_and_kept_from_users(self):
        self.sim.amazon.expire_tokens(ACCOUNT)
        self.set_stock(self.product, 4)
        self.dispatch()
        self.assertEqual([r["status"] for r in self.patches()], [403, 200])
        self.assertEqual(self.sim.amazon.token_requests(ACCOUNT), 2)
        self.assertFalse(self.outbox(self.amazon))

    def test_the_usage_plan_is_honoured_never_a_dead_letter(self):
        self.sim.configure_marketplace(
            "amazon", ACCOUNT, rate_limits={"patchListingsItem": [0.01, 1]}
        )
        self.set_stock(self.product, 1)
        self.set_stock(self.product_b, 1)
        for _attempt in range(3):
            self.dispatch()
            self.outbox(self.amazon).write({"next_attempt_at": fields.Datetime.now()})
        self.assertFalse(self.outbox(self.amazon, state="dead"))
        self.assertTrue(self.outbox(self.amazon))

    # -- orders -------------------------------------------------------------------------
    def poll(self):
        self.amazon._poll_orders()
        self.dispatch(until_empty=True)

    def test_orders_are_polled_across_pages_once_pending_ones_completed_later(self):
        self.sim.configure_marketplace("amazon", ACCOUNT, max_page_size=2)
        self.set_stock(self.product, 20)
        for number in range(1, 4):
            self.sim.amazon.add_order(ACCOUNT, amazon_order(number, [("WIDGET", 1)]))
        pending = amazon_order(9, [("WIDGET", 2)], status="PENDING")
        for key in ("recipient", "buyer", "proceeds"):
            pending.pop(key)
        for item in pending["orderItems"]:
            item["product"].pop("price")
        self.sim.amazon.add_order(ACCOUNT, pending)
        self.poll()
        orders = self.env["sale.order"].search([("channel_id", "=", self.amazon.id)])
        self.assertEqual(len(orders), 4)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        waiting = self.order_of(pending["orderId"], self.amazon)
        self.assertTrue(waiting.channel_address_pending)
        self.assertEqual(self.publishable(self.web), 15)
        count = self.env["stock.channel.inbound"].search_count(
            [("channel_id", "=", self.amazon.id)]
        )
        self.poll()  # the overlap: nothing new
        self.assertEqual(
            self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.amazon.id)]),
            count,
        )
        full = amazon_order(9, [("WIDGET", 2)])
        self.sim.amazon.update_order(  # paid: prices, buyer and address come
            ACCOUNT, pending["orderId"], status="UNSHIPPED", recipient=full["recipient"],
            buyer=full["buyer"], proceeds=full["proceeds"], orderItems=full["orderItems"],
        )  # fmt: skip
        self.poll()
        self.assertFalse(waiting.channel_address_pending)
        self.assertEqual(waiting.partner_shipping_id.city, "Berlin")
        self.assertEqual(waiting.order_line.mapped("price_unit"), [10.0], "paid: its price")

    def test_a_buyer_cancellation_and_a_shipment_confirmed(self):
        self.set_stock(self.product, 5)
        cancelled = self.sim.amazon.add_order(ACCOUNT, amazon_order(21, [("WIDGET", 1)]))
        shipped = self.sim.amazon.add_order(ACCOUNT, amazon_order(22, [("WIDGET", 2)]))
        self.poll()
        self.sim.amazon.update_order(ACCOUNT, cancelled["orderId"], status="CANCELLED",
                                     cancel_reason="Ordered by mistake")  # fmt: skip
        self.poll()
        self.assertEqual(self.order_of(cancelled["orderId"], self.amazon).state, "cancel")
        carrier = self.env["delivery.carrier"].create(
            {"name": "DHL", "product_id": self.amazon._shipping_product().id,
             "channel_carrier_code": "DHL"}
        )  # fmt: skip
        order = self.order_of(shipped["orderId"], self.amazon)
        order.picking_ids.carrier_id = carrier
        self.ship(order, tracking="JJD0001")
        self.dispatch(until_empty=True)
        [package] = [c["packageDetail"] for c in self.sim.amazon.shipment_confirmations(ACCOUNT)]
        self.assertEqual((package["carrierCode"], package["trackingNumber"]), ("DHL", "JJD0001"))
        self.assertEqual(package["orderItems"], [{"orderItemId": "220001", "quantity": 2}])
        self.assertEqual(self.publishable(self.web), 3)

    def test_read_back(self):
        self.sim.amazon.set_quantity(ACCOUNT, "WIDGET", 11)
        self.assertEqual(self.read_back(self.amazon, self.product)[self.product.id], 11)
