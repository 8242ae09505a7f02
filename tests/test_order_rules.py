"""Order automation rules against real Odoo: each condition's fact read from real sale
orders (in one batch), a rule set published, refused when unchanged, restored, with its
authors; the dry run on 100 past orders with the exact differences, in the same number of
queries for 10 orders as for 100."""

from datetime import datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..core.automation import OrderFacts, evaluate
from .common import ChannelStockCase

MANAGER_GROUPS = "stock_channel_sync.group_channel_manager,stock.group_stock_user"


class OrderRulesCase(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, "rules_manager", groups=MANAGER_GROUPS)
        cls.Ruleset = cls.env["stock.channel.order.ruleset"]
        cls.ruleset = cls.Ruleset.search([("company_id", "=", cls.company.id)]) or (
            cls.Ruleset.create({"company_id": cls.company.id})
        )
        cls.ruleset.write({"time_zone": "Europe/Brussels", "rule_ids": [Command.clear()]})
        cls.france = cls.env.ref("base.fr")
        cls.belgium = cls.env.ref("base.be")
        cls.mug = cls._create_product(
            "Mug", "MUG-1", categ=cls.subcategory, list_price=300, taxes_id=[Command.clear()]
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Lyon Buyer", "country_id": cls.france.id, "zip": "69003"}
        )
        cls.at = datetime(2026, 7, 1, 12, 30)  # 14:30 in Brussels (summer time)

    @classmethod
    def order(cls, qty=1, price=300.0, partner=None, product=None, **vals):
        return cls.orders([dict(qty=qty, price=price, partner=partner, product=product, **vals)])

    @classmethod
    def orders(cls, specs):
        """Sale orders of the market channel, created in one call."""
        values = []
        for spec in specs:
            spec = dict(spec)
            partner = spec.pop("partner", None) or cls.customer
            product = spec.pop("product", None) or cls.mug
            line = {"product_id": product.id, "product_uom_qty": spec.pop("qty", 1),
                    "price_unit": spec.pop("price", 300.0),
                    "tax_ids": [Command.clear()]}  # fmt: skip
            line.update(spec.pop("line", {}))
            values.append({"partner_id": partner.id, "channel_id": cls.market.id,
                           "date_order": cls.at, "order_line": [Command.create(line)],
                           **spec})  # fmt: skip
        return cls.env["sale.order"].create(values)

    def rule(self, name="Big orders", actions=None, **conditions):
        actions = actions or [{"type": "hold", "reason": "big order"}]
        return self.env["stock.channel.order.rule"].create(
            {"ruleset_id": self.ruleset.id, "name": name, **conditions,
             "action_ids": [Command.create(action) for action in actions]}
        )  # fmt: skip

    def facts(self, order):
        return order._channel_rule_facts()[order.id]


