from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestPolicyVersions(ChannelStockCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 50)
        self.set_stock(self.product_b, 50)
        self.manager = new_test_user(
            self.env, "channel_manager",
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_user",
        )  # fmt: skip

    def _results(self):
        products = self.product | self.product_b
        return {
            key: res.publishable
            for key, res in self.channels._compute_publishable(products).items()
        }

    def test_each_change_records_a_version_with_author_and_time(self):
        self.assertEqual(self.policy.version, 1)
        policy = self.policy.with_user(self.manager)
        self.add_rule(self.web, policy=policy, safety_buffer=5)
        self.assertEqual(self.policy.version, 2)
        policy.rule_ids.write({"safety_buffer": 6})
        policy.rule_ids.write({"safety_buffer": 6})  # no change: no new version
        self.assertEqual(self.policy.version, 3)
        policy.write(
            {
                "rule_ids": [
                    Command.create(
                        {"channel_id": self.market.id, "scope": "all", "share_percent": 50}
                    ),
                    Command.update(policy.rule_ids.id, {"safety_buffer": 7}),
                ]
            }
        )
        self.assertEqual(self.policy.version, 4, "one form save, one version")
        latest = self.policy.version_ids[0]
        self.assertEqual(latest.version, 4)
        self.assertEqual(latest.author_id, self.manager)
        self.assertTrue(latest.create_date)
        self.assertEqual(latest.rule_count, 2)
        policy.rule_ids.filtered(lambda r: r.channel_id == self.market).unlink()
        self.assertEqual(self.policy.version, 5)

    def test_restoring_a_version_restores_the_exact_results(self):
        self.add_rule(self.web, safety_buffer=5)
        self.add_rule(self.pos, "variant", product_id=self.product, ring_fenced_qty=8)
        self.add_rule(self.market, "template", product_tmpl_id=self.product_b.product_tmpl_id,
                      share_percent=40, max_exposure=15)  # fmt: skip
        saved_version = self.policy.version_ids[0]
        saved = self._results()
        self.policy.rule_ids.unlink()
        self.add_rule(self.market, share_percent=10)
        self.assertNotEqual(self._results(), saved)
        saved_version.with_user(self.manager).action_restore()
        self.assertEqual(self._results(), saved)
        latest = self.policy.version_ids[0]
        self.assertIn(f"Restored from version {saved_version.version}", latest.note)
        self.assertEqual(latest.snapshot, saved_version.snapshot)
        self.assertTrue(latest.is_current)
        self.assertEqual(len(self.policy.rule_ids), 3)

    def test_explain_names_the_rule_and_policy_version(self):
        self.add_rule(self.web, safety_buffer=5)
        data = self.product._channel_explain(self.web)
        self.assertEqual(data["publishable"], 45)
        self.assertIn(f"v{self.policy.version}", data["rule"])
        self.assertIn("Standard", data["rule"])
