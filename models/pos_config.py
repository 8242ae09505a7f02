from odoo import models


class PosConfig(models.Model):
    _inherit = "pos.config"

    def _stock_channel(self):
        """The channel of this register (stock.channel.pos_config_id), or empty."""
        return self.env["stock.channel"]._serving("pos_config_id", self)

    def stock_channel_availability(self, product_ids):
        """What the register's channel may sell of each variant now: its orderable
        quantity (the sellable units, those reserved for channel orders and the other
        channels' ring fences left out), in one batch -> {"channel": name, "quantities":
        {product_id: qty}}, or {} without a channel. The POS shows it and warns before
        selling a unit beyond it (the sale still goes through: the ledger records it)."""
        self.ensure_one()
        self.check_access("read")
        channel = self._stock_channel()
        products = self.env["product.product"].browse(product_ids).exists()
        products = products.filtered("is_storable")
        if not channel or not products:
            return {}
        orderable = channel._orderable(products)
        return {
            "channel": channel.display_name,
            "quantities": {str(pid): qty for pid, qty in orderable.items()},
        }
