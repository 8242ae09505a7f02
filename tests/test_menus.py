"""The menus a store manager uses (issue 19, point 5): Inventory > Channels holds the
daily entries (Store Offers since issue 21); configuration under Inventory >
Configuration > Channels, reports under Inventory > Reporting > Channels, the pipes under
Inventory > Channels > Technical (for channel managers); Orders to Fix lists both kinds
of orders waiting for a person."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OrderCase

MODULE = "stock_channel_sync"
DAILY = ("menu_stock_channel_overview", "menu_stock_channel_grid",
         "menu_stock_channel_order_exceptions", "menu_stock_channel_offer",
         "menu_stock_channel_alert")  # fmt: skip
TECHNICAL = ("menu_stock_channel_outbox", "menu_stock_channel_dead_letters",
             "menu_stock_channel_sync_log", "menu_stock_channel_inbound",
             "menu_stock_channel_refused", "menu_stock_channel_job",
             "menu_stock_channel_quantity")  # fmt: skip
CONFIGURATION = ("menu_stock_channel", "menu_stock_channel_policy",
                 "menu_stock_channel_whatif", "menu_stock_channel_order_rules",
                 "menu_stock_channel_policy_version",
                 "menu_stock_channel_binding")  # fmt: skip
REPORTS = ("menu_stock_channel_latency_report", "menu_stock_channel_failure_report",
           "menu_stock_channel_dead_letter_report", "menu_stock_channel_incident_report",
           "menu_stock_channel_drift_report", "menu_stock_channel_incident",
           "menu_stock_channel_drift", "menu_stock_channel_reconcile")  # fmt: skip


@tagged("post_install", "-at_install")
class TestMenus(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            "menu_user",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user",
        )
        cls.manager = new_test_user(
            cls.env,
            "menu_manager",
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_user,"
            "sales_team.group_sale_salesman",
        )

    def menu(self, name):
        return self.env.ref(f"{MODULE}.{name}" if "." not in name else name)

    def visible(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def assertReachable(self, user, names, reachable=True):
        """Each menu of `names` and every parent up to Inventory is visible to `user`."""
        visible = self.visible(user)
        for name in names:
            menu, chain = self.menu(name), self.env["ir.ui.menu"]
            while menu:
                chain |= menu
                menu = menu.parent_id
            seen = all(m.id in visible for m in chain)
            self.assertEqual(seen, reachable, f"{name} reachable by {user.login}")

    def test_channels_holds_the_daily_entries_for_a_user(self):
        root = self.menu("menu_stock_channel_root")
        shown = root.child_id.filtered(lambda m: m.id in self.visible(self.user))
        self.assertEqual(shown.sorted("sequence"), self.env["ir.ui.menu"].concat(
            *(self.menu(name) for name in DAILY)
        ))  # fmt: skip
        grid = "Products \N{MULTIPLICATION SIGN} Channels"
        self.assertEqual(
            shown.mapped("name"), ["Overview", grid, "Orders to Fix", "Store Offers", "Alerts"]
        )

    def test_technical_is_for_managers_only(self):
        self.assertReachable(self.manager, TECHNICAL)
        self.assertReachable(self.user, TECHNICAL, reachable=False)
        technical = self.menu("menu_stock_channel_technical")
        self.assertEqual(
            technical.child_id.filtered(lambda m: m.id in self.visible(self.manager)).mapped(
                "name"
            )[:7],
            ["Outbox", "Failed Updates", "Sync Log", "Channel Messages", "Refused Messages",
             "Jobs", "Channel Quantities"],
        )  # fmt: skip

    def test_configuration_is_under_inventory_configuration_for_managers(self):
        self.assertReachable(self.manager, CONFIGURATION)
        self.assertEqual(
            self.menu("menu_stock_channel_config").parent_id,
            self.menu("stock.menu_stock_config_settings"),
        )
        self.assertReachable(self.user, CONFIGURATION, reachable=False)
        config = self.menu("menu_stock_channel_config").child_id.sorted("sequence")
        self.assertEqual(
            config.mapped("name")[:3],
            ["Sales Channels", "Allocation Policies", "Policy What-ifs"],
            "the what-ifs are next to the policies",
        )

    def test_reports_are_under_inventory_reporting(self):
        self.assertReachable(self.user, REPORTS)
        self.assertReachable(self.manager, (*REPORTS, "menu_sale_order_channel_report"))
        self.assertEqual(
            self.menu("menu_stock_channel_reports").parent_id,
            self.menu("stock.menu_warehouse_report"),
        )

    def test_no_menu_says_dead_letters(self):
        menus = self.env["ir.ui.menu"].search(
            [("id", "child_of", self.menu("stock.menu_stock_root").id)]
        )
        self.assertFalse([m.complete_name for m in menus if "dead letter" in m.name.lower()])
        self.assertIn("Failed Updates", menus.mapped("name"))


@tagged("post_install", "-at_install")
class TestOrdersToFix(OrderCase):
    def fixes(self, channel=None):
        Fix = self.env["stock.channel.order.fix"]
        return Fix.search([("channel_id", "=", (channel or self.market).id)])

    def test_held_messages_and_sale_orders_to_check_are_one_list(self):
        held, _status, _answer = self.receive_order(self.order_payload("F-1", [("NOPE", 1)]))
        self.receive_order(self.order_payload("F-2", [("WIDGET", 500)]))
        order = self.order_of("F-2")
        self.assertEqual((held.state, order.channel_exception), ("exception", "to_check"))
        rows = self.fixes()
        self.assertEqual(
            sorted((row.kind, row.reference, row.status) for row in rows),
            [("message", "F-1", "exception"), ("sale", "F-2", "to_check")],
            "one row each: the order's message is the order's row",
        )
        by_kind = {row.kind: row for row in rows}
        self.assertIn("unknown SKU 'NOPE'", by_kind["message"].reason)
        self.assertIn("stock shortfall", by_kind["sale"].reason.lower())
        self.assertEqual(
            by_kind["message"].action_open_record()["res_model"], "stock.channel.inbound"
        )
        opened = by_kind["sale"].action_open_record()
        self.assertEqual((opened["res_model"], opened["res_id"]), ("sale.order", order.id))

    def test_retry_from_orders_to_fix_runs_each_kinds_own_button(self):
        self.receive_order(self.order_payload("F-3", [("WIDGET", 200)]))
        self.receive_order(self.order_payload("F-4", [("NOPE", 1)]))
        self.set_stock(self.product, 300)
        self.product_b.default_code = "NOPE"
        self.set_stock(self.product_b, 1)
        self.fixes().action_retry()
        self.assertEqual(self.order_of("F-3").state, "sale")
        self.assertEqual(self.order_of("F-4").state, "sale")
        self.assertFalse(self.fixes(), "nothing left to fix")

    def test_a_user_without_sales_rights_sees_the_held_messages_only(self):
        self.receive_order(self.order_payload("F-5", [("NOPE", 1)]))
        self.receive_order(self.order_payload("F-6", [("WIDGET", 500)]))
        user = new_test_user(
            self.env,
            "fix_reader",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user",
        )
        rows = self.fixes().with_user(user).search([("channel_id", "=", self.market.id)])
        self.assertEqual(rows.mapped("reference"), ["F-5"])

    def test_another_companys_orders_to_fix_are_neither_seen_nor_retried(self):
        self.receive_order(self.order_payload("F-7", [("NOPE", 1)]))
        self.receive_order(self.order_payload("F-8", [("WIDGET", 500)]))
        _company_b, manager_b = self.second_company()
        Fix = self.env["stock.channel.order.fix"].with_user(manager_b)
        self.assertFalse(Fix.search([("channel_id", "=", self.market.id)]))
        rows = self.fixes()
        with self.assertRaises(AccessError):
            rows.with_user(manager_b).action_retry()

    def test_a_salesman_sees_the_sale_orders_to_check_of_his_own_only(self):
        self.receive_order(self.order_payload("F-9", [("WIDGET", 500)]))
        order = self.order_of("F-9")
        salesman = new_test_user(
            self.env,
            "fix_salesman",
            groups="stock_channel_sync.group_channel_user,sales_team.group_sale_salesman",
        )
        order.user_id = self.env.user
        Fix = self.env["stock.channel.order.fix"].with_user(salesman)
        self.assertFalse(Fix.search([("sale_order_id", "=", order.id)]), "another's order")
        order.user_id = salesman
        self.assertTrue(Fix.search([("sale_order_id", "=", order.id)]), "his own")
