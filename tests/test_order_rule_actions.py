"""The order rules at work on real orders posted to the intake route: each action (accept,
hold and its Retry, cancel with the reason pushed, carrier and service, tags, notify a
user and a discuss channel, route, split), rules in order, both intake paths (inline, and
answered once reserved), the matches recorded, the touchless rate by rule; an order of a
company without rules costs no query more."""

from contextlib import nullcontext
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..simulator.clients import signed_order_request
from .common import OrderCase
from .test_sourcing import SourcingCase

URL = "/stock_channel_sync/{code}/orders"


class RulesAtWork:
    """Helpers: rules written and published on the company's rule set."""

    @classmethod
    def rules_setup(cls):
        Ruleset = cls.env["stock.channel.order.ruleset"]
        cls.ruleset = Ruleset.search([("company_id", "=", cls.company.id)]) or Ruleset.create(
            {"company_id": cls.company.id}
        )
        cls.ruleset.write({"time_zone": "UTC", "rule_ids": [Command.clear()]})

    def publish(self, *rules):
        """Publish rules [(name, {conditions}, [actions])] in this order."""
        Rule = self.env["stock.channel.order.rule"]
        self.ruleset.rule_ids.unlink()
        for sequence, (name, conditions, actions) in enumerate(rules, 1):
            Rule.create(
                {"ruleset_id": self.ruleset.id, "name": name, "sequence": sequence,
                 **conditions, "action_ids": [Command.create(a) for a in actions]}
            )  # fmt: skip
        self.ruleset._publish(self.ruleset._draft_snapshot(), "test")
        return self.ruleset.rule_ids.sorted("sequence")

    def matches(self, order):
        return order.channel_rule_match_ids.sorted("sequence")


