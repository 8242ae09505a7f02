"""A source of a channel: a warehouse (or a store) feeding it, in order, with its
handling time, cut-off, zones, cost rank, safety stock and fallback threshold."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import promise
from ..core.connectors.types import store_code_refusal


class StockChannelSource(models.Model):
    _name = "stock.channel.source"
    _description = "Channel Stock Source"
    _order = "channel_id, sequence, id"
    _check_company_auto = True

    channel_id = fields.Many2one(
        "stock.channel", required=True, ondelete="cascade", index=True, check_company=True
    )
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, ondelete="cascade", check_company=True, index=True
    )
    handling_days = fields.Integer(help="Days to prepare a parcel at this source.")
    cutoff_hour = fields.Float(
        string="Cut-off",
        help="Daily cut-off (local time of the warehouse's address, else the company's): "
        "after it, handling counts one day more. 0 = none.",
    )
    zone_ids = fields.Many2many(
        "stock.channel.zone",
        string="Ships To",
        check_company=True,
        help="The zones this source ships to (empty: everywhere).",
    )
    cost_rank = fields.Integer(help="Lower ships cheaper (order sourcing prefers it).")
    safety_stock = fields.Integer(help="Units held back at this source for this channel.")
    fallback = fields.Boolean(
        help="A store taking over when the sources before it run out: it counts only while "
        "they publish fewer units than the threshold.",
    )
    fallback_threshold = fields.Integer(
        help="The fallback counts while the sources before it publish fewer units than this."
    )

    daily_capacity = fields.Integer(
        help="Orders (or lines) this source takes a day from order sourcing. 0 = no limit."
    )
    capacity_unit = fields.Selection(
        [("orders", "Orders"), ("lines", "Lines")], default="orders", required=True
    )
    offer_orders = fields.Boolean(
        string="Store: offered orders",
        help="When the channel offers its orders to stores, this store is offered those it "
        "can ship, and may accept them.",
    )

    store_code = fields.Char(
        help="The code the channel knows this store by (Google Merchant Center: the store "
        "code of its Business Profile): the channel is sent the store's own stock. Empty: "
        "not a store of the channel. Once per channel; at most 64 characters, without ; = "
        "+ (nor the word now).",
    )
    store_pickup = fields.Boolean(
        string="Store: click & collect",
        help="The store's stock is said to be collectable (the channel's pickup method and "
        "time), for the products not listed as No Pickup on this channel.",
    )

    _channel_warehouse_uniq = models.UniqueIndex(
        "(channel_id, warehouse_id)", "A warehouse is a source of a channel once."
    )
    _channel_store_code_uniq = models.UniqueIndex(
        "(channel_id, store_code) WHERE store_code IS NOT NULL",
        "A store code names one store of a channel: two sources of the channel have it.",
    )

    @api.constrains("store_code")
    def _check_store_code(self):
        for source in self:
            refusal = store_code_refusal(source.store_code)
            if refusal:
                raise ValidationError(
                    self.env._(
                        "The store code %(code)s of %(store)s %(refusal)s.",
                        code=source.store_code,
                        store=source.warehouse_id.display_name,
                        refusal=refusal,
                    )
                )

    @api.constrains(
        "handling_days",
        "cutoff_hour",
        "safety_stock",
        "fallback_threshold",
        "cost_rank",
        "daily_capacity",
    )
    def _check_values(self):
        for source in self:
            numbers = (source.handling_days, source.safety_stock, source.fallback_threshold)
            if min(numbers) < 0 or min(source.cost_rank, source.daily_capacity) < 0:
                raise ValidationError(self.env._("A source's days and units are not negative."))
            if not 0 <= source.cutoff_hour < 24:
                raise ValidationError(self.env._("The cut-off is an hour of the day (0 to 24)."))

    def _tz(self):
        self.ensure_one()
        name = self.warehouse_id.partner_id.tz or self.warehouse_id.company_id.partner_id.tz
        try:
            return ZoneInfo(name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return UTC

    def _local_hour(self, now=None):
        """The hour of the day (0-24, a float) at the source now (`now`: aware or UTC)."""
        now = now or datetime.now(UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        local = now.astimezone(self._tz())
        return local.hour + local.minute / 60

    def _to_core(self, transit):
        """The core.promise.Source of this line (`transit`: {zone_id: days} of its
        warehouse)."""
        self.ensure_one()
        return promise.Source(
            key=self.warehouse_id.id,
            name=self.warehouse_id.name,
            handling_days=self.handling_days,
            cutoff_hour=self.cutoff_hour,
            zones=frozenset(self.zone_ids.ids),
            transit=transit,
            cost_rank=self.cost_rank,
            safety_stock=self.safety_stock,
            fallback=self.fallback,
            fallback_threshold=self.fallback_threshold,
        )

    # ------------------------------------------------------------------
    # A change of the sources republishes their channels (same transaction)
    # ------------------------------------------------------------------
    @api.model
    def _clean_store_code(self, vals):
        """The store code stripped (empty: none)."""
        if "store_code" in vals:
            vals = dict(vals, store_code=(vals["store_code"] or "").strip() or False)
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._clean_store_code(vals) for vals in vals_list]
        sources = super().create(vals_list)
        self.env.registry.clear_cache()  # stock.channel._drawing_ids
        sources._republish()
        return sources

    def write(self, vals):
        channels = self.channel_id
        res = super().write(self._clean_store_code(vals))
        if {"channel_id", "warehouse_id"} & set(vals):
            self.env.registry.clear_cache()  # stock.channel._drawing_ids
        (channels | self.channel_id)._promise_changed()
        return res

    def unlink(self):
        channels = self.channel_id
        res = super().unlink()
        self.env.registry.clear_cache()  # stock.channel._drawing_ids
        channels.exists()._promise_changed()
        return res

    def _republish(self):
        self.channel_id._promise_changed()

    @api.model
    def _republish_zones(self, zones):
        """The channels whose market or sources' zones are `zones`, republished."""
        channels = self.sudo().search([("zone_ids", "in", zones.ids)]).channel_id
        channels |= self.env["stock.channel"].sudo().search([("market_zone_id", "in", zones.ids)])
        channels._promise_changed()
