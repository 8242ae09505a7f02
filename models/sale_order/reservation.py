"""Central reservation of a channel order: shortfalls checked, stock reserved or refused."""

from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError

from ...core import acceptance as acceptance_core
from ...core import status as status_core

SHORTFALL_NEXT_ACTION = "Retry when stock has arrived, or cancel the order."
# picking / move states in which a move still waits for stock it could not reserve
UNRESERVED_MOVE_STATES = ("confirmed", "partially_available")


class SaleOrder(models.Model):
    _inherit = "sale.order"

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
        available = self._channel_available(channel, products)
        return {
            product: (qty, available[product.id])
            for product, qty in needed.items()
            if product.uom_id.compare(qty, available[product.id]) > 0
        }

    def _channel_available(self, channel, products):
        """{product_id: units} an order of self may take (see _channel_shortfalls)."""
        if self.channel_id:
            return channel.sudo()._orderable(products)
        return channel.sudo()._shop_limits(products)

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
            self._channel_flag_shortfalls(shortfalls)
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

    def _channel_flag_shortfalls(self, shortfalls):
        """To check with the shortfall ({product: (needed, available)}), an incident each."""
        self._channel_set_exception(
            status_core.TO_CHECK,
            self._channel_shortfall_reason(shortfalls),
            self.env._(SHORTFALL_NEXT_ACTION),
        )
        for line in self.order_line:
            line.channel_shortfall = line.product_id in shortfalls
        self.env["stock.channel.incident"]._record_shortfalls(self, self.channel_id, shortfalls)

    def _channel_flag_unreserved(self):
        """Orders confirmed from a reservation (one grouped read of their first moves):
        those whose units another flow took since the answer (a hand confirmation, a
        manufacturing order) are flagged as a shortfall, or on backorder where the
        channel takes backorders. Returns {order: {variant: (needed, reserved)}} of
        those."""
        groups = (
            self.env["stock.move"]
            .sudo()
            ._read_group(
                [
                    ("sale_line_id.order_id", "in", self.ids),
                    ("state", "not in", ("assigned", "done", "cancel")),
                    ("move_orig_ids", "=", False),
                ],
                ["sale_line_id", "product_id"],
                ["product_uom_qty:sum", "quantity:sum"],
            )
        )
        short = {}
        for line, product, needed, reserved in groups:
            short.setdefault(line.order_id, {})[product] = (needed, reserved)
        Incident = self.env["stock.channel.incident"].with_context(channel_backorder=True)
        for order, shortfalls in short.items():
            if order.channel_id.allow_backorder:
                Incident._record_shortfalls(order, order.channel_id, shortfalls)
            else:
                order._channel_flag_shortfalls(shortfalls)
        return short

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
        resolve = channel.sudo()._own_resolver(channel)  # its rules at its warehouse
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
