"""Order sourcing at intake: which of its channel's sources an order ships from
(docs/sourcing.md), recorded on the order (the explain, stock.channel.sourcing rows)."""

from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_sourcing_explain = fields.Text(
        string="Sourcing",
        readonly=True,
        copy=False,
        help="Why the order ships from where it does: one line per source considered, "
        "then the reallocations.",
    )
    channel_sourcing_ids = fields.One2many(
        "stock.channel.sourcing", "order_id", string="Sourcing Records", readonly=True
    )

    def _channel_after_sourcing(self, decision):
        """Called right after a sourced order is confirmed (`decision`: the
        core.sourcing.Decision). Nothing by default (store offers override it)."""
        return None

    def _channel_explain_append(self, *texts):
        """Add lines to the order's sourcing explain."""
        for order in self.sudo():
            lines = [order.channel_sourcing_explain or "", *texts]
            order.channel_sourcing_explain = "\n".join(line for line in lines if line)

    def _channel_record_sourcing(self, channel, allocations):
        """Active stock.channel.sourcing rows of self: `allocations` {warehouse: lines}."""
        self.ensure_one()
        Sourcing = self.env["stock.channel.sourcing"].sudo()
        return Sourcing.create(
            [
                {
                    "order_id": self.id,
                    "channel_id": channel.id,
                    "company_id": self.company_id.id,
                    "warehouse_id": warehouse.id,
                    "day": Sourcing._local_day(warehouse),
                    "line_count": len(lines),
                }
                for warehouse, lines in allocations.items()
            ]
        )