@tagged("post_install", "-at_install")
class TestOrderRuleFacts(OrderRulesCase):
    def test_amount_country_sku_and_category_with_its_ancestors(self):
        order = self.order(qty=2, price=300)
        facts = self.facts(order)
        self.assertEqual(facts.amount, 600.0)
        self.assertEqual(facts.channel_id, self.market.id)
        self.assertEqual(facts.country_code, "FR")
        self.assertEqual(facts.skus, {"MUG-1"})
        self.assertLessEqual({self.subcategory.id, self.category.id}, facts.category_ids)

    def test_zone_by_country_and_postcode_prefix(self):
        Zone = self.env["stock.channel.zone"]
        lyon = Zone.create({"name": "Lyon", "country_ids": [Command.set(self.france.ids)],
                            "zip_prefixes": "69, 38"})  # fmt: skip
        france = Zone.create({"name": "France", "country_ids": [Command.set(self.france.ids)]})
        Zone.create({"name": "Belgium", "country_ids": [Command.set(self.belgium.ids)]})
        paris = self.customer.copy({"zip": "75001"})
        in_lyon, in_paris = self.order(), self.order(partner=paris)
        facts = (in_lyon | in_paris)._channel_rule_facts()
        self.assertEqual(facts[in_lyon.id].zone_ids, {lyon.id, france.id})
        self.assertEqual(facts[in_paris.id].zone_ids, {france.id})

    def test_the_delivery_address_decides_country_and_zone(self):
        shipping = self.env["res.partner"].create(
            {"name": "Brussels", "country_id": self.belgium.id, "parent_id": self.customer.id,
             "type": "delivery"}
        )  # fmt: skip
        order = self.order(partner_shipping_id=shipping.id)
        self.assertEqual(self.facts(order).country_code, "BE")

    def test_product_tags_of_the_template_and_of_the_variant(self):
        Tag = self.env["product.tag"]
        fragile, gift = Tag.create({"name": "Fragile"}), Tag.create({"name": "Gift"})
        self.mug.product_tmpl_id.product_tag_ids = fragile
        self.mug.additional_product_tag_ids = gift
        self.assertEqual(self.facts(self.order()).product_tag_ids, {fragile.id, gift.id})

    def test_customer_tags_and_history_of_earlier_confirmed_orders(self):
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        self.customer.category_id = vip
        earlier = self.at - timedelta(days=3)
        self.orders([{"state": "sale", "date_order": earlier},
                     {"state": "sale", "date_order": earlier},
                     {"date_order": earlier},  # a quotation: not counted
                     {"state": "sale", "date_order": self.at + timedelta(days=1)}])  # fmt: skip
        other = self.customer.copy({"name": "Someone Else"})
        self.order(partner=other, state="sale", date_order=earlier)
        order = self.order()
        facts = self.facts(order)
        self.assertEqual(facts.customer_tag_ids, {vip.id})
        self.assertEqual(facts.customer_orders, 2)
        self.assertEqual(self.facts(self.order(partner=other)).customer_orders, 1)

    def test_payment_state_shortfall_and_exception(self):
        plain = self.order()
        self.assertEqual((self.facts(plain).payment_state, self.facts(plain).shortfall),
                         ("unknown", False))  # fmt: skip
        self.assertIsNone(self.facts(plain).exception)
        order = self.order(channel_payment_state="paid", channel_exception="to_check")
        order.order_line.channel_shortfall = True
        facts = self.facts(order)
        self.assertEqual((facts.payment_state, facts.shortfall, facts.exception),
                         ("paid", True, "to_check"))  # fmt: skip

    def test_hour_in_the_ruleset_time_zone_and_peak(self):
        order = self.order()
        self.assertEqual(self.facts(order).local_hour, 14.5)
        self.ruleset.time_zone = "America/New_York"
        self.assertEqual(self.facts(order).local_hour, 8.5)
        self.assertFalse(self.facts(order).peak)
        self.company.channel_peak_active = True
        self.assertTrue(self.facts(order).peak)

    def test_each_condition_field_tests_its_fact(self):
        """The rule records' fields reach core as the conditions it tests."""
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        self.customer.category_id = vip
        order = self.order(qty=2, channel_payment_state="pending")
        facts = self.facts(order)
        matching = {
            "channel_ids": [Command.set(self.market.ids)], "amount_min": 500,
            "amount_max": 600, "country_ids": [Command.set(self.france.ids)],
            "skus": "TEE-2, MUG-1", "category_ids": [Command.set(self.category.ids)],
            "customer_tag_ids": [Command.set(vip.ids)], "test_customer_orders": True,
            "customer_orders_min": 0, "customer_orders_max": 0, "payment_state": "unpaid",
            "shortfall": "no", "hour_from": 14.0, "hour_to": 15.0, "peak": "no",
        }  # fmt: skip
        other_category = self.env["product.category"].create({"name": "X"})
        other_tag = self.env["res.partner.category"].create({"name": "Y"})
        misses = {
            "channel_ids": [Command.set(self.web.ids)], "amount_min": 601, "amount_max": 599,
            "country_ids": [Command.set(self.belgium.ids)], "skus": "TEE-2",
            "category_ids": [Command.set(other_category.ids)],
            "customer_tag_ids": [Command.set(other_tag.ids)],
            "customer_orders_min": 1, "payment_state": "paid", "shortfall": "yes",
            "hour_from": 22.0, "peak": "yes", "exception_kind": "any",
        }  # fmt: skip
        self.assertEqual(self.decision(matching, facts), "hold")
        for name, value in misses.items():
            with self.subTest(condition=name):
                extra = {"hour_to": 6.0} if name == "hour_from" else {}
                extra |= {"amount_max": 0} if name == "amount_min" else {}
                extra |= {"amount_min": 0} if name == "amount_max" else {}
                self.assertEqual(self.decision({**matching, name: value, **extra}, facts), "accept")

    def decision(self, conditions, facts):
        """The decision a single rule with these condition fields takes on `facts`."""
        rule = self.rule(**conditions)
        (core,) = self.ruleset._rules_of([rule._snapshot_values()])
        return evaluate((core,), facts).decision

    def test_a_rule_that_cannot_be_used_is_refused_in_words(self):
        with self.assertRaisesRegex(ValidationError, "Amount From is above Amount Up To"):
            self.rule(amount_min=500, amount_max=100)
        with self.assertRaisesRegex(ValidationError, "the route action needs a source"):
            self.rule(actions=[{"type": "route"}])


