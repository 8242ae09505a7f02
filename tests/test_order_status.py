from odoo import Command
from odoo.tests import tagged

from .common import OrderCase


@tagged("post_install", "-at_install")
class TestOrderStatus(OrderCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 10)
        self.carrier = self.env["delivery.carrier"].create(
            {
                "name": "DHL Parcel",
                "product_id": self.market._shipping_product().id,
                "channel_carrier_code": "DHL",
            }
        )

    def pushed(self, order_id="M-1"):
        """The status bodies the channel received for `order_id`, in order."""
        return [
            s["payload"] for s in self.sim.order_statuses("market") if s["external_id"] == order_id
        ]

    def receive(self, order_id="M-1", lines=(("WIDGET", 2), ("GADGET", 1))):
        self.receive_order(self.order_payload(order_id, list(lines)))
        self.dispatch(until_empty=True)
        return self.order_of(order_id)

    def test_intake_answer_is_what_the_channel_knows_nothing_is_pushed_twice(self):
        order = self.receive()
        self.assertEqual(order.channel_status, "accepted")
        self.assertEqual(self.pushed(), [])

    def test_a_shipment_with_tracking_pushes_shipped_with_its_parcel(self):
        order = self.receive()
        picking = order.picking_ids
        picking.carrier_id = self.carrier
        self.ship(order, tracking="JD0001")
        self.dispatch(until_empty=True)
        body = self.pushed()[-1]
        self.assertEqual(body["id"], "M-1")
        self.assertEqual(body["status"], "shipped")
        self.assertEqual(
            body["lines"],
            [{"id": "M-1-1", "status": "shipped", "quantity": 2, "returned": 0},
             {"id": "M-1-2", "status": "shipped", "quantity": 1, "returned": 0}],
        )  # fmt: skip
        self.assertEqual(body["tracking"][0]["number"], "JD0001")
        self.assertEqual(body["tracking"][0]["carrier_code"], "DHL")
        self.assertEqual(body["tracking"][0]["service"], "DHL Parcel")
        self.assertTrue(self.sim.order_statuses("market")[-1]["idempotency_key"])
        log = self.env["stock.channel.sync.log"].search([("channel_id", "=", self.market.id)])
        self.assertEqual(log[0].state, "done")
        self.assertIn(order.name, log[0].skus)

    def test_partial_shipments_report_per_line_and_one_parcel_per_picking(self):
        order = self.receive()
        picking = order.picking_ids
        picking.move_ids.filtered(lambda m: m.product_id == self.product_b).quantity = 0
        gadget_move = picking.move_ids.filtered(lambda m: m.product_id == self.product_b)
        widget_move = picking.move_ids - gadget_move
        widget_move.quantity = 2
        widget_move.picked = True
        picking.carrier_tracking_ref = "P-1"
        picking.with_context(skip_backorder=True).button_validate()
        backorder = order.picking_ids - picking
        self.assertTrue(backorder, "the rest waits in a backorder")
        self.dispatch(until_empty=True)
        body = self.pushed()[-1]
        self.assertEqual(body["status"], "in_preparation")
        self.assertEqual(
            [(line["id"], line["status"]) for line in body["lines"]],
            [("M-1-1", "shipped"), ("M-1-2", "accepted")],
        )
        self.ship(order, tracking="P-2")
        self.dispatch(until_empty=True)
        body = self.pushed()[-1]
        self.assertEqual(body["status"], "shipped")
        self.assertEqual([parcel["number"] for parcel in body["tracking"]], ["P-1", "P-2"])

    def test_delivered_then_closed(self):
        order = self.receive()
        picking = self.ship(order, tracking="T-1")
        picking.action_channel_mark_delivered()
        self.dispatch(until_empty=True)
        self.assertEqual(self.pushed()[-1]["status"], "delivered")
        order.action_lock()
        self.dispatch(until_empty=True)
        self.assertEqual(self.pushed()[-1]["status"], "closed")

    def test_picking_started_is_in_preparation(self):
        order = self.receive()
        order.picking_ids.move_ids[0].picked = True
        self.dispatch(until_empty=True)
        self.assertEqual(self.pushed()[-1]["status"], "in_preparation")

    def test_a_failing_channel_retries_the_status_push(self):
        order = self.receive()
        self.sim.add_fault("status", "/generic/market/orders/", status=503, count=1)
        self.ship(order, tracking="T-2")
        self.dispatch(until_empty=True)
        self.assertEqual(self.pushed()[-1]["status"], "shipped")
        states = (
            self.env["stock.channel.sync.log"]
            .search([("channel_id", "=", self.market.id)], order="id")
            .mapped("state")
        )
        self.assertEqual(states[-2:], ["retry", "done"])

    def test_a_pos_sale_taking_a_reserved_unit_turns_the_order_to_check(self):
        self.set_stock(self.product, 1)
        order = self.receive(lines=[("WIDGET", 1)])
        self.assertEqual(order.picking_ids.move_ids.quantity, 1)
        self.deliver(self.product, 1, validate=True)  # the unit leaves with another customer
        self.assertEqual(order.channel_status, "to_check")
        self.dispatch(until_empty=True)
        self.assertEqual(self.pushed()[-1]["status"], "to_check")

    def test_a_status_that_comes_back_is_pushed_again(self):
        order = self.receive(lines=[("WIDGET", 1)])
        move = order.picking_ids.move_ids
        for picked in (True, False, True):
            move.picked = picked
            self.dispatch(until_empty=True)
        statuses = [body["status"] for body in self.pushed()]
        self.assertEqual(statuses, ["in_preparation", "accepted", "in_preparation"])

    def test_a_stock_user_who_cannot_read_the_sale_ships_a_channel_order(self):
        order = self.receive(lines=[("WIDGET", 1)])
        user = self.env["res.users"].create(
            {"name": "Picker", "login": "picker",
             "group_ids": [Command.set([self.env.ref("stock.group_stock_manager").id,
                                        self.env.ref("sales_team.group_sale_salesman").id])]}
        )  # fmt: skip
        picking = order.picking_ids.with_user(user)
        picking.move_ids.write({"quantity": 1, "picked": True})
        picking.button_validate()
        self.dispatch(until_empty=True)
        self.assertEqual(self.pushed()[-1]["status"], "shipped")


