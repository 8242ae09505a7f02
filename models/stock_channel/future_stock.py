"""Future stock in the webshop: the units a channel's rule counts from receipts, and the
day they are all in, sold and said by the shop ("2 in stock, 3 more ship from 12 Dec")."""

from odoo import models


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _shop_future(self, products):
        """{product_id: (units, day)} of `products` in this channel's webshop: the units
        the receipts its rule counts add to what it publishes, and the day they are all
        in (core.allocation Result.future / available_at); (0, None) for the products
        whose rule counts no receipt (nothing is computed for those)."""
        self.ensure_one()
        resolve = self._own_resolver(self)
        counting = products.filtered(lambda p: resolve(self, p).include_incoming_days > 0)
        future = dict.fromkeys(products.ids, (0, None))
        if counting:
            results = self._compute_publishable(counting)
            for product in counting:
                result = results[self.id, product.id]
                if result.available_at:
                    future[product.id] = (result.future, result.available_at)
        return future
