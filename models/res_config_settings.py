from odoo import fields, models

from ..core import intake as intake_core


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    channel_alert_backlog_minutes = fields.Integer(
        related="company_id.channel_alert_backlog_minutes", readonly=False
    )
    channel_alert_p95_seconds = fields.Float(
        related="company_id.channel_alert_p95_seconds", readonly=False
    )
    channel_alert_dead_letters = fields.Integer(
        related="company_id.channel_alert_dead_letters", readonly=False
    )
    channel_alert_drift_percent = fields.Float(
        related="company_id.channel_alert_drift_percent", readonly=False
    )
    channel_alert_oversell_percent = fields.Float(
        related="company_id.channel_alert_oversell_percent", readonly=False
    )
    channel_alert_stall_minutes = fields.Integer(
        related="company_id.channel_alert_stall_minutes", readonly=False
    )
    channel_alert_acceptance_minutes = fields.Integer(
        related="company_id.channel_alert_acceptance_minutes", readonly=False
    )
    # database-wide, like the confirmation crons (models/stock_channel_inbound/defer.py)
    channel_confirm_defer_rate = fields.Float(
        string="Wait During Bursts Above (orders/s)",
        config_parameter="stock_channel_sync.confirm_defer_rate",
        default=intake_core.DEFER_RATE,
        help="While orders answered as soon as their stock is reserved arrive this fast or "
        "faster, their confirmation (sale order, picking) waits, so that the answers keep "
        "the cores; their units stay reserved from every channel. Meanwhile each channel's "
        "quantities are pushed once a second. 0: never wait.",
    )
    channel_confirm_defer_minutes = fields.Integer(
        string="Confirm Within (minutes)",
        config_parameter="stock_channel_sync.confirm_defer_minutes",
        default=intake_core.DEFER_MINUTES,
        help="Once a reserved order has waited this long, the confirmation runs whatever arrives.",
    )
