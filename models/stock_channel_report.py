"""Report views (read-only SQL views) of the channels' pushes: accepted latency per hour,
failed attempts and dead letters by reason. The measures are defined here once, in SQL;
the graph and pivot views group them."""

from odoo import fields, models, tools
from odoo.tools import SQL

from .stock_channel_sync_log import LOG_STATES, SLA_PUSH

FAILED_STATES = [(code, label) for code, label in LOG_STATES if code in ("retry", "dead")]


def reason_sql(column):
    """SQL: the reason of an error, to group by: its first line, trimmed, without the URL
    it names (nor the answer quoted after "from <url>:"), at most 200 characters."""
    return (
        "nullif(left(btrim(regexp_replace(regexp_replace("
        f"split_part(coalesce({column}, ''), E'\\n', 1), "
        "' from https?://.*$', ''), 'https?://\\S+', '<url>', 'g')), 200), '')"
    )


def create_view(model, query):
    """(Re)create the SQL view of the report `model` (at each install or update)."""
    tools.drop_view_if_exists(model.env.cr, model._table)
    model.env.cr.execute(
        SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(model._table), SQL(query))
    )


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

# the dead letters of the outbox, one per variant or order and channel
DEAD_LETTER_VIEW = f"""
SELECT o.id,
       o.channel_id,
       o.company_id,
       coalesce(o.dead_at, o.write_date) AS dead_at,
       o.product_id,
       o.sale_order_id,
       CASE WHEN o.sale_order_id IS NULL THEN 'stock' ELSE 'status' END AS kind,
       o.attempts,
       {reason_sql("o.last_error")} AS reason
  FROM stock_channel_outbox o
 WHERE o.state = 'dead'
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


class StockChannelDeadLetterReport(models.Model):
    _name = "stock.channel.dead.letter.report"
    _description = "Channel Dead Letters by Reason"
    _auto = False
    _order = "dead_at desc, id desc"
    _rec_name = "reason"
    _depends = {
        "stock.channel.outbox": [
            "channel_id",
            "company_id",
            "state",
            "dead_at",
            "product_id",
            "sale_order_id",
            "attempts",
            "last_error",
        ]
    }

    channel_id = fields.Many2one("stock.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    dead_at = fields.Datetime(readonly=True)
    product_id = fields.Many2one("product.product", string="Variant", readonly=True)
    sale_order_id = fields.Many2one("sale.order", string="Order", readonly=True)
    kind = fields.Selection(
        [("stock", "Stock Quantity"), ("status", "Order Status")], readonly=True
    )
    attempts = fields.Integer(readonly=True, aggregator="max")
    reason = fields.Char(readonly=True)

    def init(self):
        create_view(self, DEAD_LETTER_VIEW)
