import logging
from datetime import timedelta

from odoo import api, fields, models

from ..core.inbound import REFUSED_HEAD_BYTES, clean_text
from .retention import purge

_logger = logging.getLogger(__name__)

PER_HOUR_PARAM = "stock_channel_sync.refused_per_hour"
DEFAULT_PER_HOUR = 100  # refused messages kept per channel (or for unknown codes) per hour
RETENTION_PARAM = "stock_channel_sync.refused_retention_days"
DEFAULT_RETENTION_DAYS = 14


class StockChannelRefused(models.Model):
    """A message refused before its sender was trusted (wrong or missing signature,
    unknown channel, too large): a small record for the people who investigate, never
    the message itself, never importable.

    Filed under the company of the channel it addressed when its code names one channel
    only; under no company (settings administrators only) when the code is unknown or
    shared by channels of several companies and no signature said which one.
    """

    _name = "stock.channel.refused"
    _description = "Refused Channel Message"
    _order = "id desc"
    _rec_name = "route"

    received_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    channel_id = fields.Many2one("stock.channel", ondelete="cascade", index="btree_not_null")
    company_id = fields.Many2one("res.company", index=True)
    channel_code = fields.Char(help="The channel code of the URL.")
    route = fields.Char(help="The path the message was posted to.")
    remote_addr = fields.Char(string="Remote Address")
    size = fields.Integer(string="Size (bytes)", help="As announced, or as read when larger.")
    http_status = fields.Integer(string="HTTP Status")
    reason = fields.Char()
    body_head = fields.Text(string="Start of the Body", help="At most the first 1 KB.")
    repeated = fields.Integer(
        help="More messages refused for the same channel in the same hour, beyond the "
        "number kept: counted here, not kept."
    )

    _recent_idx = models.Index("(channel_code, received_at)")

    @api.model
    def _record(self, refusal, route, remote_addr):
        """Keep a refused message (a core.inbound.Refusal, received at `route` from
        `remote_addr`), or count it on the hour's last record when the hour already holds
        as many as the bound."""
        self = self.sudo()  # the sender is nobody yet
        channel = refusal.channel
        bound = int(self.env["ir.config_parameter"].get_param(PER_HOUR_PARAM, DEFAULT_PER_HOUR))
        domain = [("received_at", ">=", fields.Datetime.now() - timedelta(hours=1))]
        domain += [("channel_id", "=", channel.id)] if channel else [("channel_id", "=", False)]
        if self.search_count(domain, limit=bound) >= bound:
            last = self.search(domain, limit=1)
            self.env.cr.execute(
                "UPDATE stock_channel_refused SET repeated = COALESCE(repeated, 0) + 1 "
                "WHERE id = %s",
                [last.id],
            )
            return last
        return self.create(
            {
                "channel_id": channel.id if channel else False,
                "company_id": channel.company_id.id if channel else False,
                "channel_code": clean_text(refusal.code),
                "route": clean_text(route),
                "remote_addr": remote_addr,
                "size": refusal.size,
                "http_status": refusal.status,
                "reason": refusal.reason,
                "body_head": refusal.body[:REFUSED_HEAD_BYTES]
                .decode("utf-8", "replace")
                .replace("\x00", "\ufffd"),
            }
        )

    @api.autovacuum
    def _gc_refused(self):
        """Refused messages older than the retention go, in batches."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS)
        )
        self.flush_model()
        deleted = purge(self.env.cr, self._table, "received_at", days)
        self.invalidate_model()
        return deleted
