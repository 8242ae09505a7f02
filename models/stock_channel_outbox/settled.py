"""Orders confirmed from their reservation (stock.channel.inbound, confirm.py) queue
nothing: their units pass from the ledger to the quants in one transaction."""

from odoo import api, models

from .enqueue import PRECOMMIT_KEY


class StockChannelOutbox(models.Model):
    _inherit = "stock.channel.outbox"

    @api.model
    def _forget_settled(self, product_ids, order_ids):
        """Forget the stock changes of `product_ids` and the status changes of
        `order_ids` noted so far in this transaction: orders confirmed from their
        reservation with all their units (the variants' figures unchanged: reserved
        in the quants what the ledger reserved), their status the one the channel was
        answered."""
        pending = self.env.cr.precommit.data.get(PRECOMMIT_KEY)
        if not pending:
            return
        products = set(product_ids)
        for key in [key for key in pending["stock"] if key[1] in products]:
            del pending["stock"][key]
        pending["orders"].difference_update(order_ids)
