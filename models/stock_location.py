from odoo import fields, models

INVENTORY_STAMP = {"last_inventory_date"}


class StockLocation(models.Model):
    _inherit = "stock.location"

    channel_sellable = fields.Boolean(
        string="Sellable on Channels",
        default=True,
        help="Stock in this location (and its sub-locations) counts as sellable on the sales "
        "channels. Switch it off for quarantine: returns awaiting quality check, damaged goods.",
    )

    def write(self, vals):
        """Odoo stamps the location's last_inventory_date at every inventory adjustment
        applied in it (stock.quant._apply_inventory): an UPDATE of the location's row
        by every store user adjusting there, and under REPEATABLE READ the second of two
        concurrent adjustments in one location fails to serialise (Odoo's RPC tries it
        again after a random back-off of up to seconds). The date being today's
        already, that UPDATE changes nothing: left out (the first adjustment of the
        day, and any other write, still writes the row)."""
        if set(vals) != INVENTORY_STAMP or not vals["last_inventory_date"]:
            return super().write(vals)
        stamp = fields.Date.to_date(vals["last_inventory_date"])
        stale = self.filtered(lambda location: location.last_inventory_date != stamp)
        return super(StockLocation, stale).write(vals) if stale else True

    def _channel_non_sellable_ids(self):
        """Ids of the non-sellable locations among self and their children, in one query."""
        flagged = self.search([("id", "child_of", self.ids), ("channel_sellable", "=", False)])
        if not flagged:
            return set()
        return set(
            self.with_context(active_test=False).search([("id", "child_of", flagged.ids)]).ids
        )
