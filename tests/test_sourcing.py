"""Order sourcing against real Odoo: which source an order ships from, capacity, split,
the explain, and the reallocation of a confirmed order (docs/sourcing.md)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import OrderCase
from .test_promise import promise_fixtures


class SourcingCase(OrderCase):
    """OrderCase with test_promise's Paris warehouse, Lyon store and Benelux market."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        promise_fixtures(cls)

    def sources(self, channel, days, *warehouses, **vals):
        channel.write({"promise_days": days, "market_zone_id": self.benelux.id, **vals})
        return self.env["stock.channel.source"].create(
            [
                {"channel_id": channel.id, "warehouse_id": warehouse.id, "handling_days": 1,
                 "sequence": sequence}
                for sequence, warehouse in enumerate(warehouses)
            ]
        )  # fmt: skip

    def stock_at(self, product, paris, lyon):
        self.set_stock(product, paris)
        self.set_stock(product, lyon, self.lyon.lot_stock_id)

    def reserved(self, product, warehouse):
        quants = self.env["stock.quant"].search(
            [("product_id", "=", product.id),
             ("location_id", "child_of", warehouse.view_location_id.id)]
        )  # fmt: skip
        return sum(quants.mapped("reserved_quantity"))

    def order(self, ref, lines):
        _inbound, _status, answer = self.receive_order(self.order_payload(ref, lines))
        order = self.order_of(ref)
        self.assertEqual(order.state, "sale", answer)
        return order


@tagged("post_install", "-at_install")
class TestReallocation(SourcingCase):
    def test_reallocation_moves_the_reservation_and_republishes_both(self):
        self.stock_at(self.product, 5, 7)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        order = self.order("R-1", [("WIDGET", 2)])
        self.assertEqual(self.reserved(self.product, self.warehouse), 2)
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        order._channel_reallocate(self.lyon, "the customer collects in Lyon")
        self.assertEqual(self.reserved(self.product, self.lyon), 2)
        self.assertEqual(self.reserved(self.product, self.warehouse), 0)
        open_pickings = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(open_pickings.picking_type_id.warehouse_id, self.lyon)
        self.assertEqual(order.order_line.channel_source_warehouse_id, self.lyon)
        self.assertEqual(order.order_line.warehouse_id, self.lyon)
        active = order.channel_sourcing_ids.filtered(lambda r: r.state == "active")
        self.assertEqual(active.warehouse_id, self.lyon)
        self.assertEqual(active.line_count, 1)
        self.assertIn(
            f"Reallocated to Lyon store by {self.env.user.name}: the customer collects in Lyon",
            order.channel_sourcing_explain,
        )
        # queued before any commit: the market draws from both, the webshop from Paris
        self.assertIn(self.product, self.outbox(self.market).product_id)
        self.assertIn(self.product, self.outbox(self.shop).product_id)

    def test_reallocation_refused_when_short_or_prepared(self):
        self.stock_at(self.product, 5, 1)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        order = self.order("R-2", [("WIDGET", 2)])
        with self.assertRaisesRegex(UserError, "WIDGET needs 2, 1 available"):
            order._channel_reallocate(self.lyon, "closer")
        self.set_stock(self.product, 4, self.lyon.lot_stock_id)
        order.picking_ids.move_ids.picked = True
        with self.assertRaisesRegex(UserError, "already prepared"):
            order._channel_reallocate(self.lyon, "closer")
        self.assertEqual(self.reserved(self.product, self.warehouse), 2)

    def test_two_step_delivery_moves_the_whole_chain(self):
        self.lyon.delivery_steps = "pick_ship"
        self.warehouse.delivery_steps = "pick_ship"
        self.stock_at(self.product, 5, 7)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        order = self.order("R-3", [("WIDGET", 3)])
        order._channel_reallocate(self.lyon, "closer")
        self.assertEqual(self.reserved(self.product, self.lyon), 3)
        self.assertEqual(self.reserved(self.product, self.warehouse), 0)
        old = order.picking_ids.filtered(lambda p: p.picking_type_id.warehouse_id == self.warehouse)
        self.assertEqual(set(old.mapped("state")), {"cancel"})

    def test_the_button_checks_the_group_and_the_company(self):
        self.stock_at(self.product, 5, 7)
        order = self.order("R-4", [("WIDGET", 1)])
        clerk = new_test_user(self.env, "sourcing_clerk", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            order.with_user(clerk).action_channel_reallocate(self.lyon.id, "closer")
        other, _manager = self.second_company("manager_b_src")
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        with self.assertRaises(UserError):
            order.action_channel_reallocate(other_wh.id, "elsewhere")
        order.action_channel_reallocate(self.lyon.id, "closer")
        self.assertEqual(order.order_line.warehouse_id, self.lyon)
