"""Order sourcing against real Odoo: which source an order ships from, capacity, split,
the explain, and the reallocation of a confirmed order (docs/sourcing.md)."""

from datetime import UTC, datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.common import TestPoSCommon

from .common import OrderCase
from .test_click_collect import ClickCollectCase
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
class TestSourcingIntake(SourcingCase):
    def test_the_nearest_source_keeping_the_promise_wins_over_more_stock_far_away(self):
        self.stock_at(self.product, 3, 40)
        self.sources(self.market, 2, self.lyon, self.warehouse)  # Lyon first, 3 days away
        order = self.order("S-1", [("WIDGET", 2)])
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertEqual(order.order_line.channel_source_warehouse_id, self.warehouse)
        self.assertEqual(self.reserved(self.product, self.warehouse), 2)
        self.assertEqual(
            order.channel_sourcing_explain.splitlines(),
            ["Lyon store: 3 days > promise 2",
             "Paris warehouse: promise met, 3 in stock, cost 0 \u2014 chosen"],
        )  # fmt: skip
        row = order.channel_sourcing_ids
        self.assertEqual((row.warehouse_id, row.state, row.channel_id), (self.warehouse, "active",
                                                                        self.market))  # fmt: skip

    def test_a_source_at_capacity_passes_to_the_next_until_the_next_day(self):
        self.stock_at(self.product, 10, 10)
        paris, _lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        paris.daily_capacity = 1
        first = self.order("S-2", [("WIDGET", 1)])
        second = self.order("S-3", [("WIDGET", 1)])
        self.assertEqual((first.warehouse_id, second.warehouse_id), (self.warehouse, self.lyon))
        self.assertIn("Paris warehouse: at capacity (1/1 orders today)",
                      second.channel_sourcing_explain)  # fmt: skip
        first.channel_sourcing_ids.day -= timedelta(days=1)  # yesterday's order
        third = self.order("S-4", [("WIDGET", 1)])
        self.assertEqual(third.warehouse_id, self.warehouse)

    def test_an_order_after_the_cut_off_counts_on_the_next_day_capacity(self):
        self.stock_at(self.product, 10, 10)
        paris, _lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        paris.daily_capacity = 1
        Sourcing = self.env["stock.channel.sourcing"]
        noon = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # the same day in any zone within 11 h
        self.assertEqual(Sourcing._local_day(self.warehouse, noon, cutoff_hour=23.9), noon.date())
        self.assertEqual(
            Sourcing._local_day(self.warehouse, noon, cutoff_hour=0.01),
            noon.date() + timedelta(days=1),
        )
        first = self.order("S-30", [("WIDGET", 1)])
        self.assertEqual(first.warehouse_id, self.warehouse)
        paris.cutoff_hour = 0.01  # every order is past it: prepared tomorrow
        second = self.order("S-31", [("WIDGET", 1)])
        self.assertEqual(second.warehouse_id, self.warehouse)  # today's place was taken
        self.assertEqual(
            second.channel_sourcing_ids.day, first.channel_sourcing_ids.day + timedelta(days=1)
        )

    def test_a_capacity_in_lines_counts_the_lines(self):
        self.stock_at(self.product, 10, 10)
        self.stock_at(self.product_b, 10, 10)
        paris, _lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        paris.write({"daily_capacity": 2, "capacity_unit": "lines"})
        first = self.order("S-13", [("WIDGET", 1), ("GADGET", 1)])
        self.assertEqual(first.channel_sourcing_ids.line_count, 2)
        second = self.order("S-14", [("WIDGET", 1)])
        self.assertEqual(second.warehouse_id, self.lyon)
        self.assertIn("Paris warehouse: at capacity (2/2 lines today)",
                      second.channel_sourcing_explain)  # fmt: skip

    def test_a_capacity_in_lines_is_a_hard_limit_for_the_order_lines(self):
        self.stock_at(self.product, 10, 10)
        self.stock_at(self.product_b, 10, 10)
        paris, _lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        paris.write({"daily_capacity": 3, "capacity_unit": "lines"})
        first = self.order("S-15", [("WIDGET", 1), ("GADGET", 1)])
        self.assertEqual(first.warehouse_id, self.warehouse)
        second = self.order("S-16", [("WIDGET", 1), ("GADGET", 1)])  # 2 + 2 > 3
        self.assertEqual(second.warehouse_id, self.lyon)
        third = self.order("S-17", [("WIDGET", 1)])  # 2 + 1 <= 3
        self.assertEqual(third.warehouse_id, self.warehouse)

    def test_a_cancelled_order_no_longer_counts_against_capacity(self):
        self.stock_at(self.product, 10, 10)
        paris, _lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        paris.daily_capacity = 1
        first = self.order("S-18", [("WIDGET", 1)])
        first._action_cancel()
        self.assertEqual(first.channel_sourcing_ids.state, "released")
        second = self.order("S-19", [("WIDGET", 1)])
        self.assertEqual(second.warehouse_id, self.warehouse)

    def test_best_score_takes_the_cheapest_source(self):
        self.stock_at(self.product, 10, 10)
        paris, lyon = self.sources(self.market, 3, self.warehouse, self.lyon,
                                   sourcing_strategy="score")  # fmt: skip
        paris.cost_rank, lyon.cost_rank = 2, 1
        self.assertEqual(self.order("S-5", [("WIDGET", 1)]).warehouse_id, self.lyon)

    def test_split_never_one_source_or_short(self):
        self.stock_at(self.product, 1, 0)
        self.stock_at(self.product_b, 0, 1)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        self.receive_order(self.order_payload("S-6", [("WIDGET", 1), ("GADGET", 1)]))
        order = self.order_of("S-6")
        self.assertEqual((order.state, order.channel_exception), ("draft", "to_check"))
        self.assertIn("stock shortfall", order.channel_exception_reason)

    def test_split_per_line_ships_each_line_from_its_source(self):
        self.stock_at(self.product, 1, 0)
        self.stock_at(self.product_b, 0, 1)
        self.sources(self.market, 3, self.warehouse, self.lyon, sourcing_split="line")
        order = self.order("S-7", [("WIDGET", 1), ("GADGET", 1)])
        ships = {line.product_id: line.channel_source_warehouse_id for line in order.order_line
                 if line.product_id.is_storable}  # fmt: skip
        self.assertEqual(ships, {self.product: self.warehouse, self.product_b: self.lyon})
        self.assertEqual(self.reserved(self.product_b, self.lyon), 1)
        self.assertEqual(self.reserved(self.product, self.warehouse), 1)
        self.assertEqual(len(order.channel_sourcing_ids), 2)

    def test_split_per_unit_spreads_a_line_and_the_channel_sees_one_line(self):
        self.stock_at(self.product, 2, 3)
        self.sources(self.market, 3, self.warehouse, self.lyon, sourcing_split="unit")
        order = self.order("S-8", [("WIDGET", 4)])
        lines = order.order_line.filtered(lambda line: line.product_id == self.product)
        self.assertEqual(sorted(lines.mapped("product_uom_qty")), [2, 2])
        self.assertEqual(set(lines.mapped("channel_line_ref")), {"S-8-1"})
        self.assertEqual(
            sorted((line.warehouse_id.name, line.move_ids.location_id.warehouse_id.name)
                   for line in lines),
            [("Lyon store", "Lyon store"), ("Paris warehouse", "Paris warehouse")],
        )  # fmt: skip
        self.assertEqual(self.reserved(self.product, self.warehouse), 2)
        self.assertEqual(self.reserved(self.product, self.lyon), 2)
        self.assertEqual(order.amount_untaxed, 40.0)
        body = order._channel_status_body()
        self.assertEqual([(line["id"], line["quantity"]) for line in body["lines"]],
                         [("S-8-1", 4)])  # fmt: skip

    def test_a_return_of_a_split_line_comes_from_its_parts(self):
        self.stock_at(self.product, 2, 3)
        self.sources(self.market, 3, self.warehouse, self.lyon, sourcing_split="unit")
        order = self.order("S-12", [("WIDGET", 4)])
        for _picking in range(2):
            self.ship(order)
        body = order._channel_status_body()
        self.assertEqual([(x["id"], x["status"], x["quantity"]) for x in body["lines"]],
                         [("S-12-1", "shipped", 4)])  # fmt: skip
        request = {"type": "return", "id": "RET-12", "order_id": "S-12",
                   "lines": [{"id": "S-12-1", "quantity": 3}]}  # fmt: skip
        _inbound, status, answer = self.receive_order(request, kind="return", url_ref="S-12")
        self.assertEqual(status, 200, answer)
        returns = order.picking_ids.filtered(lambda p: p.location_id.usage == "customer")
        self.assertEqual(sum(returns.move_ids.mapped("product_uom_qty")), 3)
        self.assertEqual(len(returns), 2, "one return per delivery")

    def test_a_channel_without_sources_is_not_sourced(self):
        self.set_stock(self.product, 3)
        order = self.order("S-9", [("WIDGET", 1)])
        self.assertFalse(order.channel_sourcing_explain)
        self.assertFalse(order.channel_sourcing_ids)
        self.assertFalse(order.order_line.channel_source_warehouse_id)

    def test_the_hook_gets_the_decision(self):
        self.stock_at(self.product, 3, 3)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        seen = []
        SaleOrder = type(self.env["sale.order"])
        self.patch(SaleOrder, "_channel_after_sourcing",
                   lambda order, decision: seen.append((order.state, decision.keys)))  # fmt: skip
        self.order("S-10", [("WIDGET", 1)])
        self.assertEqual(seen, [("sale", [self.warehouse.id])])

    def test_two_companies_a_source_of_another_company_is_never_chosen(self):
        self.stock_at(self.product, 1, 5)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        _company, manager = self.second_company("manager_b_sourcing")
        order = self.order("S-11", [("WIDGET", 1)])
        rows = (
            self.env["stock.channel.sourcing"]
            .with_user(manager)
            .search([("order_id", "=", order.id)])
        )
        self.assertFalse(rows, "company B does not see company A's sourcing")
        clerk = new_test_user(self.env, "sourcing_reader", groups="sales_team.group_sale_salesman")
        self.assertEqual(
            self.env["stock.channel.sourcing"].with_user(clerk).search(
                [("order_id", "=", order.id)]).warehouse_id, self.warehouse
        )  # fmt: skip