@tagged("post_install", "-at_install")
class TestOrderRuleVersions(OrderRulesCase):
    def as_manager(self, records):
        self.env.invalidate_all()
        return records.with_user(self.manager)

    def test_publish_records_a_version_with_its_author_and_note(self):
        rule = self.rule(amount_min=500)
        self.ruleset.note = "hold big orders"
        self.as_manager(self.ruleset).action_publish()
        version = self.ruleset.published_version_id
        self.assertEqual((version.version, version.note, version.author_id),
                         (1, "hold big orders", self.manager))  # fmt: skip
        self.assertEqual(version.snapshot, [rule._snapshot_values()])
        words = "Big orders: amount \u2265 500 \u2192 held for review: big order"
        self.assertEqual(version.rules_text, words)
        self.assertFalse(self.ruleset.note)
        (published,) = self.Ruleset._published_rules(self.company)
        self.assertEqual((published.key, published.name), (rule.key, "Big orders"))
        outcome = evaluate(self.Ruleset._published_rules(self.company), OrderFacts(amount=700))
        self.assertEqual((outcome.decision, outcome.reason), ("hold", "big order"))

    def test_rules_say_the_records_they_name(self):
        tag = self.env["crm.tag"].create({"name": "Express"})
        rule = self.rule("Market", channel_ids=[Command.set(self.market.ids)],
                         actions=[{"type": "tag", "tag_ids": [Command.set(tag.ids)]}])  # fmt: skip
        self.assertEqual(
            (rule.summary, rule.action_summary), ("channel Market (market)", "tagged Express")
        )

    def test_the_published_rules_are_cached_and_the_draft_is_not_used(self):
        self.rule(amount_min=500)
        self.ruleset.action_publish()
        self.Ruleset._published_rules(self.company)
        with self.assertQueryCount(0):
            self.Ruleset._published_rules(self.company)
        self.rule("Cancel all", actions=[{"type": "cancel", "reason": "closed"}])
        self.assertEqual(len(self.Ruleset._published_rules(self.company)), 1)  # the draft waits
        self.ruleset.action_publish()
        self.assertEqual(len(self.Ruleset._published_rules(self.company)), 2)

    def test_publishing_an_unchanged_draft_is_refused(self):
        self.rule(amount_min=500)
        self.ruleset.action_publish()
        self.assertFalse(self.ruleset.draft_changed)
        with self.assertRaisesRegex(UserError, "nothing to publish"):
            self.ruleset.action_publish()
        self.assertEqual(len(self.ruleset.version_ids), 1)

    def test_only_a_manager_publishes_or_restores(self):
        user = new_test_user(self.env, "rules_user", groups="stock_channel_sync.group_channel_user")
        self.rule(amount_min=500)
        with self.assertRaises(AccessError):
            self.ruleset.with_user(user).action_publish()
        self.ruleset.action_publish()
        self.rule("Other", amount_min=100)
        self.ruleset.action_publish()
        with self.assertRaises(AccessError):
            self.ruleset.version_ids[-1].with_user(user).action_restore()
        with self.assertRaises(AccessError):
            self.ruleset.with_user(user).action_dry_run()
        self.assertEqual(self.ruleset.published_version, 2)

    def test_restore_brings_the_rules_back_and_publishes_them_as_a_new_version(self):
        zone = self.env["stock.channel.zone"].create({"name": "Lyon", "zip_prefixes": "69"})
        tag = self.env["crm.tag"].create({"name": "Big"})
        first = self.rule(amount_min=500, zone_ids=[Command.set(zone.ids)], hour_from=22,
                          hour_to=6, shortfall="no", payment_state="unpaid",
                          exception_kind="to_check", test_customer_orders=True,
                          customer_orders_min=1, customer_orders_max=-1,
                          country_ids=[Command.set(self.france.ids)], skus="MUG-1",
                          actions=[{"type": "hold", "reason": "big order"},
                                   {"type": "tag", "tag_ids": [Command.set(tag.ids)]},
                                   {"type": "split", "split": "never"}])  # fmt: skip
        first_snapshot, first_key = self.ruleset._draft_snapshot(), first.key
        self.as_manager(self.ruleset).action_publish()
        first.unlink()
        self.rule("Cancel all", actions=[{"type": "cancel", "reason": "closed"}])
        self.ruleset.action_publish()
        self.assertEqual(self.ruleset.published_version, 2)
        v1 = self.ruleset.version_ids.filtered(lambda v: v.version == 1)
        self.as_manager(v1).action_restore()
        self.env.invalidate_all()
        self.assertEqual(self.ruleset._draft_snapshot(), first_snapshot)  # same key, values
        latest = self.ruleset.published_version_id
        self.assertEqual((latest.version, latest.note, latest.author_id),
                         (3, "Restored v1", self.manager))  # fmt: skip
        self.assertEqual(latest.snapshot, first_snapshot)
        self.assertEqual([v.version for v in self.ruleset.version_ids], [3, 2, 1])
        (rule,) = self.Ruleset._published_rules(self.company)
        self.assertEqual(rule.key, first_key)


