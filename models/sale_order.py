from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

from ..core import acceptance as acceptance_core
from ..core import status as status_core
from .access import check_manager_of

EXCEPTION_SELECTION = [
    (code, label)
    for code, label in status_core.STATUS_SELECTION
    if code in status_core.EXCEPTION_STATUSES
]
SHORTFALL_NEXT_ACTION = "Retry when stock has arrived, or cancel the order."
# picking / move states in which a move still waits for stock it could not reserve
UNRESERVED_MOVE_STATES = ("confirmed", "partially_available")


def _returned(move):
    """What already came back (or is on its way back) of a done delivery move."""
    return sum(m.product_qty for m in move.returned_move_ids if m.state != "cancel")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_id = fields.Many2one(
        "stock.channel", string="Sales Channel", index=True, readonly=True, copy=False
    )
    channel_order_ref = fields.Char(
        string="Channel Order Reference",
        readonly=True,
        copy=False,
        help="The order's id on the channel it came from.",
    )
    channel_exception = fields.Selection(
        EXCEPTION_SELECTION,
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The order needs a person: to check (stock shortfall, totals) or to complete.",
    )
    channel_exception_reason = fields.Text(readonly=True, copy=False)
    channel_next_action = fields.Char(readonly=True, copy=False)
    channel_status = fields.Selection(
        status_core.STATUS_SELECTION,
        compute="_compute_channel_status",
        help="The order's status in the vocabulary shared with every channel.",
    )
    channel_address_pending = fields.Boolean(
        copy=False,
        readonly=True,
        help="The channel gives the customer's address once the order is accepted (Mirakl, "
        "Amazon's pending orders): imported without it, completed by the next version.",
    )
    channel_status_pushed = fields.Json(
        copy=False, readonly=True, help="The last status body the channel accepted."
    )
    channel_inbound_ids = fields.One2many(
        "stock.channel.inbound", "sale_order_id", string="Channel Messages"
    )

    _channel_ref_uniq = models.UniqueIndex(
        "(channel_id, channel_order_ref) WHERE channel_order_ref IS NOT NULL",
        "An order of a channel is imported once.",
    )

    # ------------------------------------------------------------------
    # Status, in the shared vocabulary
    # ------------------------------------------------------------------
    @api.depends(
        "state",
        "locked",
        "channel_exception",
        "order_line.move_ids.state",
        "order_line.move_ids.picked",
        "order_line.channel_shortfall",
        "order_line.channel_refused_at",
    )
    def _compute_channel_status(self):
        self.channel_status = False
        for order in self.filtered("channel_id"):
            order.channel_status = order._channel_status_parts()[0]

    def _channel_status_parts(self):
        """(order status, [(line, status, quantity, returned)]) derived from the sale and
        its moves."""
        self.ensure_one()
        backorder = bool(self.channel_id.sudo().allow_backorder)
        lines = []
        for line in self.order_line.filtered(lambda sol: not sol.display_type):
            if line._is_delivery() or line.product_id.type == "service":
                continue
            facts = line._channel_line_facts(backorder)
            status = status_core.line_status(facts)
            quantity = facts.ordered
            if status in (status_core.SHIPPED, status_core.DELIVERED):
                quantity = facts.delivered
            elif status == status_core.RETURNED:
                quantity = facts.returned
            lines.append((line, status, quantity, facts.returned))
        status = status_core.order_status(
            [status for _line, status, _qty, _returned in lines],
            cancelled=self.state == "cancel",
            exception=self.channel_exception or None,
            locked=self.locked,
        )
        return status, lines

    def _channel_done_deliveries(self):
        """The done pickings of self that took goods to the customer."""
        return self.picking_ids.filtered(
            lambda p: p.state == "done" and p.location_dest_id.usage == "customer"
        )

    @staticmethod
    def _channel_parcel(picking):
        """The Tracking of a done delivery, or None when it has no tracking reference."""
        if not picking.carrier_tracking_ref:
            return None
        carrier = picking.carrier_id
        url = picking.carrier_tracking_url or ""
        return status_core.Tracking(
            number=picking.carrier_tracking_ref,
            carrier_code=carrier.channel_carrier_code or carrier.delivery_type or ""
            if carrier
            else "",
            service=carrier.name or "" if carrier else "",
            url=url if url.startswith("http") else "",
        )

    def _channel_shipments(self):
        """One Shipment per done delivery to the customer, oldest first: the lines that
        left in it (quantities in the product's unit) and its parcel."""
        shipments = []
        for picking in self._channel_done_deliveries().sorted(lambda p: (p.date_done, p.id)):
            quantities = defaultdict(float)
            for move in picking.move_ids.filtered(lambda m: m.state == "done" and m.sale_line_id):
                line = move.sale_line_id
                quantities[line.channel_line_ref or str(line.id)] += move.product_qty
            shipments.append(
                status_core.Shipment(
                    name=picking.name,
                    lines=tuple(quantities.items()),
                    tracking=self._channel_parcel(picking),
                )
            )
        return shipments

    def _channel_status_body(self):
        """The body pushed to the channel for this order's current status."""
        self.ensure_one()
        status, lines = self._channel_status_parts()
        return status_core.status_body(
            self.channel_order_ref,
            status,
            [
                (line.channel_line_ref or str(line.id), st, qty, returned)
                for line, st, qty, returned in lines
            ],
            shipments=self._channel_shipments(),
        )

    def _channel_enqueue_status(self):
        orders = self.filtered(lambda o: o.channel_id and o.channel_order_ref)
        if orders:
            self.env["stock.channel.outbox"]._enqueue_orders(orders)

    # ------------------------------------------------------------------
    # Central reservation
    # ------------------------------------------------------------------
    def _channel_for_check(self):
        """The channel whose stock rules an order of self must pass: its own channel,
        or the webshop's channel for website orders."""
        self.ensure_one()
        if self.channel_id:
            return self.channel_id
        if self.website_id:
            return self.website_id._stock_channel()
        return self.env["stock.channel"]

    def _channel_needed_quantities(self):
        """{product: quantity in the product's unit} of the storable lines of self."""
        needed = defaultdict(float)
        for line in self.order_line:
            product = line.product_id
            if line.display_type or not product.is_storable:
                continue
            needed[product] += line.product_uom_id._compute_quantity(
                line.product_uom_qty, product.uom_id
            )
        return needed

    def _channel_shortfalls(self, channel):
        """Lock the variants of self and return {product: (needed, available)} for those
        the warehouse cannot serve now (under the lock, so two orders never both get the
        last unit). A channel order may take the orderable quantity (its backorders are
        judged by _channel_reserve); a webshop order what its channel lets the shop sell,
        its backorder rule included, whatever the products' *Sell when Out-of-Stock*."""
        self.ensure_one()
        needed = self._channel_needed_quantities()
        if not needed:
            return {}
        products = self.env["product.product"].union(*needed)
        self.env["stock.channel.variant.lock"].sudo()._acquire(products)
        if self.channel_id:
            available = channel.sudo()._orderable(products)
        else:
            available = channel.sudo()._shop_limits(products)
        return {
            product: (qty, available[product.id])
            for product, qty in needed.items()
            if product.uom_id.compare(qty, available[product.id]) > 0
        }

    def _channel_shortfall_reason(self, shortfalls):
        return self.env._(
            "stock shortfall: %(details)s",
            details=", ".join(
                self.env._(
                    "%(sku)s needs %(needed)s, %(available)s available",
                    sku=product.default_code or product.display_name,
                    needed=f"{needed:g}",
                    available=f"{available:g}",
                )
                for product, (needed, available) in shortfalls.items()
            ),
        )

    def _channel_reserve(self):
        """Confirm a draft channel order if its stock is there (or the channel takes
        backorders); otherwise keep it as a quotation in `to_check` with the shortfall.
        Returns True when confirmed."""
        self.ensure_one()
        channel = self.channel_id
        shortfalls = self._channel_shortfalls(channel)
        Incident = self.env["stock.channel.incident"]
        if shortfalls and not channel.allow_backorder:
            self._channel_set_exception(
                status_core.TO_CHECK,
                self._channel_shortfall_reason(shortfalls),
                self.env._(SHORTFALL_NEXT_ACTION),
            )
            for line in self.order_line:
                line.channel_shortfall = line.product_id in shortfalls
            Incident._record_shortfalls(self, channel, shortfalls)
            return False
        # served now: what was short before is restocked (a backorder beyond the
        # channel's quantity, recorded below, stays open)
        Incident._resolve_orders(self, "restocked")
        beyond = self._channel_beyond_backorder(channel, shortfalls)
        if beyond:
            Incident.with_context(channel_backorder=True)._record_shortfalls(self, channel, beyond)
        self.order_line.filtered("channel_shortfall").channel_shortfall = False
        self._channel_set_exception(False)
        self.with_context(stock_channel_checked=True).action_confirm()
        return True

    def _channel_refuse_short_lines(self):
        """A channel that accepts each line (Mirakl): the lines the stock cannot serve
        now are refused (none of their quantity kept; what was ordered, why and when are
        recorded on the line, and in the oversell ledger, resolved as cancelled), the
        others kept for the reservation. Returns True while a line is left to accept."""
        self.ensure_one()
        channel = self.channel_id
        shortfalls = {} if channel.allow_backorder else self._channel_shortfalls(channel)
        short = self.order_line.filtered(
            lambda line: line.product_id in shortfalls and not line.display_type
        )
        _accepted, refusals = acceptance_core.split_lines(
            [(line, line.product_id, line._channel_ordered_qty()) for line in short],
            {product: available for product, (_needed, available) in shortfalls.items()},
        )
        now = fields.Datetime.now()
        for refusal in refusals:
            refusal.line.write(
                {
                    "channel_refused_qty": refusal.quantity,
                    "channel_refused_reason": self.env._(
                        "short of stock: %(needed)s ordered, %(available)s available",
                        needed=f"{refusal.quantity:g}",
                        available=f"{refusal.available:g}",
                    ),
                    "channel_refused_at": now,
                    "product_uom_qty": 0,
                }
            )
        if refusals:
            refused = {refusal.line.product_id for refusal in refusals}
            Incident = self.env["stock.channel.incident"]
            Incident._record_shortfalls(
                self, channel, {p: shortfalls[p] for p in refused}
            )._resolve_cancelled()
        return bool(self.order_line.filtered(lambda line: line._channel_accepted()))

    def _channel_beyond_backorder(self, channel, shortfalls):
        """{product: (needed, available + backorder quantity)} of the shortfalls a
        channel taking backorders sold beyond its rule's backorder quantity."""
        if not shortfalls:
            return {}
        resolve = self.env["stock.channel.policy.rule"].sudo()._resolver(channel)
        beyond = {}
        for product, (needed, available) in shortfalls.items():
            allowed = max(available, 0) + resolve(channel, product).backorder_qty
            if product.uom_id.compare(needed, allowed) > 0:
                beyond[product] = (needed, allowed)
        return beyond

    def _channel_set_exception(self, exception, reason=False, next_action=False):
        self.write(
            {
                "channel_exception": exception,
                "channel_exception_reason": reason,
                "channel_next_action": next_action,
            }
        )

    def action_confirm(self):
        """Orders of a channel, and webshop orders, take their stock under the variant
        locks, through the same check as every other channel."""
        if not self.env.context.get("stock_channel_checked"):
            for order in self.filtered(lambda o: o.state in ("draft", "sent")):
                channel = order._channel_for_check()
                if not channel or (order.channel_id and channel.allow_backorder):
                    continue
                shortfalls = order._channel_shortfalls(channel)
                if not shortfalls:
                    continue
                reason = order._channel_shortfall_reason(shortfalls)
                if order.channel_id:
                    raise UserError(
                        self.env._(
                            "%(order)s cannot be confirmed: %(reason)s",
                            order=order.name,
                            reason=reason,
                        )
                    )
                # a paid webshop order: confirmed (the customer paid), flagged for a person
                order._channel_set_exception(
                    status_core.TO_CHECK, reason, self.env._(SHORTFALL_NEXT_ACTION)
                )
                self.env["stock.channel.incident"]._record_shortfalls(order, channel, shortfalls)
        res = super().action_confirm()
        self._channel_enqueue_status()
        return res

    def _check_cart_is_ready_to_be_paid(self):
        """Webshop: before payment, check the cart against the channels under the lock,
        so that the shop cannot sell what a marketplace has just taken, nor beyond the
        backorders its channel allows."""
        res = super()._check_cart_is_ready_to_be_paid()
        channel = self._channel_for_check()
        if channel:
            shortfalls = self._channel_shortfalls(channel)
            if shortfalls:
                raise ValidationError(
                    self.env._(
                        "Some products are no longer available: %(details)s",
                        details=", ".join(p.display_name for p in shortfalls),
                    )
                )
        return res

    def _get_free_qty(self, product):
        """Webshop: what a customer may put in the cart is what the channel lets the shop
        sell (the channels' stock, then its backorder rule)."""
        free = super()._get_free_qty(product)
        channel = self._shop_channel_for(product) if self else self.env["stock.channel"]
        if channel:
            free = channel.sudo()._shop_limits(product, {product.id: free})[product.id]
        return free

    def _shop_channel_for(self, product):
        """The webshop channel deciding `product` in this cart (see
        website._channel_governing); empty for a channel's own order."""
        self.ensure_one()
        if self.channel_id or not self.website_id:
            return self.env["stock.channel"]
        return self.website_id._channel_governing(product)

    def _verify_updated_quantity(self, order_line, product_id, new_qty, uom_id, **kwargs):
        """The cart stops at what the channel lets the shop sell, also for a product that
        Odoo would sell out of stock (website_sale_stock leaves those uncapped)."""
        product = self.env["product.product"].browse(product_id)
        warning = ""
        if product.allow_out_of_stock_order and self._shop_channel_for(product):
            new_qty, warning = self._shop_capped_qty(order_line, product, new_qty, uom_id)
        qty, other = super()._verify_updated_quantity(
            order_line, product_id, new_qty, uom_id, **kwargs
        )
        return qty, warning or other

    def _shop_capped_qty(self, order_line, product, new_qty, uom_id):
        """(quantity, warning): `new_qty` of the line, within what the shop may sell."""
        uom = self.env["uom.uom"].browse(uom_id) if uom_id else product.uom_id
        in_cart, available = self._get_cart_and_free_qty(product)
        in_cart = product.uom_id._compute_quantity(in_cart, uom)
        available = float_round(
            product.uom_id._compute_quantity(available, uom, round=False),
            precision_digits=0,
            rounding_method="DOWN",
        )
        old_qty = order_line.product_uom_qty if order_line else 0
        allowed = max(available - (in_cart - old_qty), 0)
        if new_qty <= allowed:
            return new_qty, ""
        return allowed, self.env._(
            "You ask for %(desired)s %(product)s but only %(available)s is available",
            desired=f"{in_cart - old_qty + new_qty:g}",
            product=product.name,
            available=f"{max(available, 0):g}",
        )

    # ------------------------------------------------------------------
    # Life cycle hooks: tell the channel
    # ------------------------------------------------------------------
    def _action_cancel(self):
        res = super()._action_cancel()
        self._channel_enqueue_status()
        self.env["stock.channel.incident"]._resolve_orders(self, "cancelled")
        return res

    def write(self, vals):
        res = super().write(vals)
        if {"locked", "channel_exception"} & set(vals):
            self._channel_enqueue_status()
        return res

    def _channel_create_returns(self, wanted, reason=None):
        """Return pickings for {sale line: quantity}, one per delivered picking, into the
        warehouse's Quarantine (stock.return.picking routes them there)."""
        self.ensure_one()
        left = dict(wanted)
        returns = self.env["stock.picking"]
        for picking in self._channel_done_deliveries().sorted("date_done", reverse=True):
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            todo = False
            for return_line in wizard.product_return_moves:
                line = return_line.move_id.sale_line_id
                move = return_line.move_id
                qty = min(left.get(line, 0.0), move.product_qty - _returned(move))
                return_line.quantity = qty
                if qty > 0:
                    left[line] -= qty
                    todo = True
            if todo:
                picking_return = wizard._create_return()
                if reason:
                    picking_return.message_post(body=self.env._("Channel: %s", reason))
                returns |= picking_return
        return returns

    def action_channel_retry(self):
        """Retry the order's intake where it stopped (shortfall: check the stock again),
        through its message when it has one, so that both show the outcome."""
        check_manager_of(self)
        for order in self.sudo():
            if order.state not in ("draft", "sent") or not order.channel_id:
                continue
            held = order.sudo().channel_inbound_ids.filtered(lambda i: i.state == "exception")
            if held:
                held[:1]._process()
            else:
                order._channel_reserve()
        return True
