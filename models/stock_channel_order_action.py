"""stock.channel.order.action: what customer service did on an order (reallocate, change
the delivery address, refund part of a line) and what the platform answered."""

from odoo import api, fields, models

from ..core import customer_service as cs
from ..core.connectors import CONNECTORS, implements
from ..core.status import json_quantity


class StockChannelOrderAction(models.Model):
    _name = "stock.channel.order.action"
    _description = "Customer Service Action on a Channel Order"
    _order = "done_at desc, id desc"

    order_id = fields.Many2one(
        "sale.order", required=True, ondelete="cascade", index=True, readonly=True
    )
    channel_id = fields.Many2one("stock.channel", readonly=True, index="btree_not_null")
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    kind = fields.Selection(cs.KIND_SELECTION, required=True, readonly=True)
    done_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one(
        "res.users", required=True, readonly=True, default=lambda self: self.env.user
    )
    description = fields.Text(readonly=True)
    line_id = fields.Many2one("sale.order.line", readonly=True, ondelete="set null")
    quantity = fields.Float(digits="Product Unit", readonly=True)
    taken_off = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="The unshipped part of the refunded quantity, taken off the line.",
    )
    amount = fields.Monetary(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    reason = fields.Char(readonly=True)
    address = fields.Json(readonly=True, help="The new delivery address, as pushed.")
    state = fields.Selection(cs.STATE_SELECTION, required=True, default=cs.DONE, readonly=True)
    result = fields.Text(readonly=True, help="What the platform answered (clipped).")
    sent_at = fields.Datetime(readonly=True)

    # ------------------------------------------------------------------
    # Recording an action
    # ------------------------------------------------------------------
    @api.model
    def _record(self, order, kind, description, **values):
        """Record `kind` done on `order` (the caller checked the group and the company);
        queued for the order's next status push when its platform takes it."""
        state, result = self._platform_verdict(order, kind)
        if kind == cs.ADDRESS and state == cs.QUEUED:
            self._replace_queued_address(order)
        action = self.sudo().create(
            {
                "order_id": order.id,
                "channel_id": order.channel_id.id,
                "kind": kind,
                "user_id": self.env.uid,
                "description": description,
                "state": state,
                "result": result,
                **values,
            }
        )
        if state == cs.QUEUED:
            action._queue_push()
        return action

    @api.model
    def _replace_queued_address(self, order):
        """An address change not sent yet is replaced by a newer one (a push carries
        only the last address)."""
        self.sudo().search(
            [("order_id", "=", order.id), ("kind", "=", cs.ADDRESS), ("state", "=", cs.QUEUED)]
        ).write({"state": cs.DONE, "result": self.env._("Replaced by a later address change.")})

    def _queue_push(self):
        """Queue the order's status push; when its body is the one the channel last
        accepted (the same address again), nothing is new to the platform: done."""
        order = self.order_id.sudo()
        if order._channel_status_body() == order.channel_status_pushed:
            self.write(
                {"state": cs.DONE, "result": self.env._("Nothing new: the channel has it already.")}
            )
            return
        order._channel_enqueue_status()

    @api.model
    def _platform_verdict(self, order, kind):
        """(state, result) of a new action on `order`: done in Odoo only when nothing is
        told to a platform, queued when its platform takes it, else not supported."""
        code = order.channel_id.sudo().connector
        if kind == cs.REALLOCATE or not order.channel_order_ref or not code:
            return cs.DONE, False
        if not implements(code, "push_order_status"):
            return cs.DONE, False
        connector = CONNECTORS.get(code)
        what = dict(cs.KIND_SELECTION)[kind].lower()
        if not cs.supports(connector, kind):
            return cs.NOT_SUPPORTED, self.env._(
                "Not sent: %(platform)s takes no %(what)s through its API.",
                platform=connector.label or code,
                what=what,
            )
        setting = cs.missing_setting(connector, kind, order.channel_id.sudo()._setting_values())
        if setting:
            return cs.NOT_SUPPORTED, self.env._(
                "Not sent: %(platform)s takes a %(what)s only once the channel's %(setting)s "
                "is set.",
                platform=connector.label or code,
                what=what,
                setting=setting,
            )
        return cs.QUEUED, False

    # ------------------------------------------------------------------
    # What a status push carries
    # ------------------------------------------------------------------
    @api.model
    def _push_extras(self, order):
        """(address or None, refunds) of `order` for its status body: the last address
        change sent to the platform, every refund the platform is told of (what it
        refused for good is not sent again)."""
        actions = self.sudo().search(
            [("order_id", "=", order.id), ("state", "in", (cs.QUEUED, cs.SENT))],
            order="id",
        )
        addresses = actions.filtered(lambda a: a.kind == cs.ADDRESS and a.address)
        refunds = [
            {
                "key": cs.refund_key(order.channel_order_ref or order.name, action.id),
                "line_id": action.line_id.channel_line_ref or str(action.line_id.id),
                "quantity": json_quantity(action.quantity),
                "amount": cs.money(action.amount),
                "currency": action.currency_id.name,
                "reason": action.reason or "",
            }
            for action in actions
            if action.kind == cs.REFUND
        ]
        return (addresses[-1:].address or None), refunds

    # ------------------------------------------------------------------
    # The platform's answer (core.events.STATUS_ANSWERED)
    # ------------------------------------------------------------------
    @api.model
    def _on_status_answered(
        self, order_ids, answer="", failed=False, final=True, body=None, refused=None
    ):
        """A status push of `order_ids` carrying `body` was answered: the queued actions
        it carried are sent, or failed when the platform refused them for good (those
        named in `refused`, the connector's per-item report; all of them when the push
        was refused whole). A retry keeps them queued; an action recorded after the push
        was built waits for the next one."""
        actions = self.sudo().search([("order_id", "in", order_ids), ("state", "=", cs.QUEUED)])
        actions = actions.filtered(lambda action: action._carried_by(body))
        if not actions:
            return
        result = cs.clip_result(answer)
        if failed and not final:
            actions.write({"result": result})
            return
        for action in actions:
            state, message = cs.answered_state(action._item(), failed, refused)
            values = {"state": state, "result": cs.clip_result(message) or result}
            if state == cs.SENT:
                values["sent_at"] = fields.Datetime.now()
            action.write(values)
            if state == cs.FAILED:
                action._put_back()

    def _put_back(self):
        """A refund the platform refused for good: the customer was not paid back, so
        the units taken off the line go back on it, to be delivered (a locked order is
        left as it is, the action says to check it)."""
        self.ensure_one()
        line = self.line_id.sudo()
        if self.kind != cs.REFUND or not self.taken_off or not line:
            return
        if line.order_id.locked or line.order_id.state != "sale":
            note = self.env._(
                "%(qty)s taken off the line were not put back (the order is locked or "
                "closed): check the order.",
                qty=f"{self.taken_off:g}",
            )
        else:
            # sale_stock adds them to the delivery; the price the customer paid kept
            line.write(
                {
                    "product_uom_qty": line.product_uom_qty + self.taken_off,
                    "price_unit": line.price_unit,
                    "discount": line.discount,
                }
            )
            note = self.env._(
                "%(qty)s taken off the line are back on it, to be delivered.",
                qty=f"{self.taken_off:g}",
            )
        self.result = cs.clip_result(f"{self.result or ''}\n{note}")

    def _item(self):
        """The action's item in a status body: its refund key, or "address"."""
        self.ensure_one()
        if self.kind == cs.REFUND:
            return cs.refund_key(self.order_id.channel_order_ref or self.order_id.name, self.id)
        return cs.ADDRESS

    def _carried_by(self, body):
        self.ensure_one()
        if self.kind == cs.REFUND:
            return cs.in_body(body, key=self._item())
        return cs.in_body(body, address=self.address)
