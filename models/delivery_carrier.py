from odoo import fields, models


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    channel_carrier_code = fields.Char(
        string="Carrier Code for Channels",
        help="The code sales channels know this carrier by (e.g. DHL, UPS, POSTNL), sent "
        "with the tracking number of each parcel.",
    )
