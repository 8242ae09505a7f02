"""Order-flow KPIs of a channel over 7 days (touchless rate, order to ship, handling
time kept, tracking freshness), from the facts its orders record (sale_order/flow.py)."""

from datetime import timedelta

from odoo import api, fields, models

from ...core import intake as intake_core
from ...core import kpis as kpi_core
from ...core.connectors import order_status_connectors

KPI_FIELDS = {
    "touchless_rate": ("touchless_rate_7d", "touchless_measured"),
    "ship_p50_hours": ("ship_time_p50_7d", "ship_time_measured"),
    "ship_p95_hours": ("ship_time_p95_7d", "ship_time_measured"),
    "sla_rate": ("sla_rate_7d", "sla_measured"),
    "tracking_rate": ("tracking_rate_7d", "tracking_measured"),
}
EMPTY_COUNTS = kpi_core.OrderFlowCounts()
KPI_DAYS = 7
# the order lines each channel refused (line-by-line acceptance) since a date
REFUSED_QUERY = """
SELECT o.channel_id, count(*), sum(l.channel_refused_qty)
  FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
 WHERE o.channel_id = ANY(%(ids)s) AND l.channel_refused_at >= %(since)s
 GROUP BY o.channel_id
"""


class StockChannel(models.Model):
    _inherit = "stock.channel"

    intake_answer = fields.Selection(
        intake_core.INTAKE_ANSWERS,
        string="Answer Orders",
        required=True,
        default=intake_core.ANSWER_CONFIRMED,
        help="When the channel's order webhook is answered. After confirming the order: "
        "the sale order is created and confirmed first. As soon as its stock is reserved: "
        "the units are reserved under the variant lock (the order's message shows "
        "Reserved, confirming; nothing else can sell them) and the sale order is "
        "created and confirmed right after, in background batches. Kits, sourced "
        "channels, line-by-line acceptance, an address given later or a shortfall take "
        "the first way.",
    )
    handling_hours = fields.Integer(
        string="Handling Time (h)",
        default=48,
        help="The time the channel gives to ship an order, from its import, in hours "
        "(calendar hours). 0: no commitment, the handling time kept is not measured.",
    )
    takes_order_status = fields.Boolean(compute="_compute_takes_order_status")
    shipped_count_7d = fields.Integer(
        string="Orders Shipped (7 d)", compute="_compute_order_flow_kpis"
    )
    touchless_rate_7d = fields.Float(
        string="Touchless Rate (7 d)",
        compute="_compute_order_flow_kpis",
        digits=(16, 1),
        help="Orders shipped over the last 7 days that were imported, confirmed and shipped "
        "without a person: never held (to check, to complete) and not edited by a user "
        "before their delivery, in %.",
    )
    touchless_measured = fields.Boolean(compute="_compute_order_flow_kpis")
    ship_time_p50_7d = fields.Float(
        string="Order to Ship p50 (7 d, h)",
        compute="_compute_order_flow_kpis",
        digits=(16, 1),
        help="From the import of the order to its first delivery to the customer, in hours, "
        "over the orders shipped in the last 7 days.",
    )
    ship_time_p95_7d = fields.Float(
        string="Order to Ship p95 (7 d, h)", compute="_compute_order_flow_kpis", digits=(16, 1)
    )
    ship_time_measured = fields.Boolean(compute="_compute_order_flow_kpis")
    sla_rate_7d = fields.Float(
        string="Handling Time Kept (7 d)",
        compute="_compute_order_flow_kpis",
        digits=(16, 1),
        help="Orders shipped within the channel's handling time / orders shipped in time or "
        "whose handling time ran out over the last 7 days (cancelled orders aside), in %.",
    )
    sla_measured = fields.Boolean(compute="_compute_order_flow_kpis")
    tracking_rate_7d = fields.Float(
        string="Tracking Within 1 h (7 d)",
        compute="_compute_order_flow_kpis",
        digits=(16, 1),
        help="Orders shipped over the last 7 days whose tracking number the channel accepted "
        "within an hour of the delivery's validation, in % (those validated less than an "
        "hour ago count once accepted).",
    )
    tracking_measured = fields.Boolean(compute="_compute_order_flow_kpis")
    refused_line_count_7d = fields.Integer(
        string="Lines Refused (7 d)",
        compute="_compute_refused_lines",
        help="Order lines refused to the channel over the last 7 days (line-by-line "
        "acceptance, Mirakl): short of stock when the order came; the rest of their order "
        "was accepted, or the whole order refused when no line could be served.",
    )
    refused_qty_7d = fields.Float(
        string="Units Refused (7 d)", compute="_compute_refused_lines", digits="Product Unit"
    )

    _handling_hours_positive = models.Constraint(
        "CHECK (handling_hours >= 0)", "The handling time cannot be negative."
    )

    @api.depends("connector")
    def _compute_takes_order_status(self):
        codes = set(order_status_connectors())
        for channel in self:
            channel.takes_order_status = channel.connector in codes

    def _compute_refused_lines(self):
        self.env["sale.order.line"].flush_model(["channel_refused_at", "channel_refused_qty"])
        since = fields.Datetime.now() - timedelta(days=KPI_DAYS)
        self.env.cr.execute(REFUSED_QUERY, {"ids": self.ids, "since": since})
        refused = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for channel in self:
            count, quantity = refused.get(channel.id, (0, 0.0))
            channel.refused_line_count_7d = count
            channel.refused_qty_7d = quantity or 0.0

    def _compute_order_flow_kpis(self):
        counts = self.env["sale.order"].sudo()._channel_order_flow_counts(self)
        for channel in self:
            flow = counts.get(channel.id, EMPTY_COUNTS)
            kpis = kpi_core.order_flow_kpis(flow, tracking=channel.takes_order_status)
            channel.shipped_count_7d = flow.shipped
            for name, (field, measured) in KPI_FIELDS.items():
                value = getattr(kpis, name)
                channel[field] = value or 0.0
                channel[measured] = value is not None
