"""Exclusions on a channel: the variants an exclusion rule hides publish 0 there and no
order of the channel (webshop, POS, marketplace) may take them; the customer holds
expire in the hourly refresh."""

from odoo import api, models

from ...core import allocation, exclusions


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _apply_exclusions(self, products, results):
        """`results` ({(channel_id, product_id): allocation.Result}) with those an active
        exclusion hides replaced (core.exclusions.exclude): the exclusions read once, the
        variants' facts in batch, only when some exclusion applies to the companies."""
        rules = self.env["stock.channel.exclusion"]._core_rules(self.sudo().company_id)
        if not rules or not results:
            return results
        facts = self.env["stock.channel.exclusion"]._facts(products)
        company_of = {channel.id: channel.company_id.id for channel in self.sudo()}
        for (channel_id, product_id), result in results.items():
            rule = exclusions.first(
                rules, facts[product_id], channel_id, company_of.get(channel_id, 0)
            )
            if rule:
                results[channel_id, product_id] = exclusions.exclude(result, rule.label)
        return results

    def _excluded_ids(self, products):
        """The ids of `products` an exclusion hides on this channel."""
        self.ensure_one()
        rules = self.env["stock.channel.exclusion"]._core_rules(self.sudo().company_id)
        if not rules:
            return set()
        facts = self.env["stock.channel.exclusion"]._facts(products)
        return {
            product.id
            for product in products
            if exclusions.first(rules, facts[product.id], self.id, self.sudo().company_id.id)
        }

    def _orderable(self, products):
        orderable = super()._orderable(products)
        for product_id in self._excluded_ids(products):
            orderable[product_id] = 0
        return orderable

    def _shop_limits(self, products, free=None):
        limits = super()._shop_limits(products, free=free)
        for product_id in self._excluded_ids(products):
            limits[product_id] = 0  # not even on backorder
        return limits

    def _shop_availability(self, product, free=None):
        if self._excluded_ids(product):
            return 0, 0, allocation.shop_words(0, 0)
        return super()._shop_availability(product, free=free)

    @api.model
    def _cron_refresh_quantities(self):
        """The holds past their date archived first (their variants republished), then
        every channel's quantities refreshed."""
        self.env["stock.channel.hold"]._expire()
        return super()._cron_refresh_quantities()