class RuleActionCase(RulesAtWork, OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rules_setup()
        cls.market.api_secret = cls.secret = "rules-secret"

    def post(self, order_id, lines=(("WIDGET", 2),), **over):
        """Post a signed order to the market's intake route -> its JSON answer."""
        payload = self.order_payload(order_id, list(lines), **over)
        body, headers = signed_order_request(self.secret, payload)
        response = self.url_open(URL.format(code="market"), data=body, headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        self.env.invalidate_all()
        return response.json()

    def pushed(self, order_id):
        self.dispatch(until_empty=True)
        return [
            s["payload"] for s in self.sim.order_statuses("market") if s["external_id"] == order_id
        ]


@tagged("post_install", "-at_install")
class TestOrderRuleActionsInline(RuleActionCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 20)
        self.set_stock(self.product_b, 20)

    def test_order_rule_accept_keeps_todays_flow_and_records_the_match(self):
        self.publish(("Small orders", {"amount_max": 100}, [{"type": "accept"}]))
        answer = self.post("RA-1")
        order = self.order_of("RA-1")
        self.assertEqual((answer["status"], order.state), ("accepted", "sale"))
        [match] = self.matches(order)
        self.assertEqual(
            (match.rule_name, match.decision, match.decided), ("Small orders", "accept", True)
        )
        self.assertEqual(match.version_id, self.ruleset.published_version_id)
        self.assertEqual(match.actions, "accepted")
        notes = order.message_ids.filtered(lambda m: "Rules:" in (m.body or ""))
        self.assertEqual(len(notes), 1, "one chatter line")

    def test_order_rule_hold_keeps_the_order_for_review_and_retry_releases_it(self):
        self.publish(("Big orders", {"amount_min": 50}, [{"type": "hold", "reason": "big order"}]))
        answer = self.post("RH-1", [("WIDGET", 6)])
        order = self.order_of("RH-1")
        self.assertEqual(answer["status"], "to_check")
        self.assertEqual(answer["reason"], "Rule Big orders: big order")
        self.assertEqual((order.state, order.channel_exception), ("draft", "to_check"))
        self.assertEqual(order.channel_exception_reason, "Rule Big orders: big order")
        self.assertEqual(self.matches(order).decision, "hold")
        rows = self.env["stock.channel.reservation"].search([("channel_order_ref", "=", "RH-1")])
        self.assertEqual((rows.quantity, rows.state), (6, "confirming"), "its units kept")
        self.assertEqual(self.market._orderable(self.product)[self.product.id], 14)
        self.set_stock(self.product, 6)  # its own units only: the check counts them back
        order.action_channel_retry()  # a person: confirmed, the rules do not hold it again
        self.assertEqual((order.state, order.channel_exception), ("sale", False))
        self.assertEqual(rows.state, "released")
        self.assertEqual(self.market._orderable(self.product)[self.product.id], 0)
        self.assertEqual(len(self.matches(order)), 1)

    def test_order_rule_cancel_sends_the_reason_to_the_platform(self):
        self.publish(
            ("Fraud", {"country_ids": [Command.set(self.env.ref("base.be").ids)]},
             [{"type": "cancel", "reason": "blocked country"}])
        )  # fmt: skip
        answer = self.post("RC-1")
        order = self.order_of("RC-1")
        self.assertEqual((answer["status"], order.state), ("cancelled", "cancel"))
        self.assertEqual(answer["reason"], "Rule Fraud: blocked country")
        [body] = self.pushed("RC-1")
        self.assertEqual(body["status"], "cancelled")
        self.assertEqual(body["cancel_reason"], "Rule Fraud: blocked country")

    def test_order_rule_carrier_service_and_tags(self):
        carrier = self.env["delivery.carrier"].create(
            {"name": "DHL Express", "product_id": self.market._shipping_product().id}
        )
        express, vip = self.env["crm.tag"].create([{"name": "Express"}, {"name": "VIP"}])
        self.publish(
            ("Express", {"skus": "WIDGET"},
             [{"type": "carrier", "carrier_id": carrier.id, "service": "next day"},
              {"type": "tag", "tag_ids": [Command.set(express.ids)]}]),
            ("VIP", {}, [{"type": "tag", "tag_ids": [Command.set(vip.ids)]}]),
        )  # fmt: skip
        self.post("RT-1")
        order = self.order_of("RT-1")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.carrier_id, carrier)
        self.assertEqual(order.channel_carrier_service, "next day")
        self.assertEqual(order.tag_ids, express | vip)
        self.assertEqual(self.matches(order).mapped("rule_name"), ["Express", "VIP"])

    def test_order_rule_notifies_a_user_and_the_teams_discuss_channel(self):
        user = new_test_user(self.env, "rules_watcher", groups="sales_team.group_sale_salesman")
        team = self.env["discuss.channel"].create({"name": "Orders team"})
        self.publish(
            ("Watch", {}, [{"type": "notify", "user_id": user.id, "message": "look at it"},
                           {"type": "notify", "discuss_channel_id": team.id,
                            "message": "big one"}]),
        )  # fmt: skip
        self.post("RN-1")
        order = self.order_of("RN-1")
        mention = order.message_ids.filtered(lambda m: user.partner_id in m.partner_ids)
        self.assertEqual(len(mention), 1)
        self.assertIn("look at it", mention.body)
        [posted] = team.message_ids.filtered(lambda m: "big one" in (m.body or ""))
        self.assertIn(order.name, posted.body)

    def test_order_rules_in_order_first_decision_wins_and_ends(self):
        tag = self.env["crm.tag"].create({"name": "Seen"})
        self.publish(
            ("Tag all", {}, [{"type": "tag", "tag_ids": [Command.set(tag.ids)]}]),
            ("Hold big", {"amount_min": 10}, [{"type": "hold", "reason": "check"}]),
            ("Cancel big", {"amount_min": 10}, [{"type": "cancel", "reason": "never"}]),
        )  # fmt: skip
        self.post("RO-1")
        order = self.order_of("RO-1")
        self.assertEqual((order.state, order.channel_exception), ("draft", "to_check"))
        self.assertEqual(order.tag_ids, tag)
        matches = self.matches(order)
        self.assertEqual(matches.mapped("rule_name"), ["Tag all", "Hold big"])
        self.assertEqual(matches.mapped("decided"), [False, True])
        self.assertEqual(set(matches.mapped("decision")), {"hold"})

    def test_order_rule_shortfall_is_read_before_the_reservation(self):
        self.market.allow_backorder = True  # short orders are taken as backorders
        self.publish(("Short", {"shortfall": "yes"}, [{"type": "hold", "reason": "backorder"}]))
        self.post("RS-1", [("WIDGET", 25)])
        self.post("RS-2", [("WIDGET", 5)])
        short, served = self.order_of("RS-1"), self.order_of("RS-2")
        self.assertEqual(short.state, "draft")
        self.assertEqual(short.channel_exception_reason, "Rule Short: backorder")
        self.assertEqual(served.state, "sale")
        self.assertFalse(served.channel_rule_match_ids)

    def test_order_rule_payment_state_reaches_the_rules(self):
        self.publish(
            ("Unpaid", {"payment_state": "pending"}, [{"type": "hold", "reason": "not paid"}])
        )
        self.post("RP-1", payment_state="paid")
        self.post("RP-2", payment_state="pending")
        paid, pending = self.order_of("RP-1"), self.order_of("RP-2")
        self.assertEqual((paid.channel_payment_state, paid.state), ("paid", "sale"))
        self.assertEqual((pending.channel_payment_state, pending.state), ("pending", "draft"))


@tagged("post_install", "-at_install")
class TestOrderRuleActionsReserved(RuleActionCase, HttpCase):
    """Answered as soon as its stock is reserved: the rules run in the confirmation batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.market.intake_answer = "reserved"

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 10)

    def confirm(self):
        done = self.env["stock.channel.inbound"]._cron_confirm_reserved()
        self.env.invalidate_all()
        return done

    def rows(self, order_id):
        return self.env["stock.channel.reservation"].search(
            [("channel_id", "=", self.market.id), ("channel_order_ref", "=", order_id)]
        )

    def test_order_rule_hold_keeps_the_reservation_until_a_person_confirms(self):
        self.publish(("Big orders", {"amount_min": 30}, [{"type": "hold", "reason": "big"}]))
        answer = self.post("FH-1", [("WIDGET", 4)])
        self.assertEqual(answer["status"], "accepted")
        self.assertEqual(self.confirm(), 1)
        order = self.order_of("FH-1")
        self.assertEqual((order.state, order.channel_exception), ("draft", "to_check"))
        self.assertEqual(order.channel_exception_reason, "Rule Big orders: big")
        self.assertEqual(set(self.rows("FH-1").mapped("state")), {"confirming"})
        self.assertEqual(self.market._orderable(self.product)[self.product.id], 6, "kept")
        self.assertEqual(self.pushed("FH-1")[-1]["status"], "to_check")
        self.set_stock(self.product, 4)  # its own units only: the check counts them back
        order.action_confirm()  # a person confirms: the rules do not hold it again
        self.assertEqual(order.state, "sale")
        self.assertEqual(set(self.rows("FH-1").mapped("state")), {"released"})
        self.assertEqual(self.market._orderable(self.product)[self.product.id], 0, "in quants")
        self.assertEqual(len(self.matches(order)), 1)

    def test_order_rule_cancel_releases_the_units_and_pushes_the_reason(self):
        self.publish(("No widgets", {"skus": "WIDGET"}, [{"type": "cancel", "reason": "recall"}]))
        self.post("FC-1", [("WIDGET", 3)])
        self.confirm()
        order = self.order_of("FC-1")
        self.assertEqual(order.state, "cancel")
        self.assertEqual(set(self.rows("FC-1").mapped("state")), {"released"})
        self.assertEqual(self.market._orderable(self.product)[self.product.id], 10)
        body = self.pushed("FC-1")[-1]
        self.assertEqual(body["status"], "cancelled")
        self.assertEqual(body["cancel_reason"], "Rule No widgets: recall")
        self.assertEqual(self.matches(order).decision, "cancel")

    def test_order_rule_tags_in_the_batch_and_accepted_orders_confirmed(self):
        tag = self.env["crm.tag"].create({"name": "Batch"})
        self.publish(
            ("Tag", {"amount_min": 25}, [{"type": "tag", "tag_ids": [Command.set(tag.ids)]}])
        )
        self.post("FT-1", [("WIDGET", 3)])
        self.post("FT-2", [("WIDGET", 1)])
        self.assertEqual(self.confirm(), 2)
        big, small = self.order_of("FT-1"), self.order_of("FT-2")
        self.assertEqual((big.state, big.tag_ids), ("sale", tag))
        self.assertEqual((small.state, small.tag_ids), ("sale", tag.browse()))
        self.assertEqual(len(self.matches(big)), 1)
        self.assertFalse(self.matches(small))


@tagged("post_install", "-at_install")
class TestOrderRuleSourcing(RulesAtWork, SourcingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rules_setup()

    def test_order_rule_route_ships_from_the_source_it_names(self):
        self.stock_at(self.product, 10, 10)
        _paris, lyon = self.sources(self.market, 3, self.warehouse, self.lyon)
        self.publish(("To Lyon", {"skus": "WIDGET"}, [{"type": "route", "source_id": lyon.id}]))
        order = self.order("SR-1", [("WIDGET", 2)])
        self.assertEqual(order.warehouse_id, self.lyon)
        self.assertEqual(order.channel_rule_source_id, lyon)
        self.assertEqual(self.reserved(self.product, self.lyon), 2)

    def test_order_rule_split_overrides_the_channels_policy(self):
        self.stock_at(self.product, 2, 0)
        self.stock_at(self.product_b, 0, 2)
        self.sources(self.market, 3, self.warehouse, self.lyon)  # the channel: never split
        self.publish(("Split", {}, [{"type": "split", "split": "line"}]))
        order = self.order("SS-1", [("WIDGET", 1), ("GADGET", 1)])
        self.assertEqual(order.channel_rule_split, "line")
        self.assertEqual(
            {line.product_id: line.channel_source_warehouse_id for line in order.order_line},
            {self.product: self.warehouse, self.product_b: self.lyon},
        )


@tagged("post_install", "-at_install")
class TestOrderRuleTouchless(RulesAtWork, OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rules_setup()

    def test_order_rule_touchless_rate_by_rule_over_7_days(self):
        self.set_stock(self.product, 20)
        tag = self.env["crm.tag"].create({"name": "All"})
        self.publish(
            ("Hold big", {"amount_min": 50}, [{"type": "hold", "reason": "big"}]),
            ("Tag all", {}, [{"type": "tag", "tag_ids": [Command.set(tag.ids)]}]),
        )  # fmt: skip
        for ref, qty in (("T-1", 1), ("T-2", 1), ("T-3", 1), ("T-4", 6)):
            self.receive_order(self.order_payload(ref, [("WIDGET", qty)]))
        one, two, three, big = (self.order_of(r) for r in ("T-1", "T-2", "T-3", "T-4"))
        self.assertEqual(big.state, "draft")
        big.action_channel_retry()
        user = new_test_user(self.env, "rules_editor", groups="sales_team.group_sale_manager")
        two.with_user(user).note = "gift wrap"  # a person touched it before the delivery
        for order in (one, two, big):
            self.ship(order)
        old = self.ship(three)
        three.effective_date = fields.Datetime.now() - timedelta(days=8)  # out of the window
        self.assertTrue(old)
        self.env.flush_all()
        rows = self.env["stock.channel.order.rule.touchless"].search([])
        by_name = {r.rule_name: (r.order_count, r.touchless_count, r.touchless_rate) for r in rows}
        # Tag all: T-1 (touchless), T-2 (edited); T-3 shipped 8 days ago; T-4 was held
        # (Hold big decided first: Tag all never matched it)
        self.assertEqual(by_name, {"Tag all": (2, 1, 50.0), "Hold big": (1, 0, 0.0)})


@tagged("post_install", "-at_install")
class TestOrderRuleCost(RulesAtWork, OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rules_setup()
        cls.ruleset.published_version_id = False
        cls.env.registry.clear_cache()

    def test_order_rule_a_company_without_rules_costs_no_query_more(self):
        self.set_stock(self.product, 20)
        self.receive_order(self.order_payload("Q-0", [("WIDGET", 1)]))  # caches warm
        SaleOrder = type(self.env["sale.order"])
        counts = []
        for ref, skipped in (("Q-1", True), ("Q-2", False), ("Q-3", True), ("Q-4", False)):
            payload = self.order_payload(ref, [("WIDGET", 1)])
            self.env.invalidate_all()
            without = patch.object(SaleOrder, "_channel_apply_rules", lambda orders, **kw: {})
            with without if skipped else nullcontext():
                before = self.cr.sql_log_count
                self.receive_order(payload)
                counts.append(self.cr.sql_log_count - before)
            self.assertEqual(self.order_of(ref).state, "sale")
        # without the rules' code (skipped) and with it, for a company publishing none
        self.assertEqual(counts[1], counts[0], counts)
        self.assertEqual(counts[3], counts[2], counts)
