"""stock.move: moves that change an incoming quantity, a status, or cross a critical quantity."""

from odoo import api, models

from ..core import events
from .stock_channel_outbox.outbox import PRIORITY_NORMAL

# changes of these on a receipt move change the incoming quantity
INCOMING_FIELDS = {
    "state",
    "date",
    "product_uom_qty",
    "product_qty",
    "location_dest_id",
    "product_id",
}
# a receipt move: into an internal location from outside the company's stock
INCOMING = [
    ("location_dest_usage", "=", "internal"),
    ("location_usage", "not in", ("internal", "transit")),
]
# an outgoing move: from an internal location out of the company's stock, or the pick of a
# 2/3-step delivery (bound for a customer); while it waits unreserved, the receipts counted
# as future stock serve it first
OUTGOING = [
    ("location_usage", "=", "internal"),
    "|",
    ("location_dest_usage", "not in", ("internal", "transit")),
    ("location_final_id.usage", "=", "customer"),
]
# the states an outgoing move enters or leaves as units waiting for goods
WAITING_STATES = ("confirmed", "waiting", "cancel")
# changes of these on a sale's move change the status its channel order reports
STATUS_FIELDS = {"state", "picked"}


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        incoming = moves.filtered_domain(INCOMING)
        if incoming:
            incoming._channel_enqueue_incoming()
        return moves

    def write(self, vals):
        """A write that moves a status or an incoming quantity queues it; any other
        write is Odoo's alone."""
        if not STATUS_FIELDS.isdisjoint(vals):
            # sudo: a stock user may move goods of orders they cannot read
            orders = self.sudo().sale_line_id.order_id
            if orders:
                orders._channel_enqueue_status()
        if vals.get("state") in WAITING_STATES or "product_uom_qty" in vals:
            outgoing = self.filtered_domain(OUTGOING)
            if outgoing:  # what waits for the receipts changes the future stock
                self.env["stock.channel.outbox"]._enqueue_locations(
                    outgoing.product_id.ids, outgoing.location_id.ids, PRIORITY_NORMAL
                )
        if INCOMING_FIELDS.isdisjoint(vals):
            return super().write(vals)
        before = self.filtered_domain(INCOMING)
        res = super().write(vals)
        incoming = before | self.filtered_domain(INCOMING)
        if incoming:
            incoming._channel_enqueue_incoming()
        return res

    def _action_done(self, cancel_backorder=False):
        """Done moves are announced (a critical quantity may be crossed: the alerts)."""
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self.env["stock.channel.event"]._announce(events.MOVE_DONE, moves)
        return moves

    def _channel_enqueue_incoming(self):
        """These receipt moves (INCOMING) changed what is incoming: republish."""
        self.env["stock.channel.outbox"]._enqueue_locations(
            self.product_id.ids, self.location_dest_id.ids, PRIORITY_NORMAL
        )
