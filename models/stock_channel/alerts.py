"""Alerts of a channel: its figures (alert_figures.py) against its thresholds, the alert
cron and its status."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from ...core import alerts, events
from .. import runtime
from ..access import check_manager_of

# without a previous run (lastcall), the done moves of the last hour are looked at
FIRST_RUN_WINDOW = timedelta(hours=1)
# overlap with the previous run: a move committed while it ran is not missed
RUN_OVERLAP = timedelta(minutes=1)


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
        help="Receives the channel's alerts, an activity and an e-mail each (default: the "
        "user who created the channel).",
    )
    alert_active = fields.Boolean(
        string="Alerts", default=True, help="Off: the channel's thresholds are not watched."
    )
    alert_email_followers = fields.Boolean(
        string="E-mail Alerts to Followers",
        help="Each alert opened is e-mailed to the channel's responsible and, with this on, "
        "to the channel's followers too.",
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
        string="Failed Updates Alert",
        help="Alert when the channel has this many failed updates. 0: the company's default "
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
        self.env["stock.channel.event"]._announce(events.ALERTS_EVALUATED, channels)

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
