"""stock.channel.order.rule.action: one action of an order rule (its type's fields)."""

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ...core import automation

# the fields each action type stores in a snapshot (core/automation.py)
TYPE_FIELDS = {
    automation.ACCEPT: (),
    automation.HOLD: ("reason",),
    automation.CANCEL: ("reason",),
    automation.ROUTE: ("source_id",),
    automation.CARRIER: ("carrier_id", "service"),
    automation.TAG: ("tag_ids",),
    automation.SPLIT: ("split",),
    automation.NOTIFY: ("user_id", "discuss_channel_id", "message"),
}
RECORD_FIELDS = ("source_id", "carrier_id", "user_id", "discuss_channel_id")
# every field an action's snapshot may read
ACTION_FIELDS = ("type", *sorted({name for names in TYPE_FIELDS.values() for name in names}))


class StockChannelOrderRuleAction(models.Model):
    _name = "stock.channel.order.rule.action"
    _description = "Channel Order Rule Action"
    _order = "rule_id, sequence, id"
    _check_company_auto = True

    rule_id = fields.Many2one(
        "stock.channel.order.rule", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    type = fields.Selection(automation.ACTION_SELECTION, required=True, default="hold")
    reason = fields.Char(
        help="Hold: why the order waits for a person; cancel: sent to the platform."
    )
    source_id = fields.Many2one(
        "stock.channel.source", string="Ship From", check_company=True, ondelete="cascade"
    )
    carrier_id = fields.Many2one("delivery.carrier", check_company=True, ondelete="cascade")
    service = fields.Char(help="The carrier's service (e.g. express).")
    tag_ids = fields.Many2many("crm.tag", string="Order Tags")
    split = fields.Selection(automation.SPLIT_SELECTION)
    user_id = fields.Many2one(
        "res.users", string="Notify User", check_company=True, ondelete="cascade"
    )
    discuss_channel_id = fields.Many2one(
        "discuss.channel", string="Notify Channel", ondelete="cascade"
    )
    message = fields.Char()
    summary = fields.Char(compute="_compute_summary", string="Action")

    @api.depends(*ACTION_FIELDS)
    def _compute_summary(self):
        for action in self:
            try:
                (rule,) = automation.rules_from_snapshot(
                    [{"key": "k", "name": "n", "actions": [action._snapshot_values()]}]
                )
            except ValueError:
                action.summary = ""
                continue
            action.summary = automation.action_words(rule.actions[0], action._names())

    def _names(self):
        return {
            "source": {self.source_id.id: self.source_id.display_name},
            "carrier": {self.carrier_id.id: self.carrier_id.display_name},
            "tag": {tag.id: tag.display_name for tag in self.tag_ids},
            "user": {self.user_id.id: self.user_id.display_name},
            "discuss_channel": {self.discuss_channel_id.id: self.discuss_channel_id.display_name},
        }

    @api.constrains(*ACTION_FIELDS)
    def _check_rule(self):
        for action in self.filtered(lambda a: not (a.reason or "").strip()):
            if action.type == automation.HOLD:
                raise ValidationError(
                    self.env._(
                        "Rule '%(rule)s': the hold action needs a reason (the person who "
                        "reviews the order reads it).",
                        rule=action.rule_id.name,
                    )
                )
            if action.type == automation.CANCEL:
                raise ValidationError(
                    self.env._(
                        "Rule '%(rule)s': the cancel action needs a reason (it is sent to "
                        "the platform).",
                        rule=action.rule_id.name,
                    )
                )
        # no private discussion its writer cannot read (its name shows in the rules' words);
        # constraints run in superuser mode: checked as the user who writes
        self.discuss_channel_id.with_user(self.env.uid).check_access("read")
        self.rule_id._check_snapshot()

    def _snapshot_values(self):
        self.ensure_one()
        values = {"type": self.type}
        for name in TYPE_FIELDS.get(self.type, ()):
            if name in RECORD_FIELDS:
                values[name] = self[name].id or None
            elif name == "tag_ids":
                values[name] = self.tag_ids.ids
            else:
                values[name] = self[name] or ("" if name != "split" else None)
        return values

    @api.model
    def _values_from_snapshot(self, item, index=0):
        """The field values of an action from its snapshot (ids no longer there dropped)."""
        values = {"sequence": index, "type": item["type"]}
        for name in TYPE_FIELDS.get(item["type"], ()):
            comodel = self._fields[name].comodel_name
            if name == "tag_ids":
                tags = self.env[comodel].browse(item.get(name) or []).exists()
                values[name] = [Command.set(tags.ids)]
            elif comodel:
                values[name] = self.env[comodel].browse(item.get(name) or []).exists().id
            else:
                values[name] = item.get(name) or False
        return values
