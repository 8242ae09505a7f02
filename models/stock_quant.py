from odoo import models

from .stock_channel_outbox.outbox import PRIORITY_HIGH


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _update_available_quantity(self, product_id, location_id, *args, **kwargs):
        """Every change of on hand or reserved (done moves, inventory, scrap, POS,
        reservations: Odoo's _update_reserved_quantity comes here): republish."""
        res = super()._update_available_quantity(product_id, location_id, *args, **kwargs)
        self.env["stock.channel.outbox"]._enqueue_locations(product_id.ids, location_id.ids)
        return res

    def _apply_inventory(self, *args, **kwargs):
        """Inventory adjustments are pushed first."""
        return super(
            StockQuant, self.with_context(stock_channel_priority=PRIORITY_HIGH)
        )._apply_inventory(*args, **kwargs)
