import json

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import OrderCase


@tagged("post_install", "-at_install")
class TestOrderIntake(OrderCase):
    def test_an_accepted_order_is_a_confirmed_sale_of_the_channel_warehouse(self):
        self.set_stock(self.product, 5)
        inbound, status, answer = self.receive_order(
            self.order_payload("M-1", [("WIDGET", 2, 12.5)], shipping=4.95)
        )
        order = self.order_of("M-1")
        self.assertEqual(status, 200)
        self.assertEqual(
            answer, {"order": order.name, "status": "accepted",
                     "lines": [{"id": "M-1-1", "status": "accepted"}]},
        )  # fmt: skip
        self.assertEqual(inbound.state, "done")
        self.assertEqual(inbound.sale_order_id, order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertEqual(order.channel_id, self.market)
        widget_line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        self.assertEqual(widget_line.price_unit, 12.5)
        self.assertEqual(widget_line.channel_line_ref, "M-1-1")
        shipping = order.order_line - widget_line
        self.assertEqual(shipping.product_id, self.market._shipping_product())
        self.assertEqual(shipping.price_unit, 4.95)
        self.assertEqual(order.picking_ids.move_ids.quantity, 2, "reserved at once")
        self.assertEqual(order.partner_id.email, "ann@example.com")
        self.assertEqual(order.partner_shipping_id.city, "Brussels")

    def test_the_same_order_sent_again_reserves_once(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("M-2", [("WIDGET", 2)])
        first = self.receive_order(payload)
        again = [self.receive_order(payload) for _ in range(4)]
        self.assertEqual(len(self.order_of("M-2")), 1)
        for inbound, status, answer in again:
            self.assertEqual((status, answer), first[1:])
            self.assertEqual(inbound.state, "duplicate")
        self.assertEqual(self.publishable(self.web), 3)

    def test_a_known_customer_is_found_and_a_new_address_added(self):
        self.receive_order(self.order_payload("M-3", [("WIDGET", 1)]))
        payload = self.order_payload("M-4", [("WIDGET", 1)])
        payload["shipping_address"].update(name="Ann at work", street="Avenue Louise 5")
        self.receive_order(payload)
        first, second = self.order_of("M-3"), self.order_of("M-4")
        self.assertEqual(first.partner_id, second.partner_id)
        self.assertEqual(second.partner_shipping_id.parent_id, first.partner_id)
        self.assertEqual(second.partner_shipping_id.street, "Avenue Louise 5")
        self.assertEqual(
            self.env["res.partner"].search_count([("email", "=", "ann@example.com")]), 1
        )

    def test_the_last_unit_goes_to_one_order_the_other_is_a_shortfall(self):
        self.set_stock(self.product, 1)
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        _inbound, _status, first = self.receive_order(self.order_payload("M-5", [("WIDGET", 1)]))
        payload = self.order_payload("S-5", [("WIDGET", 1)])
        inbound, status, second = self.receive_order(payload, channel=self.market_b())
        self.assertEqual(first["status"], "accepted")
        self.assertEqual(status, 200)
        self.assertEqual(second["status"], "to_check")
        self.assertIn("stock shortfall", second["reason"])
        self.assertEqual(second["lines"], [{"id": "S-5-1", "status": "to_check"}])
        order = self.order_of("S-5", self.market_b())
        self.assertEqual(order.state, "draft", "nothing reserved for the shortfall")
        self.assertEqual(order.channel_exception, "to_check")
        self.assertEqual(inbound.state, "exception")
        self.assertIn("WIDGET needs 1, 0 available", inbound.error)
        # the reservation moved every channel's publishable quantity, through the outbox
        self.assertIn(self.product, self.outbox(self.market).product_id)
        self.assertEqual(self.publishable(self.web), 0)

    def market_b(self):
        channel = self.env["stock.channel"].search([("code", "=", "market-b")])
        return channel or self.env["stock.channel"].create(
            {"name": "Market B", "code": "market-b", "warehouse_id": self.warehouse.id,
             "connector": "generic_json", "endpoint_url": self.sim.generic_url("market-b"),
             "api_secret": self.secret}
        )  # fmt: skip

    def test_a_channel_that_allows_backorders_takes_the_order(self):
        self.market.allow_backorder = True
        _inbound, _status, answer = self.receive_order(self.order_payload("M-6", [("WIDGET", 3)]))
        order = self.order_of("M-6")
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.picking_ids.move_ids.quantity, 0)

    def test_retry_after_stock_arrived_confirms_without_a_second_order(self):
        inbound, _status, answer = self.receive_order(self.order_payload("M-7", [("WIDGET", 2)]))
        self.assertEqual(answer["status"], "to_check")
        self.set_stock(self.product, 2)
        inbound.action_retry()
        order = self.order_of("M-7")
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.channel_exception)
        self.assertEqual(inbound.state, "done")
        self.assertEqual(inbound.response["status"], "accepted")
        self.assertEqual(inbound.attempts, 2)

    def test_retry_from_the_order_updates_its_message_too(self):
        inbound, _status, _answer = self.receive_order(self.order_payload("M-13", [("WIDGET", 1)]))
        order = self.order_of("M-13")
        self.set_stock(self.product, 1)
        order.action_channel_retry()
        self.assertEqual(order.state, "sale")
        self.assertEqual(inbound.state, "done")
        self.assertEqual(inbound.response["status"], "accepted")

    def test_ring_fenced_units_of_other_channels_are_not_orderable(self):
        self.set_stock(self.product, 3)
        self.add_rule(self.web, ring_fenced_qty=2)
        _inbound, _status, answer = self.receive_order(self.order_payload("M-8", [("WIDGET", 2)]))
        self.assertEqual(answer["status"], "to_check")
        _inbound, _status, answer = self.receive_order(self.order_payload("M-9", [("WIDGET", 1)]))
        self.assertEqual(answer["status"], "accepted")

    def test_confirming_a_channel_quotation_by_hand_checks_the_stock(self):
        self.receive_order(self.order_payload("M-10", [("WIDGET", 1)]))
        with self.assertRaisesRegex(UserError, "stock shortfall"):
            self.order_of("M-10").action_confirm()

    def test_quarantine_stock_is_not_orderable(self):
        self.set_stock(self.product, 4, self.quarantine)
        _inbound, _status, answer = self.receive_order(self.order_payload("M-11", [("WIDGET", 1)]))
        self.assertEqual(answer["status"], "to_check")

    def test_a_message_the_server_stored_but_never_judged_is_taken_by_the_cron(self):
        self.set_stock(self.product, 1)
        payload = self.order_payload("M-12", [("WIDGET", 1)])
        inbound = self.env["stock.channel.inbound"]._store(
            self.market, "order", json.dumps(payload), {}
        )
        inbound.received_at = fields.Datetime.subtract(fields.Datetime.now(), minutes=5)
        self.assertEqual(self.env["stock.channel.inbound"]._cron_process_stale(), 1)
        self.assertEqual(inbound.state, "done")
        self.assertEqual(self.order_of("M-12").state, "sale")


