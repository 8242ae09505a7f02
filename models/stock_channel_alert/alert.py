"""A channel alert: a figure past its threshold, kept while crossed, with its activity."""

import logging

from markupsafe import Markup
from psycopg2.errors import UniqueViolation

from odoo import api, fields, models

from ...core import alerts

_logger = logging.getLogger(__name__)

ALERT_STATES = [("open", "Open"), ("resolved", "Resolved")]
ACTIVITY_TYPE = "stock_channel_sync.mail_activity_channel_alert"
# the list behind each figure, opened on the channel (its window action reads active_id)
LIST_ACTIONS = {
    alerts.BACKLOG: "action_channel_alert_pending",
    alerts.STALL: "action_channel_alert_pending",
    alerts.P95: "action_channel_alert_sync_log",
    alerts.DEAD_LETTERS: "action_channel_alert_dead_letters",
    alerts.DRIFT: "action_channel_alert_drift",
    alerts.OVERSELL: "action_channel_alert_incidents",
    # the order statuses (acceptances) still to send are pending pushes
    alerts.ACCEPTANCE: "action_channel_alert_pending",
    alerts.UNREACHABLE: "action_channel_alert_pending",
}


class StockChannelAlert(models.Model):
    """A threshold a channel crossed: open while it stays crossed (one at a time per
    channel, alert and variant), with the activity scheduled for the channel's
    responsible user; resolved (the activity done) once the figure is back under."""

    _name = "stock.channel.alert"
    _description = "Channel Alert"
    _order = "opened_at desc, id desc"
    _rec_name = "summary"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    kind = fields.Selection(alerts.ALERT_KINDS, string="Alert", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", string="Variant", ondelete="cascade", help="Critical stock: the variant."
    )
    state = fields.Selection(ALERT_STATES, required=True, default="open", index=True)
    summary = fields.Char(required=True)
    figure = fields.Float(string="Value", digits=(16, 2), help="The figure when last evaluated.")
    figure_text = fields.Char(string="Figure", help="The figure when last evaluated.")
    threshold_text = fields.Char(string="Threshold")
    detail = fields.Text(
        help="Critical stock: the move that took the quantity below, its "
        "author and reason. API version: what the channel said, and the "
        "version to move to."
    )
    user_id = fields.Many2one("res.users", string="Assigned To")
    activity_id = fields.Many2one("mail.activity", ondelete="set null", readonly=True)
    opened_at = fields.Datetime(required=True, default=fields.Datetime.now)
    resolved_at = fields.Datetime()
    resolution = fields.Char(help="What the figure was when the alert was resolved.")

    _open_uniq = models.UniqueIndex(
        "(channel_id, kind, COALESCE(product_id, 0)) WHERE state = 'open'",
        "One open alert per channel, alert and variant.",
    )

    def _label(self, kind):
        return dict(self._fields["kind"]._description_selection(self.env))[kind]

    # ------------------------------------------------------------------
    # Figures: open, keep, resolve
    # ------------------------------------------------------------------
    @api.model
    def _open(self, channel, kind, figure, threshold):
        """A figure crossed its threshold: an alert, and an activity for the channel's
        responsible user with the figures and the link to the list behind them."""
        label = self._label(kind)
        figure_text = alerts.format_figure(kind, figure)
        threshold_text = alerts.format_figure(kind, threshold)
        note = Markup("<p>%s</p><p><a href='%s'>%s</a></p>") % (
            self.env._(
                "%(alert)s on %(channel)s: %(figure)s (threshold %(threshold)s).",
                alert=label,
                channel=channel.display_name,
                figure=figure_text,
                threshold=threshold_text,
            ),
            _list_url(channel, LIST_ACTIONS[kind]),
            self.env._("Open the list"),
        )
        return self._create_with_activity(
            channel,
            {
                "kind": kind,
                "figure": figure,
                "figure_text": figure_text,
                "threshold_text": threshold_text,
            },
            label,
            note,
        )

    def _create_with_activity(self, channel, vals, summary, note):
        user = channel.user_id or channel.create_uid
        activity = channel.activity_schedule(
            ACTIVITY_TYPE, summary=summary, note=note, user_id=user.id
        )
        return self.create(
            dict(
                vals,
                channel_id=channel.id,
                summary=summary,
                user_id=user.id,
                activity_id=activity.id if activity else False,
            )
        )

    def _refresh(self, figure):
        """Still crossed: the figure is kept current (no new activity)."""
        text = alerts.format_figure(self.kind, figure)
        if self.figure_text != text:
            self.write({"figure": figure or 0.0, "figure_text": text})

    def _resolve(self, figure, threshold):
        """Back under the threshold (or turned off)."""
        if threshold:
            text = self.env._(
                "%(alert)s back under the threshold: %(figure)s (threshold %(threshold)s).",
                alert=self._label(self.kind),
                figure=alerts.format_figure(self.kind, figure),
                threshold=alerts.format_figure(self.kind, threshold),
            )
        else:
            text = self.env._("%(alert)s: alert turned off.", alert=self._label(self.kind))
        self._close(text, figure)

    def _close(self, text, figure=None):
        """Resolved: the activity is marked done with `text` (a chatter message on the
        channel); without an activity left, `text` is posted."""
        vals = {"state": "resolved", "resolved_at": fields.Datetime.now(), "resolution": text}
        if figure is not None:
            vals.update(figure=figure, figure_text=alerts.format_figure(self.kind, figure))
        self.write(vals)
        for alert in self:
            activity = alert.activity_id
            if activity and activity.active:
                activity.action_feedback(feedback=text)
            else:
                alert.channel_id.message_post(body=text, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Unreachable (opened by the dispatcher, resolved when the channel answers again)
    # ------------------------------------------------------------------
    @api.model
    def _open_unreachable(self, channel, error):
        """The channel cannot be reached: one alert for the outage, naming since when and
        the error; its pushes wait (never dead letters) and it resumes by itself."""
        existing = self.search(
            [
                ("channel_id", "=", channel.id),
                ("kind", "=", alerts.UNREACHABLE),
                ("state", "=", "open"),
            ],
            limit=1,
        )
        if existing:
            return existing
        since = channel._clock(channel.unreachable_since)
        summary = self.env._("Unreachable since %(since)s", since=since)
        note = Markup("<p>%s</p><p>%s</p><p><a href='%s'>%s</a></p>") % (
            self.env._(
                "%(channel)s cannot be reached since %(since)s: its pushes wait, it is tried "
                "again at %(next)s, then less and less often (up to once an hour), and "
                "resumes by itself when it answers.",
                channel=channel.display_name,
                since=since,
                next=channel._clock(channel.unreachable_retry_at),
            ),
            error,
            _list_url(channel, LIST_ACTIONS[alerts.UNREACHABLE]),
            self.env._("Open the list"),
        )
        vals = {"kind": alerts.UNREACHABLE, "figure_text": since, "detail": error}
        return self._create_with_activity(channel, vals, summary, note)

    # ------------------------------------------------------------------
    # API version (what the channel's answers say; core.alerts.api_version_transition)
    # ------------------------------------------------------------------
    @api.model
    def _api_version_notice(self, channel, version, notice):
        """Open, keep or resolve the channel's API version alert from `notice` (see
        Connector.take_api_notice) about `version`, in a savepoint: a push is recorded
        whatever happens here."""
        if notice is None:
            return
        self, channel = self.sudo(), channel.sudo()  # whoever's request the channel answered
        alert = self.search(
            [
                ("channel_id", "=", channel.id),
                ("kind", "=", alerts.API_VERSION),
                ("state", "=", "open"),
            ],
            limit=1,
        )
        action = alerts.api_version_transition(
            notice, version, alert.figure_text if alert else None
        )
        if action is None:
            return
        try:  # no flush: the caller's pending work (its precommit hooks) stays its own
            with self.env.cr.savepoint(flush=False):
                if action == alerts.OPEN:
                    self._open_api_version(channel, version, notice)
                elif action == alerts.KEEP and alert.detail != notice:
                    alert.write({"detail": notice, "figure_text": version})
                elif action == alerts.RESOLVE:
                    alert._close(self.env._("The API version is now %(version)s.", version=version))
        except UniqueViolation:  # another worker opened it meanwhile
            _logger.info("channel %s: API version alert opened by another worker", channel.code)

    def _open_api_version(self, channel, version, notice):
        label = self._label(alerts.API_VERSION)
        note = Markup("<p>%s</p>") % self.env._(
            "%(alert)s on %(channel)s: %(notice)s",
            alert=label,
            channel=channel.display_name,
            notice=notice,
        )
        return self._create_with_activity(
            channel,
            {"kind": alerts.API_VERSION, "figure_text": version, "detail": notice},
            label,
            note,
        )


def _list_url(channel, action):
    """The list behind an alert, filtered on the channel (absolute: it is mailed too)."""
    return (
        f"{channel.get_base_url()}/odoo/stock.channel/{channel.id}"
        f"/action-stock_channel_sync.{action}"
    )
