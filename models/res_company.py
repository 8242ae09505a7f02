from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    channel_peak_active = fields.Boolean(
        string="Channel Peak Mode",
        help="While on, the peak-period allocation policy applies to all sales channels "
        "of the company instead of the standard one.",
    )
    # alert thresholds: the defaults of every channel of the company (0 = off)
    channel_alert_backlog_minutes = fields.Integer(
        string="Push Backlog Alert (min)",
        default=10,
        help="Alert when a channel's oldest pending push is older than this (0 = off).",
    )
    channel_alert_p95_seconds = fields.Float(
        string="Slow Pushes Alert (p95, s)",
        default=5.0,
        help="Alert when a channel's accepted push latency p95 over the last hour is above "
        "this (0 = off).",
    )
    channel_alert_dead_letters = fields.Integer(
        string="Failed Updates Alert",
        default=1,
        help="Alert when a channel has this many failed updates (0 = off).",
    )
    channel_alert_drift_percent = fields.Float(
        string="Drift Rate Alert (%)",
        default=0.2,
        digits=(16, 2),
        help="Alert when a channel's drift rate over 24 hours is above this (0 = off).",
    )
    channel_alert_oversell_percent = fields.Float(
        string="Oversell Rate Alert (%)",
        default=0.5,
        digits=(16, 2),
        help="Alert when a channel's oversell rate over 7 days is above this (0 = off).",
    )
    channel_alert_stall_minutes = fields.Integer(
        string="Dispatcher Stall Alert (min)",
        default=5,
        help="Alert when pushes of a channel have been due this long with none sent (0 = off).",
    )
    channel_alert_acceptance_minutes = fields.Integer(
        string="Acceptance Alert (min)",
        default=60,
        help="On a channel where each order is accepted (Mirakl), alert when an order has "
        "waited this long for its acceptance to reach the channel: keep it well under the "
        "marketplace's automatic refusal delay (0 = off).",
    )
