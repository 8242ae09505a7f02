"""Report: accepted latency of the channels' live pushes, p50 / p95 per channel and hour."""

from odoo import fields, models

from .report_sql import create_view
from .stock_channel_sync_log import SLA_PUSH

# accepted live pushes (the channel's 2xx of pushes it took, see SLA_PUSH), as the
# channel form counts them: p50 / p95 per channel and hour
LATENCY_VIEW = f"""
SELECT min(l.id) AS id,
       l.channel_id,
       l.company_id,
       date_trunc('hour', l.acked_at) AS hour,
       count(*) AS push_count,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_ms) AS latency_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms) AS latency_p95
  FROM stock_channel_sync_log l
 WHERE {SLA_PUSH}
 GROUP BY l.channel_id, l.company_id, date_trunc('hour', l.acked_at)
"""


class StockChannelLatencyReport(models.Model):
    _name = "stock.channel.latency.report"
    _description = "Channel Push Latency per Hour"
    _auto = False
    _order = "hour desc, channel_id"
    _rec_name = "hour"
    _depends = {
        "stock.channel.sync.log": [
            "channel_id",
            "company_id",
            "acked_at",
            "latency_ms",
            "state",
            "push_kind",
        ]
    }

    channel_id = fields.Many2one("stock.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    hour = fields.Datetime(readonly=True, help="The hour the pushes were accepted in (UTC).")
    push_count = fields.Integer(string="Accepted Pushes", readonly=True)
    latency_p50 = fields.Float(
        string="p50 (ms)",
        readonly=True,
        digits=(16, 0),
        aggregator="avg",
        help="Median accepted latency of the hour; over several hours, their mean.",
    )
    latency_p95 = fields.Float(
        string="p95 (ms)",
        readonly=True,
        digits=(16, 0),
        aggregator="max",
        help="95th percentile of the hour's accepted latency; over several hours, the highest.",
    )

    def init(self):
        create_view(self, LATENCY_VIEW)
