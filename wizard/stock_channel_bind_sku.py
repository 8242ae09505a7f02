"""Bind this SKU: an order held for an SKU no variant has is fixed in one step (the
variant picked, bound under the SKU on the channel, the order retried)."""

import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core.inbound import EXCEPTION
from ..models.access import check_manager_of

_logger = logging.getLogger(__name__)


class StockChannelBindSku(models.TransientModel):
    _name = "stock.channel.bind.sku"
    _description = "Bind an unknown SKU to a variant and retry the order"

    inbound_id = fields.Many2one(
        "stock.channel.inbound", string="Order Message", required=True, ondelete="cascade"
    )
    channel_id = fields.Many2one(related="inbound_id.channel_id")
    company_id = fields.Many2one(related="inbound_id.channel_id.company_id")
    external_id = fields.Char(related="inbound_id.external_id", string="Channel Order")
    sku = fields.Char(string="SKU on Channel", required=True)
    product_id = fields.Many2one(
        "product.product",
        string="Variant",
        domain="[('company_id', 'in', [company_id, False])]",
        help="The variant the channel sells under this SKU.",
    )
    binding_id = fields.Many2one(
        "stock.channel.binding",
        compute="_compute_binding_id",
        help="The variant's binding on the channel, if it has one already.",
    )
    message = fields.Char(compute="_compute_message")

    @api.depends("product_id", "channel_id")
    def _compute_binding_id(self):
        Binding = self.env["stock.channel.binding"].with_context(active_test=False)
        for wizard in self:
            wizard.binding_id = Binding.browse()
            if wizard.product_id and wizard.channel_id:
                wizard.binding_id = Binding.search(
                    [
                        ("channel_id", "=", wizard.channel_id.id),
                        ("product_id", "=", wizard.product_id.id),
                    ],
                    limit=1,
                )

    @api.depends("binding_id", "sku", "product_id")
    def _compute_message(self):
        for wizard in self:
            wizard.message = wizard._outcome() if wizard.product_id and wizard.sku else False

    def _outcome(self):
        """What confirming does, in words."""
        binding, names = self.binding_id, self._names()
        if not binding:
            return self.env._(
                "%(variant)s will be bound on %(channel)s under SKU %(sku)s.", **names
            )
        if binding.external_sku == self.sku.strip() and binding.active:
            return self.env._(
                "%(variant)s is already bound on %(channel)s under SKU %(sku)s.", **names
            )
        return self.env._(
            "%(variant)s is already bound on %(channel)s under SKU %(old)s: its SKU will "
            "change to %(sku)s.",
            old=repr(binding.external_sku or ""),
            **names,
        )

    def _names(self):
        return {
            "variant": self.product_id.sudo().display_name,
            "channel": self.channel_id.display_name,
            "sku": repr(self.sku.strip()),
        }

    def action_confirm(self):
        """Bind the variant under the SKU (or change its binding's SKU, saying so), then
        retry the order: a channel manager of the message's company only."""
        self.ensure_one()
        check_manager_of(self.inbound_id)
        self._check_bindable()
        note = self._outcome()
        self._bind()
        inbound = self.inbound_id
        inbound.action_retry()
        result = self._retried(inbound)
        self.channel_id.sudo().message_post(body=Markup("%s<br/>%s") % (note, result))
        _logger.info("channel %s: %s %s", self.channel_id.code, note, result)
        done = bool(inbound.sale_order_id) and inbound.state != EXCEPTION
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Bind this SKU"),
                "message": f"{note} {result}",
                "type": "success" if done else "warning",
                "sticky": not done,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _check_bindable(self):
        """UserError unless the variant can take the SKU on the channel: a variant of the
        channel's company, a SKU no other variant has there."""
        if not self.product_id:
            raise UserError(self.env._("Pick the variant the channel sells under this SKU."))
        sku = (self.sku or "").strip()
        if not sku:
            raise UserError(self.env._("The SKU cannot be empty."))
        company, product = self.channel_id.company_id, self.product_id.sudo()
        if product.company_id and product.company_id != company:
            raise UserError(
                self.env._(
                    "%(variant)s belongs to %(company)s, not to %(channel_company)s (%(channel)s).",
                    variant=product.display_name,
                    company=product.company_id.display_name,
                    channel_company=company.display_name,
                    channel=self.channel_id.display_name,
                )
            )
        others = self._sku_owners(sku) - self.product_id
        if others:
            raise UserError(
                self.env._(
                    "SKU %(sku)r is already %(variants)s's on %(channel)s: change that "
                    "binding or internal reference first.",
                    sku=sku,
                    variants=", ".join(others.mapped("display_name")),
                    channel=self.channel_id.display_name,
                )
            )

    def _sku_owners(self, sku):
        """The variants known by `sku` on the channel (bound under it, or by their internal
        reference), archived variants' bindings included."""
        Binding = self.env["stock.channel.binding"].sudo()
        owners = Binding._sku_owners(self.channel_id, [sku], storable_only=False).get(sku, [])
        bound = Binding.search(
            [("channel_id", "=", self.channel_id.id), ("external_sku", "=", sku)]
        ).product_id
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        return Product.browse(owners) | bound.sudo().with_context(active_test=False)

    def _bind(self):
        sku = self.sku.strip()
        if self.binding_id:
            self.binding_id.write({"external_sku": sku, "active": True})
            return self.binding_id
        return self.env["stock.channel.binding"].create(
            {
                "channel_id": self.channel_id.id,
                "product_id": self.product_id.id,
                "external_sku": sku,
            }
        )

    def _retried(self, inbound):
        """The retry's outcome, in words."""
        if inbound.sale_order_id and inbound.state != EXCEPTION:
            return self.env._(
                "Order %(ref)s retried: sale order %(order)s.",
                ref=inbound.external_id,
                order=inbound.sale_order_id.name,
            )
        return self.env._(
            "Order %(ref)s retried, still held: %(error)s",
            ref=inbound.external_id,
            error=inbound.error or inbound.state,
        )
