"""A channel's sources and promise: which warehouses feed it, and how their per-source
allocations become the channel's one Result (core.promise)."""

from functools import partial

from odoo import api, fields, models

from ...core import batch, promise
from ...core.connectors import quantity_ceiling

# changing these can move which sources keep the channel's promise
PROMISE_FIELDS = {"promise_days", "market_zone_id", "source_ids"}


class StockChannel(models.Model):
    _inherit = "stock.channel"

    source_ids = fields.One2many("stock.channel.source", "channel_id")
    promise_days = fields.Integer(
        string="Promise (days)",
        help="Delivered within this many days in the market zone: a source counts only "
        "when its handling (+1 after its cut-off) and transit to the zone fit. 0 = no promise.",
    )
    market_zone_id = fields.Many2one(
        "stock.channel.zone",
        check_company=True,
        help="Where the channel's customers are: the transit times to it count.",
    )

    def write(self, vals):
        res = super().write(vals)
        if set(vals) & PROMISE_FIELDS:
            self._promise_changed()
        return res

    def _after_refresh(self, changed):
        """The periodic refresh (hourly) stored `changed` (stock.channel.quantity): their
        variants queued on this channel when it has a connector, in the same savepoint and
        commit, so that what no event announced is pushed too (a source passing its
        cut-off, a kit's bill of materials edited)."""
        if self.connector and changed:
            self.env["stock.channel.outbox"]._enqueue(products=changed.product_id, channels=self)

    def _promise_changed(self):
        """Sources, promise or zones changed: every variant of these channels republished
        (their pushes queued in this transaction)."""
        if self:
            self.env["stock.channel.outbox"]._enqueue(channels=self)

    @api.model
    def _sharing(self, warehouse_ids):
        """The active channels drawing from `warehouse_ids`, as their warehouse (without
        sources) or as a source."""
        warehouses = self.env["stock.warehouse"].browse(warehouse_ids)
        return self.search(
            [
                ("company_id", "in", warehouses.company_id.ids),
                "|",
                "&",
                ("warehouse_id", "in", warehouses.ids),
                ("source_ids", "=", False),
                ("source_ids.warehouse_id", "in", warehouses.ids),
            ]
        )

    @api.model
    def _drawing_from(self, warehouse_ids, connected=None):
        """[(channel, warehouse ids among `warehouse_ids` it draws from)]: the channels
        (with a connector when `connected`, without when False) whose warehouse or one of
        whose sources is in `warehouse_ids` (a stock change there republishes them); kept
        in Odoo's cache (lookups.py)."""
        rows = self._drawing_ids(tuple(sorted(set(warehouse_ids))))
        return [
            (self.sudo().browse(channel_id), list(ids))
            for channel_id, has_connector, ids in rows
            if connected is None or has_connector == connected
        ]

    def _drawn_warehouse_ids(self):
        """The ids of the warehouses this channel draws from: its own, its sources'."""
        self.ensure_one()
        return {self.warehouse_id.id, *self.source_ids.warehouse_id.ids}

    def _own_resolver(self, channels):
        """resolve(channel, product) -> core.allocation.Rule of `channels` at this
        channel's own warehouse: the rules scoped to it (as a source, or its region) apply
        to what the webshop, the POS and the orders of this channel may take."""
        self.ensure_one()
        resolve = self.env["stock.channel.policy.rule"]._resolver(channels)
        return partial(_at_warehouse, resolve, self.warehouse_id)

    def _publishing_plan(self, now=None):
        """(plan, combiners): plan {warehouse: (channels of self drawing from it, every
        channel sharing it), as tuples of records}; combiners {channel_id: how its Result
        comes from its warehouses' allocations, core.batch.Own (its warehouse's, as
        before sources existed) or core.batch.Combined (its sources', core.promise)}."""
        feeds, combiners = {}, {}
        for channel in self:
            if not channel.source_ids:
                feeds.setdefault(channel.warehouse_id, set()).add(channel.id)
                combiners[channel.id] = batch.Own(channel.warehouse_id.id)
                continue
            sources, qualified = channel._qualified_sources(now)
            for line in channel.source_ids:
                if qualified[line.warehouse_id.id][0]:
                    feeds.setdefault(line.warehouse_id, set()).add(channel.id)
            ceiling = quantity_ceiling(channel.connector)
            combiners[channel.id] = batch.Combined(sources, qualified, ceiling)
        sharing = self._sharing([warehouse.id for warehouse in feeds])
        plan = {}
        for warehouse, ids in feeds.items():
            channels = self.browse(sorted(ids))
            others = sharing.filtered(
                lambda ch, wh=warehouse: (
                    ch.warehouse_id == wh if not ch.source_ids else wh in ch.source_ids.warehouse_id
                )
            )
            plan[warehouse] = (tuple(channels), tuple(channels | others))  # iterated per variant
        return plan, combiners

    def _qualified_sources(self, now=None):
        """([core.promise.Source] in order, {warehouse_id: (ok, days, reason)}) of this
        channel's sources at `now` (their cut-offs in their local time)."""
        self.ensure_one()
        lines = self.source_ids.sudo()
        transit = self.env["stock.channel.transit"]._days_of(lines.warehouse_id)
        zone = self.market_zone_id
        market = promise.Market(self.promise_days, zone.id or None, zone.name or "")
        sources, qualified = [], {}
        for line in lines:
            source = line._to_core(transit[line.warehouse_id.id])
            sources.append(source)
            qualified[source.key] = promise.qualifies(source, market, line._local_hour(now))
        return sources, qualified


def _at_warehouse(resolve, warehouse, channel, product):
    return resolve(channel, product, warehouse)
