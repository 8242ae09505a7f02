"""The sync log model: one row per push, its latency and outcome; the channels' push
statistics."""

import logging
import os
import socket
from datetime import timedelta

from psycopg2.errors import FeatureNotSupported

from odoo import api, fields, models
from odoo.tools import SQL

from ...core import events
from ...core.dispatch import LIVE, PUSH_KINDS, short_list
from ..explain import pushed_table

_logger = logging.getLogger(__name__)

LOG_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("done", "Done"),
    ("retry", "To Retry"),
    ("waiting", "Waiting for the Channel"),
    ("dead", "Failed Update"),
]
# held for a window the channel documents (its rate limits, Mirakl's one stock import a
# minute): not a failure, out of the failure rate and the alerts
WAITING = "waiting"
DEFAULT_RETENTION_DAYS = 30
RETENTION_PARAM = "stock_channel_sync.log_retention_days"
OLD_PUSH_SEQUENCE = "stock_channel_push_seq"
SYNC_STAT_FIELDS = (
    "latency_p50_1h",
    "latency_p95_1h",
    "latency_p99_1h",
    "latency_p50_24h",
    "latency_p95_24h",
    "latency_p99_24h",
    "confirmed_p95_24h",
    "failure_rate_24h",
    "replay_p95_24h",
    "correction_p95_24h",
    "pending_count",
    "dead_letter_count",
)
# the pushes the accepted latency (the SLA: the figures, the alerts, the overview, the
# report) counts, in SQL on the log aliased `l`: live ones the channel took (answered
# 2xx and not refused since: done, or sent while its verdict is awaited); replays and
# corrections are measured apart
SLA_PUSH = "l.acked_at IS NOT NULL AND l.state IN ('sent', 'done') AND l.push_kind = 'live'"
TAKEN_PUSH = "l.acked_at IS NOT NULL AND l.state IN ('sent', 'done')"

# latency percentiles (accepted: the live pushes the channel took; confirmed: verdicts
# read; replays and corrections apart) and failure rate, per channel
STATS_QUERY = f"""
SELECT l.channel_id,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_ms)
           FILTER (WHERE {SLA_PUSH} AND l.acked_at >= %(hour)s),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms)
           FILTER (WHERE {SLA_PUSH} AND l.acked_at >= %(hour)s),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY l.latency_ms)
           FILTER (WHERE {SLA_PUSH} AND l.acked_at >= %(hour)s),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_ms) FILTER (WHERE {SLA_PUSH}),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms) FILTER (WHERE {SLA_PUSH}),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY l.latency_ms) FILTER (WHERE {SLA_PUSH}),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.confirmed_latency_ms)
           FILTER (WHERE l.confirmed_at IS NOT NULL AND l.push_kind = 'live'),
       100.0 * count(*) FILTER (WHERE l.state IN ('retry', 'dead'))
           / NULLIF(count(*) FILTER (WHERE l.state <> 'waiting'), 0),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms)
           FILTER (WHERE {TAKEN_PUSH} AND l.push_kind = 'replay'),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms)
           FILTER (WHERE {TAKEN_PUSH} AND l.push_kind = 'correction')
  FROM stock_channel_sync_log l
 WHERE l.channel_id = ANY(%(ids)s) AND l.sent_at >= %(day)s
 GROUP BY l.channel_id
"""


def server_tag():
    """The Odoo server of this process: ODOO_SERVER_TAG (else the host name) and the pid
    (several servers on one database: which one sent a push)."""
    return f"{os.environ.get('ODOO_SERVER_TAG') or socket.gethostname()}:{os.getpid()}"


# the pending and failed rows of channels, each state read from its partial index (the
# outbox has no index on channel_id alone: a Republish all queues 100,000 rows a channel)
OUTBOX_COUNTS = """
SELECT channel_id, count(*) FILTER (WHERE state = 'pending'),
       count(*) FILTER (WHERE state = 'dead')
  FROM (SELECT channel_id, state FROM stock_channel_outbox
         WHERE state = 'pending' AND channel_id = ANY(%(ids)s)
        UNION ALL
        SELECT channel_id, state FROM stock_channel_outbox
         WHERE state = 'dead' AND channel_id = ANY(%(ids)s)) AS o
 GROUP BY channel_id
"""


