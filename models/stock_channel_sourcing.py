"""Where an order was sourced: one row per (order, warehouse) it ships from, counted
against the source's daily capacity while active (released by a reallocation)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo import api, fields, models

from ..core import promise


def warehouse_tz(warehouse):
    """The time zone of `warehouse` (its address, else its company's), UTC by default."""
    name = warehouse.partner_id.tz or warehouse.company_id.partner_id.tz
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class StockChannelSourcing(models.Model):
    _name = "stock.channel.sourcing"
    _description = "Order Sourcing"
    _order = "id desc"
    _check_company_auto = True

    order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True, readonly=True
    )
    channel_id = fields.Many2one("stock.channel", ondelete="set null", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, ondelete="cascade", readonly=True
    )
    day = fields.Date(
        required=True, readonly=True, help="The source's local day the order counts on."
    )
    line_count = fields.Integer(readonly=True)
    state = fields.Selection(
        [("active", "Active"), ("released", "Released")],
        default="active",
        required=True,
        readonly=True,
    )
    reason = fields.Char(readonly=True)

    _load_idx = models.Index("(warehouse_id, day) WHERE state = 'active'")

    @api.model
    def _local_day(self, warehouse, now=None, cutoff_hour=0.0):
        """The day at `warehouse` now (its local time) on which an order taken now is
        prepared: the next day once its cut-off hour (0: none) has passed."""
        now = now or datetime.now(UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        local = now.astimezone(warehouse_tz(warehouse))
        late = promise.past_cutoff(cutoff_hour, local.hour + local.minute / 60)
        return local.date() + timedelta(days=1 if late else 0)

    @api.model
    def _source_day(self, channel, warehouse):
        """_local_day of `warehouse` as a source of `channel` (its cut-off)."""
        source = channel.sudo().source_ids.filtered(lambda s: s.warehouse_id == warehouse)[:1]
        return self._local_day(warehouse, cutoff_hour=source.cutoff_hour)

    @api.model
    def _load(self, warehouse_ids, days):
        """{(warehouse_id, day): (orders, lines)} of the active rows of `warehouse_ids`
        on `days`, in one grouped query."""
        groups = self.sudo()._read_group(
            [
                ("warehouse_id", "in", list(warehouse_ids)),
                ("day", "in", list(days)),
                ("state", "=", "active"),
            ],
            ["warehouse_id", "day:day"],
            ["__count", "line_count:sum"],
        )
        return {(warehouse.id, day): (count, lines or 0) for warehouse, day, count, lines in groups}

    def _release(self, reason):
        self.sudo().write({"state": "released", "reason": reason})
