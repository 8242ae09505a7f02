from odoo import fields, models
from odoo.exceptions import UserError

# changes of these on a delivery change what its channel order reports
STATUS_FIELDS = {"carrier_tracking_ref", "carrier_id", "channel_delivered_at"}


class StockPicking(models.Model):
    _inherit = "stock.picking"

    channel_delivered_at = fields.Datetime(
        string="Delivered to Customer",
        copy=False,
        help="When the carrier or the channel confirmed the delivery to the customer.",
    )

    def write(self, vals):
        res = super().write(vals)
        if STATUS_FIELDS & set(vals):
            self._channel_enqueue_status()
        return res

    def _channel_enqueue_status(self):
        self.sudo().move_ids.sale_line_id.order_id._channel_enqueue_status()

    def action_channel_mark_delivered(self):
        """The parcel reached the customer: the channel order becomes `delivered`."""
        for picking in self:
            if picking.state != "done" or picking.location_dest_id.usage != "customer":
                raise UserError(
                    self.env._(
                        "Only a done delivery to a customer can be marked delivered (%(name)s).",
                        name=picking.name,
                    )
                )
        self.filtered(
            lambda p: not p.channel_delivered_at
        ).channel_delivered_at = fields.Datetime.now()
        return True
