from odoo import fields, models


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
