"""An order answered as soon as its stock is reserved (the channel's Answer Orders): the
reservation ledger written under the variant lock, the confirmation woken (confirm.py)."""

from odoo import fields, models

from ...core import intake as intake_core
from ...core.inbound import DUPLICATE, KIND_CANCEL, KIND_ORDER, RESERVED
from ..stock_channel.kits import KITS_EXIST_KEY
from ..stock_channel_dispatcher.wake import untaken_trigger

CONFIRM_CRONS = (
    "stock_channel_sync.ir_cron_confirm_reserved",
    "stock_channel_sync.ir_cron_confirm_reserved_2",
)

# the channel's other messages of the order (by the channel's order id) and those this
# message replaced before (core.intake.order_messages): a cancellation done before the
# import, the held versions it replaces, a waiting cancellation, a version held before
# (four searches before), in one query, each branch on an index
ORDER_MESSAGES = """
SELECT id, kind, state, sale_order_id IS NULL, exception IS NOT NULL,
       COALESCE(channel_id = %(channel)s AND external_id = %(external)s, false),
       COALESCE(duplicate_of_id = %(self)s, false)
  FROM stock_channel_inbound
 WHERE id != %(self)s
   AND ((channel_id = %(channel)s AND kind IN %(kinds)s AND external_id = %(external)s)
        OR duplicate_of_id = %(self)s)
"""


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    def _pending_duplicate(self, external_id):
        """The channel sent again an order reserved and still confirming: the same answer,
        nothing reserved twice. None when no reservation of it is pending."""
        rows = self.env["stock.channel.reservation"]._of_order(self.channel_id, external_id)
        first = rows.inbound_id.filtered(lambda inbound: inbound != self)[:1]
        if not first:
            return None
        self.write(
            {
                "state": DUPLICATE,
                "duplicate_of_id": first.id,
                "error": False,
                "exception": False,
                "next_action": False,
            }
        )
        return 200, first.response

    def _fast_shape(self, order_in, resolved, connector, messages):
        """The order and its channel as the fast path sees them (core.intake.Shape);
        `messages`: core.intake.OrderMessages."""
        channel = self.channel_id.sudo()
        products = self.env["product.product"].union(*resolved["products"].values())
        # the few columns the fast path reads (not every column of product and template)
        products.fetch(["product_tmpl_id"])
        products.product_tmpl_id.fetch(["is_storable", "uom_id", "categ_id"])
        kits = channel._kit_components(products, channel.company_id)
        return intake_core.Shape(
            kits=bool(kits),
            sourcing=bool(channel.source_ids),
            line_by_line=connector.accepts_orders,
            address_later=order_in.address_later,
            cancelled=bool(order_in.cancelled or messages.cancel_waiting),
            not_storable=not all(products.mapped("is_storable")),
            held_before=bool(
                self.env.context.get("stock_channel_retried")
                or self.exception
                or messages.replaced_held
            ),  # as _held_before
        )

    def _order_messages(self, external_id):
        """core.intake.OrderMessages of this message's order, in one query. Before this
        message is written (its own row is not in the answer): the message keeps one
        UPDATE for the whole judging."""
        self.flush_model(
            ["channel_id", "kind", "external_id", "state", "duplicate_of_id", "exception",
             "sale_order_id"]
        )  # fmt: skip
        self.env.cr.execute(ORDER_MESSAGES, {
            "channel": self.channel_id.id, "external": external_id, "self": self.id,
            "kinds": (KIND_ORDER, KIND_CANCEL),
        })  # fmt: skip
        return intake_core.order_messages(self.env.cr.fetchall())

    def _answer_reserved(self, order_in, resolved, connector, messages):
        """(200, answer) once the order's units are reserved (ledger rows, variants
        republished, the confirmation woken); None when its channel answers after
        confirming, the order takes the inline path (core.intake.inline_reason) or the
        stock cannot serve it now (the inline path judges it by the same rules: held to
        check, or a backorder)."""
        if self.channel_id.intake_answer != intake_core.ANSWER_RESERVED:
            return None
        # whether kits exist, asked once for the order (no kit is made while it is judged)
        self = self.with_context(**{KITS_EXIST_KEY: self.channel_id._kits_exist()})
        shape = self._fast_shape(order_in, resolved, connector, messages)
        if intake_core.inline_reason(shape):
            return None
        by_sku = resolved["products"]
        needed = intake_core.needed_units(
            (by_sku[line.sku], line.quantity) for line in order_in.lines
        )
        products = self.env["product.product"].union(*needed)
        self.env["stock.channel.variant.lock"].sudo()._acquire(products)
        available = self.channel_id.sudo()._orderable(products)
        short = intake_core.shortfalls(
            needed,
            {product: available[product.id] for product in products},
            lambda product, a, b: product.uom_id.compare(a, b),
        )
        if short:
            return None
        name = self._reserve_order_name()
        self._write_reservation(order_in.id, name, needed)
        self.write({"state": RESERVED, "error": False, "exception": False, "next_action": False})
        self._wake_confirmation()
        return 200, intake_core.reserved_answer(name, [line.id for line in order_in.lines])

    def _reserve_order_name(self):
        """The sale order's name, taken from its sequence now (the answer names it), as
        sale.order's create takes it for an order without a date (the inline path)."""
        sequence = self.env["ir.sequence"].sudo().with_company(self.channel_id.company_id)
        # its prefix reads the user's time zone: that column alone, not the whole partner
        user = sequence.env.user
        user.fetch(["partner_id"])
        user.partner_id.fetch(["tz"])
        return sequence.next_by_code("sale.order") or self.env._("New")

    def _write_reservation(self, external_id, name, needed):
        channel = self.channel_id
        self.env["stock.channel.reservation"].sudo().create(
            [
                {
                    "channel_id": channel.id,
                    "inbound_id": self.id,
                    "company_id": channel.company_id.id,
                    "warehouse_id": channel.warehouse_id.id,
                    "product_id": product.id,
                    "quantity": quantity,
                    "order_name": name,
                    "channel_order_ref": external_id,
                }
                for product, quantity in needed.items()
            ]
        )

    def _wake_confirmation(self):
        """Trigger the confirmation crons, once per burst: not when a trigger of theirs
        is due and no run has taken it yet (an order reserved during a run triggers the
        next one: see wake.untaken_trigger)."""
        # as env.ref would find them (their xmlids cached); whether they exist is asked
        # only to trigger them (a cron deleted has no trigger left)
        data = self.env["ir.model.data"]
        ids = [data._xmlid_to_res_id(xmlid, raise_if_not_found=False) for xmlid in CONFIRM_CRONS]
        ids = [cron_id for cron_id in ids if cron_id]
        if untaken_trigger(self.env.cr, ids, fields.Datetime.now()):
            return
        for cron in self.env["ir.cron"].sudo().browse(ids).exists():
            cron._trigger()
