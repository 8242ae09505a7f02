"""Orders answered as soon as their stock is reserved (a channel's Answer Orders "As soon
as its stock is reserved"): the reservation ledger under the variant lock, the units
unsellable while confirming, the background confirmation in batches."""

from odoo.tests import HttpCase, tagged

from ..simulator.clients import signed_order_request
from .common import OrderCase

URL = "/stock_channel_sync/{code}/orders"


class FastCase(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.market.intake_answer = "reserved"

    def rows(self, order_id, channel=None):
        return self.env["stock.channel.reservation"].search(
            [("channel_id", "=", (channel or self.market).id), ("channel_order_ref", "=", order_id)]
        )

    def confirm(self):
        """The confirmation crons' work, in the test's transaction."""
        done = self.env["stock.channel.inbound"]._cron_confirm_reserved()
        self.env.invalidate_all()
        return done

    def reserved_qty(self, product):
        quants = self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", self.stock_location.id)]
        )
        return sum(quants.mapped("reserved_quantity"))


@tagged("post_install", "-at_install")
class TestIntakeFastHttp(FastCase, HttpCase):
    def test_the_answer_names_the_order_and_comes_before_the_sale_order_exists(self):
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 5)
        body, headers = signed_order_request(
            self.secret, self.order_payload("F-1", [("WIDGET", 2), ("GADGET", 1)])
        )
        response = self.url_open(URL.format(code="market"), data=body, headers=headers)
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        rows = self.rows("F-1")
        self.assertEqual(set(rows.mapped("order_name")), {answer["order"]})
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(
            answer["lines"],
            [{"id": "F-1-1", "status": "accepted"}, {"id": "F-1-2", "status": "accepted"}],
        )
        self.assertFalse(self.order_of("F-1"), "answered before the sale order exists")
        inbound = rows.inbound_id
        self.assertEqual(inbound.state, "reserved")
        self.assertEqual(
            dict(inbound._fields["state"].selection)["reserved"], "Reserved, confirming"
        )
        self.assertEqual(self.confirm(), 1)
        order = self.order_of("F-1")
        self.assertEqual(order.name, answer["order"])
        self.assertEqual(order.state, "sale")
        self.assertEqual(inbound.state, "done")
        self.assertEqual(inbound.sale_order_id, order)