class StockChannelSyncLog(models.Model):
    _name = "stock.channel.sync.log"
    _description = "Channel Push Attempt"
    _order = "id desc"
    _rec_name = "idempotency_key"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    item_count = fields.Integer(string="Items")
    skus = fields.Text(string="SKUs")
    skus_short = fields.Char(
        string="SKUs Pushed", compute="_compute_skus_short", help="The first SKUs pushed."
    )
    items = fields.Json(string="Pushed Items", help="[{sku, quantity, sequence}] as pushed.")
    idempotency_key = fields.Char(index=True)
    attempt = fields.Integer(help="Attempt number of the oldest item of the batch (1 = first).")
    push_kind = fields.Selection(
        PUSH_KINDS,
        string="Kind",
        required=True,
        default=LIVE,
        index=True,
        help="Live: carries a stock change; its latency is the one the figures and alerts "
        "measure. Replay (a dead letter sent again, timed from the replay) and correction "
        "(a reconciliation setting a drifted quantity) are measured apart.",
    )
    http_status = fields.Integer(string="HTTP Status")
    state = fields.Selection(LOG_STATES, required=True, default="pending", index=True)
    event_at = fields.Datetime(help="When the oldest stock change of the batch happened.")
    sent_at = fields.Datetime()
    acked_at = fields.Datetime(string="Accepted At", help="The channel's 2xx answer.")
    confirmed_at = fields.Datetime(
        help="Channels that process asynchronously: when their processing status said done."
    )
    remote_ids = fields.Json(
        string="Processing Ids",
        help="Channels that confirm later: {SKU: the channel's id of its processing} of the "
        "items still waiting for a verdict.",
    )
    confirm_next_at = fields.Datetime(help="When the channel's verdict is read next.")
    confirm_deadline = fields.Datetime(help="Without a verdict by then, the items are sent again.")
    latency_ms = fields.Integer(
        string="Accepted Latency (ms)",
        aggregator="avg",
        help="From the oldest change of the push (a replay: from the replay) to the "
        "channel's 2xx; not set for items the channel refused.",
    )
    confirmed_latency_ms = fields.Integer(string="Confirmed Latency (ms)", aggregator="avg")
    error = fields.Text()
    server_tag = fields.Char(
        string="Sent By",
        readonly=True,
        help="The Odoo server that sent it: ODOO_SERVER_TAG (else the host name) and pid.",
    )
    replaced_levels = fields.Text(
        string="Levels Replaced",
        help="First pushes of a variant to a channel that holds a level of its own "
        "(Shopify): what the channel held before Odoo set its quantity.",
    )
    explain_html = fields.Html(
        string="Why These Quantities",
        compute="_compute_explain_html",
        sanitize=False,
        help="The steps of each pushed quantity, with their figures, as they were when it "
        "was pushed.",
    )
    request_body = fields.Text()
    response_body = fields.Text()

    _done_latency_idx = models.Index("(channel_id, acked_at) WHERE state = 'done'")
    _awaiting_idx = models.Index("(channel_id, confirm_next_at) WHERE state = 'sent'")
    # the last push of each channel and the pushes of the last hours, read every minute
    _channel_sent_idx = models.Index("(channel_id, sent_at)")

    # a push logged or answered refreshes the open overviews
    @api.model_create_multi
    def create(self, vals_list):
        tag = server_tag()
        for vals in vals_list:
            vals.setdefault("server_tag", tag)
        logs = super().create(vals_list)
        self.env["stock.channel.event"]._announce(events.PUSH_LOGGED, logs)
        return logs

    def write(self, vals):
        res = super().write(vals)
        if {"state", "acked_at", "confirmed_at"} & vals.keys():
            self.env["stock.channel.event"]._announce(events.PUSH_LOGGED, self)
        return res

    @api.depends("items")
    def _compute_explain_html(self):
        for log in self:
            log.explain_html = pushed_table(self.env, log.items)

    @api.depends("skus")
    def _compute_skus_short(self):
        for log in self:
            log.skus_short = short_list((log.skus or "").split(", "))

    @api.depends("channel_id", "sent_at", "create_date", "item_count")
    @api.depends_context("tz")
    def _compute_display_name(self):
        """E.g. "Market · 2026-11-23 11:02:05 · 3 items", in the user's time zone (the
        idempotency key is a field of its own)."""
        for log in self:
            when = log.sent_at or log.create_date
            local = when and fields.Datetime.context_timestamp(log, when)
            log.display_name = " \u00b7 ".join(
                [
                    log.channel_id.name or "",
                    local.strftime("%Y-%m-%d %H:%M:%S") if local else "",
                    self.env._("1 item")
                    if log.item_count == 1
                    else self.env._("%(count)s items", count=log.item_count),
                ]
            )

    def init(self):
        # sequences come from the database clock now (a restore set this one back)
        self.env.cr.execute(SQL("DROP SEQUENCE IF EXISTS %s", SQL.identifier(OLD_PUSH_SEQUENCE)))
        # the pushed items (a Republish all logs 1,000 rows of 500 items) compressed with
        # lz4, about half pglz's CPU; a server built without lz4 keeps pglz
        if self.env.cr.connection.server_version < 140000:  # column compression: 14+
            _logger.info("sync log: PostgreSQL before 14 compresses the pushed items in pglz")
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "ALTER TABLE stock_channel_sync_log ALTER COLUMN items SET COMPRESSION lz4"
                )
        except FeatureNotSupported:
            _logger.info("sync log: this PostgreSQL has no lz4, the pushed items stay in pglz")

    @api.model
    def _channel_stats(self, channels):
        """{channel_id: {field: value}} of `channels`: latency percentiles over the last
        hour and day (accepted: the channel's 2xx of live pushes it took, see SLA_PUSH;
        confirmed: the verdict of channels that confirm later), failure rate over the
        day (a push waiting for the channel's window is no attempt), replays' and
        corrections' p95 apart, pending and dead-letter counts, in two queries (the fields
        SYNC_STAT_FIELDS of stock.channel)."""
        empty = dict.fromkeys(SYNC_STAT_FIELDS, 0)
        stats = {channel.id: dict(empty) for channel in channels}
        if not channels.ids:
            return stats
        self.flush_model()
        self.env["stock.channel.outbox"].flush_model()
        self.env.cr.execute(
            STATS_QUERY,
            {
                "ids": channels.ids,
                "hour": fields.Datetime.now() - timedelta(hours=1),
                "day": fields.Datetime.now() - timedelta(days=1),
            },
        )
        for channel_id, *values in self.env.cr.fetchall():
            for name, value in zip(SYNC_STAT_FIELDS[:10], values, strict=True):
                stats[channel_id][name] = round(
                    value or 0, 1 if name == "failure_rate_24h" else None
                )
        self.env.cr.execute(OUTBOX_COUNTS, {"ids": channels.ids})
        for channel_id, pending, dead in self.env.cr.fetchall():
            stats[channel_id].update(pending_count=pending, dead_letter_count=dead)
        return stats

    @api.model
    def _awaiting(self, channel, remote_ids):
        """The pushes of `channel` still waiting for the verdict of one of `remote_ids`."""
        if not remote_ids:
            return self.browse()
        self.flush_model(["remote_ids", "state", "channel_id"])
        self.env.cr.execute(
            "SELECT id FROM stock_channel_sync_log WHERE channel_id = %s AND state = 'sent' "
            "AND EXISTS (SELECT 1 FROM jsonb_each_text(remote_ids) r WHERE r.value = ANY(%s))",
            [channel.id, list(remote_ids)],
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.autovacuum
    def _gc_old_logs(self):
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS)
        )
        self.env.cr.execute(
            "DELETE FROM stock_channel_sync_log WHERE create_date < now() at time zone 'utc' "
            "- make_interval(days => %s)",
            [days],
        )
