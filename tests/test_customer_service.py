"""Customer service on a channel order: the screen, its actions and their refusals, what
the status push carries of them and the platform's answer on each action."""

from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..core.connectors.generic_json import GenericJsonConnector
from .common import OrderCase, set_settings
from .test_promise import promise_fixtures
from .test_shopify import ITEM, shopify_order
from .test_shopify import SHOP as SHOPIFY
from .test_shopify import URL as SHOPIFY_URL
from .test_woocommerce import HOOK as WOO_HOOK
from .test_woocommerce import KEY as WOO_KEY
from .test_woocommerce import SECRET as WOO_SECRET
from .test_woocommerce import SHOP as WOO
from .test_woocommerce import URL as WOO_URL_TEMPLATE
from .test_woocommerce import woo_order

WOO_URL = WOO_URL_TEMPLATE.format(code="woo")


@tagged("post_install", "-at_install")
class TestCustomerService(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(
            cls.env, "cs_clerk", groups="sales_team.group_sale_salesman,base.group_user"
        )
        cls.agent = new_test_user(
            cls.env, "cs_agent", groups="sales_team.group_sale_manager,stock.group_stock_user"
        )
        cls.belgium = cls.env.ref("base.be")

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 10)

    def receive(self, order_id="M-1", lines=(("WIDGET", 2), ("GADGET", 1))):
        self.receive_order(self.order_payload(order_id, list(lines)))
        self.dispatch(until_empty=True)
        return self.order_of(order_id)

    def pushed(self, order_id="M-1"):
        return [
            s["payload"] for s in self.sim.order_statuses("market") if s["external_id"] == order_id
        ]

    def wizard(self, model, order, user=None, **values):
        env = self.env(user=user or self.agent)
        return env[model].with_context(default_order_id=order.id).create(values)

    def change_address(self, order, user=None, **values):
        values = {"name": "Ann Buyer", "street": "Meir 2", "zip": "2000", "city": "Antwerp",
                  "country_id": self.belgium.id, "phone": "+32 3 000", **values}  # fmt: skip
        self.wizard("stock.channel.cs.address", order, user, **values).action_confirm()
        return order.channel_action_ids.sorted("id")[-1:]

    def refund(self, order, line, quantity, reason="damaged", user=None):
        values = {"line_id": line.id, "quantity": quantity, "reason": reason}
        wizard = self.wizard("stock.channel.cs.refund", order, user, **values)
        wizard.action_confirm()
        return order.channel_action_ids.sorted("id")[-1:]

    # ------------------------------------------------------------------
    # Address change
    # ------------------------------------------------------------------
    def test_address_change_moves_the_open_delivery_not_sent_where_the_platform_takes_none(self):
        order = self.receive()
        action = self.change_address(order)
        self.assertEqual(order.partner_shipping_id.street, "Meir 2")
        self.assertEqual(order.partner_shipping_id.type, "delivery")
        self.assertEqual(order.picking_ids.partner_id, order.partner_shipping_id)
        self.assertEqual(action.kind, "address")
        self.assertEqual(action.state, "not_supported")
        self.assertEqual(action.user_id, self.agent)
        self.assertIn("takes no delivery address change through its API", action.result)
        self.assertNotIn("address", order._channel_status_body())

    def test_address_change_is_pushed_and_the_platform_answer_lands_on_the_action(self):
        order = self.receive()
        with patch.object(GenericJsonConnector, "supports_address_change", True):
            action = self.change_address(order)
            self.assertEqual(action.state, "queued")
            self.assertTrue(self.outbox(self.market).filtered("sale_order_id"))
            self.dispatch(until_empty=True)
        body = self.pushed()[-1]
        self.assertEqual(body["address"]["street"], "Meir 2")
        self.assertEqual(body["address"]["country_code"], "BE")
        self.assertEqual(action.state, "sent")
        self.assertTrue(action.sent_at)
        self.assertTrue(action.result.startswith("2"), action.result)

    def test_the_same_address_again_is_nothing_new_for_the_platform(self):
        order = self.receive()
        with patch.object(GenericJsonConnector, "supports_address_change", True):
            self.change_address(order)
            self.dispatch(until_empty=True)
            again = self.change_address(order)
        self.assertEqual(again.state, "done")
        self.assertIn("Nothing new", again.result)
        self.assertFalse(self.outbox(self.market).filtered("sale_order_id"))

    def test_a_refused_push_fails_the_action_with_the_platform_answer(self):
        order = self.receive()
        self.sim.configure_channel("market", secret="rotated-elsewhere")
        with patch.object(GenericJsonConnector, "supports_address_change", True):
            action = self.change_address(order)
            self.dispatch(until_empty=True)
        self.assertEqual(action.state, "failed")
        self.assertTrue(action.result)

    # ------------------------------------------------------------------
    # Partial refund
    # ------------------------------------------------------------------
    def test_an_answer_marks_only_the_actions_its_push_carried(self):
        order = self.receive()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        with patch.object(GenericJsonConnector, "supports_refund", True):
            action = self.refund(order, line, 1)
        actions = self.env["stock.channel.order.action"]
        self.assertEqual(action.state, "queued")
        actions._on_status_answered([order.id], answer="200 []", body={"status": "accepted"})
        self.assertEqual(action.state, "queued")  # recorded while an older push was out
        body = order._channel_status_body()
        actions._on_status_answered([order.id], answer="err", failed=True, final=False, body=body)
        self.assertEqual(action.state, "queued")  # a retry keeps it queued
        actions._on_status_answered([order.id], answer="200 []", body=body)
        self.assertEqual(action.state, "sent")

    def test_mirakl_without_its_refund_reason_code_takes_no_refund_at_once(self):
        order = self.receive()
        self.market.sudo().connector = "mirakl"
        actions = self.env["stock.channel.order.action"]
        state, result = actions._platform_verdict(order, "refund")
        self.assertEqual(state, "not_supported")
        self.assertIn("Refund Reason Code", result)
        set_settings(self.market.sudo(), refund_reason_code="RC-CS")
        self.assertEqual(actions._platform_verdict(order, "refund"), ("queued", False))

    def test_a_partial_refund_takes_the_unshipped_part_off_and_frees_its_reservation(self):
        order = self.receive()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        action = self.refund(order, line, 1)
        self.assertEqual(line.product_uom_qty, 1)
        move = order.picking_ids.move_ids.filtered(lambda m: m.product_id == self.product)
        self.assertEqual(move.product_uom_qty, 1)
        self.assertEqual(move.quantity, 1)
        self.assertEqual(action.amount, 10.0)
        self.assertEqual(action.taken_off, 1)
        self.assertEqual(action.state, "not_supported")
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).free_qty, 9)
        with self.assertRaisesRegex(UserError, "at most 1 can still be refunded"):
            self.refund(order, line, 2)

    def test_refunds_travel_with_their_keys_every_refund_so_far(self):
        order = self.receive()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        with patch.object(GenericJsonConnector, "supports_refund", True):
            first = self.refund(order, line, 1)
            second = self.refund(order, line, 1, reason="late")
            self.dispatch(until_empty=True)
        refunds = self.pushed()[-1]["refunds"]
        self.assertEqual([r["key"] for r in refunds], [f"M-1-R{first.id}", f"M-1-R{second.id}"])
        self.assertEqual(refunds[0]["line_id"], "M-1-1")
        self.assertEqual(refunds[0]["amount"], "10.00")
        self.assertEqual(refunds[1]["reason"], "late")
        self.assertEqual((first | second).mapped("state"), ["sent", "sent"])
        self.assertEqual(line.product_uom_qty, 0)

    def test_a_refund_pays_back_at_most_what_was_paid_discount_included(self):
        order = self.receive()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        line.sudo().discount = 50  # 2 x 10.00 at 50 %: 10.00 paid for the line
        wizard = self.wizard(
            "stock.channel.cs.refund", order, line_id=line.id, quantity=1, reason="x"
        )
        self.assertEqual(wizard.amount, 5.0)  # the paid price, not the list price
        wizard.amount = 5.01
        with self.assertRaisesRegex(ValidationError, "at most 5.00 can be paid back"):
            wizard.action_confirm()
        wizard.amount = 5.0
        wizard.action_confirm()
        values = {"line_id": line.id, "quantity": 1, "reason": "y", "amount": 6}
        with self.assertRaisesRegex(ValidationError, "at most 5.00 can be paid back"):
            self.wizard("stock.channel.cs.refund", order, **values).action_confirm()

    def test_a_channel_refunds_whole_units_only(self):
        order = self.receive()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        with self.assertRaisesRegex(ValidationError, "whole units only"):
            self.refund(order, line, 0.5)
        self.assertEqual(line.product_uom_qty, 2)

    def test_a_refund_the_platform_refuses_puts_its_units_back_and_counts_for_nothing(self):
        order = self.receive()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        self.sim.configure_channel("market", secret="rotated-elsewhere")
        with patch.object(GenericJsonConnector, "supports_refund", True):
            action = self.refund(order, line, 2)
            self.assertEqual(line.product_uom_qty, 0)
            self.dispatch(until_empty=True)
        self.assertEqual(action.state, "failed")
        self.assertEqual(line.product_uom_qty, 2)  # back on the line, to be delivered
        self.assertIn("back on it, to be delivered", action.result)
        wizard = self.wizard("stock.channel.cs.refund", order, line_id=line.id, reason="z")
        self.assertEqual((wizard.refundable, wizard.amount), (2, 10.0))

    def test_a_refund_of_a_shipped_line_takes_nothing_off(self):
        order = self.receive()
        self.ship(order)
        line = order.order_line.filtered(lambda sol: sol.product_id == self.product)
        action = self.refund(order, line, 2)
        self.assertEqual(action.taken_off, 0)
        self.assertEqual(line.product_uom_qty, 2)

    # ------------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------------
    def test_a_shipped_or_cancelled_order_refuses_address_and_reallocation(self):
        order = self.receive()
        self.ship(order)
        for method in ("action_channel_cs_address", "action_channel_cs_reallocate"):
            with self.assertRaisesRegex(UserError, "shipped"):
                getattr(order.with_user(self.agent), method)()
        other = self.receive("M-2", [("WIDGET", 1)])
        other._action_cancel()
        with self.assertRaisesRegex(UserError, "cancelled"):
            other.with_user(self.agent).action_channel_cs_refund()

    def test_a_webshop_order_is_served_in_odoo_only(self):
        website = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        order = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "website_id": website.id,
             "warehouse_id": self.warehouse.id,
             "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 2})]}
        )  # fmt: skip
        order.action_confirm()
        action = self.change_address(order)
        self.assertEqual((action.state, action.result), ("done", False))
        self.assertEqual(order.picking_ids.partner_id.city, "Antwerp")
        refund = self.refund(order, order.order_line, 1)
        self.assertEqual((refund.state, order.order_line.product_uom_qty), ("done", 1))

    def test_an_order_of_no_channel_has_no_customer_service(self):
        order = self.env["sale.order"].create(
            {"partner_id": self.partner.id,
             "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})]}
        )  # fmt: skip
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "not a channel or webshop order"):
            order.with_user(self.agent).action_channel_cs_address()

    def test_the_actions_need_a_sales_or_channel_manager(self):
        order = self.receive()
        with self.assertRaises(AccessError):
            order.with_user(self.clerk).action_channel_cs_address()
        with self.assertRaises(AccessError):
            self.change_address(order, user=self.clerk)
        self.assertTrue(order.with_user(self.agent).action_channel_cs_address())

    def test_a_manager_of_another_company_is_refused(self):
        order = self.receive()
        _company_b, manager_b = self.second_company()
        with self.assertRaises(AccessError):
            order.with_user(manager_b).action_channel_cs_refund()

    def test_the_wizards_read_no_order_of_another_company(self):
        order = self.receive()
        _company_b, manager_b = self.second_company()
        env_b = self.env(user=manager_b)
        address = env_b["stock.channel.cs.address"].with_context(default_order_id=order.id)
        with self.assertRaises(AccessError):
            address.default_get(["order_id", "street"])
        values = {"order_id": order.id, "line_id": order.order_line[:1].id, "reason": "x"}
        with self.assertRaises(AccessError):
            self.assertFalse(env_b["stock.channel.cs.refund"].create(values).amount)
        with self.assertRaises(AccessError):
            reallocate = env_b["stock.channel.cs.reallocate"].create({"order_id": order.id})
            self.assertFalse(reallocate.candidates_html)

    def test_customer_service_and_reallocation_take_the_same_managers(self):
        order = self.receive()
        stock_manager = new_test_user(self.env, "cs_stock", groups="stock.group_stock_manager")
        self.assertTrue(order.with_user(stock_manager).action_channel_cs_refund())
        with self.assertRaisesRegex(UserError, "Choose the warehouse"):
            order.with_user(self.agent).action_channel_reallocate(0, "x")
        with self.assertRaises(AccessError):
            order.with_user(self.clerk).action_channel_reallocate(0, "x")

    # ------------------------------------------------------------------
    # The screen
    # ------------------------------------------------------------------
    def test_the_screen_opens_on_the_order(self):
        order = self.receive()
        action = order.with_user(self.agent).action_channel_customer_service()
        self.assertEqual(action["res_id"], order.id)
        self.assertIn("Accepted", order.channel_cs_status_html)
        self.assertIn(order.picking_ids.name, order.channel_cs_status_html)

    def test_the_status_history_takes_the_orders_own_pushes_only(self):
        order = self.receive()
        order.sudo().name = "S_1"
        logs = self.env["stock.channel.sync.log"].sudo()
        own = logs.create({"channel_id": self.market.id, "skus": "S_1 (M-1): accepted"})
        logs.create({"channel_id": self.market.id, "skus": "SX1 (M-9): accepted"})
        self.assertEqual(order._channel_status_logs(), own)

    def test_the_history_lists_the_events_in_time_order(self):
        order = self.receive()
        self.ship(order, tracking="TRK1")
        self.dispatch(until_empty=True)
        refund_line = order.order_line[:1]
        self.refund(order, refund_line, 1)
        history = str(order.channel_cs_history_html)
        marks = ["Message received", "Delivery done", "Status push", "Customer service"]
        positions = [history.index(mark) for mark in marks]
        self.assertEqual(positions, sorted(positions), history)
        self.assertIn("TRK1", history)
        self.assertIn("shipped", history)

    def test_the_history_keeps_the_lines_of_a_multi_line_detail(self):
        order = self.receive()
        order.sudo().channel_sourcing_explain = "Paris: at capacity\nLyon store: chosen"
        history = str(order.channel_cs_history_html)
        cell = history[: history.index("Lyon store: chosen")].rsplit("<td", 1)[1]
        self.assertIn("white-space: pre-line", cell)


