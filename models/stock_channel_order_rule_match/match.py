"""One order rule that matched a channel order, and what it did: written in the
transaction that evaluated the published rules (sale_order/rule_actions.py)."""

from odoo import fields, models

from ...core import automation

DECISION_SELECTION = [
    (automation.ACCEPT, "Accepted"),
    (automation.HOLD, "Held for review"),
    (automation.CANCEL, "Cancelled"),
]


class StockChannelOrderRuleMatch(models.Model):
    _name = "stock.channel.order.rule.match"
    _description = "Channel Order Rule Match"
    _order = "order_id desc, sequence, id"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    channel_id = fields.Many2one("stock.channel", readonly=True)
    version_id = fields.Many2one(
        "stock.channel.order.ruleset.version",
        string="Rule Set Version",
        ondelete="set null",
        readonly=True,
    )
    sequence = fields.Integer(help="Where the rule came in the evaluation.")
    rule_key = fields.Char(required=True, index=True, readonly=True)
    rule_name = fields.Char(string="Rule", required=True, readonly=True)
    conditions = fields.Char(readonly=True, help="What the rule tests, in words.")
    actions = fields.Char(readonly=True, help="What the rule did to the order, in words.")
    decision = fields.Selection(
        DECISION_SELECTION, readonly=True, help="What the rules decided for the order."
    )
    decided = fields.Boolean(readonly=True, help="This rule's decision is the order's.")
    matched_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
