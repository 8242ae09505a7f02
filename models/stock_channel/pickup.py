"""Click & collect: what a channel's webshop may sell for pickup in one store."""

import dataclasses

from odoo import api, fields, models

from ...core import allocation, promise


class StockChannel(models.Model):
    _inherit = "stock.channel"

    sends_stores = fields.Boolean(
        compute="_compute_sends_stores",
        help="The connector is told each store's figures (a source's store code): the "
        "sources show their store code and click & collect.",
    )

    @api.depends("connector")
    def _compute_sends_stores(self):
        for channel in self:
            channel.sends_stores = channel._sends_detail()

    def _store_publishable(self, warehouse, products):
        """{product_id: units} this channel publishes from `warehouse` (a store of the
        webshop's pickup), for click & collect: the channel's rules for that source on the
        store's figures, the ring fences of the channels drawing from the store (its
        register...) set aside (core.allocation.allocate, as _compute_publishable does per
        warehouse), less the safety stock of the store as a source of this channel, 0 for
        the variants an exclusion hides here. Only what is on the shelf: receipts still
        to come do not count, nor do backorders; a kit is not picked up in store."""
        self.ensure_one()
        warehouse = warehouse.sudo()
        siblings = self | self._sharing([warehouse.id])
        figures = warehouse._channel_stock_figures(products)
        resolve = self.env["stock.channel.policy.rule"]._resolver(siblings)
        held_back = sum(
            self.source_ids.filtered(lambda s: s.warehouse_id == warehouse).mapped("safety_stock")
        )
        excluded = set(self._excluded_ids(products))
        publishable = {}
        for product in products:
            stock = dataclasses.replace(figures[product.id], incoming=())
            rules = {ch.id: resolve(ch, product, warehouse) for ch in siblings}
            qty = allocation.allocate(stock, rules)[self.id].publishable
            publishable[product.id] = 0 if product.id in excluded else max(0, qty - held_back)
        return publishable

    def _pickup_blocked(self, products):
        """The variants of `products` that may not be picked up in store on this channel
        (their product's *No Pickup on Channels*)."""
        self.ensure_one()
        return products.sudo().filtered(lambda p: self in p.product_tmpl_id.channel_no_pickup_ids)

    def _pickup_available(self, warehouse, products):
        """{product_id: units} a pickup in `warehouse` may take: the store's publishable
        quantity, 0 for the variants not for pickup on this channel."""
        blocked = self._pickup_blocked(products)
        available = self._store_publishable(warehouse, products)
        return {pid: 0 if pid in blocked.ids else qty for pid, qty in available.items()}

    def _sends_detail(self):
        """Whether this channel's connector is told the units on hand and its stores'
        figures with each quantity (core.connectors.base.Connector.sends_detail)."""
        self.ensure_one()
        return bool(self.connector) and self._webhook_connector().sends_detail

    def _store_figures(self, products):
        """{product_id: (core.connectors.types.StoreStock, ...)} of `products` at this
        channel's stores (its sources with a store code, in order): each store's shelf for
        this channel (_store_publishable: one read of the store's figures for every
        variant), collectable where the source offers click & collect and the variant is
        not blocked from pickup. Empty tuples without stores."""
        self.ensure_one()
        lines = self.source_ids.sudo().filtered("store_code")
        if not lines:
            return dict.fromkeys(products.ids, ())
        units = {line.warehouse_id.id: self._store_publishable(line.warehouse_id, products)
                 for line in lines}  # fmt: skip
        stores = [(line.warehouse_id.id, line.store_code.strip(), line.store_pickup)
                  for line in lines]  # fmt: skip
        blocked = set(self._pickup_blocked(products).ids)
        return {
            product.id: promise.store_figures(
                stores, {key: units[key][product.id] for key in units}, product.id in blocked
            )
            for product in products
        }