@tagged("post_install", "-at_install")
class TestIntakeFast(FastCase):
    def test_units_reserved_are_unsellable_while_confirming(self):
        self.set_stock(self.product, 3)
        market_before = self.publishable(self.market)
        web_before = self.publishable(self.web)
        _inbound, status, answer = self.receive_order(self.order_payload("F-2", [("WIDGET", 2)]))
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        self.assertEqual(self.rows("F-2").quantity, 2)
        self.assertEqual(self.publishable(self.market), market_before - 2, "at once")
        self.assertEqual(self.publishable(self.web), web_before - 2, "for every channel")
        orderable = self.market._orderable(self.product)
        self.assertEqual(orderable[self.product.id], 1, "the next order's check counts them")
        # the same channel's next order for more than is left: held, not reserved
        _inbound, _status, answer = self.receive_order(self.order_payload("F-3", [("WIDGET", 2)]))
        self.assertEqual(answer["status"], "to_check")
        self.assertFalse(self.rows("F-3"))
        self.assertEqual(self.order_of("F-3").state, "draft")

    def test_a_resend_while_confirming_gets_the_same_answer_and_nothing_twice(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("F-4", [("WIDGET", 1)])
        first, _status, answer = self.receive_order(payload)
        again, status, answer_again = self.receive_order(payload)
        self.assertEqual((status, answer_again), (200, answer))
        self.assertEqual(again.state, "duplicate")
        self.assertEqual(again.duplicate_of_id, first)
        self.assertEqual(len(self.rows("F-4")), 1)
        self.confirm()
        self.assertEqual(len(self.order_of("F-4")), 1)
        _again, _status, answer_after = self.receive_order(payload)
        self.assertEqual(answer_after["order"], answer["order"], "confirmed: the same order")
        self.assertEqual(len(self.order_of("F-4")), 1)

    def test_the_batch_confirmation_makes_the_orders_and_moves_the_units_to_the_quants(self):
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 10)
        for index in range(3):
            self.receive_order(
                self.order_payload(f"F-B{index}", [("WIDGET", 1), ("GADGET", 2)], shipping=4.95)
            )
        publishable = self.publishable(self.market)
        self.assertEqual(self.reserved_qty(self.product), 0)
        self.assertEqual(self.confirm(), 3)
        for index in range(3):
            order = self.order_of(f"F-B{index}")
            self.assertEqual(order.state, "sale")
            self.assertTrue(order.picking_ids)
            self.assertEqual(set(self.rows(f"F-B{index}").mapped("state")), {"done"})
        rows = self.env["stock.channel.reservation"].search([("channel_order_ref", "like", "F-B%")])
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(self.reserved_qty(self.product), 3)
        self.assertEqual(self.reserved_qty(self.product_b), 6)
        self.assertEqual(self.publishable(self.market), publishable, "no gap, no double count")

    def test_a_confirmation_that_fails_leaves_the_order_in_exception_with_the_reason(self):
        self.set_stock(self.product, 4)
        before = self.publishable(self.market)
        inbound, _status, _answer = self.receive_order(self.order_payload("F-5", [("WIDGET", 3)]))
        self.set_stock(self.product_b, 4)
        self.receive_order(self.order_payload("F-6", [("GADGET", 1)]))
        self.product.default_code = "WIDGET-RENAMED"  # its SKU no longer maps
        self.confirm()
        self.assertEqual(inbound.state, "exception")
        self.assertEqual(inbound.exception, "to_check")
        self.assertIn("could not be confirmed", inbound.error)
        self.assertIn("WIDGET", inbound.error)
        self.assertFalse(self.order_of("F-5"))
        self.assertEqual(self.rows("F-5").state, "released")
        self.assertEqual(self.publishable(self.market), before, "its units count again")
        self.assertEqual(self.order_of("F-6").state, "sale", "the others of the batch confirmed")

    def test_two_companies_each_order_in_its_company(self):
        company_b, _manager = self.second_company()
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        channel_b = self.env["stock.channel"].create(
            {
                "name": "Market B",
                "code": "market",
                "channel_type": "marketplace",
                "company_id": company_b.id,
                "warehouse_id": warehouse_b.id,
                "connector": "generic_json",
                "endpoint_url": self.sim.generic_url("market"),
                "api_secret": "b-secret",
                "intake_answer": "reserved",
            }
        )
        self.set_stock(self.product, 2)
        self.set_stock(self.product, 5, location=warehouse_b.lot_stock_id)
        self.receive_order(self.order_payload("F-7", [("WIDGET", 2)]))
        self.receive_order(self.order_payload("F-7", [("WIDGET", 4)]), channel=channel_b)
        self.assertEqual(self.rows("F-7", channel_b).warehouse_id, warehouse_b)
        self.assertEqual(self.rows("F-7", channel_b).company_id, company_b)
        self.assertEqual(self.confirm(), 2)
        order_a, order_b = self.order_of("F-7"), self.order_of("F-7", channel_b)
        self.assertEqual((order_a.company_id, order_a.warehouse_id), (self.company, self.warehouse))
        self.assertEqual((order_b.company_id, order_b.warehouse_id), (company_b, warehouse_b))
        self.assertEqual((order_a.state, order_b.state), ("sale", "sale"))

    def test_orders_the_fast_path_cannot_decide_simply_are_confirmed_inline(self):
        self.set_stock(self.product, 5)
        payload = self.order_payload("F-8", [("WIDGET", 1)])
        payload["shipping_address"] = {**payload["shipping_address"], "street": ""}
        inbound, _status, _answer = self.receive_order(payload)  # held: to complete
        self.assertEqual(inbound.state, "exception")
        self.assertFalse(self.rows("F-8"))

    def test_default_channels_confirm_before_answering(self):
        self.market.intake_answer = "confirmed"
        self.assertEqual(self.env["stock.channel"].new({}).intake_answer, "confirmed")
        self.set_stock(self.product, 5)
        _inbound, status, answer = self.receive_order(self.order_payload("F-9", [("WIDGET", 1)]))
        order = self.order_of("F-9")
        self.assertEqual((status, answer["order"], order.state), (200, order.name, "sale"))
        self.assertFalse(self.rows("F-9"))
