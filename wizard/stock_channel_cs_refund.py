"""Customer service: refund part of a line (its unshipped part taken off the order, its
reservation released and republished; the platform told when it takes it). The amount
is at most what the customer paid for the quantity (the line's unit price with its
discount and taxes), less what the line has had back already."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import customer_service as cs


def cs_keep_price(line, quantity):
    """The values that set the line's `quantity` and keep the price the customer paid
    (else sale recomputes the unit price from the pricelist when the quantity moves)."""
    return {"product_uom_qty": quantity, "price_unit": line.price_unit, "discount": line.discount}


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
    # computed as the user (a stored compute is sudo by default): the order is checked
    amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False, compute_sudo=False
    )
    reason = fields.Char(required=True)

    def _readable_line(self):
        """Whether the wizard may read its line: the user may read the order (AccessError
        else, before any sudo()) and the line is one of the order's."""
        self.order_id._channel_cs_readable()
        return bool(self.line_id) and self.line_id.sudo().order_id == self.order_id

    def _line_facts(self):
        """(ordered at first, refunded so far, paid back so far) of the line, in its unit:
        a refund the platform refused counts for nothing (its units are put back)."""
        refunds = (
            self.env["stock.channel.order.action"]
            .sudo()
            .search(
                [
                    ("line_id", "=", self.line_id.id),
                    ("kind", "=", cs.REFUND),
                    ("state", "!=", cs.FAILED),
                ]
            )
        )
        ordered = self.line_id.sudo().product_uom_qty + sum(refunds.mapped("taken_off"))
        return ordered, sum(refunds.mapped("quantity")), sum(refunds.mapped("amount"))

    def _unit_paid(self):
        """What the customer paid for one unit of the line: its price with its discount
        and taxes (sale.order.line._compute_amount for a quantity of 1)."""
        line = self.line_id.sudo()
        base_line = line._prepare_base_line_for_taxes_computation(quantity=1.0)
        taxes = self.env["account.tax"]
        taxes._add_tax_details_in_base_line(base_line, line.order_id.company_id)
        return base_line["tax_details"]["raw_total_included_currency"]

    def _max_amount(self):
        ordered, _refunded, paid_back = self._line_facts()
        limit = cs.max_amount(self.quantity, self._unit_paid(), ordered, paid_back)
        return self.order_id.sudo().currency_id.round(limit)  # the order was checked

    @api.depends("line_id")
    def _compute_refundable(self):
        for wizard in self:
            facts = wizard._line_facts()[:2] if wizard._readable_line() else None
            wizard.refundable = cs.refundable(*facts) if facts else 0.0

    @api.depends("line_id", "quantity")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard._max_amount() if wizard._readable_line() else 0.0

    def action_confirm(self):
        self.ensure_one()
        order = self.order_id
        order._channel_cs_check(cs.REFUND)
        line = self.line_id.sudo()
        if line.order_id != order:
            raise ValidationError(self.env._("Choose a line of %(order)s.", order=order.name))
        ordered, refunded, _paid_back = self._line_facts()
        why = cs.refund_error(
            self.quantity, self.amount, ordered, refunded, self._max_amount(),
            whole=bool(order.sudo().channel_id),
        )  # fmt: skip
        if why:
            raise ValidationError(
                self.env._("Cannot refund %(line)s: %(why)s.", line=line.name, why=why)
            )
        take = cs.taken_off(self.quantity, line.product_uom_qty, line.qty_delivered)
        if take:  # sale_stock lowers the open moves: reservation freed; the price kept
            line.write(cs_keep_price(line, line.product_uom_qty - take))
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
