"""stock.channel.order.rule: one rule of a company's order rule set (the draft), its
conditions as fields and its actions as lines; `_snapshot_values()` is what a version
stores of it, `_values_from_snapshot()` the way back (a restore)."""

import re
import uuid

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ...core import automation
from ..sale_order.order import EXCEPTION_SELECTION
from .action import ACTION_FIELDS

YES_NO = [("yes", "Yes"), ("no", "No")]
# the payment condition: one state, or "not paid" (pending or unknown)
PAYMENT_CONDITIONS = [*automation.PAYMENT_SELECTION, ("unpaid", "Not Paid")]
PAYMENT_STATES = {"paid": ["paid"], "pending": ["pending"], "unknown": ["unknown"],
                  "unpaid": ["pending", "unknown"]}  # fmt: skip
# the exception condition: one kind, or any of them
EXCEPTION_CONDITIONS = [*EXCEPTION_SELECTION, ("any", "Any Exception")]
EXCEPTION_KINDS = {code: [code] for code, _label in EXCEPTION_SELECTION} | {
    "any": [code for code, _label in EXCEPTION_SELECTION]
}
# Many2many condition fields named as the snapshot's id lists
ID_CONDITIONS = ("channel_ids", "zone_ids", "category_ids", "product_tag_ids",
                 "customer_tag_ids")  # fmt: skip
# what the snapshot reads of a rule
SNAPSHOT_FIELDS = ("name", "sequence", "stop", "amount_min", "amount_max", "country_ids", "skus",
                   "test_customer_orders", "customer_orders_min", "customer_orders_max",
                   "payment_state", "shortfall", "exception_kind", "hour_from", "hour_to",
                   "peak", *ID_CONDITIONS)  # fmt: skip


# the snapshot keys core's messages name that are fields of the form
_LABELLED = re.compile(r"\b(amount_min|amount_max|customer_orders_min|customer_orders_max)\b")


def _new_key(_records=None):
    return str(uuid.uuid4())


def _words(values):
    return [word.strip() for word in (values or "").split(",") if word.strip()]


def _state_of(mapping, values):
    """The selection value whose list is `values` (None when none is)."""
    return next(
        (code for code, listed in mapping.items() if sorted(listed) == sorted(values)), None
    )


