from odoo import api, fields, models
from odoo.tools import SQL

LOG_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("done", "Done"),
    ("retry", "To Retry"),
    ("dead", "Dead Letter"),
]
DEFAULT_RETENTION_DAYS = 30
RETENTION_PARAM = "stock_channel_sync.log_retention_days"
OLD_PUSH_SEQUENCE = "stock_channel_push_seq"


class StockChannelSyncLog(models.Model):
    _name = "stock.channel.sync.log"
    _description = "Channel Push Attempt"
    _order = "id desc"
    _rec_name = "idempotency_key"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    item_count = fields.Integer(string="Items")
    skus = fields.Text(string="SKUs")
    items = fields.Json(string="Pushed Items", help="[{sku, quantity, sequence}] as pushed.")
    idempotency_key = fields.Char(index=True)
    attempt = fields.Integer(help="Attempt number of the oldest item of the batch (1 = first).")
    http_status = fields.Integer(string="HTTP Status")
    state = fields.Selection(LOG_STATES, required=True, default="pending", index=True)
    event_at = fields.Datetime(help="When the oldest stock change of the batch happened.")
    sent_at = fields.Datetime()
    acked_at = fields.Datetime(string="Accepted At", help="The channel's 2xx answer.")
    confirmed_at = fields.Datetime(
        help="Channels that process asynchronously: when their processing status said done."
    )
    latency_ms = fields.Integer(string="Accepted Latency (ms)", aggregator="avg")
    confirmed_latency_ms = fields.Integer(string="Confirmed Latency (ms)", aggregator="avg")
    error = fields.Text()
    request_body = fields.Text()
    response_body = fields.Text()

    _done_latency_idx = models.Index("(channel_id, acked_at) WHERE state = 'done'")

    def init(self):
        # sequences come from the database clock now (a restore set this one back)
        self.env.cr.execute(SQL("DROP SEQUENCE IF EXISTS %s", SQL.identifier(OLD_PUSH_SEQUENCE)))

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
