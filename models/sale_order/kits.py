"""Kits in a channel order: the quantities it needs are its components' (core.kits)."""

from collections import defaultdict

from odoo import models

from ...core import kits as kits_core


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _channel_needed_quantities(self):
        """A kit line needs its components (Odoo delivers those: sale_mrp explodes the
        kit into component moves), so they are what is locked and checked; a component
        ordered alone and in a kit of the same order is needed once, summed."""
        needed = super()._channel_needed_quantities()
        lines = self.order_line.filtered(lambda line: line.product_id and not line.display_type)
        plans = self.env["stock.channel"].sudo()._kit_components(lines.product_id, self.company_id)
        if not plans:
            return needed
        ordered = [(product.id, qty) for product, qty in needed.items() if product.id not in plans]
        for line in lines.filtered(lambda line: line.product_id.id in plans):
            product = line.product_id
            qty = line.product_uom_id._compute_quantity(line.product_uom_qty, product.uom_id)
            ordered.append((product.id, qty))
        Product = self.env["product.product"]
        demand = kits_core.demand(ordered, plans)
        return defaultdict(float, {Product.browse(pid): qty for pid, qty in demand.items()})

    def _channel_reserve(self):
        """An order held short of a kit's component: the kit's line is short too (the
        channel is told which lines wait, see sale.order.line's channel status)."""
        confirmed = super()._channel_reserve()
        if confirmed:
            return confirmed
        short = (
            self.env["stock.channel.incident"]
            .sudo()
            .search([("sale_order_id", "=", self.id), ("resolved_at", "=", False)])
            .product_id
        )
        lines = self.order_line.filtered(lambda line: line.product_id and not line.display_type)
        plans = self.env["stock.channel"].sudo()._kit_components(lines.product_id, self.company_id)
        for line in lines.filtered(lambda line: line.product_id.id in plans):
            if set(plans[line.product_id.id]) & set(short.ids):
                line.channel_shortfall = True
        return confirmed
