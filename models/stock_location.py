from odoo import api, fields, models, tools

INVENTORY_STAMP = {"last_inventory_date"}
# the fields whose change moves a location in or out of the non-sellable set of a view
NON_SELLABLE_INPUTS = {"channel_sellable", "location_id", "active"}


class StockLocation(models.Model):
    _inherit = "stock.location"

    channel_sellable = fields.Boolean(
        string="Sellable on Channels",
        default=True,
        help="Stock in this location (and its sub-locations) counts as sellable on the sales "
        "channels. Switch it off for quarantine: returns awaiting quality check, damaged goods.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        self.env.registry.clear_cache()  # _channel_non_sellable_ids
        return locations

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _channel_non_sellable_ids
        return res

    def write(self, vals):
        """Odoo stamps the location's last_inventory_date at every inventory adjustment
        applied in it (stock.quant._apply_inventory): an UPDATE of the location's row
        by every store user adjusting there, and under REPEATABLE READ the second of two
        concurrent adjustments in one location fails to serialise (Odoo's RPC tries it
        again after a random back-off of up to seconds). The date being today's
        already, that UPDATE changes nothing: left out (the first adjustment of the
        day, and any other write, still writes the row)."""
        if set(vals) != INVENTORY_STAMP or not vals["last_inventory_date"]:
            res = super().write(vals)
            if NON_SELLABLE_INPUTS & set(vals):
                self.env.registry.clear_cache()  # _channel_non_sellable_ids
            return res
        stamp = fields.Date.to_date(vals["last_inventory_date"])
        stale = self.filtered(lambda location: location.last_inventory_date != stamp)
        return super(StockLocation, stale).write(vals) if stale else True

    def _channel_non_sellable_ids(self):
        """Ids of the non-sellable locations among self and their children. Kept in
        Odoo's cache per caller (its visibility) until a location is created, deleted,
        moved, archived or flagged (create/write/unlink clear it, in every worker)."""
        active_test = self.env.context.get("active_test", True)
        return set(self._channel_non_sellable_cached(tuple(sorted(self.ids)), active_test))

    @tools.ormcache(
        "self.env.uid",
        "self.env.su",
        "tuple(self.env.context.get('allowed_company_ids') or ())",
        "location_ids",
        "active_test",
    )
    def _channel_non_sellable_cached(self, location_ids, active_test):
        """frozenset of the non-sellable ids under `location_ids` (see above)."""
        Location = self.with_context(active_test=active_test)
        flagged = Location.search(
            [("id", "child_of", location_ids), ("channel_sellable", "=", False)]
        )
        if not flagged:
            return frozenset()
        return frozenset(
            self.with_context(active_test=False).search([("id", "child_of", flagged.ids)]).ids
        )
