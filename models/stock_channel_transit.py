"""Transit days from a warehouse to a market zone: the small table a manager fills in."""

from odoo import api, fields, models


class StockChannelTransit(models.Model):
    _name = "stock.channel.transit"
    _description = "Channel Transit Time"
    _order = "warehouse_id, zone_id"
    _check_company_auto = True

    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, ondelete="cascade", check_company=True, index=True
    )
    zone_id = fields.Many2one(
        "stock.channel.zone", required=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="warehouse_id.company_id", store=True, index=True)
    transit_days = fields.Integer(
        required=True, default=1, help="Days a parcel takes from the warehouse to the zone."
    )

    _warehouse_zone_uniq = models.UniqueIndex(
        "(warehouse_id, zone_id)", "One transit time per warehouse and zone."
    )
    _transit_days_positive = models.Constraint(
        "CHECK (transit_days >= 0)", "Transit days are not negative."
    )

    @api.model
    def _days_of(self, warehouses):
        """{warehouse_id: {zone_id: days}} of `warehouses`."""
        table = {warehouse.id: {} for warehouse in warehouses}
        for row in self.sudo().search([("warehouse_id", "in", warehouses.ids)]):
            table[row.warehouse_id.id][row.zone_id.id] = row.transit_days
        return table

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._republish()
        return rows

    def write(self, vals):
        self._republish()
        res = super().write(vals)
        self._republish()
        return res

    def unlink(self):
        self._republish()
        return super().unlink()

    def _republish(self):
        """The channels fed by these warehouses republished (their promise may change)."""
        Source = self.env["stock.channel.source"].sudo()
        channels = Source.search([("warehouse_id", "in", self.warehouse_id.ids)]).channel_id
        if channels:
            self.env["stock.channel.outbox"]._enqueue(channels=channels)
