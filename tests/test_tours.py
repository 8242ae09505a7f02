"""In Chromium, as a store manager: a rule changed in the allocation policy moves the
publishable quantity and its explain; quarantined stock released through the wizard
becomes sellable and is queued for the channels; a channel order held for an unknown SKU
is mapped by a binding and Retried into a reserved sale order. Each tour reads the exact
figures in the UI; the records are checked afterwards."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import ChannelStockCase

MANAGER_GROUPS = (
    "stock_channel_sync.group_channel_manager,stock.group_stock_user,product.group_product_variant"
)


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
