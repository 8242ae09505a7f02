"""Customer service: refund part of a line (its unshipped part taken off the order, its
reservation released and republished; the platform told when it takes it)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import customer_service as cs


class StockChannelCsRefund(models.TransientModel):
    _name = "stock.channel.cs.refund"
    _description = "Refund Part of an Order Line"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", readonly=True)
    line_id = fields.Many2one(
        "sale.order.line",
        required=True,
        domain="[('order_id', '=', order_id), ('display_type', '=', False), "
        "('is_delivery', '=', False)]",
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
    refundable = fields.Float(compute="_compute_refundable", digits="Product Unit")
    quantity = fields.Float(digits="Product Unit", default=1.0)
    amount = fields.Monetary(compute="_compute_amount", store=True, readonly=False)
    reason = fields.Char(required=True)

    def _line_facts(self):
        """(ordered at first, refunded so far) of the line, in its unit."""
        refunds = (
            self.env["stock.channel.order.action"]
            .sudo()
            .search([("line_id", "=", self.line_id.id), ("kind", "=", cs.REFUND)])
        )
        ordered = self.line_id.sudo().product_uom_qty + sum(refunds.mapped("taken_off"))
        return ordered, sum(refunds.mapped("quantity"))

    @api.depends("line_id")
    def _compute_refundable(self):
        for wizard in self:
            wizard.refundable = cs.refundable(*wizard._line_facts()) if wizard.line_id else 0.0

    @api.depends("line_id", "quantity")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.quantity * wizard.line_id.sudo().price_unit

    def action_confirm(self):
        self.ensure_one()
        order = self.order_id
        order._channel_cs_check(cs.REFUND)
        line = self.line_id.sudo()
        if line.order_id != order:
            raise UserError(self.env._("Choose a line of %(order)s.", order=order.name))
        why = cs.refund_error(self.quantity, self.amount, *self._line_facts())
        if why:
            raise UserError(self.env._("Cannot refund %(line)s: %(why)s.", line=line.name, why=why))
        take = cs.taken_off(self.quantity, line.product_uom_qty, line.qty_delivered)
        if take:
            line.product_uom_qty -= take  # sale_stock lowers the open moves: reservation freed
        self.env["stock.channel.order.action"]._record(
            order,
            cs.REFUND,
            self.env._("Refund of %(qty)s x %(product)s: %(amount)s %(currency)s (%(reason)s)",
                       qty=f"{self.quantity:g}", product=line.product_id.display_name,
                       amount=cs.money(self.amount), currency=order.currency_id.name,
                       reason=self.reason),
            line_id=line.id, quantity=self.quantity, taken_off=take, amount=self.amount,
            currency_id=order.currency_id.id, reason=self.reason,
        )  # fmt: skip
        return {"type": "ir.actions.act_window_close"}