@tagged("post_install", "-at_install")
class TestCustomerServiceTour(OrderCase, HttpCase):
    """A sales manager opens order CS-1 from Orders > Customer Service, changes its
    delivery address in the wizard and finds the change in the order's history."""

    def test_an_address_change_from_the_customer_service_screen(self):
        agent = new_test_user(
            self.env, "cs_tour", password="cs_tour",
            groups="sales_team.group_sale_manager,stock.group_stock_user,"
            "stock_channel_sync.group_channel_user",
        )  # fmt: skip
        self.set_stock(self.product, 5)
        self.receive_order(self.order_payload("CS-1", [("WIDGET", 1)]))
        order = self.order_of("CS-1")
        self.assertEqual(order.state, "sale")
        self.start_tour("/odoo/inventory", "stock_channel_sync_customer_service", login=agent.login)
        self.assertEqual(order.partner_shipping_id.city, "Antwerp")
        self.assertEqual(order.channel_action_ids.kind, "address")


@tagged("post_install", "-at_install")
class TestCustomerServiceReallocation(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        promise_fixtures(cls)
        cls.agent = new_test_user(
            cls.env, "cs_mover", groups="sales_team.group_sale_manager,stock.group_stock_user"
        )

    def reserved(self, warehouse):
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id),
             ("location_id", "child_of", warehouse.view_location_id.id)]
        )  # fmt: skip
        return sum(quants.mapped("reserved_quantity"))

    def test_reallocation_from_the_screen_moves_the_reservation(self):
        self.set_stock(self.product, 5)
        self.set_stock(self.product, 7, self.lyon.lot_stock_id)
        self.market.write({"promise_days": 3, "market_zone_id": self.benelux.id})
        for sequence, warehouse in enumerate((self.warehouse, self.lyon)):
            self.env["stock.channel.source"].create(
                {"channel_id": self.market.id, "warehouse_id": warehouse.id,
                 "handling_days": 1, "sequence": sequence}
            )  # fmt: skip
        self.receive_order(self.order_payload("R-1", [("WIDGET", 2)]))
        order = self.order_of("R-1")
        self.assertEqual(self.reserved(self.warehouse), 2)
        order.with_user(self.agent).action_channel_cs_reallocate()
        wizard = (
            self.env(user=self.agent)["stock.channel.cs.reallocate"]
            .with_context(default_order_id=order.id)
            .create({"reason": "closer to the customer"})
        )
        self.assertEqual(wizard.current_warehouse_id, self.warehouse)
        self.assertEqual(wizard.candidate_ids, self.warehouse | self.lyon)
        self.assertIn("Lyon store", wizard.candidates_html)
        self.assertIn("2 of 2", wizard.candidates_html)
        with self.assertRaisesRegex(UserError, "already ships from"):
            wizard.warehouse_id = self.warehouse
            wizard.action_confirm()
        wizard.warehouse_id = self.lyon
        wizard.action_confirm()
        self.assertEqual(self.reserved(self.lyon), 2)
        self.assertEqual(self.reserved(self.warehouse), 0)
        action = order.channel_action_ids
        self.assertEqual((action.kind, action.state), ("reallocate", "done"))
        self.assertIn("to Lyon store", action.description)
        self.assertIn("Reallocated to Lyon store", str(order.channel_cs_history_html))


