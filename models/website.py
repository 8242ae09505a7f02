from odoo import models


class Website(models.Model):
    _inherit = "website"

    def _get_product_available_qty(self, product, **kwargs):
        """The shop shows what the channels leave it (never quarantine stock, never the
        units other channels ring-fence)."""
        free = super()._get_product_available_qty(product, **kwargs)
        channel = self._stock_channel()
        if channel:
            free = min(free, channel._orderable(product)[product.id])
        return free

    def _stock_channel(self):
        self.ensure_one()
        return (
            self.env["stock.channel"]
            .sudo()
            .search(
                [("website_id", "=", self.id), ("company_id", "=", self.company_id.id)], limit=1
            )
        )
