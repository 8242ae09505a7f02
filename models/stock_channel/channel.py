"""The sales channel: its fields, the checks on them, what a change of them republishes."""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ...core.connectors import GENERIC_JSON, get_connector
from ...core.inbound import (
    DEFAULT_MAX_ORDER_KB,
    DEFAULT_MAX_ORDER_LINES,
    MAX_ORDER_KB,
    MAX_ORDER_LINES,
)
from ...core.progress import ACTIVE

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
CHANNEL_TYPES = [
    ("website", "Website"),
    ("pos", "Point of Sale"),
    ("marketplace", "Marketplace"),
    ("shop", "Shop"),
]


# changing these can move the publishable quantities of the warehouse's channels
REPUBLISH_FIELDS = {
    "active",
    "warehouse_id",
    "company_id",
    "allow_backorder",
    "connector",
    "endpoint_url",
    "api_key",
    "api_secret",
}


class StockChannel(models.Model):
    _name = "stock.channel"
    _description = "Sales Channel"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Short identifier used in URLs and payloads (letters, digits, '-', '_').",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    channel_type = fields.Selection(CHANNEL_TYPES, required=True, default="marketplace")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        required=True,
        check_company=True,
        default=lambda self: self.env["stock.warehouse"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    website_id = fields.Many2one("website", check_company=True, ondelete="set null")
    pos_config_id = fields.Many2one("pos.config", string="Point of Sale", check_company=True)
    allow_backorder = fields.Boolean(
        help="Publish the rule's backorder quantity when nothing is sellable."
    )
    backorder_lead_days = fields.Integer(
        string="Backorder Lead Time (days)",
        help="Days the units sold on backorder take to ship. The webshop says it on the "
        "product page: '2 in stock, 3 more ship in 5 days' (0: '3 more on backorder').",
    )
    # connector (external channels): where and how quantities are pushed
    connector = fields.Selection(
        selection="_connector_selection",
        help="Wire format used to push quantities. Empty: the channel lives inside Odoo "
        "(webshop, POS) and nothing is pushed.",
    )
    endpoint_url = fields.Char(
        string="Endpoint URL",
        help="The platform's API address: the shop's (https://<shop>.myshopify.com, "
        "https://shop.example.com for WooCommerce), the marketplace's (https://api.bol.com, "
        "https://<instance>.mirakl.net, the SP-API region's), or where a Generic JSON "
        "receiver takes the pushes. https:// (http:// only for a loopback host).",
    )
    api_key = fields.Char(
        string="API Key",
        groups="stock_channel_sync.group_channel_manager",
        help="The credential the platform gives: Shopify's Admin API access token, "
        "WooCommerce's consumer key (ck_…), bol.com's client id, Mirakl's shop API key, "
        "Amazon's LWA client id. Generic JSON needs none. Tested when saved; never logged.",
    )
    api_secret = fields.Char(
        string="API Secret",
        groups="stock_channel_sync.group_channel_manager",
        help="The secret beside the key: Shopify's app API secret key (signs its webhooks), "
        "WooCommerce's consumer secret (cs_…), bol.com's client secret, Amazon's LWA client "
        "secret; for Generic JSON the shared secret that signs every request (HMAC-SHA256). "
        "Tested when saved; never logged.",
    )
    batch_size = fields.Integer(default=100, help="Items per push, within the connector's limit.")
    connect_timeout = fields.Float(
        default=5.0,
        string="Connect Timeout (s)",
        help="Seconds to wait for the platform to accept the connection; longer: unreachable.",
    )
    read_timeout = fields.Float(
        default=30.0,
        string="Read Timeout (s)",
        help="Seconds to wait for the platform's answer once connected.",
    )
    retry_max_attempts = fields.Integer(
        default=8, help="After this many failed attempts a push becomes a failed update."
    )
    retry_base_seconds = fields.Float(
        default=1.0, string="Retry Base (s)", help="The first wait before a failed push is retried."
    )
    retry_cap_seconds = fields.Float(
        default=300.0,
        string="Retry Cap (s)",
        help="The longest wait between two retries (exponential backoff with jitter from "
        "the Retry Base up to it).",
    )
    max_order_body_kb = fields.Integer(
        string="Max Order Size (KB)",
        default=DEFAULT_MAX_ORDER_KB,
        help="Larger order messages are refused with HTTP 413, read no further than this.",
    )
    max_order_lines = fields.Integer(
        string="Max Lines per Order",
        default=DEFAULT_MAX_ORDER_LINES,
        help="An order with more lines is refused (HTTP 413) and kept: raise this, then "
        f"Retry the message. At most {MAX_ORDER_LINES}.",
    )
    shipping_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Service product of the shipping line of imported orders (default: Channel Shipping).",
    )
    binding_ids = fields.One2many("stock.channel.binding", "channel_id")
    outbox_ids = fields.One2many("stock.channel.outbox", "channel_id")
    quantity_ids = fields.One2many("stock.channel.quantity", "channel_id")
    sync_log_ids = fields.One2many("stock.channel.sync.log", "channel_id")
    # supervision: accepted latency percentiles (ms), failures, dead letters
    latency_p50_1h = fields.Integer(compute="_compute_sync_stats", string="p50 (1 h)")
    latency_p95_1h = fields.Integer(compute="_compute_sync_stats", string="p95 (1 h)")
    latency_p99_1h = fields.Integer(compute="_compute_sync_stats", string="p99 (1 h)")
    latency_p50_24h = fields.Integer(compute="_compute_sync_stats", string="p50 (24 h)")
    latency_p95_24h = fields.Integer(compute="_compute_sync_stats", string="p95 (24 h)")
    latency_p99_24h = fields.Integer(compute="_compute_sync_stats", string="p99 (24 h)")
    confirmed_p95_24h = fields.Integer(compute="_compute_sync_stats", string="Confirmed p95 (24 h)")
    failure_rate_24h = fields.Float(
        compute="_compute_sync_stats", string="Failure Rate (24 h, %)", digits=(5, 1)
    )
    # replays and corrections: measured apart (the figures above are live pushes')
    replay_p95_24h = fields.Integer(compute="_compute_sync_stats", string="Replays p95 (24 h)")
    correction_p95_24h = fields.Integer(
        compute="_compute_sync_stats", string="Corrections p95 (24 h)"
    )
    pending_count = fields.Integer(compute="_compute_sync_stats", string="Pending Pushes")
    dead_letter_count = fields.Integer(compute="_compute_sync_stats", string="Failed Updates")
    quantity_count = fields.Integer(compute="_compute_quantity_count")
    fence_shortfall_count = fields.Integer(
        compute="_compute_fence_warning",
        help="Variants whose ring-fenced quotas (all channels) exceed their sellable quantity.",
    )
    fence_warning = fields.Char(compute="_compute_fence_warning")
    job_ids = fields.One2many("stock.channel.job", "channel_id", string="Jobs")
    running_job_summary = fields.Text(
        compute="_compute_running_job_summary",
        help="The long work queued or running on the channel, with its progress.",
    )

    _positive_settings = models.Constraint(
        "CHECK (batch_size > 0 AND retry_max_attempts > 0 AND connect_timeout > 0 "
        "AND read_timeout > 0)",
        "Batch size, attempts and timeouts must be positive.",
    )
    _order_size = models.Constraint(
        f"CHECK (max_order_body_kb BETWEEN 1 AND {MAX_ORDER_KB})",
        f"The maximum order size is between 1 and {MAX_ORDER_KB} KB.",
    )
    _order_lines = models.Constraint(
        f"CHECK (max_order_lines BETWEEN 1 AND {MAX_ORDER_LINES})",
        f"The maximum number of lines per order is between 1 and {MAX_ORDER_LINES}.",
    )
    _code_uniq = models.UniqueIndex(
        "(company_id, code)", "A channel code must be unique per company."
    )

    @api.constrains("code")
    def _check_code(self):
        for channel in self:
            if not CODE_PATTERN.fullmatch(channel.code or ""):
                raise ValidationError(
                    self.env._(
                        "The channel code %(code)r may only contain letters, digits, '-' and '_': "
                        "it is used in URLs and payloads.",
                        code=channel.code,
                    )
                )

    @api.model
    def _serving(self, field, record):
        """The channel whose `field` (website_id, pos_config_id) is `record`, in its company."""
        record.ensure_one()
        domain = [(field, "=", record.id), ("company_id", "=", record.company_id.id)]
        return self.sudo().search(domain, limit=1)

    def _webhook_connector(self):
        """The connector class that reads the channel's webhooks (generic JSON for a
        channel that pushes nothing but sends orders)."""
        self.ensure_one()
        return get_connector(self.sudo().connector or GENERIC_JSON)

    @api.depends("quantity_ids")
    def _compute_quantity_count(self):
        counts = dict(
            self.env["stock.channel.quantity"]._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        for channel in self:
            channel.quantity_count = counts.get(channel, 0)

    def _compute_fence_warning(self):
        counts = dict(
            self.env["stock.channel.quantity"]._read_group(
                [("channel_id", "in", self.ids), ("fence_shortfall", "=", True)],
                ["channel_id"],
                ["__count"],
            )
        )
        for channel in self:
            count = counts.get(channel, 0)
            channel.fence_shortfall_count = count
            channel.fence_warning = count and self.env._(
                "On %(count)s variant(s), the ring-fenced quotas of the channels of this "
                "warehouse exceed the sellable quantity: they are scaled down proportionally.",
                count=count,
            )

    def _compute_running_job_summary(self):
        jobs = self.env["stock.channel.job"].search(
            [("channel_id", "in", self.ids), ("state", "in", ACTIVE)], order="id"
        )
        for channel in self:
            mine = jobs.filtered(lambda job, ch=channel: job.channel_id == ch)
            channel.running_job_summary = "\n".join(mine.mapped("summary")) or False

    def _compute_sync_stats(self):
        stats = self.env["stock.channel.sync.log"]._channel_stats(self)
        for channel in self:
            for name, value in stats.get(channel.id, {}).items():
                channel[name] = value

    @api.depends("name", "code")
    def _compute_display_name(self):
        for channel in self:
            channel.display_name = (
                f"{channel.name} ({channel.code})" if channel.code else channel.name
            )

    @api.constrains("connector", "endpoint_url")
    def _check_connector(self):
        for channel in self:
            if channel.connector and not (channel.endpoint_url or "").startswith(
                ("http://", "https://")
            ):
                raise ValidationError(
                    self.env._(
                        "Channel %(name)s: the endpoint URL must start with http:// or https://.",
                        name=channel.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        self.env["stock.channel.outbox"]._enqueue(warehouses=channels.warehouse_id)
        return channels

    def write(self, vals):
        warehouses = self.warehouse_id
        res = super().write(vals)
        if set(vals) & REPUBLISH_FIELDS:
            self.env["stock.channel.outbox"]._enqueue(warehouses=warehouses | self.warehouse_id)
        return res
