"""Click & collect: what a channel's webshop may sell for pickup in one store."""

import dataclasses

from odoo import models

from ...core import allocation


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _store_publishable(self, warehouse, products):
        """{product_id: units} this channel publishes from `warehouse` (a store of the
        webshop's pickup), for click & collect: the channel's rules on the store's
        figures, the ring fences of the store's own channels (its register...) set aside
        (core.allocation.allocate, as _compute_publishable does per warehouse). Only what
        is on the shelf: receipts still to come do not count, nor do backorders."""
        self.ensure_one()
        warehouse = warehouse.sudo()
        siblings = self | self.search(
            [("warehouse_id", "=", warehouse.id), ("company_id", "=", warehouse.company_id.id)]
        )
        figures = warehouse._channel_stock_figures(products)
        resolve = self.env["stock.channel.policy.rule"]._resolver(siblings)
        publishable = {}
        for product in products:
            stock = dataclasses.replace(figures[product.id], incoming=())
            rules = {channel.id: resolve(channel, product) for channel in siblings}
            publishable[product.id] = allocation.allocate(stock, rules)[self.id].publishable
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
