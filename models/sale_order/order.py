"""A channel's sale order: its channel fields, status in the shared vocabulary, life cycle hooks."""

from collections import defaultdict

from odoo import api, fields, models

from ...core import status as status_core
from ..access import check_manager_of
from .flow import _edits, _person

EXCEPTION_SELECTION = [
    (code, label)
    for code, label in status_core.STATUS_SELECTION
    if code in status_core.EXCEPTION_STATUSES
]


def _returned(move):
    """What already came back (or is on its way back) of a done delivery move."""
    return sum(m.product_qty for m in move.returned_move_ids if m.state != "cancel")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_id = fields.Many2one(
        "stock.channel", string="Sales Channel", index=True, readonly=True, copy=False
    )
    channel_order_ref = fields.Char(
        string="Channel Order Reference",
        readonly=True,
        copy=False,
        help="The order's id on the channel it came from.",
    )
    channel_exception = fields.Selection(
        EXCEPTION_SELECTION,
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The order needs a person: to check (stock shortfall, totals) or to complete.",
    )
    channel_exception_reason = fields.Text(readonly=True, copy=False)
    channel_next_action = fields.Char(readonly=True, copy=False)
    channel_status = fields.Selection(
        status_core.STATUS_SELECTION,
        compute="_compute_channel_status",
        help="The order's status in the vocabulary shared with every channel.",
    )
    channel_address_pending = fields.Boolean(
        copy=False,
        readonly=True,
        help="The channel gives the customer's address once the order is accepted (Mirakl, "
        "Amazon's pending orders): imported without it, completed by the next version.",
    )
    channel_status_pushed = fields.Json(
        copy=False, readonly=True, help="The last status body the channel accepted."
    )
    channel_inbound_ids = fields.One2many(
        "stock.channel.inbound", "sale_order_id", string="Channel Messages"
    )

    _channel_ref_uniq = models.UniqueIndex(
        "(channel_id, channel_order_ref) WHERE channel_order_ref IS NOT NULL",
        "An order of a channel is imported once.",
    )

    # ------------------------------------------------------------------
    # Status, in the shared vocabulary
    # ------------------------------------------------------------------
    @api.depends(
        "state",
        "locked",
        "channel_exception",
        "order_line.move_ids.state",
        "order_line.move_ids.picked",
        "order_line.channel_shortfall",
        "order_line.channel_refused_at",
    )
    def _compute_channel_status(self):
        self.channel_status = False
        for order in self.filtered("channel_id"):
            order.channel_status = order._channel_status_parts()[0]

    def _channel_status_parts(self):
        """(order status, [(line, status, quantity, returned)]) derived from the sale and
        its moves."""
        self.ensure_one()
        backorder = bool(self.channel_id.sudo().allow_backorder)
        lines = []
        for line in self.order_line.filtered(lambda sol: not sol.display_type):
            if line._is_delivery() or line.product_id.type == "service":
                continue
            facts = line._channel_line_facts(backorder)
            status = status_core.line_status(facts)
            quantity = facts.ordered
            if status in (status_core.SHIPPED, status_core.DELIVERED):
                quantity = facts.delivered
            elif status == status_core.RETURNED:
                quantity = facts.returned
            lines.append((line, status, quantity, facts.returned))
        status = status_core.order_status(
            [status for _line, status, _qty, _returned in lines],
            cancelled=self.state == "cancel",
            exception=self.channel_exception or None,
            locked=self.locked,
        )
        return status, lines

    def _channel_done_deliveries(self):
        """The done pickings of self that took goods to the customer."""
        return self.picking_ids.filtered(
            lambda p: p.state == "done" and p.location_dest_id.usage == "customer"
        )

    @staticmethod
    def _channel_parcel(picking):
        """The Tracking of a done delivery, or None when it has no tracking reference."""
        if not picking.carrier_tracking_ref:
            return None
        carrier = picking.carrier_id
        url = picking.carrier_tracking_url or ""
        return status_core.Tracking(
            number=picking.carrier_tracking_ref,
            carrier_code=carrier.channel_carrier_code or carrier.delivery_type or ""
            if carrier
            else "",
            service=carrier.name or "" if carrier else "",
            url=url if url.startswith("http") else "",
        )

    def _channel_shipments(self):
        """One Shipment per done delivery to the customer, oldest first: the lines that
        left in it (quantities in the product's unit) and its parcel."""
        shipments = []
        for picking in self._channel_done_deliveries().sorted(lambda p: (p.date_done, p.id)):
            quantities = defaultdict(float)
            for move in picking.move_ids.filtered(lambda m: m.state == "done" and m.sale_line_id):
                line = move.sale_line_id
                quantities[line.channel_line_ref or str(line.id)] += move.product_qty
            shipments.append(
                status_core.Shipment(
                    name=picking.name,
                    lines=tuple(quantities.items()),
                    tracking=self._channel_parcel(picking),
                )
            )
        return shipments

    def _channel_status_body(self):
        """The body pushed to the channel for this order's current status."""
        self.ensure_one()
        status, lines = self._channel_status_parts()
        return status_core.status_body(
            self.channel_order_ref,
            status,
            [
                (line.channel_line_ref or str(line.id), st, qty, returned)
                for line, st, qty, returned in lines
            ],
            shipments=self._channel_shipments(),
            **self._channel_status_extras(),
        )

    def _channel_status_extras(self):
        """More of the body: customer service's address and refunds (customer_service.py)."""
        return {}

    def _channel_enqueue_status(self):
        orders = self.filtered(lambda o: o.channel_id and o.channel_order_ref)
        if orders:
            self.env["stock.channel.outbox"]._enqueue_orders(orders)

    # ------------------------------------------------------------------
    # Life cycle hooks: tell the channel
    # ------------------------------------------------------------------
    def _action_cancel(self):
        res = super()._action_cancel()
        self._channel_enqueue_status()
        self.env["stock.channel.incident"]._resolve_orders(self, "cancelled")
        return res

    def write(self, vals):
        """Tell the channel a status it reports moved; record when a channel order was
        first held for a person and who first edited it (flow.py)."""
        held = self.browse()
        if vals.get("channel_exception"):
            held = self.sudo().filtered(lambda o: o.channel_id and not o.channel_held_at)
        person = _person(self.env)
        res = super().write(vals)
        if {"locked", "channel_exception"} & set(vals):
            self._channel_enqueue_status()
        if held:
            held.channel_held_at = fields.Datetime.now()
        if person and _edits(vals):
            self._channel_edited(person)
        return res

    def _channel_create_returns(self, wanted, reason=None):
        """Return pickings for {sale line: quantity}, one per delivered picking, into the
        warehouse's Quarantine (stock.return.picking routes them there)."""
        self.ensure_one()
        left = dict(wanted)
        returns = self.env["stock.picking"]
        for picking in self._channel_done_deliveries().sorted("date_done", reverse=True):
            wizard = (
                self.env["stock.return.picking"]
                .with_context(active_id=picking.id, active_model="stock.picking")
                .create({"picking_id": picking.id})
            )
            todo = False
            for return_line in wizard.product_return_moves:
                line = return_line.move_id.sale_line_id
                move = return_line.move_id
                qty = min(left.get(line, 0.0), move.product_qty - _returned(move))
                return_line.quantity = qty
                if qty > 0:
                    left[line] -= qty
                    todo = True
            if todo:
                picking_return = wizard._create_return()
                if reason:
                    picking_return.message_post(body=self.env._("Channel: %s", reason))
                returns |= picking_return
        return returns

    def action_channel_retry(self):
        """Retry the order's intake where it stopped (shortfall: check the stock again),
        through its message when it has one, so that both show the outcome."""
        check_manager_of(self)
        for order in self.sudo():
            if order.state not in ("draft", "sent") or not order.channel_id:
                continue
            held = order.sudo().channel_inbound_ids.filtered(lambda i: i.state == "exception")
            if held:
                held[:1]._process()
            else:
                order._channel_reserve()
        return True
