"""Channel cancellations: the order cancelled before shipment, refused after."""

from odoo import models

from ...core import status as status_core
from ...core.inbound import DONE, EXCEPTION, KIND_ORDER, RESERVED, WAITING
from ...core.intake import CONFIRMING

CANCELLED_CONFIRMING = "cancelled by the channel before it was confirmed"


class StockChannelInbound(models.Model):
    """Cancellations: before shipment the order is cancelled and its stock released; a
    held order is closed; one that has not arrived yet waits for it; after shipment it is
    refused (409)."""

    _inherit = "stock.channel.inbound"

    def _process_cancel(self):
        request, rejected = self._parsed_of_url(self._connector().parse_cancel, "id")
        if rejected:
            return rejected
        external_id = request["id"]
        self.external_id = external_id
        order = self._find_order(external_id)
        if not order:
            held = self.search(
                self._message_domain(KIND_ORDER, external_id, ("state", "=", EXCEPTION)),
                limit=1,
            )
            if held:
                held.write({"state": DONE, "error": "cancelled by the channel"})
                return self._set_outcome(DONE, status=status_core.CANCELLED)
            if self._cancel_confirming(external_id):
                return self._set_outcome(DONE, status=status_core.CANCELLED)
            # the order has not arrived yet (messages crossed): it is cancelled on arrival
            return self._cancel_on_arrival()
        self.sale_order_id = order
        if order.state == "cancel":
            return self._set_outcome(DONE, order)
        shipped = order._channel_done_deliveries()
        if shipped:
            return self._refuse_shipped(order, shipped)
        order._action_cancel()
        if not self._connector().acknowledges_cancellations:
            order.channel_status_pushed = order._channel_status_body()  # the channel knows
        return self._set_outcome(DONE, order)

    def _parsed_of_url(self, parse, key):
        """`_parsed`, and the body's `key` must name the order of the URL, when the URL
        names one (cancellations and returns)."""
        request, rejected = self._parsed(parse)
        if not rejected and self.url_ref and request[key] != self.url_ref:
            return None, self._reject(
                400, f"body {key} {request[key]!r} is not the order of the URL {self.url_ref!r}"
            )
        return request, rejected

    def _cancel_confirming(self, external_id):
        """The order answered from a reservation and still confirming: its message row
        locked (the confirmation claims it SKIP LOCKED: whichever comes first wins, the
        other sees the result after a serialization retry), its units released, the
        message done. False when no such message is waiting for its confirmation."""
        reserved = self.search(
            self._message_domain(KIND_ORDER, external_id, ("state", "=", RESERVED)), limit=1
        )
        if not reserved:
            return False
        self.flush_model(["state"])
        self.env.cr.execute(
            "SELECT id FROM stock_channel_inbound WHERE id = %s AND state = %s FOR UPDATE",
            [reserved.id, RESERVED],
            log_exceptions=False,
        )
        if not self.env.cr.fetchone():
            return False
        reserved._cancelled_while_confirming()
        return True

    def _cancelled_while_confirming(self):
        """A reserved order message the channel cancelled: its ledger rows released
        (the units count again, republished), the message done."""
        rows = self.env["stock.channel.reservation"].sudo()
        rows.search([("inbound_id", "in", self.ids), ("state", "=", CONFIRMING)])._release()
        self.write({"state": DONE, "error": CANCELLED_CONFIRMING, "exception": False})

    def _cancel_on_arrival(self):
        """The cancellation waits for its order (not arrived yet): cancelled when it does."""
        self.write({"state": WAITING, "error": False})
        return 202, {
            "order": None,
            "status": status_core.CANCELLED,
            "reason": "the order has not arrived yet; it will be cancelled when it does",
        }

    def _refuse_shipped(self, order, shipped):
        """A cancellation of an order that has shipped (`shipped`: its deliveries): 409."""
        return self._reject(
            409,
            self.env._(
                "%(order)s has shipped (%(pickings)s): it can no longer be cancelled; "
                "request a return instead.",
                order=order.name,
                pickings=", ".join(shipped.mapped("name")),
            ),
        )

    # -- returns -----------------------------------------------------------
