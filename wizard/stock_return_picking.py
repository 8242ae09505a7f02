from odoo import models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    def _prepare_picking_default_values_based_on(self, picking):
        """Customer returns land in the warehouse's Quarantine (non-sellable), in the
        warehouses that serve a sales channel; elsewhere Odoo's routing is kept."""
        vals = super()._prepare_picking_default_values_based_on(picking)
        warehouse = picking.picking_type_id.warehouse_id
        if picking.picking_type_id.code == "outgoing" and warehouse._returns_to_quarantine():
            vals["location_dest_id"] = warehouse.quarantine_location_id.id
        return vals
