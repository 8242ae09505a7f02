"""Report: the touchless rate by order rule over the last 7 days, as the channel's own
(sale_order/flow.py): of the orders a rule matched whose first delivery to the customer
was validated in the window, those never held nor edited by a person before it."""

from odoo import fields, models

from ..report_sql import create_view

# one row per company and rule key (the rule's latest name): its orders shipped in the
# window, and the touchless ones among them (flow.py's ORDER_FLOW_QUERY definition)
TOUCHLESS_VIEW = """
SELECT min(m.id) AS id,
       m.company_id,
       m.rule_key,
       (array_agg(m.rule_name ORDER BY m.id DESC))[1] AS rule_name,
       count(DISTINCT so.id) AS order_count,
       count(DISTINCT so.id) FILTER (
           WHERE coalesce(so.channel_held_at, 'infinity') > so.effective_date
             AND coalesce(so.channel_edited_at, 'infinity') > so.effective_date
       ) AS touchless_count
  FROM stock_channel_order_rule_match m
  JOIN sale_order so ON so.id = m.order_id
 WHERE so.effective_date >= (now() AT TIME ZONE 'utc') - interval '7 days'
 GROUP BY m.company_id, m.rule_key
"""


class StockChannelOrderRuleTouchless(models.Model):
    _name = "stock.channel.order.rule.touchless"
    _description = "Touchless Rate by Order Rule"
    _auto = False
    _order = "order_count desc, rule_name"
    _rec_name = "rule_name"
    _depends = {
        "stock.channel.order.rule.match": ["company_id", "rule_key", "rule_name", "order_id"],
        "sale.order": ["effective_date", "channel_held_at", "channel_edited_at"],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    rule_key = fields.Char(readonly=True)
    rule_name = fields.Char(string="Rule", readonly=True)
    order_count = fields.Integer(string="Orders Shipped (7 d)", readonly=True)
    touchless_count = fields.Integer(string="Touchless (7 d)", readonly=True)
    touchless_rate = fields.Float(
        string="Touchless Rate (7 d)",
        compute="_compute_touchless_rate",
        digits=(16, 1),
        help="Orders the rule matched, shipped over the last 7 days, that were imported, "
        "confirmed and shipped without a person (never held nor edited before their "
        "delivery), in %.",
    )

    def init(self):
        create_view(self, TOUCHLESS_VIEW)

    def _compute_touchless_rate(self):
        for row in self:
            row.touchless_rate = (
                100.0 * row.touchless_count / row.order_count if row.order_count else 0.0
            )
