from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestPolicyRules(ChannelStockCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 100)

    def test_no_rule_publishes_all_sellable(self):
        self.assertEqual(self.publishable(self.web), 100)

    def test_share_percent_rounds_down(self):
        self.add_rule(self.market, share_percent=33.5)
        self.assertEqual(self.publishable(self.market), 33)
        self.assertEqual(self.publishable(self.web), 100)

    def test_safety_buffer_and_max_exposure(self):
        self.add_rule(self.web, safety_buffer=10)
        self.add_rule(self.market, max_exposure=25)
        self.assertEqual(self.publishable(self.web), 90)
        self.assertEqual(self.publishable(self.market), 25)

    def test_min_publish_threshold_publishes_zero_below_it(self):
        self.add_rule(self.market, min_publish_threshold=5, safety_buffer=97)
        self.assertEqual(self.publishable(self.market), 0)
        self.set_stock(self.product, 102)
        self.assertEqual(self.publishable(self.market), 5)

    def test_ring_fenced_units_never_reach_other_channels(self):
        self.add_rule(self.pos, ring_fenced_qty=30)
        self.assertEqual(self.publishable(self.pos), 100)
        self.assertEqual(self.publishable(self.web), 70)
        self.assertEqual(self.publishable(self.market), 70)
        self.deliver(self.product, 80)  # 20 sellable left, all ring-fenced for the POS
        self.assertEqual(self.publishable(self.pos), 20)
        self.assertEqual(self.publishable(self.web), 0)
        self.assertEqual(self.publishable(self.market), 0)

    def test_ring_fences_exceeding_sellable_are_scaled_and_warned(self):
        self.add_rule(self.pos, ring_fenced_qty=90)
        self.add_rule(self.market, ring_fenced_qty=60)
        pos, market, web = (self.publishable(ch) for ch in (self.pos, self.market, self.web))
        self.assertEqual((pos, market, web), (60, 40, 0))
        self.assertLessEqual(pos + market, 100)
        self.channels._refresh_quantities(self.product)
        self.assertEqual(self.pos.fence_shortfall_count, 1)
        self.assertIn("exceed", self.pos.fence_warning)
        self.assertFalse(self.web.fence_shortfall_count)

    def test_incoming_within_horizon_counts(self):
        soon = fields.Datetime.now() + timedelta(days=2)
        later = fields.Datetime.now() + timedelta(days=20)
        self.receive(self.product, 10, date=soon)
        self.receive(self.product, 50, date=later)
        self.add_rule(self.web, include_incoming_days=7)
        self.assertEqual(self.publishable(self.web), 110)
        self.assertEqual(self.publishable(self.market), 100)

    def test_backorder_only_when_sellable_is_zero_and_allowed(self):
        self.add_rule(self.market, backorder_qty=5)
        self.deliver(self.product, 100)
        self.assertEqual(self.publishable(self.market), 0)
        self.market.allow_backorder = True
        self.assertEqual(self.publishable(self.market), 5)
        self.set_stock(self.product, 101)
        self.assertEqual(self.publishable(self.market), 1)

    def test_most_specific_scope_wins(self):
        template_product = self.product_b
        sub_product = self._create_product("Sub", "SUB", categ=self.subcategory)
        for product in (template_product, sub_product):
            self.set_stock(product, 100)
        self.add_rule(self.web, max_exposure=50)
        self.add_rule(self.web, "category", categ_id=self.category, max_exposure=40)
        self.add_rule(self.web, "template", product_tmpl_id=template_product.product_tmpl_id,
                      max_exposure=30)  # fmt: skip
        self.add_rule(self.web, "variant", product_id=self.product, max_exposure=20)
        other_categ = self.env["product.category"].create({"name": "Elsewhere"})
        other = self._create_product("Other", "OTHER", categ=other_categ)
        self.set_stock(other, 100)
        self.assertEqual(self.publishable(self.web, self.product), 20)
        self.assertEqual(self.publishable(self.web, template_product), 30)
        self.assertEqual(self.publishable(self.web, sub_product), 40, "parent category applies")
        self.assertEqual(self.publishable(self.web, other), 50)
        self.add_rule(self.web, "category", categ_id=self.subcategory, max_exposure=35)
        self.assertEqual(self.publishable(self.web, sub_product), 35, "closest category wins")

    def test_invalid_rules_are_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "share_percent must be between 0 and 100"):
            self.add_rule(self.web, share_percent=120)
        with self.assertRaisesRegex(ValidationError, "safety_buffer must not be negative"):
            self.add_rule(self.market, safety_buffer=-1)
        with self.assertRaisesRegex(ValidationError, "needs exactly its"):
            self.env["stock.channel.policy.rule"].create(
                {"policy_id": self.policy.id, "channel_id": self.web.id, "scope": "variant"}
            )

    def test_one_rule_per_channel_and_target(self):
        self.add_rule(self.web, "variant", product_id=self.product, safety_buffer=1)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.add_rule(self.web, "variant", product_id=self.product, safety_buffer=2)

    def test_peak_policy_switches_all_channels_at_once(self):
        peak = self.env["stock.channel.policy"].create(
            {"name": "Black Friday", "policy_type": "peak"}
        )
        self.add_rule(self.web, safety_buffer=10)
        self.add_rule(self.web, policy=peak, safety_buffer=40)
        self.add_rule(self.market, policy=peak, max_exposure=5)
        self.assertTrue(self.policy.is_in_force)
        self.assertEqual((self.publishable(self.web), self.publishable(self.market)), (90, 100))
        peak.action_switch_peak()
        self.assertTrue(self.company.channel_peak_active)
        self.env.invalidate_all()
        self.assertTrue(peak.is_in_force)
        self.assertEqual((self.publishable(self.web), self.publishable(self.market)), (60, 5))
        peak.action_switch_standard()
        self.assertEqual((self.publishable(self.web), self.publishable(self.market)), (90, 100))

    def test_the_policy_in_force_kept_in_cache_follows_its_changes(self):
        Policy = self.env["stock.channel.policy"].sudo()
        self.assertEqual(Policy._in_force(self.company), self.policy)
        self.policy.active = False  # archived: no policy in force
        self.assertFalse(Policy._in_force(self.company))
        other = Policy.create({"name": "Other standard", "policy_type": "standard"})
        self.assertEqual(Policy._in_force(self.company), other, "a policy created counts")
        peak = Policy.create({"name": "Sale days", "policy_type": "peak"})
        peak.action_switch_peak()
        self.assertEqual(Policy._in_force(self.company), peak, "the company's peak mode")
        peak.action_switch_standard()
        self.assertEqual(Policy._in_force(self.company), other)
        other.unlink()
        self.assertFalse(Policy._in_force(self.company), "a policy deleted counts")
        peak.policy_type = "standard"
        self.assertEqual(Policy._in_force(self.company), peak)
        peak.company_id = self.second_company()[0]
        self.assertFalse(Policy._in_force(self.company), "moved to another company")

    def test_peak_mode_needs_a_peak_policy(self):
        with self.assertRaisesRegex(Exception, "peak-period policy"):
            self.policy.action_switch_peak()

    def test_a_rule_cannot_name_a_warehouse_or_zone_of_another_company(self):
        company_b, _manager_b = self.second_company()
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        warehouse_b = warehouse_b[:1] or self.env["stock.warehouse"].create(
            {"name": "B warehouse", "code": "BWH", "company_id": company_b.id}
        )
        zone_b = self.env["stock.channel.zone"].create(
            {"name": "B zone", "company_id": company_b.id}
        )
        with self.assertRaises(UserError):
            self.add_rule(self.market, source_warehouse_id=warehouse_b.id)
        with self.assertRaises(UserError):
            self.add_rule(self.market, zone_id=zone_b.id)
        rule = self.add_rule(self.market)
        with self.assertRaises(UserError):
            rule.write({"zone_id": zone_b.id})
