"""The webshop's cart checked against the channels: what may be sold, capped quantities."""

from odoo import models
from odoo.exceptions import ValidationError
from odoo.tools import float_round


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------
    # Webshop cart
    # ------------------------------------------------------------------
    def _check_cart_is_ready_to_be_paid(self):
        """Webshop: before payment, check the cart against the channels under the lock,
        so that the shop cannot sell what a marketplace has just taken, nor beyond the
        backorders its channel allows."""
        res = super()._check_cart_is_ready_to_be_paid()
        channel = self._channel_for_check()
        if channel:
            shortfalls = self._channel_shortfalls(channel)
            if shortfalls:
                raise ValidationError(
                    self.env._(
                        "Some products are no longer available: %(details)s",
                        details=", ".join(p.display_name for p in shortfalls),
                    )
                )
        return res

    def _get_free_qty(self, product):
        """Webshop: what a customer may put in the cart is what the channel lets the shop
        sell (the channels' stock, then its backorder rule)."""
        free = super()._get_free_qty(product)
        channel = self._shop_channel_for(product) if self else self.env["stock.channel"]
        if channel:
            free = channel.sudo()._shop_limits(product, {product.id: free})[product.id]
        return free

    def _shop_channel_for(self, product):
        """The webshop channel deciding `product` in this cart (see
        website._channel_governing); empty for a channel's own order."""
        self.ensure_one()
        if self.channel_id or not self.website_id:
            return self.env["stock.channel"]
        return self.website_id._channel_governing(product)

    def _verify_updated_quantity(self, order_line, product_id, new_qty, uom_id, **kwargs):
        """The cart stops at what the channel lets the shop sell, also for a product that
        Odoo would sell out of stock (website_sale_stock leaves those uncapped)."""
        product = self.env["product.product"].browse(product_id)
        warning = ""
        if product.allow_out_of_stock_order and self._shop_channel_for(product):
            new_qty, warning = self._shop_capped_qty(order_line, product, new_qty, uom_id)
        qty, other = super()._verify_updated_quantity(
            order_line, product_id, new_qty, uom_id, **kwargs
        )
        return qty, warning or other

    def _shop_capped_qty(self, order_line, product, new_qty, uom_id):
        """(quantity, warning): `new_qty` of the line, within what the shop may sell."""
        uom = self.env["uom.uom"].browse(uom_id) if uom_id else product.uom_id
        in_cart, available = self._get_cart_and_free_qty(product)
        in_cart = product.uom_id._compute_quantity(in_cart, uom)
        available = float_round(
            product.uom_id._compute_quantity(available, uom, round=False),
            precision_digits=0,
            rounding_method="DOWN",
        )
        old_qty = order_line.product_uom_qty if order_line else 0
        allowed = max(available - (in_cart - old_qty), 0)
        if new_qty <= allowed:
            return new_qty, ""
        return allowed, self.env._(
            "You ask for %(desired)s %(product)s but only %(available)s is available",
            desired=f"{in_cart - old_qty + new_qty:g}",
            product=product.name,
            available=f"{max(available, 0):g}",
        )