@tagged("post_install", "-at_install")
class TestOrderExceptions(OrderCase):
    def test_unknown_sku_is_held_to_complete_and_retry_resumes_once(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("E-1", [("WIDGET", 1), ("NEW-SKU", 1)])
        inbound, status, answer = self.receive_order(payload)
        self.assertEqual(status, 200)
        self.assertEqual(answer["status"], "to_complete")
        self.assertIn("unknown SKU 'NEW-SKU' (line E-1-2)", answer["reason"])
        self.assertEqual(inbound.state, "exception")
        self.assertEqual(inbound.exception, "to_complete")
        self.assertTrue(inbound.next_action)
        self.assertFalse(self.order_of("E-1"), "nothing created while held")
        self.product_b.default_code = "NEW-SKU"
        self.set_stock(self.product_b, 1)
        inbound.action_retry()
        order = self.order_of("E-1")
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.order_line.product_id, self.product | self.product_b)
        self.assertEqual(inbound.state, "done")
        with self.assertRaisesRegex(UserError, "nothing to retry"):
            inbound.action_retry()

    def test_a_binding_maps_a_channel_sku(self):
        self.set_stock(self.product, 1)
        self.env["stock.channel.binding"].create(
            {"channel_id": self.market.id, "product_id": self.product.id,
             "external_sku": "MKT-WIDGET"}
        )  # fmt: skip
        _inbound, _status, answer = self.receive_order(
            self.order_payload("E-2", [("MKT-WIDGET", 1)])
        )
        self.assertEqual(answer["status"], "accepted")

    def test_incomplete_address_is_to_complete_and_a_corrected_body_goes_through(self):
        self.set_stock(self.product, 1)
        payload = self.order_payload("E-3", [("WIDGET", 1)])
        payload["shipping_address"]["street"] = ""
        inbound, _status, answer = self.receive_order(payload)
        self.assertEqual(answer["status"], "to_complete")
        self.assertIn("street", answer["reason"])
        payload["shipping_address"]["street"] = "Rue Haute 1"
        inbound.body = json.dumps(payload)
        inbound.action_retry()
        self.assertEqual(inbound.state, "done")
        self.assertEqual(self.order_of("E-3").partner_shipping_id.street, "Rue Haute 1")

    def test_totals_that_do_not_add_up_are_to_check(self):
        payload = self.order_payload("E-4", [("WIDGET", 2, 10.0)], shipping=5, total=30)
        inbound, _status, answer = self.receive_order(payload)
        self.assertEqual(answer["status"], "to_check")
        self.assertIn("totals do not add up", inbound.error)
        # rounding is tolerated
        payload = self.order_payload("E-5", [("WIDGET", 2, 10.0)], shipping=5, total=25.01)
        self.set_stock(self.product, 2)
        _inbound, _status, answer = self.receive_order(payload)
        self.assertEqual(answer["status"], "accepted")

    def test_unknown_currency_is_to_check(self):
        payload = self.order_payload("E-6", [("WIDGET", 1)], currency="XXQ")
        inbound, _status, answer = self.receive_order(payload)
        self.assertEqual(answer["status"], "to_check")
        self.assertIn("XXQ", inbound.error)

    def test_a_malformed_body_is_rejected_and_kept(self):
        inbound = self.env["stock.channel.inbound"]._store(self.market, "order", b"{oops", {})
        status, answer = inbound._process()
        self.assertEqual(status, 400)
        self.assertIn("not valid JSON", answer["error"])
        self.assertEqual(inbound.state, "rejected")
        self.assertEqual(inbound.body, "{oops")
