from odoo import models

from .stock_channel_outbox.outbox import PRIORITY_HIGH, PRIORITY_NORMAL


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _update_available_quantity(self, product_id, location_id, *args, **kwargs):
        """Every change of on hand (done moves, inventory, scrap, POS): republish."""
        res = super()._update_available_quantity(product_id, location_id, *args, **kwargs)
        self._channel_enqueue(product_id, location_id)
        return res

    def _update_reserved_quantity(self, product_id, location_id, *args, **kwargs):
        """Every reservation and unreservation: republish."""
        res = super()._update_reserved_quantity(product_id, location_id, *args, **kwargs)
        self._channel_enqueue(product_id, location_id)
        return res

    def _apply_inventory(self, *args, **kwargs):
        """Inventory adjustments are pushed first."""
        return super(
            StockQuant, self.with_context(stock_channel_priority=PRIORITY_HIGH)
        )._apply_inventory(*args, **kwargs)

    def _channel_enqueue(self, product, location):
        priority = self.env.context.get("stock_channel_priority", PRIORITY_NORMAL)
        self.env["stock.channel.outbox"]._enqueue_locations(product.ids, location.ids, priority)
