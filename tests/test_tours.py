"""In Chromium, as a store manager: a rule changed in the allocation policy moves the
publishable quantity and its explain; quarantined stock released through the wizard
becomes sellable and is queued for the channels; a channel order held for an unknown SKU
is mapped by a binding and Retried into a reserved sale order. Each tour reads the exact
figures in the UI; the records are checked afterwards."""

from odoo.tests import HttpCase, new_test_user, tagged

from ..simulator.clients import signed_order_request
from .common import ChannelStockCase, OrderCase, SyncCase

# a store manager of a company without product variants
MANAGER_GROUPS = "stock_channel_sync.group_channel_manager,stock.group_stock_user"
ORDERS_URL = "/stock_channel_sync/{code}/orders"


@tagged("post_install", "-at_install")
class TestRuleExplainTour(HttpCase, ChannelStockCase):
    """The market's share and safety buffer changed in the policy form: the explain goes
    from 5 (50 %, version 2) to 6 (80 % minus 2, version 3)."""

    def test_a_rule_changed_in_the_policy_moves_the_explain(self):
        manager = new_test_user(
            self.env, "rule_manager", password="rule_manager", groups=MANAGER_GROUPS
        )
        self.set_stock(self.product, 10)
        rule = self.add_rule(self.market, share_percent=50)
        self.assertEqual(self.policy.version, 2)
        self.assertEqual(self.publishable(self.market), 5)
        self.start_tour("/odoo/inventory", "stock_channel_sync_rule_explain", login=manager.login)
        self.assertEqual((rule.share_percent, rule.safety_buffer), (80, 2))
        self.policy.invalidate_recordset()
        self.assertEqual(self.policy.version, 3)
        current = self.policy.version_ids.filtered("is_current")
        self.assertEqual(current.version, 3)
        self.assertEqual(current.author_id, manager)
        self.assertEqual(self.publishable(self.market), 6)
        self.assertEqual(self.publishable(self.web), 10)
        explain = self.product._channel_explain(self.market)
        self.assertEqual(explain["publishable"], 6)
        self.assertEqual(explain["rule"], "Standard v3, all products rule: All Products")


@tagged("post_install", "-at_install")
class TestExplainQuantityTour(HttpCase, ChannelStockCase):
    """The market's Widget shows 0 (50 % of 3 is 1, below the minimum of 2): its row in
    the channel quantities opens the explain, each step with its figures."""

    def test_a_channel_quantity_row_opens_its_explain(self):
        reader = new_test_user(
            self.env,
            "explain_reader",
            password="explain_reader",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user",
        )
        self.set_stock(self.product, 3)
        self.add_rule(self.market, share_percent=50, min_publish_threshold=2)
        self.env["stock.channel.quantity"]._explain_action(self.market, self.product)
        self.start_tour(
            "/odoo/action-stock_channel_sync.action_stock_channel_quantity",
            "stock_channel_sync_explain_quantity",
            login=reader.login,
        )


@tagged("post_install", "-at_install")
class TestQuarantineReleaseTour(SyncCase, HttpCase):
    """3 returned Widgets in quarantine released from Inventory > Operations > Adjustments >
    Quarantine: sellable 4 -> 7, the market's half 2 -> 3, Shopify's 4 -> 7; one done transfer
    back to stock and a push of the Widget queued for each connected channel."""

    def test_quarantine_released_through_the_wizard_becomes_publishable(self):
        manager = new_test_user(
            self.env, "quarantine_manager", password="quarantine_manager", groups=MANAGER_GROUPS
        )
        self.set_stock(self.product, 4)
        self.set_stock(self.product, 3, location=self.quarantine)
        self.add_rule(self.market, share_percent=50)
        self.assertEqual(self.publishable(self.market), 2)
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([]).unlink()
        self.start_tour(
            "/odoo/inventory", "stock_channel_sync_quarantine_release", login=manager.login
        )
        moves = self.env["stock.move"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )
        self.assertEqual(len(moves), 1)
        self.assertEqual(
            (moves.state, moves.quantity, moves.location_dest_id),
            ("done", 3, self.stock_location),
        )
        self.assertEqual(moves.picking_id.state, "done")
        self.assertEqual(moves.picking_id.picking_type_id, self.warehouse.int_type_id)
        self.assertEqual(moves.picking_id.create_uid, manager)
        self.assertEqual(self.product.with_context(location=self.quarantine.id).qty_available, 0)
        self.assertEqual(self.publishable(self.market), 3)
        self.assertEqual(self.publishable(self.shop), 7)
        queued = self.outbox()
        self.assertEqual(
            {(row.channel_id, row.product_id) for row in queued},
            {(self.market, self.product), (self.shop, self.product)},
            "the released Widget is queued for each connected channel, once",
        )


