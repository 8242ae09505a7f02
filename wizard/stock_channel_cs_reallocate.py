"""Customer service: move a confirmed order's deliveries to another source (the channel's
sources, else the company's warehouses), each listed with the units it holds for the order."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import customer_service as cs


class StockChannelCsReallocate(models.TransientModel):
    _name = "stock.channel.cs.reallocate"
    _description = "Reallocate an Order to Another Source"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", readonly=True)
    current_warehouse_id = fields.Many2one(
        "stock.warehouse", compute="_compute_candidates", string="Ships From"
    )
    candidate_ids = fields.Many2many("stock.warehouse", compute="_compute_candidates")
    candidates_html = fields.Html(compute="_compute_candidates", sanitize=False)
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Move To", domain="[('id', 'in', candidate_ids)]"
    )
    reason = fields.Char(required=True, default=lambda self: self.env._("Customer service"))

    @api.depends("order_id")
    def _compute_candidates(self):
        for wizard in self:
            wizard.order_id._channel_cs_readable()  # before the sudo()
            order = wizard.order_id.sudo()
            candidates = wizard._candidates(order)
            wizard.current_warehouse_id = wizard._current(order)
            wizard.candidate_ids = candidates
            wizard.candidates_html = wizard._candidates_table(order, candidates)

    @staticmethod
    def _current(order):
        open_deliveries = order._channel_cs_open_deliveries()
        return open_deliveries[:1].picking_type_id.warehouse_id or order.warehouse_id

    def _candidates(self, order):
        """The channel's sources (and its own warehouse), else the company's warehouses."""
        channel = order.channel_id
        if channel and channel.source_ids:
            return channel.warehouse_id | channel.source_ids.warehouse_id
        return self.env["stock.warehouse"].sudo().search([("company_id", "=", order.company_id.id)])

    @staticmethod
    def _needs(order):
        """{product: units still to deliver} of the order (product's unit)."""
        needs = defaultdict(float)
        for line in order.order_line.filtered(lambda sol: sol.product_id.is_storable):
            needs[line.product_id] += line._channel_ordered_qty() - line.qty_delivered
        return {product: qty for product, qty in needs.items() if qty > 0}

    def _holdings(self, order, warehouses, products):
        """{(warehouse id, product id): units free for the order}: the free quantity, plus
        what the order itself holds reserved there; one grouped query."""
        held = defaultdict(float)
        groups = self.env["stock.quant"].sudo()._read_group(
            [("product_id", "in", products.ids), ("location_id.usage", "=", "internal"),
             ("location_id.warehouse_id", "in", warehouses.ids)],
            ["location_id", "product_id"], ["quantity:sum", "reserved_quantity:sum"],
        )  # fmt: skip
        for location, product, quantity, reserved in groups:
            held[location.warehouse_id.id, product.id] += quantity - reserved
        for move in order._channel_cs_open_deliveries().move_ids:
            held[move.warehouse_id.id or move.location_id.warehouse_id.id, move.product_id.id] += (
                move.quantity
            )
        return held

    def _candidates_table(self, order, warehouses):
        needs = self._needs(order)
        products = self.env["product.product"].union(*needs)
        held = self._holdings(order, warehouses, products)
        rows = Markup("")
        for warehouse in warehouses:
            parts = [
                f"{product.display_name}: {min(held[warehouse.id, product.id], qty):g}/{qty:g}"
                for product, qty in needs.items()
            ]
            covered = sum(min(max(held[warehouse.id, p.id], 0), q) for p, q in needs.items())
            rows += Markup("<tr><td>%s</td><td>%s of %s</td><td>%s</td></tr>") % (
                warehouse.name,
                f"{covered:g}",
                f"{sum(needs.values()):g}",
                "; ".join(parts),
            )
        return Markup(
            '<table class="table table-sm"><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr>'
            "</thead><tbody>%s</tbody></table>"
        ) % (self.env._("Source"), self.env._("Units for the order"), self.env._("Detail"), rows)

    def action_confirm(self):
        self.ensure_one()
        order = self.order_id
        order._channel_cs_check(cs.REALLOCATE)
        if not self.warehouse_id or self.warehouse_id not in self.candidate_ids:
            raise UserError(self.env._("Choose one of the order's candidate sources."))
        if self.warehouse_id == self.current_warehouse_id:
            raise UserError(
                self.env._("%(order)s already ships from %(warehouse)s.",
                           order=order.name, warehouse=self.warehouse_id.name)
            )  # fmt: skip
        if not hasattr(order, "_channel_reallocate"):
            raise UserError(self.env._("Reallocation needs order sourcing, not installed."))
        previous = self.current_warehouse_id
        order.sudo()._channel_reallocate(self.warehouse_id, self.reason)
        self.env["stock.channel.order.action"]._record(
            order,
            cs.REALLOCATE,
            self.env._("Reallocated from %(old)s to %(new)s: %(reason)s",
                       old=previous.name, new=self.warehouse_id.name, reason=self.reason),
        )  # fmt: skip
        return {"type": "ir.actions.act_window_close"}
