"""Channel orders: mapped on Odoo records, held with the reason, or created and reserved."""

from odoo import models

from ...core import orders as order_core
from ...core import status as status_core
from ...core.inbound import (
    ANSWERED_LATER,
    DONE,
    DUPLICATE,
    EXCEPTION,
    KIND_CANCEL,
    KIND_ORDER,
    WAITING,
    judged_inline,
    too_many_lines,
)
from ...core.payload import PayloadError

NEXT_ACTION_MAPPING = (
    "Give the variant this internal reference, or bind it on the channel; then Retry."
)
NEXT_ACTION_ADDRESS = "Complete the address in the payload (Edit), then Retry."
NEXT_ACTION_CHECK = "Check the amounts or currency with the channel, correct the payload, Retry."


class StockChannelInbound(models.Model):
    """Orders: mapped on Odoo records, held with the reason when they cannot be imported
    yet, created and reserved centrally (sale.order._channel_reserve) otherwise."""

    _inherit = "stock.channel.inbound"

    def _find_order(self, external_id):
        return (
            self.env["sale.order"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [("channel_id", "=", self.channel_id.id), ("channel_order_ref", "=", external_id)],
                limit=1,
            )
        )

    def _message_domain(self, kind, external_id, *conditions):
        """The domain of this channel's messages of `kind` about its order `external_id`
        that meet `conditions` (domain terms)."""
        return [
            ("channel_id", "=", self.channel_id.id),
            ("kind", "=", kind),
            ("external_id", "=", external_id),
            *conditions,
        ]

    def _judged_later(self, budget):
        """Whether this order has too many lines to be judged within `budget` seconds
        (but not so many that it is refused): its sender is answered once it is stored,
        the scheduled action judges it right after."""
        if self.kind != KIND_ORDER:
            return False
        try:
            count = len(self._connector().parse_order(self._raw()).lines)
        except (PayloadError, NotImplementedError):
            return False  # refused at once, with the reason
        return count <= self.channel_id.max_order_lines and not judged_inline(count, budget)

    def _process_order(self):
        order_in, rejected = self._parsed(self._connector().parse_order)
        if rejected:
            return rejected
        too_many = too_many_lines(len(order_in.lines), self.channel_id.max_order_lines)
        if too_many:
            return self._reject(413, too_many)
        messages = self._order_messages(order_in.id)  # fast.py; before any write of it
        self.external_id = order_in.id
        order = self._find_order(order_in.id)
        if order and order != self.sale_order_id:
            # the channel sent it again: same answer, nothing created or reserved twice
            self.duplicate_of_id = order.channel_inbound_ids.filtered(
                lambda i: i.kind == KIND_ORDER and i.state == DONE
            )[:1]
            if order.channel_address_pending and not order_in.address_later:
                self._complete_address(order, order_in)
                self._complete_prices(order, order_in)
            if order_in.payment_state not in ("unknown", order.channel_payment_state):
                order.channel_payment_state = order_in.payment_state  # paid since
            return self._set_outcome(DUPLICATE, order)
        if order:  # Retry of this message: resume where it stopped
            if order.state in ("draft", "sent") and order.channel_exception:
                order._channel_reserve()
            return self._set_outcome(DONE, order)
        if answered := self._answered_before(order_in, messages):
            return answered
        resolved = self._resolve(order_in)
        if resolved["problems"]:
            return self._hold(order_in, resolved, messages)
        self._supersede_held(messages)
        connector = self._connector()
        if reserved := self._answer_reserved(order_in, resolved, connector, messages):
            return reserved  # answered once its stock is reserved (fast.py)
        order = self._create_order(order_in, resolved)
        self._reserve_or_cancel(order, order_in, connector)
        if (
            not connector.accepts_orders
            and self.http_status != ANSWERED_LATER
            and not (order.state == "cancel" and order.channel_cancel_reason)
        ):
            # the channel knows the status it was answered; one answered "received"
            # before the verdict hears it as a status push, as one an order rule
            # cancelled (the platform's cancellation, with the reason)
            order.channel_status_pushed = order._channel_status_body()
        return self._set_outcome(DONE, order)

    def _answered_before(self, order_in, messages):
        """The answer of an order reserved and still confirming (a resend: the same
        answer, nothing twice), or of one the channel cancelled before it was imported
        (`messages`: core.intake.OrderMessages); None otherwise."""
        if pending := self._pending_duplicate(order_in.id):
            return pending
        if messages.cancelled_before_import:
            # a cancellation is final for the channel's order id: never imported after it
            return self._finish_cancelled_held(order_in)
        return None

    def _hold(self, order_in, resolved, messages):
        """Keep an order the addon cannot import yet in exception, with the reason."""
        exception, reasons, next_action = resolved["problems"]
        self._supersede_held(messages)
        cancel = self._waiting_cancellation(order_in.id)
        if cancel:  # the channel already cancelled it: nothing to complete
            cancel.write({"state": DONE, "error": False})
            return self._finish_cancelled_held(order_in)
        reason = "; ".join(reasons)
        self.write(
            {
                "state": EXCEPTION,
                "exception": exception,
                "error": reason,
                "next_action": next_action,
            }
        )
        return 200, {
            "order": None,
            "status": exception,
            "reason": reason,
            "lines": [{"id": line.id, "status": exception} for line in order_in.lines],
        }

    def _finish_cancelled_held(self, order_in):
        self.write({"state": DONE, "error": "cancelled by the channel before it was imported"})
        return 200, {
            "order": None,
            "status": status_core.CANCELLED,
            "lines": [{"id": line.id, "status": status_core.CANCELLED} for line in order_in.lines],
        }

    def _reserve_or_cancel(self, order, order_in, connector):
        """The order just created: cancelled when the channel cancelled it (the waiting
        cancellation done); else the published order rules evaluated before its
        reservation (their route and split reach its sourcing), and, unless they held or
        cancelled it, reserved (accepted line by line where the channel accepts orders)."""
        cancel = self._waiting_cancellation(order_in.id)
        if order_in.cancelled or cancel:
            order._action_cancel()
            if cancel:
                cancel.write({"state": DONE, "sale_order_id": order.id, "error": False})
        elif order._channel_decided_by_rules():
            # held for review (its units kept: rules.py) or cancelled, with the reason
            self._keep_held_units(order)
        elif connector.accepts_orders:
            # accepted line by line: the short lines refused, the others reserved; the
            # order is refused whole (cancelled) only when no line is left
            if not (order._channel_refuse_short_lines() and order._channel_reserve()):
                order._action_cancel()
        else:
            order._channel_reserve()

    def _supersede_held(self, messages):
        """Older messages of this order still in exception (or never judged): this one
        replaces them (`messages`: core.intake.OrderMessages)."""
        self.browse(messages.held_ids).write({"state": DUPLICATE, "duplicate_of_id": self.id})

    def _waiting_cancellation(self, external_id):
        return self.search(
            self._message_domain(KIND_CANCEL, external_id, ("state", "=", WAITING)), limit=1
        )

    def _resolve(self, order_in):
        """Map the payload on Odoo records; problems = (exception, reasons, next action)."""
        products, to_complete = self._resolve_lines(order_in)
        next_action = NEXT_ACTION_MAPPING if to_complete else ""
        country, address_problems = self._resolve_country(
            order_in.shipping_address, order_in.address_later
        )
        if address_problems:
            to_complete += address_problems
            next_action = next_action or NEXT_ACTION_ADDRESS
        pricelist, to_check = self._resolve_money(order_in)
        problems = None
        if to_complete:
            problems = (status_core.TO_COMPLETE, to_complete + to_check, self.env._(next_action))
        elif to_check:
            problems = (status_core.TO_CHECK, to_check, self.env._(NEXT_ACTION_CHECK))
        return {
            "problems": problems,
            "products": products,
            "country": country,
            "pricelist": pricelist,
        }

    def _resolve_lines(self, order_in):
        """({sku: product}, [why a line cannot be mapped])."""
        env = self.env
        problems = []
        products, ambiguous = self._products_by_sku({line.sku for line in order_in.lines})
        for line in order_in.lines:
            if line.sku in ambiguous:
                problems.append(
                    env._(
                        "SKU %(sku)r (line %(line)s) matches several variants",
                        sku=line.sku,
                        line=line.id,
                    )
                )
            elif line.sku not in products:
                problems.append(
                    env._("unknown SKU %(sku)r (line %(line)s)", sku=line.sku, line=line.id)
                )
        return products, problems

    def _resolve_country(self, address, later=False):
        """(res.country, [what the shipping address lacks]); ``later``: the channel gives
        the address once the order is accepted: nothing lacks yet."""
        problems = [] if later else order_core.address_problems(address)
        country = self.env["res.country"]
        if address.country_code:
            country = country.search([("code", "=", address.country_code)], limit=1)
            if not country:
                problems.append(
                    self.env._("unknown country code %(code)r", code=address.country_code)
                )
        return country, problems

    def _resolve_money(self, order_in):
        """(the pricelist in a foreign currency, [what a person must check]): the
        currency, a pricelist in it, and the totals."""
        env = self.env
        company = self.channel_id.company_id
        # its currency (and the policy in force's flag), not every column of the company
        company.fetch(["currency_id", "channel_peak_active"])
        problems = []
        currency = env["res.currency"].search([("name", "=", order_in.currency)], limit=1)
        pricelist = env["product.pricelist"]
        if not currency:
            problems.append(env._("unknown currency %(code)r", code=order_in.currency))
        elif currency != company.currency_id:
            pricelist = pricelist.search(
                [("currency_id", "=", currency.id), ("company_id", "in", [False, company.id])],
                limit=1,
            )
            if not pricelist:
                problems.append(env._("no active pricelist in %(code)s", code=order_in.currency))
        totals = order_core.totals_problem(order_in)
        if totals:
            problems.append(totals)
        return pricelist, problems

    def _products_by_sku(self, skus):
        """({sku: product.product}, {sku: why it is ambiguous}): a SKU is the channel's
        binding's, else a variant's internal reference; one that several variants share
        is no match (it would take one of them at random)."""
        found, ambiguous = {}, {}
        channel = self.channel_id
        Binding = self.env["stock.channel.binding"]
        for sku, product_ids in Binding._sku_owners(channel, skus, storable_only=False).items():
            if len(product_ids) == 1:
                found[sku] = self.env["product.product"].browse(product_ids)
            else:
                ambiguous[sku] = Binding._sku_conflict(channel, sku, product_ids)
        return found, ambiguous
