"""Alerts of a channel: its figures against its thresholds, the alert cron and its status."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from ...core import alerts
from ...core.inbound import EXCEPTION, RECEIVED, WAITING
from .. import runtime
from ..access import check_manager_of
from ..stock_channel_sync_log import SLA_PUSH

ALERT_CRON = "stock_channel_sync.ir_cron_alerts"
ALERT_PRECOMMIT_KEY = "stock_channel_sync.alerts"
# without a previous run (lastcall), the done moves of the last hour are looked at
FIRST_RUN_WINDOW = timedelta(hours=1)
# overlap with the previous run: a move committed while it ran is not missed
RUN_OVERLAP = timedelta(minutes=1)

# messages of orders the channel has sent that Odoo holds (no order made yet)
HELD_STATES = (RECEIVED, EXCEPTION, WAITING)
# the KPIs (not stored) the drift and oversell figures are read from
KPI_FIELDS = [
    "drift_rate_24h",
    "drift_rate_prev_24h",
    "drift_measured",
    "open_drift_count",
    "reconcile_run_count",
    "oversell_rate_7d",
    "oversell_measured",
    "incident_count_7d",
]

QUEUE_QUERY = """
SELECT channel_id,
       min(event_at) FILTER (WHERE state = 'pending'),
       min(next_attempt_at) FILTER (WHERE state = 'pending'),
       count(*) FILTER (WHERE state = 'dead')
  FROM stock_channel_outbox
 WHERE channel_id = ANY(%(ids)s)
 GROUP BY channel_id
"""
# the last push attempt, and the p95 accepted latency of live pushes over the last hour
# (a push is accepted within its timeouts: one sent more than 2 hours ago was not
# accepted in it; replays and corrections are not the SLA, see SLA_PUSH)
PUSH_QUERY = f"""
SELECT c.id,
       (SELECT max(l.sent_at) FROM stock_channel_sync_log l WHERE l.channel_id = c.id),
       (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms)
          FROM stock_channel_sync_log l
         WHERE l.channel_id = c.id AND l.sent_at >= %(sent_since)s
           AND l.acked_at >= %(hour)s AND l.latency_ms IS NOT NULL AND {SLA_PUSH})
  FROM unnest(%(ids)s::int[]) AS c(id)
"""
# the oldest order each channel has not had Odoo's acceptance decision for: an order
# whose status the channel has not accepted yet, or one held before it became an order
ACCEPTANCE_QUERY = """
SELECT channel_id, min(waiting_since) FROM (
    SELECT channel_id, create_date AS waiting_since FROM sale_order
     WHERE channel_id = ANY(%(ids)s) AND channel_status_pushed IS NULL
       AND state != 'cancel'
    UNION ALL
    SELECT channel_id, create_date FROM stock_channel_inbound
     WHERE channel_id = ANY(%(ids)s) AND kind = 'order' AND state = ANY(%(held)s)
       AND sale_order_id IS NULL AND authenticated
) AS waiting
 GROUP BY channel_id
