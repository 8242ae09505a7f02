from odoo import models


class PosOrder(models.Model):
    _inherit = "pos.order"

    def _create_order_picking(self):
        """A POS sale takes its units under the same variant locks as channel orders:
        an order reserving the last unit and a POS sale of it never interleave (the one
        that waited runs again on the other's result). The unit in the customer's hands
        wins: an order whose reservation it took is reported `to_check`."""
        products = self.lines.product_id.filtered("is_storable")
        self.env["stock.channel.variant.lock"].sudo()._acquire(products)
        return super()._create_order_picking()
