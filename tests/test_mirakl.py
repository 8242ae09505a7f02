"""Mirakl end to end, against the simulator's shop over real HTTP: stock files accepted
then confirmed later (or failed, or timed out), once a minute at most, orders polled and
accepted or refused line by line from the central reservation, the address the shop
gives once accepted, tracking and shipment back, read-back."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..models.stock_channel import reconcile_run as reconcile_module
from ..models.stock_channel_alert.soon import ALERT_PRECOMMIT_KEY
from .common import ALERT_DEFAULTS, OrderCase

SHOP = "fnac"
KEY = "mirakl-shop-key"


@tagged("post_install", "-at_install")
class TestMirakl(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sell_in_euros()
        cls.mirakl = cls.marketplace_channel(
            "mirakl", "mirakl", endpoint_url=cls.sim.marketplace_url("mirakl", SHOP), api_key=KEY
        )

    def setUp(self):
        super().setUp()
        # the shop's windows are the connector's limits: the tests let their time pass
        self.sim.configure_marketplace("mirakl", SHOP, api_key=KEY, processing_delay=0.05,
                                       import_window_seconds=0.0, status_window_seconds=0.0,
                                       report_window_seconds=0.0)  # fmt: skip
        self.sim.mirakl.add_offer(SHOP, "WIDGET")
        self.sim.mirakl.add_offer(SHOP, "GADGET")
        self.mirakl.action_import_mapping()
        self.run_jobs()

    def minute_passed(self):
        """Mirakl takes one stock file a minute, and status reads every 15 s: let the time
        pass (the limiter's slots)."""
        self.env["stock.channel.rate.slot"].search([("channel_id", "=", self.mirakl.id)]).unlink()

    def imports(self):
        return [r for r in self.sim.received("/mirakl/") if r["method"] == "POST"]

    # -- stock out and the verdicts --------------------------------------------------------
    def test_a_stock_file_is_confirmed_later_and_applied_then(self):
        self.set_stock(self.product, 7)
        self.set_stock(self.product_b, 2)
        self.dispatch()
        [log] = self.logs(self.mirakl)
        self.assertEqual((log.state, log.item_count), ("sent", 2))
        self.assertEqual(len(set(log.remote_ids.values())), 1, "one import for the push")
        [request] = self.imports()
        self.assertIn('"WIDGET";"7"', request["body"].replace("WIDGET;7", '"WIDGET";"7"'))
        self.read_verdicts(self.mirakl)
        self.assertEqual(log.state, "done")
        self.assertTrue(log.confirmed_at and log.confirmed_latency_ms > 0)
        self.assertEqual(self.sim.mirakl.offer(SHOP, "WIDGET")["quantity"], 7)
        self.assertEqual(self.quantity_line(self.mirakl).published_qty, 7)

    def test_a_line_failed_later_is_retried_then_dead_lettered_the_others_done(self):
        self.sim.configure_marketplace("mirakl", SHOP, fail_skus=["GADGET"])
        self.set_stock(self.product, 3)
        self.set_stock(self.product_b, 4)
        self.dispatch()
        self.read_verdicts(self.mirakl)
        [log] = self.logs(self.mirakl)
        self.assertEqual(log.state, "done")
        self.assertIn("GADGET:", log.error)
        [row] = self.outbox(self.mirakl)
        self.assertEqual((row.product_id, row.attempts), (self.product_b, 1))
        row.next_attempt_at = fields.Datetime.now()
        self.minute_passed()
        self.dispatch()
        self.minute_passed()  # STO02: once every 15 s
        self.read_verdicts(self.mirakl)
        [dead] = self.outbox(self.mirakl, state="dead")
        self.assertEqual(dead.product_id, self.product_b)
        self.assertEqual(self.sim.mirakl.offer(SHOP, "WIDGET")["quantity"], 3)

    def test_an_import_without_verdict_is_sent_again(self):
        self.sim.configure_marketplace("mirakl", SHOP, timeout_imports=True)
        self.set_stock(self.product, 5)
        self.dispatch()
        self.logs(self.mirakl, "sent").write(
            {"confirm_deadline": fields.Datetime.now() - timedelta(seconds=1)}
        )
        self.read_verdicts(self.mirakl)
        rows = self.outbox(self.mirakl)  # both variants of the file: sent again
        self.assertEqual(rows.product_id, self.product | self.product_b)
        self.assertRegex(rows[0].last_error, "no verdict|TIMEOUT|still")

    def test_one_stock_file_a_minute_the_next_waits_never_a_dead_letter(self):
        self.sim.configure_marketplace("mirakl", SHOP, import_window_seconds=60.0)
        self.set_stock(self.product, 1)
        self.dispatch()
        self.set_stock(self.product, 2)
        for _attempt in range(3):
            self.dispatch()
            self.outbox(self.mirakl).write({"next_attempt_at": fields.Datetime.now()})
        self.assertEqual(len(self.imports()), 1, "the limiter waits: no second file, no 429")
        self.assertFalse(self.outbox(self.mirakl, state="dead"))
        [row] = self.outbox(self.mirakl)
        self.assertIn("rate limit", row.last_error)

    def test_a_file_waiting_for_its_minute_is_no_failure_and_raises_no_alert(self):
        self.sim.configure_marketplace("mirakl", SHOP, import_window_seconds=60.0)
        self.set_stock(self.product, 1)
        self.dispatch()
        self.set_stock(self.product, 2)
        for _attempt in range(3):
            self.dispatch()
            self.assertNotIn(ALERT_PRECOMMIT_KEY, self.env.cr.precommit.data, "no alert run")
            self.outbox(self.mirakl).write({"next_attempt_at": fields.Datetime.now()})
        waiting = self.logs(self.mirakl, "waiting")
        self.assertEqual(len(waiting), 3)
        self.assertFalse(self.logs(self.mirakl, "retry"))
        self.assertIn("Waiting for the channel: ", waiting[0].error)
        self.assertIn("Waiting for the channel: ", self.outbox(self.mirakl).last_error)
        self.mirakl.invalidate_recordset()
        self.assertEqual(self.mirakl.failure_rate_24h, 0)
        self.mirakl._alert_evaluate()
        self.assertFalse(self.mirakl.alert_ids)
        attempts = self.logs(self.mirakl) - waiting
        waiting[:1].copy({"state": "dead"})  # one refused push beside the waiting ones
        self.mirakl.invalidate_recordset()
        self.assertAlmostEqual(
            self.mirakl.failure_rate_24h, 100.0 / (len(attempts) + 1), 2, "waiting: no attempt"
        )

    # -- orders -------------------------------------------------------------------------
    def poll(self):
        """Poll, then send the statuses: OR11 is read once a minute, by every caller
        (the tests let the minutes pass)."""
        self.minute_passed()
        self.mirakl._poll_orders()
        self.dispatch()
        for _minute in range(20):
            if not self.outbox(self.mirakl):
                return
            self.minute_passed()
            self.outbox(self.mirakl).write({"next_attempt_at": fields.Datetime.now()})
            self.dispatch()

    def or11_listings(self):
        return [r for r in self.sim.received(f"/mirakl/{SHOP}/api/orders")
                if r["method"] == "GET" and "start_update_date" in r["query"]]  # fmt: skip

    def test_orders_are_polled_across_pages_accepted_and_completed_once_the_address_comes(self):
        self.sim.configure_marketplace("mirakl", SHOP, max_page_size=5)
        self.set_stock(self.product, 50)
        ids = [self.sim.mirakl.add_order(SHOP, lines=[{"sku": "WIDGET", "quantity": 1,
                                                       "price_unit": 10.0}])["order_id"]
               for _n in range(7)]  # fmt: skip
        self.poll()
        orders = self.env["sale.order"].search([("channel_id", "=", self.mirakl.id)])
        self.assertEqual(len(orders), 7)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertTrue(all(orders.mapped("channel_address_pending")))
        for order_id in ids:
            record = self.sim.mirakl.order(SHOP, order_id)
            self.assertEqual(list(record["acceptance"].values()), [True], order_id)
        count = self.env["stock.channel.inbound"].search_count(
            [("channel_id", "=", self.mirakl.id)]
        )
        self.poll()  # accepted (SHIPPING): the address is there now, completed once
        order = self.order_of(ids[0], self.mirakl)
        self.assertFalse(order.channel_address_pending)
        self.assertEqual(order.partner_shipping_id.city, "Paris")
        self.assertEqual(order.picking_ids.partner_id, order.partner_shipping_id)
        self.poll()  # the overlap reads them again: nothing new
        self.assertEqual(
            self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.mirakl.id)]),
            count + 7,
        )
        self.assertEqual(self.publishable(self.web), 43)

    def test_an_order_that_cannot_be_reserved_is_refused_line_by_line(self):
        self.set_stock(self.product, 1)
        won = self.sim.mirakl.add_order(SHOP, lines=[{"sku": "WIDGET", "quantity": 1}])
        both = [{"sku": "WIDGET", "quantity": 1}, {"sku": "GADGET", "quantity": 1}]
        lost = self.sim.mirakl.add_order(SHOP, lines=both)
        self.poll()
        self.assertEqual(self.order_of(won["order_id"], self.mirakl).state, "sale")
        self.assertEqual(self.order_of(lost["order_id"], self.mirakl).state, "cancel")
        refused = self.sim.mirakl.order(SHOP, lost["order_id"])
        self.assertEqual(set(refused["acceptance"].values()), {False})
        self.assertEqual(refused["order"]["order_state"], "REFUSED")

    def test_an_order_with_a_short_line_accepts_the_others_and_refuses_only_that_line(self):
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 0)
        lines = [{"sku": "WIDGET", "quantity": 2, "price_unit": 10.0},
                 {"sku": "GADGET", "quantity": 1, "price_unit": 4.0}]  # fmt: skip
        placed = self.sim.mirakl.add_order(SHOP, lines=lines)
        self.poll()
        order = self.order_of(placed["order_id"], self.mirakl)
        self.assertEqual(order.state, "sale", "the order keeps the line Odoo reserved")
        widget, gadget = order.order_line.filtered(lambda line: line.channel_line_ref)
        self.assertEqual((widget.product_uom_qty, widget.channel_refused_qty), (2, 0))
        self.assertEqual((gadget.product_uom_qty, gadget.channel_refused_qty), (0, 1))
        self.assertIn("1 ordered, 0 available", gadget.channel_refused_reason)
        self.assertEqual(order.picking_ids.move_ids.product_id, self.product)
        self.assertEqual(
            order.amount_untaxed,
            20.0
            + sum(
                order.order_line.filtered(lambda line: line._is_delivery()).mapped("price_subtotal")
            ),
        )
        line_a, line_b = (line["order_line_id"] for line in placed["order_lines"])
        record = self.sim.mirakl.order(SHOP, placed["order_id"])
        self.assertEqual(record["acceptance"], {line_a: True, line_b: False})
        self.assertEqual(record["order"]["order_state"], "SHIPPING")
        self.assertEqual((self.mirakl.refused_line_count_7d, self.mirakl.refused_qty_7d), (1, 1))
        self.assertEqual(self.publishable(self.web), 3)

    def test_a_reconciliation_right_after_the_poll_waits_for_the_or11_minute(self):
        self.minute_passed()
        self.mirakl._poll_orders()
        self.mirakl._reconcile("manual", self.product)
        self.assertEqual(len(self.or11_listings()), 1, "OR11 once a minute, for every caller")
        self.assertTrue(self.mirakl.order_polled_at, "the scheduled poll ran")

    def test_an_order_left_waiting_for_its_acceptance_raises_an_alert(self):
        self.env.company.write(ALERT_DEFAULTS)
        self.set_stock(self.product, 5)
        placed = self.sim.mirakl.add_order(SHOP, lines=[{"sku": "WIDGET", "quantity": 1}])
        self.minute_passed()
        self.mirakl._poll_orders()  # imported; its acceptance not sent yet
        order = self.order_of(placed["order_id"], self.mirakl)
        order.flush_recordset()
        self.env.cr.execute(
            "UPDATE sale_order SET create_date = now() at time zone 'UTC' - interval '70 minutes' "
            "WHERE id = %s", [order.id]
        )  # fmt: skip
        self.mirakl._alert_evaluate()
        alert = self.mirakl.alert_ids.filtered(lambda a: a.kind == "acceptance")
        self.assertEqual(alert.state, "open")
        self.assertGreaterEqual(alert.figure, 70.0)
        self.poll()  # accepted on Mirakl
        self.mirakl._alert_evaluate()
        self.assertEqual(alert.state, "resolved")

    def test_tracking_and_shipment_back(self):
        self.set_stock(self.product, 5)
        placed = self.sim.mirakl.add_order(SHOP, lines=[{"sku": "WIDGET", "quantity": 2}])
        self.poll()
        self.poll()  # the address, once accepted
        carrier = self.env["delivery.carrier"].create(
            {"name": "Colissimo", "product_id": self.mirakl._shipping_product().id,
             "channel_carrier_code": "COLISSIMO"}
        )  # fmt: skip
        order = self.order_of(placed["order_id"], self.mirakl)
        order.picking_ids.carrier_id = carrier
        self.ship(order, tracking="6A123")
        self.minute_passed()  # a shipment reads the order in its turn, after the poll's
        self.dispatch(until_empty=True)
        record = self.sim.mirakl.order(SHOP, placed["order_id"])
        self.assertEqual(record["tracking"][-1]["tracking_number"], "6A123")
        self.assertEqual(record["tracking"][-1]["carrier_code"], "COLISSIMO")
        self.assertTrue(record["shipped"])
        self.assertEqual(record["order"]["order_state"], "SHIPPED")

    def test_a_customer_cancellation_before_shipment(self):
        self.set_stock(self.product, 5)
        placed = self.sim.mirakl.add_order(SHOP, lines=[{"sku": "WIDGET", "quantity": 2}])
        self.poll()
        self.sim.mirakl.update_order(SHOP, placed["order_id"], order_state="CANCELED")
        self.poll()
        self.assertEqual(self.order_of(placed["order_id"], self.mirakl).state, "cancel")
        self.assertEqual(self.publishable(self.web), 5)

    def test_a_reconciliation_lists_the_offers_once(self):
        products = self.product | self.product_b
        for n in range(25):  # above the offers Mirakl reads one by one
            products |= self._create_product(f"Many {n}", f"MANY-{n:02d}")
            self.sim.mirakl.add_offer(SHOP, f"MANY-{n:02d}")
        self.sim.clear_received()
        with patch.object(reconcile_module, "RECONCILE_CHUNK", 5):
            run = self.mirakl._reconcile("manual", products)
        self.assertEqual((run.state, run.skus_read), ("done", 27))
        listings = [
            r for r in self.sim.received("/mirakl/")
            if r["method"] == "GET" and r["path"].endswith("/api/offers")
        ]  # fmt: skip
        # the quantities' listing and the catalogue's (SKUs nobody maps), not one per chunk
        self.assertEqual(len(listings), 2)

    def test_read_back(self):
        self.sim.mirakl._offer_by_sku(SHOP, "WIDGET")["quantity"] = 9
        self.assertEqual(self.read_back(self.mirakl, self.product)[self.product.id], 9)
