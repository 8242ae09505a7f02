"""In Chromium, as a channel manager: a rule written in Inventory > Configuration >
Channels > Order Rules (amount ≥ 500 → hold for review "big order"), dry-run on the
company's 20 channel orders (4 would be held), published from the dry run: version 1 → 2."""

from odoo.tests import HttpCase, new_test_user, tagged

from ..core.automation import OrderFacts, evaluate
from .test_order_rules import MANAGER_GROUPS, OrderRulesCase


@tagged("post_install", "-at_install")
class TestOrderRulesTour(HttpCase, OrderRulesCase):
    def test_a_manager_writes_dry_runs_and_publishes_a_rule(self):
        manager = new_test_user(
            self.env, "rules_tour_manager", password="rules_tour_manager",
            groups=MANAGER_GROUPS + ",sales_team.group_sale_salesman",
        )  # fmt: skip
        self.rule("Paid orders", actions=[{"type": "accept"}], payment_state="paid")
        self.ruleset.action_publish()
        self.orders([{"price": 600.0 if i % 5 == 0 else 100.0} for i in range(20)])
        self.start_tour("/odoo/inventory", "stock_channel_sync_order_rules", login=manager.login)
        self.env.invalidate_all()
        version = self.ruleset.published_version_id
        self.assertEqual((version.version, version.note, version.author_id),
                         (2, "Hold big orders", manager))  # fmt: skip
        rule = self.ruleset.rule_ids.filtered(lambda r: r.name == "Big orders")
        self.assertEqual(rule.amount_min, 500)
        self.assertEqual(rule.action_ids.mapped("reason"), ["big order"])
        outcome = evaluate(self.Ruleset._published_rules(self.company), OrderFacts(amount=500))
        self.assertEqual((outcome.decision, outcome.reason), ("hold", "big order"))