@tagged("post_install", "-at_install")
class TestCustomerServiceShopify(OrderCase, HttpCase):
    """An address change and a partial refund reach the simulator's Shopify."""

    def setUp(self):
        super().setUp()
        self.sim.configure_shop(
            SHOPIFY,
            token="shop-token",
            webhook_secret="shop-secret",
            catalog={"WIDGET": ITEM.format(1001), "GADGET": ITEM.format(1002)},
        )
        self.set_stock(self.product, 5)

    def place(self, order_id, lines):
        order = shopify_order(order_id, self.currency, lines)
        state = self.sim.shopify.add_order(SHOPIFY, order)
        with self.from_outside():
            status, text = self.sim.shopify.deliver(
                self.base_url() + SHOPIFY_URL, SHOPIFY, "orders/create", order, f"wh-{order_id}"
            )
        self.assertEqual(status, 200, text)
        return state, self.order_of(str(order_id), self.shop)

    def test_address_change_and_partial_refund_reach_shopify(self):
        state, order = self.place(7101, [(81, "WIDGET", 2)])
        agent = new_test_user(self.env, "cs_shopify", groups="sales_team.group_sale_manager")
        env = self.env(user=agent)
        env["stock.channel.cs.address"].with_context(default_order_id=order.id).create(
            {"name": "Sam Shop", "street": "Meir 2", "zip": "2000", "city": "Antwerp",
             "country_id": self.env.ref("base.be").id}
        ).action_confirm()  # fmt: skip
        env["stock.channel.cs.refund"].with_context(default_order_id=order.id).create(
            {"line_id": order.order_line[:1].id, "quantity": 1, "reason": "damaged"}
        ).action_confirm()
        self.assertEqual(order.channel_action_ids.mapped("state"), ["queued", "queued"])
        self.dispatch(until_empty=True)
        self.assertEqual(state["json"]["shipping_address"]["city"], "Antwerp")
        [refund] = state["refunds"]
        self.assertIn(f"7101-R{order.channel_action_ids.sorted('id')[-1].id}", refund["note"])
        self.assertEqual(order.channel_action_ids.mapped("state"), ["sent", "sent"])
        self.assertTrue(all(order.channel_action_ids.mapped("result")))
        self.dispatch(until_empty=True)  # nothing sent twice
        self.assertEqual(len(state["refunds"]), 1)

    def test_a_refused_refund_fails_alone_and_is_never_sent_again(self):
        state, order = self.place(7103, [(83, "WIDGET", 2)])
        agent = new_test_user(self.env, "cs_alone", groups="sales_team.group_sale_manager")
        env = self.env(user=agent)
        env["stock.channel.cs.address"].with_context(default_order_id=order.id).create(
            {"name": "Sam Shop", "street": "Meir 2", "zip": "2000", "city": "Antwerp",
             "country_id": self.env.ref("base.be").id}
        ).action_confirm()  # fmt: skip
        refund = env["stock.channel.cs.refund"].with_context(default_order_id=order.id)
        refund.create(
            {"line_id": order.order_line[:1].id, "quantity": 1, "reason": "x"}
        ).action_confirm()
        address, refused = order.channel_action_ids.sorted("id")
        refused.sudo().amount = 500  # more than Shopify has left to refund
        self.dispatch(until_empty=True)
        self.assertEqual((address.state, refused.state), ("sent", "failed"))
        self.assertIn("Amount cannot exceed", refused.result)
        self.assertEqual(state["json"]["shipping_address"]["city"], "Antwerp")
        self.assertNotIn("refunds", order._channel_status_body())
        refund.create(
            {"line_id": order.order_line[:1].id, "quantity": 1, "reason": "late"}
        ).action_confirm()
        self.dispatch(until_empty=True)
        later = order.channel_action_ids.sorted("id")[-1]
        self.assertEqual((later.state, refused.state), ("sent", "failed"))
        self.assertEqual([r["note"] for r in state["refunds"]], [f"[7103-R{later.id}] late"])
        self.assertEqual(
            [r["key"] for r in order.channel_status_pushed["refunds"]], [f"7103-R{later.id}"]
        )

    def test_a_refund_shopify_refuses_fails_in_its_words(self):
        state, order = self.place(7102, [(82, "WIDGET", 1)])
        agent = new_test_user(self.env, "cs_refused", groups="sales_team.group_sale_manager")
        wizards = self.env(user=agent)["stock.channel.cs.refund"]
        values = {"line_id": order.order_line[:1].id, "quantity": 1, "reason": "x"}
        wizards.with_context(default_order_id=order.id).create(values).action_confirm()
        order.channel_action_ids.sudo().amount = 500  # more than Shopify has left to refund
        self.dispatch(until_empty=True)
        action = order.channel_action_ids
        self.assertEqual(action.state, "failed")
        self.assertIn("Amount cannot exceed", action.result)
        self.assertFalse(state["refunds"])


