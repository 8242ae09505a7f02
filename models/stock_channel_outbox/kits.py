"""Kits: a stock change of a component queues its kits too (the reverse index of
stock.channel._kits_containing), on the same channels, at the same priority."""

from odoo import models


class StockChannelOutbox(models.Model):
    _inherit = "stock.channel.outbox"

    def _kits_of_pending(self, pending):
        """Add to the transaction's pending changes (per warehouse, per channel) the kits
        that contain a changed variant: pushed with it, and refreshed with it on the
        channels without a connector (the same STOCK_CHANGED announce)."""
        targets = [*pending["warehouse"].values(), *pending["channel"].values()]
        changed = {pid for target in targets for pid in target if pid is not None}
        kits_of = self.env["stock.channel"]._kits_containing(changed) if changed else {}
        if not kits_of:
            return
        for target in targets:
            for product_id, (prio, force) in list(target.items()):
                for kit_id in kits_of.get(product_id, ()):
                    old_prio, old_force = target.get(kit_id, (prio, force))
                    target[kit_id] = (max(prio, old_prio), force or old_force)
