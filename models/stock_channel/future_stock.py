"""Future stock in the webshop: the units a channel's rule counts from receipts, and the
day they are all in, sold and said by the shop ("2 in stock, 3 more ship from 12 Dec")."""

import dataclasses

from odoo import models

from ...core.promise import on_hand_units


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _backorder_dates(self, results, today):
        """`results` with the available_at of the variants sold on backorder with no
        receipt to come, on the channels whose connector says one (Google Merchant
        Center's Backorder Days: Connector.backorder_date): a figure Odoo knows, stored
        with the quantity, so a changed date is a change to push."""
        dated = {}
        for channel in self:
            backorder_date = getattr(channel._webhook_connector(), "backorder_date", None)
            if backorder_date:
                dated[channel.id] = backorder_date(channel.sudo()._setting_values(), today)
        if not dated:
            return results
        for key, result in results.items():
            day = dated.get(key[0])
            if day and result.publishable > 0 and not result.available_at:
                if on_hand_units(result) == 0:
                    results[key] = dataclasses.replace(result, available_at=day)
        return results

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
