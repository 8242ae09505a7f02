"""The order rules on the orders answered once reserved: evaluated in the background
confirmation's batches (confirm.py), once their sale orders exist, before they are
confirmed (the inline path evaluates them in order.py's _reserve_or_cancel)."""

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