@tagged("post_install", "-at_install")
class TestOrderExceptionRetryTour(OrderCase, HttpCase):
    """Order T-100 comes through the signed webhook with a SKU the market knows the Gadget
    by: held to complete. The manager binds the Gadget under that SKU and Retries from the
    Order Exceptions: done, a confirmed sale order that reserved its units."""

    def test_an_order_held_for_an_unknown_sku_is_mapped_and_retried(self):
        manager = new_test_user(
            self.env, "orders_manager", password="orders_manager",
            groups=MANAGER_GROUPS + ",sales_team.group_sale_salesman",
        )  # fmt: skip
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 4)
        body, headers = signed_order_request(
            self.secret, self.order_payload("T-100", [("WIDGET", 1), ("MKT-GADGET", 2)])
        )
        response = self.url_open(ORDERS_URL.format(code="market"), data=body, headers=headers)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "to_complete")
        inbound = self.env["stock.channel.inbound"].search([("external_id", "=", "T-100")])
        self.assertEqual(inbound.state, "exception")
        self.assertFalse(self.order_of("T-100"))
        self.env["stock.channel.sync.log"].create(  # a push accepted in 1.5 s: "2 s"
            {"channel_id": self.market.id, "state": "done", "latency_ms": 1500, "item_count": 1}
        )
        self.start_tour(
            "/odoo/inventory", "stock_channel_sync_order_exception_retry", login=manager.login
        )
        binding = self.env["stock.channel.binding"].search([("external_sku", "=", "MKT-GADGET")])
        self.assertEqual((binding.channel_id, binding.product_id), (self.market, self.product_b))
        self.assertEqual(inbound.state, "done")
        order = self.order_of("T-100")
        self.assertEqual(inbound.sale_order_id, order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.channel_exception)
        moves = order.picking_ids.move_ids
        self.assertEqual(
            {(move.product_id, move.product_uom_qty, move.quantity) for move in moves},
            {(self.product, 1, 1), (self.product_b, 2, 2)},
            "every line reserved in full",
        )
        self.assertEqual(set(moves.mapped("state")), {"assigned"})
        self.assertEqual(self.publishable(self.market, self.product_b), 2)
        self.assertEqual(self.publishable(self.market), 4)


@tagged("post_install", "-at_install")
class TestBindSkuTour(OrderCase, HttpCase):
    """Order T-300 is held for an SKU the market knows the Gadget by: from the exception,
    Bind this SKU picks the Gadget, binds it and retries the order into a sale order."""

    def test_bind_this_sku_from_the_exception_imports_the_order(self):
        manager = new_test_user(
            self.env, "bind_tour_manager", password="bind_tour_manager",
            groups=MANAGER_GROUPS + ",sales_team.group_sale_salesman",
        )  # fmt: skip
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 4)
        inbound, _status, answer = self.receive_order(
            self.order_payload("T-300", [("WIDGET", 1), ("MKT-GADGET", 2)])
        )
        self.assertEqual((inbound.state, answer["status"]), ("exception", "to_complete"))
        self.start_tour("/odoo/inventory", "stock_channel_sync_bind_sku", login=manager.login)
        binding = self.env["stock.channel.binding"].search([("external_sku", "=", "MKT-GADGET")])
        self.assertEqual((binding.channel_id, binding.product_id), (self.market, self.product_b))
        self.assertEqual(inbound.state, "done")
        order = self.order_of("T-300")
        self.assertEqual((inbound.sale_order_id, order.state), (order, "sale"))