class StockChannelOrderRule(models.Model):
    _name = "stock.channel.order.rule"
    _description = "Channel Order Rule"
    _order = "ruleset_id, sequence, id"
    _check_company_auto = True

    ruleset_id = fields.Many2one(
        "stock.channel.order.ruleset", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="ruleset_id.company_id", store=True, index=True)
    key = fields.Char(
        default=_new_key, copy=False, readonly=True, required=True,
        help="The rule's identity across versions (its matches are counted by it).",
    )  # fmt: skip
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    stop = fields.Boolean(
        string="Stop Here", help="When this rule matches, the rules after it are not evaluated."
    )
    # -- conditions (empty: not tested) ----------------------------------------------------
    channel_ids = fields.Many2many("stock.channel", string="Channels", check_company=True)
    amount_min = fields.Float(string="Amount From", help="Order total at least (0: any).")
    amount_max = fields.Float(string="Amount Up To", help="Order total at most (0: any).")
    country_ids = fields.Many2many("res.country", string="Delivery Countries")
    zone_ids = fields.Many2many("stock.channel.zone", string="Zones", check_company=True)
    skus = fields.Char(string="SKUs", help="Comma-separated: some line has one of them.")
    category_ids = fields.Many2many(
        "product.category", string="Product Categories", help="A line's category or a child."
    )
    product_tag_ids = fields.Many2many("product.tag", string="Product Tags")
    customer_tag_ids = fields.Many2many("res.partner.category", string="Customer Tags")
    test_customer_orders = fields.Boolean(
        string="Customer History", help="Test the customer's earlier confirmed orders."
    )
    customer_orders_min = fields.Integer(string="Earlier Orders From")
    customer_orders_max = fields.Integer(
        string="Earlier Orders Up To",
        help="Below Earlier Orders From: no maximum (0 and 0: a new customer).",
    )
    payment_state = fields.Selection(PAYMENT_CONDITIONS)
    shortfall = fields.Selection(YES_NO, string="Short of Stock")
    exception_kind = fields.Selection(EXCEPTION_CONDITIONS, string="Exception")
    hour_from = fields.Float(string="From", help="Local time (the rule set's time zone).")
    hour_to = fields.Float(
        string="To", help="Before this time; earlier than From: across midnight. Equal: any time."
    )
    peak = fields.Selection(YES_NO, string="Peak Mode")
    # -- actions ---------------------------------------------------------------------------
    action_ids = fields.One2many(
        "stock.channel.order.rule.action", "rule_id", string="Actions", copy=True
    )
    summary = fields.Char(compute="_compute_summary", string="Conditions")
    action_summary = fields.Char(compute="_compute_summary", string="Then")

    _key_uniq = models.UniqueIndex("(ruleset_id, key)", "A rule's key is unique in its rule set.")

    @api.depends(*SNAPSHOT_FIELDS, *(f"action_ids.{name}" for name in ACTION_FIELDS))
    def _compute_summary(self):
        cores = {}
        for rule in self:
            try:
                (cores[rule],) = automation.rules_from_snapshot([rule._snapshot_values()])
            except ValueError:  # not finished yet (being edited)
                rule.summary = rule.action_summary = ""
        names = self.env["stock.channel.order.ruleset"]._names(cores.values())
        for rule, core in cores.items():
            rule.summary = core.summary(names)
            rule.action_summary = "; ".join(automation.action_words(a, names) for a in core.actions)

    @api.constrains(*SNAPSHOT_FIELDS, "action_ids")
    def _check_snapshot(self):
        for rule in self:
            for name in ("hour_from", "hour_to"):
                if not 0 <= rule[name] <= 24:
                    raise ValidationError(
                        self.env._(
                            "Rule '%(rule)s': the time of day must be between 0 and 24 "
                            "(%(field)s is %(value)s).",
                            rule=rule.name,
                            field=rule._fields[name].string,
                            value=rule[name],
                        )
                    )
            try:
                automation.rules_from_snapshot([rule._snapshot_values()])
            except ValueError as error:  # core names the snapshot's keys: the form's labels
                words = _LABELLED.sub(lambda match: self._fields[match[1]].string, str(error))
                raise ValidationError(words) from error

    def _snapshot_values(self):
        """The rule as a version stores it (core/automation.py's snapshot)."""
        self.ensure_one()
        return {
            "key": self.key,
            "name": self.name or "",
            "sequence": self.sequence,
            "stop": self.stop,
            "conditions": self._conditions(),
            "actions": [action._snapshot_values() for action in self.action_ids],
        }

    def _conditions(self):
        conditions = {name: self[name].ids for name in ID_CONDITIONS if self[name]}
        if self.amount_min:
            conditions["amount_min"] = self.amount_min
        if self.amount_max:
            conditions["amount_max"] = self.amount_max
        if self.country_ids:
            conditions["country_codes"] = sorted(self.country_ids.mapped("code"))
        if _words(self.skus):
            conditions["skus"] = _words(self.skus)
        if self.test_customer_orders:
            conditions["customer_orders_min"] = self.customer_orders_min
            if self.customer_orders_max >= self.customer_orders_min:
                conditions["customer_orders_max"] = self.customer_orders_max
        if self.payment_state:
            conditions["payment_states"] = PAYMENT_STATES[self.payment_state]
        if self.exception_kind:
            conditions["exception_kinds"] = EXCEPTION_KINDS[self.exception_kind]
        for flag in ("shortfall", "peak"):
            if self[flag]:
                conditions[flag] = self[flag] == "yes"
        if self.hour_from != self.hour_to:
            conditions["hour_from"], conditions["hour_to"] = self.hour_from, self.hour_to
        return conditions

    def write(self, vals):
        """A rule's key is its identity across versions (its matches and its touchless
        rate are counted by it): set when the rule is made (or restored), never changed."""
        if "key" in vals and any(rule.key != vals["key"] for rule in self):
            raise ValidationError(
                self.env._("A rule's key is its identity across versions: it cannot change.")
            )
        return super().write(vals)

    @api.model
    def _values_from_snapshot(self, item):
        """The field values of a rule from its snapshot (ids that no longer exist dropped)."""
        conditions = item.get("conditions") or {}
        values = {"key": item["key"], "name": item["name"], "sequence": item.get("sequence", 10),
                  "stop": bool(item.get("stop"))}  # fmt: skip
        for name in ID_CONDITIONS:
            comodel = self.env[self._fields[name].comodel_name]
            values[name] = [Command.set(comodel.browse(conditions.get(name) or []).exists().ids)]
        codes = conditions.get("country_codes") or []
        countries = self.env["res.country"].search([("code", "in", codes)]) if codes else ()
        values["country_ids"] = [Command.set(countries.ids if codes else [])]
        values["skus"] = ", ".join(conditions.get("skus") or [])
        values["amount_min"] = conditions.get("amount_min") or 0.0
        values["amount_max"] = conditions.get("amount_max") or 0.0
        history = "customer_orders_min" in conditions or "customer_orders_max" in conditions
        values["test_customer_orders"] = history
        values["customer_orders_min"] = conditions.get("customer_orders_min") or 0
        values["customer_orders_max"] = conditions.get("customer_orders_max", -1)
        values["payment_state"] = _state_of(PAYMENT_STATES, conditions.get("payment_states") or [])
        values["exception_kind"] = _state_of(
            EXCEPTION_KINDS, conditions.get("exception_kinds") or []
        )
        for flag in ("shortfall", "peak"):
            values[flag] = {True: "yes", False: "no"}.get(conditions.get(flag))
        values["hour_from"] = conditions.get("hour_from") or 0.0
        values["hour_to"] = conditions.get("hour_to") or 0.0
        Action = self.env["stock.channel.order.rule.action"]
        actions = enumerate(item.get("actions") or [])
        values["action_ids"] = [
            Command.create(Action._values_from_snapshot(a, i)) for i, a in actions
        ]
        return values
