"""Report: accepted latency of the channels' live pushes, p50 / p95 per channel and hour,
in seconds; the hours in the user's time zone, on a 24-hour clock."""

from datetime import UTC

import babel.dates

from odoo import fields, models
from odoo.tools.misc import get_lang

from .report_sql import create_view
from .stock_channel_sync_log import SLA_PUSH

# accepted live pushes (the channel's 2xx of pushes it took, see SLA_PUSH), as the
# channel form counts them: p50 / p95 per channel and hour, in seconds
HOUR_LABEL = "HH:00, dd MMM"  # Odoo's "hh:00 dd MMM" reads 8 PM as "08:00"
LATENCY_VIEW = f"""
SELECT min(l.id) AS id,
       l.channel_id,
       l.company_id,
       date_trunc('hour', l.acked_at) AS hour,
       count(*) AS push_count,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_ms) / 1000.0 AS latency_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms) / 1000.0 AS latency_p95
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
    hour = fields.Datetime(
        readonly=True, help="The hour the pushes were accepted in (in your time zone)."
    )
    push_count = fields.Integer(string="Accepted Pushes", readonly=True)
    latency_p50 = fields.Float(
        string="p50 Latency (s)",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Median accepted latency of the hour; over several hours, their mean.",
    )
    latency_p95 = fields.Float(
        string="p95 Latency (s)",
        readonly=True,
        digits=(16, 2),
        aggregator="max",
        help="95th percentile of the hour's accepted latency; over several hours, the highest.",
    )

    def init(self):
        create_view(self, LATENCY_VIEW)

    def _web_read_group_groupby_formatter(self, groupby_spec, values):
        """Hours grouped in the user's time zone (read_group's tz) are labelled on a
        24-hour clock ("20:00, 07 Dec"), not Odoo's 12-hour one without AM/PM."""
        formatter = super()._web_read_group_groupby_formatter(groupby_spec, values)
        if groupby_spec != "hour:hour":
            return formatter
        locale = get_lang(self.env).code

        def formatter_local_hour(value):
            result, domain = formatter(value)
            if not value:
                return result, domain
            # `value` is the local hour already (naive): formatted as is
            label = babel.dates.format_datetime(value, format=HOUR_LABEL, tzinfo=UTC, locale=locale)
            return (result[0], label), domain

        return formatter_local_hour
