"""A market or shipping zone: countries, optionally narrowed to postcode prefixes."""

from odoo import api, fields, models


class StockChannelZone(models.Model):
    _name = "stock.channel.zone"
    _description = "Channel Market Zone"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    country_ids = fields.Many2many("res.country", string="Countries")
    zip_prefixes = fields.Char(
        string="Postcode Prefixes",
        help="Comma-separated postcode prefixes (e.g. 69, 75): only addresses whose postcode "
        "starts with one of them. Empty: the whole countries.",
    )

    def _prefixes(self):
        self.ensure_one()
        return [p.strip().upper() for p in (self.zip_prefixes or "").split(",") if p.strip()]

    def _contains(self, partner):
        """Whether `partner`'s address (country, postcode) lies in this zone."""
        self.ensure_one()
        if not partner or partner.country_id not in self.country_ids:
            return False
        prefixes = self._prefixes()
        zip_code = (partner.zip or "").replace(" ", "").upper()
        return not prefixes or any(zip_code.startswith(prefix) for prefix in prefixes)

    @api.model
    def _zones_of(self, warehouses):
        """{warehouse_id: zone ids its address lies in}, for every zone of its company."""
        zones = self.sudo().search([("company_id", "in", warehouses.company_id.ids)])
        return {
            warehouse.id: {
                zone.id
                for zone in zones
                if zone.company_id == warehouse.company_id and zone._contains(warehouse.partner_id)
            }
            for warehouse in warehouses
        }

    @api.model
    def _places(self, wheres):
        """places(warehouse) -> where to look for a rule of a source `warehouse`, the most
        specific first, among `wheres` (("source", warehouse id), ("zone", zone id): those
        some rule names); None (everywhere) last."""
        zone_ids = {key for kind, key in wheres if kind == "zone"}
        cache = {}

        def places(warehouse):
            if not wheres or not warehouse:
                return (None,)
            if warehouse.id not in cache:
                zones = self._zones_of(warehouse)[warehouse.id] & zone_ids if zone_ids else ()
                found = [("source", warehouse.id)] + [("zone", z) for z in sorted(zones)]
                cache[warehouse.id] = (*(w for w in found if w in wheres), None)
            return cache[warehouse.id]

        return places

    def write(self, vals):
        res = super().write(vals)
        self.env["stock.channel.source"]._republish_zones(self)
        return res

    def unlink(self):
        """Deleting zones empties the channels' market zone and the sources' zones, and
        their transit times and region rules go with them: those channels republished."""
        Rule = self.env["stock.channel.policy.rule"].sudo()
        channels = Rule.search([("zone_id", "in", self.ids)]).channel_id
        self.env["stock.channel.source"]._republish_zones(self)
        channels._promise_changed()
        return super().unlink()
