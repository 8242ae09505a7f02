"""The order rules at work: a channel order's published rules evaluated once its sale
order exists and before it is confirmed (the inline intake, the background confirmation
of reserved orders), their actions applied, each matched rule recorded
(stock.channel.order.rule.match) and one line in the chatter, in the same transaction."""

import dataclasses

from markupsafe import Markup, escape

from odoo import Command, fields, models

from ...core import automation
from ...core import status as status_core
from ...core.intake import CONFIRMING

# the rules' split words as order sourcing's (core/sourcing.py)
SOURCING_SPLITS = {"never": "none", "line": "line", "unit": "unit"}
SOURCING_SPLIT_SELECTION = [
    ("none", "Never split"),
    ("line", "Split by line"),
    ("unit", "Split by unit"),
]
HOLD_NEXT_ACTION = "Check the order, then Retry or confirm it: the rules do not hold it again."


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_carrier_service = fields.Char(
        string="Carrier Service",
        copy=False,
        help="The carrier's service an order rule chose (e.g. express).",
    )
    channel_rule_source_id = fields.Many2one(
        "stock.channel.source",
        string="Routed To",
        readonly=True,
        copy=False,
        help="The source an order rule routed the order to: order sourcing takes it.",
    )
    channel_rule_split = fields.Selection(
        SOURCING_SPLIT_SELECTION,
        string="Split (Rule)",
        readonly=True,
        copy=False,
        help="An order rule's split policy: it overrides the channel's for this order.",
    )
    channel_cancel_reason = fields.Char(
        readonly=True,
        copy=False,
        help="Why an order rule cancelled the order (sent to the channel).",
    )
    channel_rule_match_ids = fields.One2many(
        "stock.channel.order.rule.match", "order_id", string="Rules Matched", readonly=True
    )

    def _channel_apply_rules(self, check_stock=False):
        """Evaluate the published rules of each order's company on self (channel orders
        created, not confirmed): their actions applied (a decision is the caller's), each
        matched rule recorded, one chatter line. Returns {order id: core Outcome} of the
        orders evaluated; nothing is read when no company of self has published rules.
        `check_stock`: the orders are not reserved yet (inline intake): their shortfall
        is read now, where a rule tests it."""
        Ruleset = self.env["stock.channel.order.ruleset"].sudo()
        rules_of = {}
        for company in self.company_id:
            rules = Ruleset._published_rules(company)
            if rules:
                rules_of[company.id] = rules
        orders = self.filtered(lambda order: order.company_id.id in rules_of)
        if not orders:
            return {}
        facts = orders._channel_rule_facts()
        if check_stock:
            orders._channel_rule_shortfalls(facts, rules_of)
        versions = {
            ruleset.company_id.id: ruleset.published_version_id.id
            for ruleset in Ruleset.search([("company_id", "in", list(rules_of))])
        }
        outcomes, matches = {}, []
        for order in orders:
            outcome = automation.evaluate(rules_of[order.company_id.id], facts[order.id])
            outcomes[order.id] = outcome
            if outcome.matched:
                names = Ruleset._names(outcome.rules)  # what its rules name
                order._channel_apply_outcome(outcome, names)
                version_id = versions.get(order.company_id.id)
                matches += order._channel_match_vals(outcome, version_id, names)
        self.env["stock.channel.order.rule.match"].sudo().create(matches)
        return outcomes

    def _channel_rule_shortfalls(self, facts, rules_of):
        """The shortfall fact of self's orders not reserved yet ({order id: OrderFacts},
        replaced in place), read under the variant locks the reservation takes next;
        only for an order whose company's rules ({company id: Rules}) test it."""
        for order in self:
            rules = rules_of[order.company_id.id]
            if any(key == "shortfall" for rule in rules for key, _value in rule.conditions):
                short = bool(order._channel_shortfalls(order.channel_id))
                facts[order.id] = dataclasses.replace(facts[order.id], shortfall=short)

    def _channel_apply_outcome(self, outcome, names):
        """The non-decision actions of `outcome` on self: tags, carrier and service, the
        route and split its sourcing takes, the notifications; one chatter line (`names`:
        the records its rules name)."""
        self.ensure_one()
        order = self.sudo()
        vals = {}
        if outcome.tag_ids:
            vals["tag_ids"] = [Command.link(tag_id) for tag_id in outcome.tag_ids]
        if outcome.carrier_id:
            vals["carrier_id"] = outcome.carrier_id
        if outcome.service:
            vals["channel_carrier_service"] = outcome.service
        if outcome.route_source_id:
            vals["channel_rule_source_id"] = outcome.route_source_id
        if outcome.split:
            vals["channel_rule_split"] = SOURCING_SPLITS[outcome.split]
        if vals:
            order.write(vals)
        rule_names = {key: name for key, name, _types in outcome.matched}
        for note in outcome.notify:
            order._channel_rule_notify(note, rule_names.get(note["rule_key"], ""))
        words = self._channel_rule_words(outcome, names)
        order.message_post(
            body=self.env._("Rules: %(words)s", words=words), subtype_xmlid="mail.mt_note"
        )

    def _channel_rule_words(self, outcome, names):
        """The rules that matched and the handling of `outcome`, in a few words."""
        matched = ", ".join(name for _key, name, _types in outcome.matched)
        return f"{matched} \u2192 {automation.outcome_words(outcome, names)}"

    def _channel_rule_notify(self, note, rule_name):
        """A rule's notification: a message on the order mentioning the user, and/or a
        message in the team's discuss channel."""
        text = note["message"] or self.env._(
            "Order %(order)s matched rule %(rule)s", order=self.name, rule=rule_name
        )
        user = self.env["res.users"].sudo().browse(note["user_id"] or []).exists()
        if user:
            body = Markup("%s: %s") % (escape(user.name), escape(text))
            self.message_post(
                body=body,
                partner_ids=user.partner_id.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        channel = self.env["discuss.channel"].sudo().browse(note["discuss_channel_id"] or [])
        if channel.exists():
            body = Markup("%s (%s): %s") % (escape(self.name), escape(rule_name), escape(text))
            channel.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_comment")

    def _channel_match_vals(self, outcome, version_id, names):
        """The stock.channel.order.rule.match values of each rule of `outcome` that matched."""
        self.ensure_one()
        rows = zip(outcome.matched, outcome.rules, strict=True)
        return [
            {
                "order_id": self.id,
                "company_id": self.company_id.id,
                "channel_id": self.channel_id.id,
                "version_id": version_id or False,
                "sequence": position,
                "rule_key": key,
                "rule_name": name,
                "conditions": rule.summary(names),
                "actions": "; ".join(
                    automation.action_words(action, names) for action in rule.actions
                )
                or self.env._("nothing"),
                "decision": outcome.decision,
                "decided": key == outcome.decided_by,
            }
            for position, ((key, name, _types), rule) in enumerate(rows, 1)
        ]

    # ------------------------------------------------------------------
    # The decisions: hold for review, cancel with the reason
    # ------------------------------------------------------------------
    def _channel_rule_decide(self, outcome):
        """Apply `outcome`'s decision to self: True when it held or cancelled it (not to
        be confirmed), False when it is accepted."""
        self.ensure_one()
        if outcome.decision == automation.ACCEPT:
            return False
        names = {key: name for key, name, _types in outcome.matched}
        reason = self.env._(
            "Rule %(name)s: %(reason)s",
            name=names.get(outcome.decided_by, ""),
            reason=outcome.reason,
        )
        if outcome.decision == automation.HOLD:
            self._channel_set_exception(status_core.TO_CHECK, reason, self.env._(HOLD_NEXT_ACTION))
        else:
            self.sudo().channel_cancel_reason = reason
            self._action_cancel()
        return True

    def _channel_status_extras(self):
        """A cancelled order's cancellation reason (an order rule's) goes to the channel."""
        extras = super()._channel_status_extras()
        if self.state == "cancel" and self.channel_cancel_reason:
            extras["cancel_reason"] = self.channel_cancel_reason
        return extras

    # ------------------------------------------------------------------
    # An order held with its reservation (answered once reserved)
    # ------------------------------------------------------------------
    def _channel_held_rows(self):
        """The ledger rows (confirming) of those of self held for a person (answered
        once reserved, then held by a rule: the units stay theirs while a person checks
        them). Nothing is read for an order not held."""
        held = self.sudo().filtered(lambda order: order.channel_id and order.channel_exception)
        Reservation = self.env["stock.channel.reservation"].sudo()
        if not held.channel_inbound_ids:
            return Reservation
        return Reservation.search(
            [("inbound_id", "in", held.channel_inbound_ids.ids), ("state", "=", CONFIRMING)]
        )

    def _channel_release_held(self):
        """Release the reservation of those of self held for a person (flushed: the
        next check reads the ledger in SQL)."""
        rows = self._channel_held_rows()
        if rows:
            rows._release()
            rows.flush_recordset(["state"])

    def _channel_reserve(self):
        """A held order's own reservation released first: its check counts the units back."""
        self._channel_release_held()
        return super()._channel_reserve()

    def action_confirm(self):
        """A person confirming an order held with its reservation: the rows released in
        the same transaction, then the usual check takes the units."""
        if not self.env.context.get("stock_channel_checked"):
            self.filtered(lambda order: order.state in ("draft", "sent"))._channel_release_held()
        return super().action_confirm()

    def _action_cancel(self):
        """A held order cancelled: its reservation goes back to the channels."""
        self._channel_release_held()
        return super()._action_cancel()

    def _channel_decided_by_rules(self):
        """The published rules evaluated on self (one order just created, before its
        reservation): True when they held or cancelled it."""
        self.ensure_one()
        outcome = self._channel_apply_rules(check_stock=True).get(self.id)
        return bool(outcome) and self._channel_rule_decide(outcome)
