"""The order rules on the orders answered once reserved: evaluated in the background
confirmation's batches (confirm.py), once their sale orders exist, before they are
confirmed (the inline path evaluates them in order.py's _reserve_or_cancel); an order a
rule holds keeps its units in the reservation ledger in both paths."""

from odoo import models


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    def _decided_by_rules(self, orders, rows):
        """The published order rules evaluated on `orders` (created from self, in the
        same order, not confirmed; their facts read in batch) -> (the orders held for
        review or cancelled, not to be confirmed; their ledger `rows`). A held order
        keeps its rows confirming (its units stay its own while a person checks it); a
        cancelled one's are released."""
        outcomes = orders._channel_apply_rules()
        decided, kept = orders.browse(), rows.browse()
        if not outcomes:
            return decided, kept
        for inbound, order in zip(self, orders, strict=True):
            outcome = outcomes.get(order.id)
            if outcome and order._channel_rule_decide(outcome):
                decided |= order
                own = rows.filtered(lambda row, i=inbound: row.inbound_id == i)
                kept |= own
                if order.state == "cancel":
                    own._release()
        return decided, kept

    def _keep_held_units(self, order):
        """An order a rule held in the inline path keeps its units as one answered once
        reserved does: ledger rows (confirming) of what it needs at its channel's
        warehouse, when the stock covers it there (a sourced channel's order is not
        reserved before its sourcing: nothing kept). A person's Retry, Confirm or
        Cancel releases them (sale_order/rule_actions.py)."""
        channel = self.channel_id.sudo()
        if order.state == "cancel" or channel.source_ids:
            return
        needed = order._channel_needed_quantities()
        if needed and not order._channel_shortfalls(channel):
            self._write_reservation(order.channel_order_ref, order.name, needed)
