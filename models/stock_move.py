"""stock.move: moves that change an incoming quantity, a status, or cross a critical quantity."""

from odoo import api, models

from ..core import events

# changes of these on a receipt move change the incoming quantity
INCOMING_FIELDS = {
    "state",
    "date",
    "product_uom_qty",
    "product_qty",
    "location_dest_id",
    "product_id",
}
# changes of these on a sale's move change the status its channel order reports
STATUS_FIELDS = {"state", "picked"}


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves._channel_enqueue_incoming()
        return moves

    def write(self, vals):
        if not STATUS_FIELDS.isdisjoint(vals):
            # sudo: a stock user may move goods of orders they cannot read
            self.sudo().sale_line_id.order_id._channel_enqueue_status()
        if INCOMING_FIELDS.isdisjoint(vals):
            return super().write(vals)
        before = self._channel_incoming()
        res = super().write(vals)
        (before | self._channel_incoming())._channel_enqueue_incoming()
        return res

    def _action_done(self, cancel_backorder=False):
        """Done moves are announced (a critical quantity may be crossed: the alerts)."""
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        self.env["stock.channel.event"]._announce(events.MOVE_DONE, moves)
        return moves

    def _channel_incoming(self):
        return self.filtered(
            lambda m: (
                m.location_dest_id.usage == "internal"
                and m.location_id.usage not in ("internal", "transit")
            )
        )

    def _channel_enqueue_incoming(self):
        moves = self._channel_incoming()
        if moves:
            self.env["stock.channel.outbox"]._enqueue_locations(
                moves.product_id.ids, moves.location_dest_id.ids
            )
