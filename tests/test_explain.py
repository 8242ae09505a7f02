"""Why a quantity, one click from every place that shows one: the steps with their
figures (a channel quantity row, an order in exception, the overview card, the grid, a
push in the sync log), checked on the server, and the sync log said in human words."""

from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import OrderCase

ARROW = "\u2192"


@tagged("post_install", "-at_install")
class TestExplain(OrderCase):
    def setUp(self):
        super().setUp()
        # 50 % of 3 is 1, below the minimum of 2: the market shows 0
        self.add_rule(self.market, share_percent=50, min_publish_threshold=2)
        self.set_stock(self.product, 3)

    def explain_of(self, product=None, channel=None):
        """The explain action of the variant on the channel, and its line."""
        Quantity = self.env["stock.channel.quantity"]
        action = Quantity._explain_action(channel or self.market, product or self.product)
        return action, Quantity.browse(action.get("res_id"))

    def test_a_quantity_row_opens_the_explain_of_its_variant_with_its_figures(self):
        action, line = self.explain_of()
        self.assertEqual((line.channel_id, line.product_id), (self.market, self.product))
        again = line.action_explain()
        self.assertEqual((again["res_model"], again["res_id"]), (line._name, line.id))
        self.assertEqual(again["target"], "new")
        view = self.env.ref("stock_channel_sync.view_stock_channel_quantity_explain")
        self.assertEqual(again["views"], [(view.id, "form")])
        html = str(line.explain_html)
        self.assertIn("on hand 3", html)
        self.assertIn("share 50 % of 3 = 1", html)
        self.assertIn(f"minimum 2 {ARROW} 0", html)
        self.assertIn("publishable 0", html)
        self.assertEqual(action["res_id"], line.id)

    def test_the_dialog_s_quantity_is_the_one_its_steps_end_with(self):
        _action, line = self.explain_of()
        self.assertEqual(line.publishable_qty, 0)
        self.set_stock(self.product, 8)  # 50 % of 8: 4, the line not recomputed yet
        action = line.action_explain()
        self.assertEqual(line.publishable_qty, 4)
        self.assertIn("share 50 % of 8 = 4", str(line.explain_html))
        self.assertIn("Why 4?", action["name"])

    def test_the_explain_is_for_channel_users_of_the_line_s_company(self):
        _action, line = self.explain_of()
        outsider = new_test_user(self.env, "no_channels", groups="base.group_user")
        with self.assertRaises(AccessError):
            line.with_user(outsider).action_explain()
        _company, manager_b = self.second_company()
        with self.assertRaises(AccessError):
            line.with_user(manager_b).action_explain()
        with self.assertRaises(AccessError):
            self.env["stock.channel.quantity"].with_user(manager_b)._explain_action(
                self.market, self.product
            )
        reader = new_test_user(
            self.env, "channel_reader", groups="stock_channel_sync.group_channel_user"
        )
        self.assertEqual(line.with_user(reader).action_explain()["res_id"], line.id)

    def test_several_variants_open_their_list_each_with_its_explain(self):
        self.set_stock(self.product_b, 4)
        action = self.env["stock.channel.quantity"]._explain_action(
            self.market, self.product | self.product_b
        )
        lines = self.env["stock.channel.quantity"].search(action["domain"])
        self.assertEqual(lines.product_id, self.product | self.product_b)
        self.assertEqual(lines.channel_id, self.market)
        arch = self.env.ref("stock_channel_sync.view_stock_channel_quantity_list").arch
        self.assertIn('name="action_explain"', arch)

    def test_an_order_in_exception_opens_the_explain_of_its_variant_on_its_channel(self):
        inbound, _status, answer = self.receive_order(self.order_payload("X-1", [("WIDGET", 5)]))
        self.assertEqual(inbound.state, "exception", answer)
        action = inbound.action_explain()
        line = self.env["stock.channel.quantity"].browse(action["res_id"])
        self.assertEqual((line.channel_id, line.product_id), (self.market, self.product))

    def test_an_order_held_before_import_explains_the_variants_its_skus_name(self):
        payload = self.order_payload("X-2", [("WIDGET", 1)])
        payload["shipping_address"]["country_code"] = "ZZ"
        inbound, _status, _answer = self.receive_order(payload)
        self.assertEqual(inbound.state, "exception")
        self.assertFalse(inbound.sale_order_id)
        line = self.env["stock.channel.quantity"].browse(inbound.action_explain()["res_id"])
        self.assertEqual((line.channel_id, line.product_id), (self.market, self.product))

    def test_an_order_of_an_unknown_sku_has_no_variant_to_explain(self):
        inbound, _status, _answer = self.receive_order(self.order_payload("X-3", [("NOBODY", 1)]))
        self.assertEqual(inbound.state, "exception")
        with self.assertRaises(UserError):
            inbound.action_explain()
        outsider = new_test_user(self.env, "no_channels_2", groups="base.group_user")
        with self.assertRaises(AccessError):
            inbound.with_user(outsider).action_explain()

    def test_the_overview_card_opens_the_channel_s_quantities_to_explain(self):
        action = self.market.action_open_quantities()
        self.assertEqual(action["domain"], [("channel_id", "in", self.market.ids)])
        arch = self.env.ref("stock_channel_sync.view_stock_channel_overview_kanban").arch
        self.assertIn('name="action_open_quantities"', arch)

    def test_the_grid_and_the_variant_say_each_step_with_its_figures(self):
        explain = self.env["stock.channel.grid"].get_explain(self.product.id, self.market.id)
        texts = [step["text"] for step in explain["steps"]]
        self.assertIn("share 50 % of 3 = 1", texts)
        self.assertIn(f"minimum 2 {ARROW} 0 (1 is below it)", texts)
        html = str(self.product.channel_explanation_html)
        self.assertIn("share 50 % of 3 = 1", html)

    def test_a_backorder_push_is_explained_by_its_backorder_step(self):
        self.market.allow_backorder = True
        self.add_rule(self.market, scope="variant", product_id=self.product, backorder_qty=5)
        self.set_stock(self.product, 0)
        self.dispatch(until_empty=True)
        log = self.logs(self.market).filtered(lambda log: "WIDGET" in (log.skus or ""))[:1]
        [item] = [item for item in log.items if item["sku"] == "WIDGET"]
        self.assertEqual(item["quantity"], 5)
        self.assertEqual(item["explain"]["sellable"], 0)
        html = str(log.explain_html)
        self.assertIn("backorder + 5", html)
        self.assertIn("sellable 0", html)
        self.assertIn("publishable 5", html)

    def test_a_push_logged_before_the_sentences_is_said_from_its_steps(self):
        steps = [["sellable", 0], ["backorder", 5], ["publishable", 5]]
        log = self.env["stock.channel.sync.log"].create(
            {
                "channel_id": self.market.id,
                "item_count": 1,
                "skus": "WIDGET",
                "items": [{"sku": "WIDGET", "quantity": 5, "explain": {"steps": steps}}],
            }
        )
        self.assertIn("backorder + 5", str(log.explain_html))

    def test_a_push_is_named_by_its_channel_local_time_and_items(self):
        Log = self.env["stock.channel.sync.log"].with_context(tz="Europe/Brussels")
        log = Log.create(
            {
                "channel_id": self.market.id,
                "item_count": 3,
                "sent_at": datetime(2026, 11, 23, 10, 2, 5),
                "idempotency_key": "k" * 64,
                "skus": "A, B, C",
            }
        )
        self.assertEqual(log.display_name, "Market \u00b7 2026-11-23 11:02:05 \u00b7 3 items")
        self.assertEqual(log.idempotency_key, "k" * 64)
        log.item_count = 1
        self.assertEqual(log.display_name, "Market \u00b7 2026-11-23 11:02:05 \u00b7 1 item")

    def test_long_sku_lists_are_cut_in_the_list(self):
        skus = ", ".join(f"SKU-{index}" for index in range(1, 9))
        log = self.env["stock.channel.sync.log"].create(
            {"channel_id": self.market.id, "item_count": 8, "skus": skus}
        )
        self.assertEqual(log.skus_short, "SKU-1, SKU-2, SKU-3, SKU-4, SKU-5 \u2026 +3 more")
        arch = self.env.ref("stock_channel_sync.view_stock_channel_sync_log_list").arch
        self.assertIn('name="skus_short"', arch)
