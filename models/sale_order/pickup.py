"""Click & collect (website_sale_collect): a store is offered for the cart only when the
webshop channel's quantity in that store covers every line, and the order then takes its
stock in that store."""

from odoo import models

from ...core import pickup


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _pickup_channel(self):
        """The webshop's channel that decides pickups of this cart, or an empty recordset
        (a channel's own order, a website without a channel: Odoo's rules)."""
        if not self or self.channel_id or not self.website_id:  # no cart: Odoo's rules
            return self.env["stock.channel"]
        return self.website_id._stock_channel()

    def _pickup_store(self):
        """The store of a pickup order (its warehouse, set from the pickup location
        chosen), or an empty recordset."""
        self.ensure_one()
        if self.carrier_id.delivery_type == "in_store" and self.pickup_location_data:
            return self.warehouse_id
        return self.env["stock.warehouse"]

    def _get_insufficient_stock_data(self, wh_id):
        """The lines store `wh_id` cannot serve, judged on what the webshop's channel may
        sell there (not the store's free quantity), a product not for pickup on the
        channel short everywhere, a kit short where one of its components is (or where
        it is not for pickup); _is_in_stock, and so the stores offered, follow."""
        channel = self._pickup_channel()
        if not channel:
            return super()._get_insufficient_stock_data(wh_id)
        store = self.env["stock.warehouse"].browse(wh_id)
        needed = self._channel_needed_quantities()  # a kit's components, not the kit
        lines = self.order_line.filtered(lambda line: line.product_id and not line.display_type)
        products = self.env["product.product"].union(*needed)
        blocked = channel.sudo()._pickup_blocked(products | lines.product_id)
        available = channel.sudo()._store_publishable(store, products)
        needs = {product.id: qty for product, qty in needed.items()}
        short = pickup.shortfalls(needs, available, blocked=set(blocked.ids))
        plans = channel.sudo()._kit_components(lines.product_id, self.company_id)
        short.update(pickup.kit_shortfalls(plans, short, available, set(blocked.ids)))
        return {
            line: line._pickup_short(short[line.product_id.id], line.product_id in blocked)
            for line in lines
            if line.product_id.id in short
        }

    def _get_free_qty(self, product):
        """A pickup order: what the webshop's channel may sell in its store. Another cart
        of a shop with click & collect: also what the best store holds for the channel (as
        website_sale_collect counts its stores), the checkout judging the method chosen."""
        if not self:
            return super()._get_free_qty(product)
        channel = self._shop_channel_for(product)
        store = self._pickup_store()
        if channel and store:
            return channel.sudo()._pickup_available(store, product)[product.id]
        free = super()._get_free_qty(product)
        if channel and self.website_id.sudo().in_store_dm_id:
            free = max(free, self.website_id._get_max_in_store_product_available_qty(product))
        return free

    def _channel_available(self, channel, products):
        """A pickup order takes its stock in its store: the store's quantity for the
        webshop's channel, under the same variant locks."""
        store = self._pickup_store()
        if self.channel_id or not store:
            return super()._channel_available(channel, products)
        return channel.sudo()._pickup_available(store, products)