"""


class StockChannel(models.Model):
    """Alerts: the channel's figures against its thresholds, an activity for its
    responsible user while one is crossed (see core.alerts)."""

    _name = "stock.channel"
    _inherit = ["stock.channel", "mail.thread", "mail.activity.mixin"]

    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        domain=[("share", "=", False)],
        tracking=True,
        help="Receives the channel's alerts, an activity each (default: the user who "
        "created the channel).",
    )
    alert_active = fields.Boolean(
        string="Alerts", default=True, help="Off: the channel's thresholds are not watched."
    )
    alert_backlog_minutes = fields.Integer(
        string="Backlog Alert (min)",
        help="Alert when the oldest pending push is older than this. 0: the company's "
        "default (Settings).",
    )
    alert_p95_seconds = fields.Float(
        string="p95 Alert (s)",
        help="Alert when the accepted push latency p95 over the last hour is above this. "
        "0: the company's default (Settings).",
    )
    alert_dead_letters = fields.Integer(
        string="Dead Letters Alert",
        help="Alert when the channel has this many dead letters. 0: the company's default "
        "(Settings).",
    )
    alert_drift_percent = fields.Float(
        string="Drift Rate Alert (%)",
        digits=(16, 2),
        help="Alert when the drift rate over 24 hours is above this. 0: the company's "
        "default (Settings).",
    )
    alert_oversell_percent = fields.Float(
        string="Oversell Rate Alert (%)",
        digits=(16, 2),
        help="Alert when the oversell rate over 7 days is above this. 0: the company's "
        "default (Settings).",
    )
    alert_stall_minutes = fields.Integer(
        string="Stall Alert (min)",
        help="Alert when pushes have been due this long with none sent. 0: the company's "
        "default (Settings).",
    )
    alert_acceptance_minutes = fields.Integer(
        string="Acceptance Alert (min)",
        help="Alert when an order has waited this long for its acceptance to reach the "
        "channel (channels that accept each order: Mirakl); keep it well under the "
        "marketplace's automatic refusal delay. 0: the company's default (Settings).",
    )
    alert_ids = fields.One2many("stock.channel.alert", "channel_id", string="Alerts Raised")
    open_alert_count = fields.Integer(compute="_compute_open_alert_count")
    alert_status_html = fields.Html(
        string="Figures Now",
        compute="_compute_alert_status_html",
        sanitize=False,
        help="Each watched figure now, the threshold in force and whether it is crossed.",
    )

    _alert_thresholds_positive = models.Constraint(
        "CHECK (COALESCE(alert_backlog_minutes, 0) >= 0 AND COALESCE(alert_p95_seconds, 0) >= 0 "
        "AND COALESCE(alert_dead_letters, 0) >= 0 AND COALESCE(alert_drift_percent, 0) >= 0 "
        "AND COALESCE(alert_oversell_percent, 0) >= 0 AND COALESCE(alert_stall_minutes, 0) >= 0 "
        "AND COALESCE(alert_acceptance_minutes, 0) >= 0)",
        "Alert thresholds are not negative (0: the company's default).",
    )

    def init(self):
        # channels created before alerts existed: their creator is responsible
        self.env.cr.execute(
            "UPDATE stock_channel SET user_id = create_uid WHERE user_id IS NULL "
            "AND create_uid IS NOT NULL"
        )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "user_id" in fields_list and "user_id" not in values:
            values["user_id"] = self.env.uid
        return values

    def _compute_open_alert_count(self):
        counts = dict(
            self.env["stock.channel.alert"]._read_group(
                [("channel_id", "in", self.ids), ("state", "=", "open")],
                ["channel_id"],
                ["__count"],
            )
        )
        for channel in self:
            channel.open_alert_count = counts.get(channel, 0)

    def _compute_alert_status_html(self):
        channels = self.filtered("id")
        self.alert_status_html = False
        if not channels:
            return
        figures = channels.sudo()._alert_figures(fields.Datetime.now())
        thresholds = channels._alert_thresholds()
        Alert = self.env["stock.channel.alert"]
        labels = dict(Alert._fields["kind"]._description_selection(self.env))
        head = Markup(
            "<tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th></tr>"
        )
        for channel in channels:
            rows = Markup("").join(
                _status_row(
                    kind,
                    labels[kind],
                    figures[channel.id][kind],
                    thresholds[channel.id][kind],
                    self.env._("off"),
                )
                for kind in alerts.FIGURE_KINDS
                if kind != alerts.ACCEPTANCE or channel._accepts_orders()  # else never measured
            )
            channel.alert_status_html = Markup(
                "<table class='table table-sm o_channel_alert_status'><thead>%s</thead>"
                "<tbody>%s</tbody></table>"
            ) % (head % (self.env._("Alert"), self.env._("Now"), self.env._("Threshold")), rows)

    # ------------------------------------------------------------------
    # Figures and thresholds, for all the channels of self at once
    # ------------------------------------------------------------------
    def _alert_thresholds(self):
        """{channel_id: {kind: threshold in force}}; 0 (off) for every alert of an
        archived channel or one whose alerts are off."""
        result = {}
        for channel in self:
            watched = channel.active and channel.alert_active
            result[channel.id] = {
                kind: alerts.in_force(
                    channel[threshold.field], channel.company_id[f"channel_{threshold.field}"]
                )
                if watched
                else 0
                for kind, threshold in alerts.THRESHOLDS.items()
            }
        return result

    def _alert_figures(self, now):
        """{channel_id: {kind: figure, None when not measured}}: each figure in one
        grouped query for every channel of self (drift and oversell: their KPIs)."""
        figures = {channel.id: dict.fromkeys(alerts.FIGURE_KINDS) for channel in self}
        self.invalidate_recordset(KPI_FIELDS)  # computed again, not read from the cache
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        cr = self.env.cr
        cr.execute(QUEUE_QUERY, {"ids": self.ids})
        queues = {row[0]: row[1:] for row in cr.fetchall()}
        hour, sent_since = now - timedelta(hours=1), now - timedelta(hours=2)
        cr.execute(PUSH_QUERY, {"ids": self.ids, "hour": hour, "sent_since": sent_since})
        pushes = {row[0]: row[1:] for row in cr.fetchall()}
        waiting = self._alert_acceptance_waits()
        for channel in self:
            oldest_pending, oldest_due, dead = queues.get(channel.id, (None, None, 0))
            last_push, p95_ms = pushes.get(channel.id, (None, None))
            figures[channel.id].update(
                {
                    alerts.BACKLOG: alerts.backlog_minutes(now, oldest_pending),
                    alerts.DEAD_LETTERS: dead,
                    alerts.STALL: alerts.stall_minutes(now, oldest_due, last_push),
                    alerts.P95: None if p95_ms is None else round(p95_ms / 1000, 2),
                    alerts.DRIFT: round(channel.drift_rate_24h, 2)
                    if channel.drift_measured
                    else None,
                    alerts.OVERSELL: round(channel.oversell_rate_7d, 2)
                    if channel.oversell_measured
                    else None,
                    alerts.ACCEPTANCE: alerts.acceptance_minutes(
                        now, waiting.get(channel.id), channel._accepts_orders()
                    ),
                }
            )
            if channel.unreachable_since:  # its pushes wait for it: its own alert says so
                figures[channel.id].update({alerts.BACKLOG: None, alerts.STALL: None})
        return figures

    def _alert_acceptance_waits(self):
        """{channel_id: since when its oldest order waits for its acceptance}."""
        self.env["sale.order"].flush_model(["channel_id", "channel_status_pushed", "state"])
        self.env["stock.channel.inbound"].flush_model()
        self.env.cr.execute(ACCEPTANCE_QUERY, {"ids": self.ids, "held": list(HELD_STATES)})
        return dict(self.env.cr.fetchall())

    def _accepts_orders(self):
        """The channel's connector accepts or refuses each order (Mirakl's OR21)."""
        return bool(self.connector and self._webhook_connector().accepts_orders)

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    @api.model
    def _cron_alerts(self, since=None):
        """Every minute, and soon after an event that moves a figure: every channel's
        figures against its thresholds, then critical stock for the variants moved
        since the previous run."""
        if since is None:
            lastcall = self.env.context.get("lastcall")
            since = (lastcall - RUN_OVERLAP) if lastcall else self.env.cr.now() - FIRST_RUN_WINDOW
        Alert = self.env["stock.channel.alert"].sudo()
        channels = self.sudo().search([]) | Alert.search([("state", "=", "open")]).channel_id
        channels._alert_evaluate(since=since)
        runtime.commit_chunk(self.env, len(channels))

    def _alert_evaluate(self, now=None, since=None):
        """Open, keep or resolve the alerts of self (see core.alerts.transition); with
        `since`, also critical stock for the variants moved since then."""
        now = now or fields.Datetime.now()
        channels = self.sudo()
        Alert = self.env["stock.channel.alert"].sudo()
        figures = channels._alert_figures(now)
        thresholds = channels._alert_thresholds()
        opened = {
            (alert.channel_id.id, alert.kind): alert
            for alert in Alert.search(
                [
                    ("channel_id", "in", channels.ids),
                    ("state", "=", "open"),
                    ("kind", "in", alerts.FIGURE_KINDS),
                ]
            )
        }
        for channel in channels:
            for kind in alerts.FIGURE_KINDS:
                alert = opened.get((channel.id, kind), Alert)
                figure, threshold = figures[channel.id][kind], thresholds[channel.id][kind]
                action = alerts.transition(kind, figure, threshold, bool(alert))
                if action == alerts.OPEN:
                    Alert._open(channel, kind, figure, threshold)
                elif action == alerts.RESOLVE:
                    alert._resolve(figure, threshold)
                elif action == alerts.KEEP:
                    alert._refresh(figure)
        if since is not None:
            Alert._evaluate_critical(channels, since)

    @api.model
    def _alert_soon(self):
        """Evaluate the alerts soon: the alert cron is triggered once, at the commit of
        this transaction (an event moved a figure)."""
        cr = self.env.cr
        if cr.precommit.data.get(ALERT_PRECOMMIT_KEY):
            return
        cr.precommit.data[ALERT_PRECOMMIT_KEY] = True
        env = self.env

        def trigger():
            cron = env.ref(ALERT_CRON, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

        cr.precommit.add(trigger)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_check_alerts(self):
        """Evaluate the channel's alerts now (manager)."""
        check_manager_of(self)
        self.sudo()._alert_evaluate()
        return True

    def action_open_alerts(self):
        return self._open_channel_list("action_stock_channel_alert", search_default_open=1)


def _status_row(kind, label, figure, threshold, off):
    """A row of the channel's figures now: crossed ones in red."""
    return Markup(
        "<tr class='%s'><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
    ) % (
        "text-danger fw-bold" if alerts.crossed(kind, figure, threshold) else "",
        label,
        alerts.format_figure(kind, figure),
        alerts.format_figure(kind, threshold) if threshold else off,
    )
