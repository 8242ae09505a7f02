"""Customer service on a channel (or webshop) order: its screen, the checks before each
action, what the status push carries of the actions (address, refunds)."""

from odoo import fields, models
from odoo.exceptions import UserError

from ...core import customer_service as cs
from ..access import ORDER_SERVICE_GROUPS, check_groups, check_manager_of, check_rules


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_action_ids = fields.One2many(
        "stock.channel.order.action", "order_id", string="Customer Service Actions"
    )

    # ------------------------------------------------------------------
    # The screen and its buttons
    # ------------------------------------------------------------------
    def action_channel_customer_service(self):
        """Open the order's Customer Service screen."""
        self.ensure_one()
        self._channel_cs_order()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Service: %(order)s", order=self.name),
            "res_model": "sale.order",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("stock_channel_sync.view_order_customer_service").id, "form")],
            "target": "current",
        }

    def action_channel_cs_reallocate(self):
        return self._channel_cs_wizard(cs.REALLOCATE, "stock.channel.cs.reallocate")

    def action_channel_cs_address(self):
        return self._channel_cs_wizard(cs.ADDRESS, "stock.channel.cs.address")

    def action_channel_cs_refund(self):
        return self._channel_cs_wizard(cs.REFUND, "stock.channel.cs.refund")

    def _channel_cs_wizard(self, kind, model):
        self.ensure_one()
        self._channel_cs_check(kind)
        return {
            "type": "ir.actions.act_window",
            "name": dict(cs.KIND_SELECTION)[kind],
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    # ------------------------------------------------------------------
    # Checks (the group and the company, before any sudo(); then the order's state)
    # ------------------------------------------------------------------
    def _channel_cs_order(self):
        """UserError unless self is a channel or webshop order."""
        for order in self.sudo():
            if not (order.channel_id or order.website_id):
                raise UserError(
                    self.env._("%(order)s is not a channel or webshop order.", order=order.name)
                )

    def _channel_cs_check(self, kind):
        """AccessError unless the user is a channel, sales or stock manager of self's
        company; UserError when `kind` cannot be done on self now."""
        check_manager_of(self, *ORDER_SERVICE_GROUPS)
        self._channel_cs_order()
        for order in self.sudo():
            why = order._channel_cs_refusal(kind)
            if why:
                raise UserError(self.env._("%(order)s: %(why)s", order=order.name, why=why))

    def _channel_cs_readable(self):
        """AccessError unless the user is one of customer service's managers and may read
        self under the company rules: a wizard's defaults and computes call it before
        they read the order in superuser mode (an order id can come over RPC)."""
        check_groups(self.env, *ORDER_SERVICE_GROUPS)
        check_rules(self, "read")

    def _channel_cs_open_deliveries(self):
        return self.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel") and p.picking_type_code == "outgoing"
        )

    def _channel_cs_refusal(self, kind):
        """Why `kind` cannot be done on self now, or None."""
        if self.state == "cancel":
            return self.env._("the order is cancelled.")
        if self.state != "sale":
            return self.env._("the order is not confirmed yet.")
        if kind == cs.REFUND:
            return None
        if not self._channel_cs_open_deliveries():
            return self.env._("the order has shipped: nothing is left to deliver.")
        if kind == cs.REALLOCATE and self._channel_done_deliveries():
            return self.env._("part of the order has shipped: it can no longer move.")
        return None

    # ------------------------------------------------------------------
    # What the status push carries of customer service's actions
    # ------------------------------------------------------------------
    def _channel_status_extras(self):
        """The last address change and every refund the platform is told of (the body
        carries them only when there are)."""
        extras = super()._channel_status_extras()
        if self.channel_action_ids:
            address, refunds = self.env["stock.channel.order.action"]._push_extras(self)
            extras.update(address=address, refunds=refunds)
        return extras