@tagged("post_install", "-at_install")
class TestSourcingWebshop(SourcingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.warehouse_id = cls.warehouse
        cls.web.website_id = cls.website

    def cart(self, qty):
        return self.env["sale.order"].create(
            {"partner_id": self.partner.id, "website_id": self.website.id,
             "partner_shipping_id": self.env["res.partner"].create(
                 {"name": "Ann", "country_id": self.env.ref("base.be").id}).id,
             "order_line": [Command.create({"product_id": self.product.id,
                                            "product_uom_qty": qty})]}
        )  # fmt: skip

    def test_a_webshop_order_is_sourced_at_confirmation(self):
        self.stock_at(self.product, 0, 4)
        self.sources(self.web, 3, self.warehouse, self.lyon)
        cart = self.cart(2)
        cart.action_confirm()
        self.assertEqual((cart.state, cart.warehouse_id), ("sale", self.lyon))
        self.assertFalse(cart.channel_exception)
        self.assertEqual(self.reserved(self.product, self.lyon), 2)
        self.assertIn("Lyon store: promise met, 4 in stock, cost 0 \u2014 chosen",
                      cart.channel_sourcing_explain)  # fmt: skip

    def test_the_checkout_still_refuses_oversell(self):
        self.stock_at(self.product, 1, 1)
        self.sources(self.web, 3, self.warehouse, self.lyon)
        cart = self.cart(3)
        cart.action_confirm()  # paid: confirmed, flagged for a person
        self.assertEqual(cart.channel_exception, "to_check")
        self.assertIn("WIDGET needs 3, 1 available", cart.channel_exception_reason)


@tagged("post_install", "-at_install")
class TestSourcingPickup(ClickCollectCase):
    def test_a_pickup_takes_its_store_and_records_it(self):
        self.env["stock.channel.source"].create(
            [{"channel_id": self.web.id, "warehouse_id": warehouse.id, "sequence": sequence}
             for sequence, warehouse in enumerate(self.warehouse | self.nantes | self.lyon)]
        )  # fmt: skip
        cart = self.cart(2, store=self.lyon)
        cart.action_confirm()
        self.assertEqual(cart.warehouse_id, self.lyon)
        self.assertEqual(cart.channel_sourcing_explain, "pickup at Lyon Store")
        self.assertEqual(cart.channel_sourcing_ids.warehouse_id, self.lyon)


@tagged("post_install", "-at_install")
class TestPosNotSourced(TestPoSCommon):
    def test_a_pos_sale_takes_from_its_store_never_sourced(self):
        config = self.basic_config
        warehouse = config.picking_type_id.warehouse_id
        other = self.env["stock.warehouse"].create({"name": "Far depot", "code": "FARD"})
        product = self.create_product("POS Widget", self.categ_basic, 10.0, 5)
        product.is_storable = True
        Quant = self.env["stock.quant"]
        Quant._update_available_quantity(product, warehouse.lot_stock_id, 5)
        Quant._update_available_quantity(product, other.lot_stock_id, 5)
        channel = self.env["stock.channel"].sudo().create(
            {"name": "Register", "code": "reg", "channel_type": "pos",
             "warehouse_id": warehouse.id, "company_id": warehouse.company_id.id}
        )  # fmt: skip
        self.env["stock.channel.source"].sudo().create(
            {"channel_id": channel.id, "warehouse_id": other.id}
        )
        before = product.with_context(warehouse_id=warehouse.id).qty_available
        elsewhere = product.with_context(warehouse_id=other.id).qty_available
        self.config = config
        self.open_new_session()
        self._create_orders(
            [{"pos_order_lines_ui_args": [(product, 2)], "payments": [(self.cash_pm1, 20)]}]
        )
        self.pos_session.action_pos_session_closing_control()
        self.assertEqual(product.with_context(warehouse_id=warehouse.id).qty_available, before - 2)
        self.assertEqual(product.with_context(warehouse_id=other.id).qty_available, elsewhere)
        self.assertFalse(self.env["stock.channel.sourcing"].sudo().search([]))


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

    def test_reallocation_refused_when_the_warehouse_is_at_capacity(self):
        self.stock_at(self.product, 5, 7)
        _paris, lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        lyon.daily_capacity = 1
        first = self.order("R-5", [("WIDGET", 1)])
        first._channel_reallocate(self.lyon, "closer")
        second = self.order("R-6", [("WIDGET", 1)])
        with self.assertRaisesRegex(UserError, r"at capacity \(1/1 orders today\)"):
            second._channel_reallocate(self.lyon, "closer")
        self.assertEqual(second.order_line.warehouse_id, self.warehouse)

    def test_reallocation_leaves_the_manufacturing_order_feeding_the_delivery(self):
        self.env.ref("stock.route_warehouse0_mto").active = True
        routes = self.env.ref("stock.route_warehouse0_mto") | self.env.ref(
            "mrp.route_warehouse0_manufacture"
        )
        self.product.route_ids = [Command.set(routes.ids)]
        part = self.env["product.product"].create({"name": "Part", "is_storable": True})
        self.env["mrp.bom"].create(
            {"product_tmpl_id": self.product.product_tmpl_id.id, "product_qty": 1,
             "bom_line_ids": [Command.create({"product_id": part.id, "product_qty": 1})]}
        )  # fmt: skip
        self.stock_at(self.product, 5, 7)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        order = self.order("R-8", [("WIDGET", 1)])
        production = self.env["mrp.production"].search([("origin", "=", order.name)])
        self.assertTrue(production)
        self.assertNotIn(production.move_finished_ids, order._channel_open_moves())
        order._channel_reallocate(self.lyon, "closer")
        self.assertNotEqual(production.move_finished_ids.state, "cancel")

    def test_a_decision_does_not_outlive_its_transaction(self):
        self.stock_at(self.product, 5, 7)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        order = self.order("R-9", [("WIDGET", 1)])
        order._channel_shortfalls(self.market)
        self.assertIn(order.id, self.env.cr.cache["stock_channel_sourcing"])
        self.env.cr.postrollback.run()  # what a rollback runs
        self.assertNotIn("stock_channel_sourcing", self.env.cr.cache)

    def test_reallocation_refuses_an_archived_warehouse(self):
        self.stock_at(self.product, 5, 7)
        self.sources(self.market, 3, self.warehouse, self.lyon)
        order = self.order("R-7", [("WIDGET", 1)])
        nice = self.env["stock.warehouse"].create({"name": "Nice store", "code": "NIC"})
        nice.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            order.action_channel_reallocate(nice.id, "closer")

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