@tagged("post_install", "-at_install")
class TestOrderRulesDryRun(OrderRulesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 105 channel orders (newer than any other), the newest last; every 4th of the 100
        # newest is 600 (>= 500)
        latest = datetime.now() + timedelta(days=30)
        cls.past = cls.orders(
            [{"price": 600.0 if i % 4 == 0 else 100.0,
              "date_order": latest - timedelta(hours=105 - i)} for i in range(105)]
        )  # fmt: skip
        cls.orders([{"price": 900.0, "channel_id": False}])  # not a channel order

    def dry_run(self, limit=100):
        wizard = self.env["stock.channel.order.dry.run"].create(
            {"ruleset_id": self.ruleset.id, "limit": limit}
        )
        wizard.action_run()
        return wizard

    def test_a_dry_run_of_100_orders_counts_what_the_draft_changes(self):
        tag = self.env["crm.tag"].create({"name": "Express"})
        self.rule("France", actions=[{"type": "tag", "tag_ids": [Command.set(tag.ids)]}],
                  country_ids=[Command.set(self.france.ids)])  # fmt: skip
        self.ruleset.action_publish()
        self.rule(amount_min=500)
        self.ruleset.rule_ids.filtered(lambda r: r.name == "Big orders").sequence = 1
        wizard = self.as_manager_dry_run()
        self.assertEqual(wizard.order_count, 100)
        newest = self.past[5:]
        big = newest.filtered(lambda o: o.amount_total >= 500)
        self.assertEqual(len(big), 25)
        self.assertEqual(wizard.changed_count, 25)
        self.assertEqual(wizard.summary, "25 of 100 orders would be handled differently")
        self.assertEqual(set(wizard.line_ids.order_id.ids), set(newest.ids))
        changed = wizard.line_ids.filtered("changed")
        self.assertEqual(changed.order_id, big)
        line = changed[0]
        self.assertEqual(line.before, "accept; tag Express")
        self.assertEqual(line.after, "hold: big order")
        self.assertEqual(line.differences, "decision accept \u2192 hold (big order); tag -Express")
        self.assertEqual(wizard.line_ids.filtered(lambda x: not x.changed)[0].after,
                         "accept; tag Express")  # fmt: skip

    def as_manager_dry_run(self):
        manager = new_test_user(
            self.env, "dry_run_manager", groups=MANAGER_GROUPS + ",sales_team.group_sale_salesman"
        )
        self.env.invalidate_all()
        action = self.ruleset.with_user(manager).action_dry_run()
        self.assertEqual(action["res_model"], "stock.channel.order.dry.run")
        return self.env["stock.channel.order.dry.run"].browse(action["res_id"])

    def test_publish_from_the_dry_run(self):
        self.rule(amount_min=500)
        wizard = self.dry_run()
        self.assertEqual(wizard.changed_count, 25)
        wizard.action_publish()
        self.assertEqual(self.ruleset.published_version, 1)
        self.assertEqual(self.dry_run().changed_count, 0)

    def test_facts_and_dry_run_take_as_many_queries_for_10_orders_as_for_100(self):
        self.rule(amount_min=500)
        counts = []
        for orders in (self.past[:10], self.past[:100]):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            facts = orders._channel_rule_facts()
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(facts), len(orders))
        self.assertEqual(counts[0], counts[1])
        runs = []
        for limit in (5, 10, 100):  # the first warms Odoo's caches
            wizard = self.env["stock.channel.order.dry.run"].create(
                {"ruleset_id": self.ruleset.id, "limit": limit}
            )
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            wizard.action_run()
            runs.append(self.env.cr.sql_log_count - before)
        self.assertEqual(runs[1], runs[2])


