from odoo import models
from odoo.exceptions import UserError

from ..core import offers


class PosConfig(models.Model):
    _inherit = "pos.config"

    def _stock_channel(self):
        """The channel of this register (stock.channel.pos_config_id), or empty."""
        return self.env["stock.channel"]._serving("pos_config_id", self)

    def stock_channel_availability(self, product_ids):
        """What the register's channel may sell of each variant now: its orderable
        quantity (the sellable units, those reserved for channel orders and the other
        channels' ring fences left out), in one batch -> {"channel": name, "quantities":
        {product_id: qty}}, or {} without a channel. The POS shows it and warns before
        selling a unit beyond it (the sale still goes through: the ledger records it)."""
        self.ensure_one()
        self.check_access("read")
        channel = self._stock_channel()
        products = self.env["product.product"].browse(product_ids).exists()
        products = products.filtered("is_storable")
        if not channel or not products:
            return {}
        orderable = channel._orderable(products)
        return {
            "channel": channel.display_name,
            "quantities": {str(pid): qty for pid, qty in orderable.items()},
        }

    def _stock_channel_store(self):
        """The store (warehouse) of this register."""
        return self.picking_type_id.warehouse_id

    def stock_channel_offers(self):
        """The open store offers of the register's store, for its screen: [{"id",
        "order", "customer", "lines", "expires_in"}] (none for a non-stock user)."""
        self.ensure_one()
        self.check_access("read")
        store = self._stock_channel_store()
        if not store or not self.env.user.has_group("stock.group_stock_user"):
            return []
        found = self.env["stock.channel.offer"].search(
            [("warehouse_id", "=", store.id), ("state", "=", offers.OFFERED)],
            order="expires_at, id",
        )
        return [
            {
                "id": offer.id,
                "order": offer.order_id.name,
                "customer": offer.partner_id.display_name or "",
                "lines": ", ".join(
                    f"{line.product_uom_qty:g} x {line.product_id.display_name}"
                    for line in offer.order_line_ids.filtered("product_id")
                ),
                "expires_in": offer.expires_in or "",
            }
            for offer in found
        ]

    def stock_channel_offer_answer(self, offer_id, accept):
        """The register's store accepts (`accept`) or declines an offer: only an offer of
        its own store, with the user's rights checked by the offer."""
        self.ensure_one()
        self.check_access("read")
        offer = self.env["stock.channel.offer"].browse(offer_id).exists()
        store = self._stock_channel_store()
        if not offer or offer.warehouse_id != store:
            raise UserError(self.env._("This order is not offered to this register's store."))
        offer._check_answerer(register_store=store)
        if accept:
            offer._accept()
            return self.env._("%(order)s is yours: prepare it.", order=offer.order_id.name)
        offer._decline()
        return self.env._("%(order)s declined.", order=offer.order_id.name)
