"""Customer service: change an order's delivery address before it ships (a new delivery
contact; the open deliveries follow; the platform told when it takes it)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import customer_service as cs


def _one_line(partner):
    lines = (partner.contact_address or "").splitlines()
    return ", ".join(line.strip() for line in lines if line.strip())


class StockChannelCsAddress(models.TransientModel):
    _name = "stock.channel.cs.address"
    _description = "Change an Order's Delivery Address"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade", readonly=True)
    name = fields.Char(required=True)
    street = fields.Char(required=True)
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char(required=True)
    country_id = fields.Many2one("res.country", required=True)
    phone = fields.Char()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        order = self.env["sale.order"].browse(values.get("order_id")).exists()
        if order:
            order._channel_cs_readable()  # before the sudo(): the id can come over RPC
            partner = order.sudo().partner_shipping_id
            for name in ("name", "street", "street2", "zip", "city", "phone"):
                values.setdefault(name, partner[name] or False)
            values.setdefault("country_id", partner.country_id.id)
        return values

    def _address(self):
        return {
            "name": self.name,
            "street": self.street,
            "street2": self.street2 or "",
            "zip": self.zip or "",
            "city": self.city,
            "country_code": self.country_id.code,
            "phone": self.phone or "",
        }

    def action_confirm(self):
        self.ensure_one()
        order = self.order_id
        order._channel_cs_check(cs.ADDRESS)
        address = self._address()
        if not address["name"].strip() or not address["street"].strip():
            raise UserError(self.env._("The address needs a name and a street."))
        sudo = order.sudo()
        contact = self.env["res.partner"].sudo().create(
            {"type": "delivery", "parent_id": sudo.partner_id.commercial_partner_id.id,
             "name": self.name, "street": self.street, "street2": self.street2, "zip": self.zip,
             "city": self.city, "country_id": self.country_id.id, "phone": self.phone}
        )  # fmt: skip
        # sale_stock moves the open deliveries with this context (else it only warns)
        sudo.with_context(update_delivery_shipping_partner=True).partner_shipping_id = contact
        sudo._channel_cs_open_deliveries().partner_id = contact
        self.env["stock.channel.order.action"]._record(
            order,
            cs.ADDRESS,
            self.env._("Delivery address changed to %(address)s", address=_one_line(contact)),
            address=address,
        )
        return {"type": "ir.actions.act_window_close"}
