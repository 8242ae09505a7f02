"""Order-flow KPIs of a channel over 7 days, on orders with chosen timestamps: touchless
rate, order to ship p50/p95, handling time kept, tracking within an hour; and the facts
they come from (held, edited by a person, tracking accepted)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import OrderCase

M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


@tagged("post_install", "-at_install")
class TestOrderFlowKpis(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env,
            "flow_seller",
            groups="sales_team.group_sale_manager,stock.group_stock_user",
        )

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 100)
        self.now = fields.Datetime.now()

    def channel_order(self, ref, imported_ago, shipped_after=None, **facts):
        """A confirmed order of the market imported `imported_ago` before now, shipped
        `shipped_after` its import (not shipped: None); `facts`: hours after the
        shipment (or the import) of held / edited / tracking (None: never)."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "channel_id": self.market.id,
                "channel_order_ref": ref,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_uom_qty": 1})
                ],
            }
        )
        order.with_context(stock_channel_checked=True).action_confirm()
        imported = self.now - imported_ago
        self.env.cr.execute(
            "UPDATE sale_order SET create_date = %s WHERE id = %s", [imported, order.id]
        )
        order.invalidate_recordset(["create_date"])
        origin = imported
        if shipped_after is not None:
            picking = self.ship(order)
            origin = picking.date_done = imported + shipped_after
        names = {"held": "channel_held_at", "edited": "channel_edited_at",
                 "tracking": "channel_tracking_pushed_at"}  # fmt: skip
        order.write({names[fact]: origin + after for fact, after in facts.items()})
        return order

    def test_the_figures_of_constructed_orders(self):
        self.channel_order("A", 3 * D, 2 * H, tracking=H / 2)  # touchless, fresh
        self.channel_order("B", 3 * D, 10 * H, held=-5 * H, tracking=2 * H)  # held, late tracking
        self.channel_order("C", 4 * D, 60 * H, edited=-H)  # edited, no tracking, late
        self.channel_order("D", 2 * D, 4 * H, edited=H, tracking=59 * M)  # edited after
        self.channel_order("E", 10 * D, D)  # shipped 9 days ago: outside the window
        self.channel_order("F", 3 * D)  # not shipped: its 48 h ran out a day ago
        self.channel_order("G", H)  # not shipped, 47 h left: undecided
        self.channel_order("H", 3 * H + 20 * M, 3 * H)  # shipped 20 min ago
        self.channel_order("I", 3 * D)._action_cancel()  # cancelled: no handling time
        market = self.market
        market.invalidate_recordset()
        # shipped in the window: A 2 h, B 10 h, C 60 h, D 4 h, H 3 h
        self.assertEqual(market.shipped_count_7d, 5)
        self.assertTrue(market.touchless_measured)
        self.assertAlmostEqual(market.touchless_rate_7d, 60.0)  # A, D, H
        self.assertAlmostEqual(market.ship_time_p50_7d, 4.0)  # [2, 3, 4, 10, 60]
        self.assertAlmostEqual(market.ship_time_p95_7d, 50.0)  # rank 3.8: 10 + 0.8 x 50
        # decided: A, B, D (accepted), C (shipped over an hour ago); H waits for its hour
        self.assertAlmostEqual(market.tracking_rate_7d, 50.0)  # A, D
        # decided: A, B, D, H (in time), C (late), F (ran out); G undecided, I cancelled
        self.assertEqual(market.sla_rate_7d, 66.7)  # 4 / 6, to the field's 1 decimal

    def test_nothing_to_measure_is_not_measured_never_zero(self):
        self.channel_order("F", 3 * D)  # not shipped
        for channel in (self.market, self.shop):
            channel.invalidate_recordset()
            self.assertEqual(channel.shipped_count_7d, 0)
            self.assertFalse(channel.touchless_measured)
            self.assertFalse(channel.ship_time_measured)
            self.assertFalse(channel.tracking_measured)
            self.assertEqual(channel.touchless_rate_7d, 0.0)
        self.assertTrue(self.market.sla_measured)  # F's handling time ran out
        self.assertAlmostEqual(self.market.sla_rate_7d, 0.0)
        self.assertFalse(self.shop.sla_measured)

    def test_no_handling_time_and_no_status_pushes_are_not_measured(self):
        self.market.handling_hours = 0
        self.channel_order("A", 3 * D, 2 * H)
        self.market.invalidate_recordset()
        self.assertFalse(self.market.sla_measured)
        self.assertTrue(self.market.tracking_measured)
        self.market.connector = False  # a channel that sends orders but takes no status
        self.market.invalidate_recordset()
        self.assertFalse(self.market.takes_order_status)
        self.assertFalse(self.market.tracking_measured)
        self.assertTrue(self.market.touchless_measured)

    # -- the facts ---------------------------------------------------------------------------

    def test_a_person_editing_the_order_or_a_line_is_recorded_not_the_intake(self):
        self.receive_order(self.order_payload("P-1", [("WIDGET", 1)]))
        order = self.order_of("P-1")
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.channel_edited_at)
        self.assertFalse(order.channel_held_at)
        order.with_user(self.seller).channel_next_action = "bookkeeping"  # not an edit
        self.assertFalse(order.channel_edited_by_id)
        order.order_line[0].with_user(self.seller).name = "Widget, gift wrapped"
        self.assertEqual(order.channel_edited_by_id, self.seller)
        first = order.channel_edited_at
        self.assertTrue(first)
        order.with_user(self.seller).client_order_ref = "later"  # the first edit is kept
        self.assertEqual(order.channel_edited_at, first)

    def test_an_order_held_for_stock_is_held_for_good(self):
        self.set_stock(self.product, 0)
        self.receive_order(self.order_payload("S-1", [("WIDGET", 1)]))
        order = self.order_of("S-1")
        self.assertEqual(order.channel_exception, "to_check")
        held = order.channel_held_at
        self.assertTrue(held)
        self.set_stock(self.product, 5)
        order.action_channel_retry()
        self.assertEqual((order.state, order.channel_exception), ("sale", False))
        self.assertEqual(order.channel_held_at, held)

    def test_an_order_whose_message_was_held_is_held(self):
        inbound, _status, _answer = self.receive_order(self.order_payload("N-1", [("NEWSKU", 1)]))
        self.assertEqual(inbound.state, "exception")
        self.set_stock(self._create_product("New", "NEWSKU"), 3)
        inbound.action_retry()
        order = self.order_of("N-1")
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.channel_held_at)
        # an order imported at once is not held
        self.receive_order(self.order_payload("N-2", [("NEWSKU", 1)]))
        self.assertFalse(self.order_of("N-2").channel_held_at)

    def test_the_tracking_accepted_by_the_channel_is_recorded(self):
        self.receive_order(self.order_payload("T-1", [("WIDGET", 1)]))
        order = self.order_of("T-1")
        picking = self.ship(order)  # shipped without a tracking number: pushed without
        self.dispatch(until_empty=True)
        self.assertEqual(order.channel_status_pushed["status"], "shipped")
        self.assertFalse(order.channel_tracking_pushed_at)
        before = fields.Datetime.now()
        picking.carrier_tracking_ref = "TRK-1"  # entered after the validation
        self.dispatch(until_empty=True)
        self.assertEqual(order.channel_status_pushed["tracking"][0]["number"], "TRK-1")
        self.assertGreaterEqual(order.channel_tracking_pushed_at, before)