@tagged("post_install", "-at_install")
class TestCancellationsAndReturns(OrderCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 3)

    def cancel(self, order_id, channel=None):
        return self.receive_order(
            {"type": "cancel", "id": order_id, "reason": "customer changed mind"},
            channel=channel,
            kind="cancel", url_ref=order_id,
        )  # fmt: skip

    def test_a_cancellation_before_shipment_releases_the_reservation(self):
        self.receive_order(self.order_payload("C-1", [("WIDGET", 2)]))
        self.assertEqual(self.publishable(self.web), 1)
        inbound, status, answer = self.cancel("C-1")
        order = self.order_of("C-1")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertEqual(order.state, "cancel")
        self.assertEqual(inbound.state, "done")
        self.assertEqual(self.publishable(self.web), 3)
        self.assertIn(self.product, self.outbox(self.market).product_id)
        # sent again: same answer
        _inbound, status, again = self.cancel("C-1")
        self.assertEqual((status, again), (200, answer))

    def test_a_cancellation_after_shipment_is_refused_with_the_reason(self):
        self.receive_order(self.order_payload("C-2", [("WIDGET", 1)]))
        order = self.order_of("C-2")
        self.ship(order)
        inbound, status, answer = self.cancel("C-2")
        self.assertEqual(status, 409)
        self.assertIn("can no longer be cancelled", answer["error"])
        self.assertEqual(inbound.state, "rejected")
        self.assertEqual(order.state, "sale")

    def test_a_cancellation_that_arrives_first_cancels_the_order_on_arrival(self):
        inbound, status, answer = self.cancel("C-3")
        self.assertEqual((status, answer["status"]), (202, "cancelled"))
        self.assertEqual(inbound.state, "waiting")
        _order_inbound, status, answer = self.receive_order(
            self.order_payload("C-3", [("WIDGET", 2)])
        )
        order = self.order_of("C-3")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertEqual(order.state, "cancel")
        self.assertEqual(inbound.state, "done")
        self.assertEqual(self.publishable(self.web), 3, "nothing stays reserved")

    def test_a_return_goes_to_quarantine_then_release_makes_it_sellable(self):
        self.receive_order(self.order_payload("R-1", [("WIDGET", 2)]))
        order = self.order_of("R-1")
        self.ship(order)
        self.dispatch(until_empty=True)
        told = len(self.sim.order_statuses("market"))
        self.assertEqual(self.publishable(self.web), 1)
        request = {"type": "return", "id": "RET-1", "order_id": "R-1",
                   "lines": [{"id": "R-1-1", "quantity": 1}], "reason": "too small"}  # fmt: skip
        inbound, status, answer = self.receive_order(request, kind="return", url_ref="R-1")
        self.assertEqual(status, 200, answer)
        self.assertEqual((inbound.state, inbound.external_id), ("done", "RET-1"))
        return_picking = order.picking_ids.filtered(lambda p: p.location_id.usage == "customer")
        self.assertEqual(answer["returns"], return_picking.mapped("name"))
        self.assertEqual(return_picking.location_dest_id, self.quarantine)
        # the same return request again: same answer, no second picking
        _again, status2, answer2 = self.receive_order(request, kind="return", url_ref="R-1")
        self.assertEqual((status2, answer2), (status, answer))
        self.assertEqual(len(order.picking_ids), 2)
        # received: the line is returned, not yet sellable
        return_picking.move_ids.quantity = 1
        return_picking.move_ids.picked = True
        return_picking.button_validate()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        self.assertEqual(line.channel_status, "shipped", "1 of 2 returned: still shipped")
        self.assertEqual(self.publishable(self.web), 1)
        self.dispatch(until_empty=True)
        statuses = self.sim.order_statuses("market")
        self.assertEqual(len(statuses), told + 1, "the channel hears of the unit back")
        [widget] = [x for x in statuses[-1]["payload"]["lines"] if x["id"] == "R-1-1"]
        self.assertEqual((widget["status"], widget["returned"]), ("shipped", 1))
        # a return of more than what shipped is refused
        request = {
            "type": "return",
            "id": "RET-2",
            "order_id": "R-1",
            "lines": [{"id": "R-1-1", "quantity": 2}],
        }
        _inbound, status, answer = self.receive_order(request, kind="return", url_ref="R-1")
        self.assertEqual(status, 409)
        self.assertIn("only 1 shipped and not returned", answer["error"])
        # quality check passed: release to stock
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )
        wizard = (
            self.env["stock.quarantine.wizard"]
            .with_context(active_model="stock.quant", active_ids=quant.ids)
            .create({"action": "release"})
        )
        wizard.action_confirm()
        self.assertEqual(self.publishable(self.web), 2)

    def test_a_full_return_makes_the_line_returned(self):
        self.receive_order(self.order_payload("R-2", [("WIDGET", 1)]))
        order = self.order_of("R-2")
        self.ship(order)
        request = {
            "type": "return",
            "id": "RET-3",
            "order_id": "R-2",
            "lines": [{"id": "R-2-1", "quantity": 1}],
        }
        self.receive_order(request, kind="return", url_ref="R-2")
        return_picking = order.picking_ids.filtered(lambda p: p.location_id.usage == "customer")
        return_picking.move_ids.quantity = 1
        return_picking.move_ids.picked = True
        return_picking.button_validate()
        self.assertEqual(order.channel_status, "returned")
        self.dispatch(until_empty=True)
        body = self.sim.order_statuses("market")[-1]["payload"]
        self.assertEqual(body["status"], "returned")
        self.assertEqual(
            body["lines"], [{"id": "R-2-1", "status": "returned", "quantity": 1, "returned": 1}]
        )

    def test_a_return_created_in_odoo_is_reported_too(self):
        self.receive_order(self.order_payload("R-3", [("WIDGET", 1)]))
        order = self.order_of("R-3")
        delivery = self.ship(order)
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({"picking_id": delivery.id})
        )
        wizard.product_return_moves.quantity = 1
        return_picking = wizard._create_return()
        self.assertEqual(return_picking.location_dest_id, self.quarantine)
        return_picking.move_ids.quantity = 1
        return_picking.move_ids.picked = True
        return_picking.button_validate()
        self.dispatch(until_empty=True)
        body = self.sim.order_statuses("market")[-1]["payload"]
        self.assertEqual((body["id"], body["status"]), ("R-3", "returned"))
        self.assertEqual(self.publishable(self.web), 2, "in quarantine: not sellable yet")