@tagged("post_install", "-at_install")
class TestOrderRulesCompanies(OrderRulesCase):
    """A channel manager of company B neither reads nor publishes, restores or dry-runs
    company A's order rules (AccessError), and the menu gives B its own rule set."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b, cls.manager_b = cls.second_company()

    def as_b(self, records):
        self.env.invalidate_all()
        return records.with_user(self.manager_b).with_context(
            allowed_company_ids=self.company_b.ids
        )

    def test_another_companys_manager_neither_reads_nor_publishes_its_rules(self):
        rule = self.rule(amount_min=500)
        self.ruleset.action_publish()
        self.rule("Second", amount_min=100)
        with self.assertRaises(AccessError):
            self.as_b(self.ruleset).read(["rule_ids"])
        with self.assertRaises(AccessError):
            self.as_b(rule).read(["name"])
        with self.assertRaises(AccessError):
            self.as_b(self.ruleset.version_ids).read(["snapshot"])
        self.assertFalse(self.as_b(self.Ruleset).search([("company_id", "=", self.company.id)]))
        with self.assertRaises(AccessError):
            self.as_b(self.ruleset).action_publish()
        with self.assertRaises(AccessError):
            self.as_b(self.ruleset.version_ids).action_restore()
        with self.assertRaises(AccessError):
            self.as_b(self.ruleset).action_dry_run()
        self.env.invalidate_all()
        self.assertEqual(self.ruleset.published_version, 1)
        self.assertEqual(len(self.ruleset.version_ids), 1)

    def test_the_menu_opens_the_rule_set_of_the_users_company(self):
        action = self.as_b(self.Ruleset).action_open_company_ruleset()
        ruleset_b = self.Ruleset.browse(action["res_id"])
        self.assertEqual(ruleset_b.company_id, self.company_b)
        again = self.as_b(self.Ruleset).action_open_company_ruleset()
        self.assertEqual(again["res_id"], ruleset_b.id)
        self.assertEqual(self.Ruleset._published_rules(self.company_b), ())
