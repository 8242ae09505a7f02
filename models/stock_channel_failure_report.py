"""Report: every failed push attempt of the sync log (retried or given up), by reason."""

from odoo import fields, models

from .report_sql import create_view, reason_sql
from .stock_channel_sync_log import LOG_STATES

FAILED_STATES = [(code, label) for code, label in LOG_STATES if code in ("retry", "dead")]

# every failed attempt (retried or given up) of the sync log
FAILURE_VIEW = f"""
SELECT l.id,
       l.channel_id,
       l.company_id,
       coalesce(l.sent_at, l.create_date) AS failed_at,
       l.state,
       l.http_status,
       l.attempt,
       {reason_sql("l.error")} AS reason
  FROM stock_channel_sync_log l
 WHERE l.state IN ('retry', 'dead')
"""


class StockChannelFailureReport(models.Model):
    _name = "stock.channel.failure.report"
    _description = "Channel Push Failures by Reason"
    _auto = False
    _order = "failed_at desc, id desc"
    _rec_name = "reason"
    _depends = {
        "stock.channel.sync.log": [
            "channel_id",
            "company_id",
            "sent_at",
            "state",
            "http_status",
            "attempt",
            "error",
        ]
    }

    channel_id = fields.Many2one("stock.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    failed_at = fields.Datetime(readonly=True)
    state = fields.Selection(FAILED_STATES, string="Outcome", readonly=True)
    http_status = fields.Integer(string="HTTP Status", readonly=True, aggregator=None)
    attempt = fields.Integer(readonly=True, aggregator="max")
    reason = fields.Char(readonly=True)

    def init(self):
        create_view(self, FAILURE_VIEW)
