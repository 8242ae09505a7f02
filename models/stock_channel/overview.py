"""The store manager's overview: a card per channel with its health (see core.overview)
and the figures behind it, each opening its list; the cards follow the figures live
(stock.channel.overview, a listener of the events that move them)."""

from datetime import timedelta

from odoo import api, fields, models

from ...core import alerts, units
from ...core import overview as overview_core
from ..stock_channel_sync_log import SLA_PUSH

# per channel, in one query: the queue, latency p95 over 24 hours of live pushes
# (accepted: the 2xx of pushes the channel took, see SLA_PUSH; confirmed: the verdict
# read), the last accepted push, the last reconciliation done, the orders in exception,
# the pushes waiting that were never sent
OVERVIEW_QUERY = f"""
WITH day AS (
    -- the day's pushes of the channels, read once for both percentiles
    SELECT l.channel_id,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms)
               FILTER (WHERE {SLA_PUSH}) AS accepted_p95,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY l.confirmed_latency_ms)
               FILTER (WHERE l.confirmed_at IS NOT NULL AND l.push_kind = 'live')
               AS confirmed_p95
      FROM stock_channel_sync_log l
     WHERE l.channel_id = ANY(%(ids)s) AND l.sent_at >= %(day)s
     GROUP BY l.channel_id
)
SELECT c.id,
       (SELECT count(*) FROM stock_channel_outbox o
         WHERE o.channel_id = c.id AND o.state = 'pending'),
       day.accepted_p95,
       day.confirmed_p95,
       (SELECT l.acked_at FROM stock_channel_sync_log l
         WHERE l.channel_id = c.id AND l.acked_at IS NOT NULL
         ORDER BY l.sent_at DESC LIMIT 1),
       (SELECT max(r.finished_at) FROM stock_channel_reconcile r
         WHERE r.channel_id = c.id AND r.state = 'done'),
       (SELECT count(*) FROM stock_channel_inbound i
         WHERE i.channel_id = c.id AND i.state = 'exception'),
       (SELECT count(*) FROM stock_channel_outbox o
         WHERE o.channel_id = c.id AND o.state IN ('pending', 'late')
           AND coalesce(o.attempts, 0) = 0)
  FROM unnest(%(ids)s::int[]) AS c(id)
  LEFT JOIN day ON day.channel_id = c.id
"""
# a card not saved yet: nothing measured
EMPTY_CARD = {
    "overview_health": overview_core.GREEN,
    "overview_reason": False,
    "overview_figures": {},
    "overview_accepted_p95": alerts.NOT_MEASURED,
    "overview_confirmed_p95": alerts.NOT_MEASURED,
    "overview_pending": 0,
    "overview_backlog": False,
    "overview_dead_letters": 0,
    "overview_drift": alerts.NOT_MEASURED,
    "overview_oversell": alerts.NOT_MEASURED,
    "overview_exceptions": 0,
    "overview_last_push_at": False,
    "overview_last_reconcile_at": False,
    "overview_units_live": alerts.NOT_MEASURED,
    "overview_skus_at_zero": alerts.NOT_MEASURED,
    "overview_orders_today": 0,
    "overview_orders_to_fix": 0,
    "overview_oversold_units": 0,
}
OVERVIEW_FIGURES = (
    "pending",
    "accepted_p95_ms",
    "confirmed_p95_ms",
    "last_push_at",
    "last_reconcile_at",
    "exceptions",
    "unsent",
)


