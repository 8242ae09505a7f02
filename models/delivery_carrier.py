from odoo import fields, models
from odoo.http import request

from ..core import pickup


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    channel_carrier_code = fields.Char(
        string="Carrier Code for Channels",
        help="The code sales channels know this carrier by (e.g. DHL, UPS, POSTNL), sent "
        "with the tracking number of each parcel.",
    )

    def _in_store_get_close_locations(self, partner_address, product_id=None):
        """Click & collect on a website with a channel: each store's stock is what the
        channel may sell there (the cart's stores: see sale.order._get_insufficient_stock_data;
        the product page's: the variant's quantity in each store), and the location list
        says when the cart is ready there ("Ready in 2 h")."""
        locations = super()._in_store_get_close_locations(partner_address, product_id=product_id)
        product = self._pickup_page_product(product_id)
        order = request.cart
        if product:
            channel = request.website._channel_governing(product)
        else:
            channel = order._pickup_channel() if order else self.env["stock.channel"]
        if not channel:
            return locations
        Warehouse = self.env["stock.warehouse"].sudo()
        for location in locations:
            store = Warehouse.browse(location["id"])
            data = location["additional_data"]
            if product:
                units = channel.sudo()._pickup_available(store, product)[product.id]
                data["in_store_stock_data"] = pickup.stock_values(
                    units, product.show_availability, product.available_threshold
                )
            has_stock = data["in_store_stock_data"]["in_stock"]
            data["pickup_ready"] = store._pickup_ready_words(has_stock)
        return locations

    def _pickup_page_product(self, product_id):
        """The variant whose product page opened the location list, if any."""
        try:
            product = self.env["product.product"].browse(int(product_id or 0))
        except ValueError:
            product = self.env["product.product"]
        return product.sudo().exists()
