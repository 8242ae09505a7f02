"""An order held for an unknown SKU: the SKUs to bind, the raw message shown indented, and
the button that opens Bind this SKU (wizard/stock_channel_bind_sku.py)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core.inbound import EXCEPTION, KIND_ORDER, pretty_body, unbound_skus
from ...core.payload import PayloadError


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    body_pretty = fields.Text(
        string="Message",
        compute="_compute_body_pretty",
        help="The raw body as received, indented when it is JSON.",
    )
    unbound_skus = fields.Char(
        string="Unknown SKUs",
        compute="_compute_unbound_skus",
        help="The SKUs of this held order that match no variant on the channel: Bind this "
        "SKU gives one a variant and retries the order.",
    )

    @api.depends("body")
    def _compute_body_pretty(self):
        for inbound in self:
            inbound.body_pretty = pretty_body(inbound.body)

    @api.depends("body", "state", "kind", "channel_id")
    def _compute_unbound_skus(self):
        for inbound in self:
            inbound.unbound_skus = ", ".join(inbound._unbound_skus())

    def _unbound_skus(self):
        """The SKUs of this order in exception that no variant of the channel has."""
        self.ensure_one()
        if self.kind != KIND_ORDER or self.state != EXCEPTION or not self.channel_id:
            return []
        inbound = self.sudo()
        try:
            order_in = inbound._connector().parse_order(inbound._raw())
        except (PayloadError, NotImplementedError):
            return []
        skus = [line.sku for line in order_in.lines]
        found, ambiguous = inbound._products_by_sku(set(skus))
        return unbound_skus(skus, found, ambiguous)

    def action_bind_sku(self):
        """Bind this SKU: the wizard, with the channel and the first unknown SKU."""
        self._check_channel_manager()
        self.ensure_one()
        skus = self._unbound_skus()
        if not skus:
            raise UserError(self.env._("This message holds no order for an unknown SKU."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Bind this SKU"),
            "res_model": "stock.channel.bind.sku",
            "view_mode": "form",
            "target": "new",
            "context": {"default_inbound_id": self.id, "default_sku": skus[0]},
        }
