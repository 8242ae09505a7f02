from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestSecurity(ChannelStockCase):
    def test_user_reads_manager_configures(self):
        user = new_test_user(
            self.env, "channel_user", groups="stock_channel_sync.group_channel_user"
        )
        manager = new_test_user(
            self.env, "channel_mgr", groups="stock_channel_sync.group_channel_manager"
        )
        self.set_stock(self.product, 3)
        self.web._refresh_quantities(self.product)
        for model in ("stock.channel", "stock.channel.policy", "stock.channel.policy.rule",
                      "stock.channel.policy.version", "stock.channel.quantity"):  # fmt: skip
            self.env[model].with_user(user).search([]).read([])
        with self.assertRaises(AccessError):
            self.web.with_user(user).write({"name": "Nope"})
        with self.assertRaises(AccessError):
            self.add_rule(self.web, policy=self.policy.with_user(user), safety_buffer=1)
        self.web.with_user(manager).write({"name": "Web shop"})
        self.add_rule(self.web, policy=self.policy.with_user(manager), safety_buffer=1)
        self.assertEqual(self.policy.version, 2)

    def test_other_company_records_are_invisible(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        foreign = self.env["stock.channel"].create(
            {
                "name": "Foreign",
                "code": "foreign",
                "company_id": other.id,
                "warehouse_id": other_wh.id,
            }
        )
        user = new_test_user(
            self.env, "channel_user_mc", groups="stock_channel_sync.group_channel_manager",
            company_id=self.company.id, company_ids=[self.company.id],
        )  # fmt: skip
        visible = self.env["stock.channel"].with_user(user).search([])
        self.assertIn(self.web, visible)
        self.assertNotIn(foreign, visible)

    def test_the_variants_waiting_for_a_binding_are_listed_to_the_channels_readers_only(self):
        other = self.env["res.company"].create({"name": "Other Waiting Co"})
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        foreign = self.env["stock.channel"].create(
            {"name": "Foreign Shop", "code": "foreign-shop", "company_id": other.id,
             "warehouse_id": other_wh.id, "connector": "shopify",
             "endpoint_url": "https://foreign.example.com"}
        )  # fmt: skip
        user = new_test_user(
            self.env, "channel_mgr_waiting", groups="stock_channel_sync.group_channel_manager",
            company_id=self.company.id, company_ids=[self.company.id],
        )  # fmt: skip
        with self.assertRaises(AccessError):
            foreign.with_user(user).action_open_waiting_bindings()
        self.web.with_user(user).action_open_waiting_bindings()
