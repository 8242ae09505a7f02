from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    channel_sellable = fields.Boolean(
        string="Sellable on Channels",
        default=True,
        help="Stock in this location (and its sub-locations) counts as sellable on the sales "
        "channels. Switch it off for quarantine: returns awaiting quality check, damaged goods.",
    )

    def _channel_non_sellable_ids(self):
        """Ids of the non-sellable locations among self and their children, in one query."""
        flagged = self.search([("id", "child_of", self.ids), ("channel_sellable", "=", False)])
        if not flagged:
            return set()
        return set(
            self.with_context(active_test=False).search([("id", "child_of", flagged.ids)]).ids
        )
