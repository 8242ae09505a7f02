"""Channel cancellations: the order cancelled before shipment, refused after."""

from odoo import models

from ...core import status as status_core
from ...core.inbound import DONE, EXCEPTION, KIND_ORDER, WAITING


class StockChannelInbound(models.Model):
    """Cancellations: before shipment the order is cancelled and its stock released; a
    held order is closed; one that has not arrived yet waits for it; after shipment it is
    refused (409)."""

    _inherit = "stock.channel.inbound"

    def _process_cancel(self):
        request, rejected = self._parsed(self._connector().parse_cancel)
        if rejected:
            return rejected
        external_id = request["id"]
        if self.url_ref and external_id != self.url_ref:
            return self._reject(
                400, f"body id {external_id!r} is not the order of the URL {self.url_ref!r}"
            )
        self.external_id = external_id
        order = self._find_order(external_id)
        if not order:
            held = self.search(
                [
                    ("channel_id", "=", self.channel_id.id),
                    ("kind", "=", KIND_ORDER),
                    ("external_id", "=", external_id),
                    ("state", "=", EXCEPTION),
                ],
                limit=1,
            )
            if held:
                held.write({"state": DONE, "error": "cancelled by the channel"})
                return self._set_outcome(DONE, status=status_core.CANCELLED)
            # the order has not arrived yet (messages crossed): it is cancelled on arrival
            self.write({"state": WAITING, "error": False})
            return 202, {
                "order": None,
                "status": status_core.CANCELLED,
                "reason": "the order has not arrived yet; it will be cancelled when it does",
            }
        self.sale_order_id = order
        if order.state == "cancel":
            return self._set_outcome(DONE, order)
        shipped = order._channel_done_deliveries()
        if shipped:
            return self._reject(
                409,
                self.env._(
                    "%(order)s has shipped (%(pickings)s): it can no longer be cancelled; "
                    "request a return instead.",
                    order=order.name,
                    pickings=", ".join(shipped.mapped("name")),
                ),
            )
        order._action_cancel()
        if not self._connector().acknowledges_cancellations:
            order.channel_status_pushed = order._channel_status_body()  # the channel knows
        return self._set_outcome(DONE, order)

    # -- returns -----------------------------------------------------------
