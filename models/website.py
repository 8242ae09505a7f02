from odoo import models


class Website(models.Model):
    _inherit = "website"

    def _get_product_available_qty(self, product, **kwargs):
        """The shop shows what the channels leave it (never quarantine stock, never the
        units other channels ring-fence), plus the backorders its channel allows."""
        free = super()._get_product_available_qty(product, **kwargs)
        channel = self._channel_governing(product)
        if channel and not self.env.context.get("stock_channel_warehouse_free"):
            free = channel.sudo()._shop_limits(product, {product.id: free})[product.id]
        return free

    def _get_max_in_store_product_available_qty(self, product):
        """Click & collect: the most one pickup may take, the best store's quantity for
        the shop's channel (see stock.channel._pickup_available)."""
        channel = self._channel_governing(product)
        if not channel or not product.is_product_variant:
            return super()._get_max_in_store_product_available_qty(product)
        stores = self.sudo().in_store_dm_id.warehouse_ids
        channel = channel.sudo()
        return max(
            (channel._pickup_available(store, product)[product.id] for store in stores),
            default=0,
        )

    def _channel_shop_words(self, product):
        """What the shop says of `product` in its channel's words ("2 in stock, 3 more
        ship in 5 days"), or False when no channel decides for it."""
        channel = self._channel_governing(product)
        if not channel:
            return False
        free = self.with_context(stock_channel_warehouse_free=True)._get_product_available_qty(
            product
        )
        return channel.sudo()._shop_availability(product, free=free)[2]

    def _stock_channel(self):
        return self.env["stock.channel"]._serving("website_id", self)

    def _channel_governing(self, product):
        """The channel that decides how much of `product` this shop may sell (its
        orderable quantity and backorder rule, whatever the product's *Sell when
        Out-of-Stock*), or an empty recordset: Odoo's own rule."""
        if not self or not product.is_storable:
            return self.env["stock.channel"]
        return self._stock_channel()