class StockChannel(models.Model):
    _inherit = "stock.channel"

    overview_health = fields.Selection(
        overview_core.HEALTH, string="Health", compute="_compute_overview"
    )
    overview_reason = fields.Char(string="Why", compute="_compute_overview")
    overview_figures = fields.Json(
        compute="_compute_overview",
        help="The card's figures: numbers, or null when not measured yet.",
    )
    overview_accepted_p95 = fields.Char(
        string="Accepted Latency p95 (24 h)", compute="_compute_overview"
    )
    overview_confirmed_p95 = fields.Char(
        string="Confirmed Latency p95 (24 h)", compute="_compute_overview"
    )
    overview_pending = fields.Integer(string="Pushes Pending", compute="_compute_overview")
    overview_backlog = fields.Char(string="Oldest Pending", compute="_compute_overview")
    overview_dead_letters = fields.Integer(string="Failed Updates Now", compute="_compute_overview")
    overview_drift = fields.Char(string="Drift (24 h)", compute="_compute_overview")
    overview_oversell = fields.Char(string="Oversell (7 d)", compute="_compute_overview")
    overview_exceptions = fields.Integer(string="Orders in Exception", compute="_compute_overview")
    overview_last_push_at = fields.Datetime(
        string="Last Successful Push", compute="_compute_overview"
    )
    overview_last_reconcile_at = fields.Datetime(
        string="Last Reconciliation", compute="_compute_overview"
    )
    overview_units_live = fields.Char(string="Units Live", compute="_compute_overview")
    overview_skus_at_zero = fields.Char(string="SKUs at 0", compute="_compute_overview")
    overview_orders_today = fields.Integer(string="Orders Today", compute="_compute_overview")
    overview_orders_to_fix = fields.Integer(string="Orders to Fix", compute="_compute_overview")
    overview_oversold_units = fields.Integer(
        string="Oversold Units (7 d)", compute="_compute_overview"
    )

    def _compute_overview(self):
        channels = self.filtered("id")
        (self - channels).update(EMPTY_CARD)
        if not channels:
            return
        figures = channels.sudo()._overview_figures(fields.Datetime.now())
        thresholds = channels._alert_thresholds()
        labels = dict(
            self.env["stock.channel.alert"]._fields["kind"]._description_selection(self.env)
        )
        for channel in channels:
            figure = figures[channel.id]
            colour, reasons = channel._overview_health(figure, thresholds[channel.id], labels)
            channel.update(
                {
                    "overview_health": colour,
                    "overview_reason": "\n".join(reasons) or self.env._("Every figure is fine."),
                    **_card_values(figure),
                }
            )

    def _overview_health(self, figure, thresholds, labels):
        """(colour, reasons) of the channel's card (see core.overview.health); an
        unreachable channel is red, that first; a failed poll of the orders is red."""
        colour, reasons = overview_core.health(
            figure,
            thresholds,
            labels,
            {
                self.env._("Orders in Exception"): figure["exceptions"],
                self.env._("Open Drift"): figure["open_drift"],
            },
            unsent=figure["unsent"],
        )
        if self.order_poll_error:  # no order comes in: red, said first
            failed = self.env._("Last poll failed: %(reason)s", reason=self.order_poll_error)
            colour, reasons = overview_core.RED, [failed, *reasons]
        if self.unreachable_status:
            return overview_core.RED, [self.unreachable_status, *reasons]
        return colour, reasons

    def _overview_figures(self, now):
        """{channel_id: {figure: value, None when not measured}}: the alerts' figures
        (core.alerts) and the card's own, for every channel of self in a few queries."""
        figures = self._alert_figures(now)
        self.env["stock.channel.inbound"].flush_model()
        self.env["stock.channel.reconcile"].flush_model()
        self.env.cr.execute(OVERVIEW_QUERY, {"ids": self.ids, "day": now - timedelta(days=1)})
        for channel_id, *values in self.env.cr.fetchall():
            figures[channel_id].update(zip(OVERVIEW_FIGURES, values, strict=True))
        business = self._overview_business(now)
        for channel in self:
            figures[channel.id]["open_drift"] = channel.open_drift_count
            figures[channel.id].update(business[channel.id])
        return figures

    # ------------------------------------------------------------------
    # Each figure opens its list, filtered on the channel
    # ------------------------------------------------------------------
    @api.readonly
    def action_overview_pending(self):
        return self._open_channel_list("action_stock_channel_outbox", search_default_pending=1)

    @api.readonly
    def action_overview_dead_letters(self):
        return self._open_channel_list("action_stock_channel_dead_letters", search_default_dead=1)

    @api.readonly
    def action_overview_latency(self):
        """The latency graph of the channel: p95 (and p50) per hour, in seconds."""
        action = self._open_channel_list(
            "action_stock_channel_latency_report",
            search_default_last_24h=1,
            graph_groupbys=["hour:hour"],
        )
        action["views"] = [(False, "graph"), (False, "pivot"), (False, "list")]
        return action

    @api.readonly
    def action_overview_exceptions(self):
        return self._open_channel_list("action_stock_channel_order_fix")

    @api.readonly
    def action_overview_orders_today(self):
        action = self._open_channel_list("action_sale_order_channel_report")
        action["domain"] = self._orders_today_domain()
        return action

    @api.readonly
    def action_overview_quantities(self):
        return self._open_channel_list("action_stock_channel_quantity")

    def _orders_today_domain(self):
        """The channel's orders of the day (a webshop: its website's), as counted."""
        today = overview_core.day_start(fields.Datetime.now(), self.env.user.tz)
        mine = [("channel_id", "=", self.id)]
        if self.channel_type == "website" and self.website_id:
            mine = [
                "|",
                *mine,
                "&",
                ("channel_id", "=", False),
                ("website_id", "=", self.website_id.id),
            ]
        return [*mine, ("date_order", ">=", today), "|", ("state", "=", "sale"),
                ("channel_exception", "!=", False)]  # fmt: skip

    @api.readonly
    def action_overview_reconcile_runs(self):
        return self._open_channel_list("action_stock_channel_reconcile")

    @api.readonly
    def action_overview_channel(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.channel",
            "res_id": self.id,
            "views": [(False, "form")],
        }


def _card_values(figure):
    """The card's fields from its figures (see _overview_figures)."""
    return {
        "overview_figures": {
            key: fields.Datetime.to_string(value) if hasattr(value, "isoformat") else value
            for key, value in figure.items()
        },
        "overview_accepted_p95": units.format_latency(figure["accepted_p95_ms"]),
        "overview_confirmed_p95": units.format_latency(figure["confirmed_p95_ms"]),
        "overview_pending": figure["pending"],
        "overview_backlog": alerts.format_figure(alerts.BACKLOG, figure[alerts.BACKLOG])
        if figure["pending"]
        else False,
        "overview_dead_letters": figure[alerts.DEAD_LETTERS],
        "overview_drift": alerts.format_figure(alerts.DRIFT, figure[alerts.DRIFT]),
        "overview_oversell": alerts.format_figure(alerts.OVERSELL, figure[alerts.OVERSELL]),
        "overview_exceptions": figure["exceptions"],
        "overview_last_push_at": figure["last_push_at"] or False,
        "overview_last_reconcile_at": figure["last_reconcile_at"] or False,
        "overview_units_live": _count(figure["units_live"]),
        "overview_skus_at_zero": _count(figure["skus_at_zero"]),
        "overview_orders_today": figure["orders_today"],
        "overview_orders_to_fix": figure["orders_to_fix"],
        "overview_oversold_units": round(figure["oversold_units"]),
    }


def _count(value):
    """A count as text, or "not measured yet" (None)."""
    return alerts.NOT_MEASURED if value is None else str(int(value))
