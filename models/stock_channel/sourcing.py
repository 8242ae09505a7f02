"""Order sourcing of a channel with sources: how an order chooses the warehouse(s) it
ships from (docs/sourcing.md)."""

from odoo import fields, models

from ...core import allocation

SOURCING_STRATEGIES = [("ordered", "Ordered List"), ("score", "Best Score")]
SOURCING_SPLITS = [("none", "Never"), ("line", "Per Line"), ("unit", "Per Unit")]


class StockChannel(models.Model):
    _inherit = "stock.channel"

    sourcing_strategy = fields.Selection(
        SOURCING_STRATEGIES,
        default="ordered",
        required=True,
        help="Ordered List: the first source (in the list's order) that keeps the promise "
        "and holds the order. Best Score: promise kept, then the whole order at one place, "
        "then the cheapest, then the least loaded.",
    )
    sourcing_split = fields.Selection(
        SOURCING_SPLITS,
        string="Split Orders",
        default="none",
        required=True,
        help="Never: an order ships from one source. Per Line: each line from the best "
        "source holding it. Per Unit: a line's units from several sources.",
    )

    def _source_orderable(self, warehouse, products):
        """{product_id: units} an order of this channel may take from `warehouse` (one
        of its sources, or a reallocation's target): core.allocation.orderable on the
        warehouse's figures with the rules of the channels drawing from it, less this
        channel's safety stock there, 0 for the variants an exclusion hides (one
        _channel_stock_figures for all `products`, as _orderable)."""
        self.ensure_one()
        channel = self.sudo()
        warehouse = warehouse.sudo()
        siblings = channel | channel._sharing([warehouse.id])
        figures = warehouse._channel_stock_figures(products)
        resolve = self.env["stock.channel.policy.rule"].sudo()._resolver(siblings)
        held_back = sum(
            channel.source_ids.filtered(lambda s: s.warehouse_id == warehouse).mapped(
                "safety_stock"
            )
        )
        excluded = set(channel._excluded_ids(products))
        orderable = {}
        for product in products:
            rules = {ch.id: resolve(ch, product, warehouse) for ch in siblings}
            qty = allocation.orderable(figures[product.id], rules, channel.id)
            orderable[product.id] = 0 if product.id in excluded else max(0, qty - held_back)
        return orderable