@tagged("post_install", "-at_install")
class TestCustomerServiceWooCommerce(OrderCase, HttpCase):
    """An address change and a partial refund reach the simulator's WooCommerce."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.woo = cls.env["stock.channel"].create(
            {"name": "Woo shop", "code": "woo", "channel_type": "shop",
             "warehouse_id": cls.warehouse.id, "connector": "woocommerce",
             "endpoint_url": cls.sim.woocommerce_url(WOO), "api_key": WOO_KEY,
             "api_secret": WOO_SECRET, "retry_base_seconds": 0.01, "retry_cap_seconds": 0.05}
        )  # fmt: skip
        set_settings(cls.woo, webhook_secret=WOO_HOOK)

    def setUp(self):
        super().setUp()
        self.sim.configure_woocommerce(
            WOO, consumer_key=WOO_KEY, consumer_secret=WOO_SECRET, webhook_secret=WOO_HOOK
        )
        self.sim.woocommerce.add_product(WOO, "WIDGET", 0)
        self.set_stock(self.product, 5)

    def test_address_change_and_partial_refund_reach_woocommerce(self):
        placed = woo_order(931, "WIDGET", quantity=2, currency=self.currency)
        self.sim.woocommerce.add_order(WOO, placed)
        with self.from_outside():
            status, text = self.sim.woocommerce.deliver(
                self.base_url() + WOO_URL, WOO, "order.created", placed, "c-1"
            )
        self.assertEqual(status, 200, text)
        order = self.order_of("931", self.woo)
        agent = new_test_user(self.env, "cs_woo", groups="sales_team.group_sale_manager")
        env = self.env(user=agent)
        env["stock.channel.cs.address"].with_context(default_order_id=order.id).create(
            {"name": "Wanda Woo", "street": "Rue Basse 2", "zip": "4000", "city": "Liège",
             "country_id": self.env.ref("base.be").id}
        ).action_confirm()  # fmt: skip
        env["stock.channel.cs.refund"].with_context(default_order_id=order.id).create(
            {"line_id": order.order_line[:1].id, "quantity": 1, "reason": "damaged"}
        ).action_confirm()
        self.dispatch(until_empty=True)
        shop_order = self.sim.woocommerce.orders[WOO][931]
        self.assertEqual(shop_order["shipping"]["city"], "Liège")
        [refund] = shop_order["refunds"]
        self.assertIn("damaged", refund["reason"])
        self.assertEqual(order.channel_action_ids.mapped("state"), ["sent", "sent"])
