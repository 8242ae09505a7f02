"""A channel order's line: its status, acceptance and returnable quantity, webshop caps, edits."""

from odoo import api, fields, models

from ..core import status as status_core
from .sale_order.flow import _edits, _person
from .sale_order.reservation import UNRESERVED_MOVE_STATES


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    channel_line_ref = fields.Char(
        string="Channel Line Reference", copy=False, help="The line's id on the channel."
    )
    channel_shortfall = fields.Boolean(
        copy=False, help="The channel's order could not reserve this line's stock."
    )
    channel_refused_qty = fields.Float(
        string="Refused",
        digits="Product Unit",
        copy=False,
        readonly=True,
        help="Refused on the channel (line-by-line acceptance): the quantity the customer "
        "ordered; the line keeps none of it.",
    )
    channel_refused_reason = fields.Char(string="Refusal Reason", copy=False, readonly=True)
    channel_refused_at = fields.Datetime(string="Refused On", copy=False, readonly=True)
    channel_status = fields.Selection(
        status_core.STATUS_SELECTION, compute="_compute_channel_status"
    )
    channel_source_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Ships From",
        readonly=True,
        copy=False,
        help="Chosen by order sourcing (or a reallocation): the line ships from here.",
    )

    @api.depends("channel_source_warehouse_id")
    def _compute_warehouse_id(self):
        """sale_stock's warehouse of the line, unless order sourcing chose one: then the
        procurement runs that warehouse's rules."""
        res = super()._compute_warehouse_id()
        for line in self.filtered("channel_source_warehouse_id"):
            line.warehouse_id = line.channel_source_warehouse_id
        return res

    @api.depends(
        "order_id.channel_status", "move_ids.state", "channel_shortfall", "channel_refused_qty"
    )
    def _compute_channel_status(self):
        self.channel_status = False
        for order in self.order_id.filtered("channel_id"):
            for line, status, _qty, _returned in order._channel_status_parts()[1]:
                if line in self:
                    line.channel_status = status

    def _channel_line_facts(self, backorder):
        """core.orders.LineFacts of the line, in the product's unit."""
        self.ensure_one()
        ordered = self._channel_ordered_qty()
        shipped, returned, picked, unreserved = self._channel_move_facts()
        order = self.order_id
        confirmed = order.state == "sale"
        shortfall = self.channel_shortfall or (
            confirmed and unreserved and not backorder and shipped < ordered
        )
        delivered_pickings = self.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        ).picking_id
        return status_core.LineFacts(
            ordered=ordered,
            delivered=shipped,
            returned=returned,
            cancelled=order.state == "cancel" or bool(self.channel_refused_at),
            confirmed=confirmed,
            picked=picked,
            shortfall=shortfall,
            delivered_confirmed=bool(delivered_pickings)
            and all(delivered_pickings.mapped("channel_delivered_at")),
        )

    def _channel_move_facts(self):
        """(shipped, returned, picked, unreserved) of the line's moves: the quantities
        delivered to and returned from the customer, whether a step is done or picked,
        and whether a move out of stock is left unreserved."""
        shipped = returned = 0.0
        picked = False
        unreserved = False
        for move in self.move_ids:
            if move.state == "cancel":
                continue
            if move.state == "done":
                if move.location_dest_id.usage == "customer":
                    shipped += move.product_qty
                elif move.location_id.usage == "customer":
                    returned += move.product_qty
                else:
                    picked = True  # an earlier step (pick, pack) is done
                continue
            if move.location_id.usage == "customer":
                continue  # a return on its way
            picked = picked or move.picked
            if move.location_id.usage == "internal" and move.state in UNRESERVED_MOVE_STATES:
                unreserved = True
        return shipped, returned, picked, unreserved

    def _channel_ordered_qty(self):
        """The line's quantity in the product's unit."""
        self.ensure_one()
        return self.product_uom_id._compute_quantity(self.product_uom_qty, self.product_id.uom_id)

    def _channel_accepted(self):
        """A goods line the channel's order keeps (not refused, not a note, shipping or
        service)."""
        self.ensure_one()
        return not (
            self.display_type
            or self.channel_refused_at
            or self._is_delivery()
            or self.product_id.type == "service"
        )

    def _channel_returnable_qty(self):
        """Shipped to the customer and not yet returned (or on its way back)."""
        self.ensure_one()
        shipped = returning = 0.0
        for move in self.move_ids:
            if move.state == "done" and move.location_dest_id.usage == "customer":
                shipped += move.product_qty
            elif move.state != "cancel" and move.location_id.usage == "customer":
                returning += move.product_qty
        return max(0.0, shipped - returning)

    # ------------------------------------------------------------------
    # Webshop: the channel caps the cart, whatever "Sell when Out-of-Stock"
    # ------------------------------------------------------------------
    def _shop_channel_caps(self):
        """Whether the webshop's channel caps this line although Odoo would sell its
        product out of stock (website_sale_stock checks only the others)."""
        self.ensure_one()
        product = self.product_id
        return bool(product.allow_out_of_stock_order and self.order_id._shop_channel_for(product))

    def _check_availability(self):
        if not self._shop_channel_caps():
            return super()._check_availability()
        cart_qty, available = self.order_id._get_cart_and_free_qty(self.product_id)
        if cart_qty > available:
            self._set_shop_warning_stock(cart_qty, max(available, 0))
            return False
        return True

    def _get_max_available_qty(self):
        """website_sale_stock's maximum, and the channel's for the lines it would leave
        uncapped (products sold out of stock)."""
        maximum = super()._get_max_available_qty()
        capped = [
            free - cart
            for line in self._get_lines_with_price()
            if line.product_id.is_storable and line._shop_channel_caps()
            for cart, free in [line.order_id._get_cart_and_free_qty(line.product_id)]
        ]
        return min([*capped, *([] if maximum is None else [maximum])], default=None)

    def _pickup_short(self, units, blocked):
        """Click & collect: the line's store holds `units` (the product's unit) for it:
        the warning on the line, and those units in the line's unit (website_sale_collect's
        insufficient stock data)."""
        self.ensure_one()
        product = self.product_id
        uom = product.uom_id
        available = int(uom._compute_quantity(units, self.product_uom_id, rounding_method="DOWN"))
        if blocked:
            self.shop_warning = self.env._("Not available for pickup in store")
        else:
            self.shop_warning = self.env._(
                "%(available_qty)s/%(line_qty)s available at this location",
                available_qty=available,
                line_qty=int(self.product_uom_qty),
            )
        return available

    # ------------------------------------------------------------------
    # Order flow: a person's edit of the lines is an edit of the order
    # ------------------------------------------------------------------
    def _channel_edited(self):
        """A person changed these lines: their channel orders are edited (the shipping
        line a carrier prices at validation is not an edit)."""
        person = _person(self.env)
        if person:
            lines = self.sudo().filtered(lambda line: not line.is_delivery)
            lines.order_id._channel_edited(person)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._channel_edited()
        return lines

    def write(self, vals):
        if _edits(vals):
            self._channel_edited()
        return super().write(vals)

    def unlink(self):
        self._channel_edited()
        return super().unlink()
