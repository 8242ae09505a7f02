"""Creating the sale order of a channel order: its customer, delivery address and prices."""

from odoo import Command, fields, models
from odoo.tools import escape_psql


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    def _create_order(self, order_in, resolved):
        """An order created from a message a person retried, or that was held before
        (this one, or an earlier version it replaces), was held for a person."""
        vals = self._order_vals(order_in, resolved)
        if answered := self._answered_name():
            vals["name"] = answered  # the channel was answered this name
        order = self.env["sale.order"].sudo().create(vals)
        self.sale_order_id = order
        if self._held_before():
            order.channel_held_at = fields.Datetime.now()
        return order

    def _answered_name(self):
        """The name this message was answered from a reservation whose confirmation
        failed (its ledger rows released), False otherwise."""
        row = (
            self.env["stock.channel.reservation"]
            .sudo()
            .search([("inbound_id", "=", self.id), ("order_name", "!=", False)], limit=1)
        )
        return row.order_name

    def _order_vals(self, order_in, resolved):
        """The values of the sale order of `order_in`, mapped on Odoo records (`resolved`)."""
        channel = self.channel_id
        partner, shipping = self._partner(order_in, resolved["country"])
        lines = [
            Command.create(
                {
                    "product_id": resolved["products"][line.sku].id,
                    "product_uom_qty": line.quantity,
                    "price_unit": float(line.price_unit),
                    "channel_line_ref": line.id,
                }
            )
            for line in order_in.lines
        ]
        if order_in.shipping_amount:
            lines.append(_shipping_line(channel._shipping_product(), order_in))
        vals = {
            "partner_id": partner.id,
            "partner_invoice_id": partner.id,
            "partner_shipping_id": shipping.id,
            "channel_address_pending": order_in.address_later,
            "channel_payment_state": order_in.payment_state,
            "company_id": channel.company_id.id,
            "warehouse_id": channel.warehouse_id.id,
            "channel_id": channel.id,
            "channel_order_ref": order_in.id,
            "client_order_ref": order_in.name or order_in.id,
            "origin": f"{channel.name}: {order_in.name or order_in.id}",
            "order_line": lines,
        }
        if resolved["pricelist"]:
            vals["pricelist_id"] = resolved["pricelist"].id
        return vals

    def _held_before(self):
        """Whether a person retried this message, or it (or an earlier version it
        replaces) was held."""
        return (
            self.env.context.get("stock_channel_retried")
            or self.exception
            or self.search_count(
                [("duplicate_of_id", "=", self.id), ("exception", "!=", False)], limit=1
            )
        )

    def _partner(self, order_in, country):
        """(customer, delivery address): the customer found by its exact e-mail
        (case-insensitive), or created with the address; an existing customer's address
        is never written over: the order ships to a delivery contact of it."""
        customer, address = order_in.customer, order_in.shipping_address
        address_vals = _address_vals(address, country)
        partner = self._customer_by_email(customer.email) or self._new_customer(
            order_in, address_vals
        )
        name = address.name or customer.name
        if name == partner.name and all(
            (partner[f].id if f == "country_id" else partner[f]) == v
            for f, v in address_vals.items()
        ):
            return partner, partner
        Partner = self.env["res.partner"].sudo()
        domain = [("parent_id", "=", partner.id), ("type", "=", "delivery"), ("name", "=", name)]
        domain += [(f, "=", v) for f, v in address_vals.items()]
        shipping = Partner.search(domain, limit=1) or Partner.create(
            {"parent_id": partner.id, "type": "delivery", "name": name, **address_vals}
        )
        return partner, shipping

    def _new_customer(self, order_in, address_vals):
        """The customer of `order_in` created, with its shipping address."""
        customer, address = order_in.customer, order_in.shipping_address
        name = (
            customer.name
            or address.name
            or self.env._(
                "%(channel)s customer of %(order)s",
                channel=self.channel_id.name,
                order=order_in.name or order_in.id,
            )
        )
        vals = {"name": name, "email": customer.email or False, "phone": customer.phone or False}
        return self.env["res.partner"].sudo().create({**vals, **address_vals})

    def _complete_address(self, order, order_in):
        """The address the channel gives once the order is accepted: the customer the
        order created without it gets it (name, e-mail, phone too); a customer of other
        orders gets a delivery contact. The deliveries not done yet ship there."""
        country, problems = self._resolve_country(order_in.shipping_address)
        if problems:  # still incomplete: a later version completes it
            return
        address, customer = order_in.shipping_address, order_in.customer
        vals = _address_vals(address, country)
        partner = order.partner_id.sudo()
        name = address.name or customer.name or partner.name
        if self.env["sale.order"].sudo().search_count([("partner_id", "=", partner.id)]) == 1:
            partner.write(
                {
                    "name": customer.name or name,
                    "email": customer.email or partner.email,
                    "phone": customer.phone or partner.phone,
                    **vals,
                }
            )
            shipping = partner
        else:
            shipping = partner.create(
                {"parent_id": partner.id, "type": "delivery", "name": name, **vals}
            )
        order.write({"partner_shipping_id": shipping.id, "channel_address_pending": False})
        order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")).write(
            {"partner_id": shipping.id}
        )

    def _complete_prices(self, order, order_in):
        """The prices an order imported before its payment lacked (Amazon's pending
        orders: no prices yet), and its shipping, once the channel gives them."""
        prices = {line.id: line.price_unit for line in order_in.lines}
        for line in order.order_line.filtered(lambda sol: sol.channel_line_ref in prices):
            if not line.price_unit and prices[line.channel_line_ref]:
                line.price_unit = float(prices[line.channel_line_ref])
        shipping_product = self.channel_id._shipping_product()
        if order_in.shipping_amount and shipping_product not in order.order_line.product_id:
            order.write({"order_line": [_shipping_line(shipping_product, order_in)]})

    def _customer_by_email(self, email):
        """The company's (or shared) customer with exactly this e-mail, ignoring case: no
        pattern (an '_' or '%' in an address matches only itself)."""
        email = (email or "").strip()
        if not email:
            return self.env["res.partner"]
        return (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("email", "=ilike", escape_psql(email)),
                    ("parent_id", "=", False),
                    ("company_id", "in", [False, self.channel_id.company_id.id]),
                ],
                limit=1,
            )
        )


def _address_vals(address, country):
    """The partner values of a channel's shipping `address` (in `country`)."""
    return {
        "street": address.street or False,
        "street2": address.street2 or False,
        "zip": address.zip or False,
        "city": address.city or False,
        "country_id": country.id or False,
    }


def _shipping_line(product, order_in):
    """The order line (a Command) of the shipping `order_in` charges, as `product`."""
    return Command.create(
        {
            "product_id": product.id,
            "product_uom_qty": 1,
            "price_unit": float(order_in.shipping_amount),
        }
    )
