"""A channel message (an order, a cancellation, a return): the model, access, storing."""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from ...core import events
from ...core.inbound import (
    EXCEPTION,
    INBOUND_KINDS,
    INBOUND_STATES,
    KIND_ORDER,
    RECEIVED,
    RESERVED,
    RETRYABLE_STATES,
    clean_text,
)
from ...core.payload import PayloadError
from ..access import check_manager_of, check_reader_of
from ..sale_order.order import EXCEPTION_SELECTION

_logger = logging.getLogger(__name__)

# what only the intake writes: a user may correct a message's body, nothing that decides
# whether it may be imported
USER_WRITABLE = frozenset({"body"})


class StockChannelInbound(models.Model):
    """Every genuine message a channel sent (orders, cancellations, returns), stored before
    it is judged: rejected ones too, so that nothing is lost and a user can correct and
    retry. Messages refused before their sender was trusted are stock.channel.refused.

    This file: the model and storing; processing.py: judging, answers, crons. One file
    per kind of message adds its judging (order.py with order_create.py, cancel.py,
    returns.py).
    """

    _name = "stock.channel.inbound"
    _description = "Channel Inbound Message"
    _order = "id desc"
    _rec_name = "external_id"

    channel_id = fields.Many2one("stock.channel", ondelete="cascade", index=True)
    channel_code = fields.Char(help="The channel code of the URL the message came to.")
    # computed before the INSERT: the message is stored in one query, not an UPDATE after
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True, precompute=True
    )
    kind = fields.Selection(INBOUND_KINDS, required=True, default=KIND_ORDER)
    external_id = fields.Char(string="Channel Reference", index=True)
    delivery_id = fields.Char(
        string="Delivery Id",
        index="btree_not_null",
        help="The platform's id of the webhook delivery (Shopify: X-Shopify-Webhook-Id).",
    )
    event_id = fields.Char(
        string="Event Id",
        index="btree_not_null",
        help="The platform's id of the event delivered (Shopify: X-Shopify-Event-Id, the "
        "same in every delivery of one event): a second delivery of it is a duplicate.",
    )
    url_ref = fields.Char(
        string="Order in URL", help="The order id of the URL (cancellations and returns)."
    )
    topic = fields.Char()
    body = fields.Text(help="The raw body as received.")
    headers = fields.Json(help="The headers that matter (topic, ids); never a signature.")
    received_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    processed_at = fields.Datetime()
    retry_at = fields.Datetime(
        index="btree_not_null",
        help="The intake could not judge it in time (a lost race): the scheduled action "
        "takes it from then.",
    )
    attempts = fields.Integer(help="How many times the message was processed.")
    state = fields.Selection(INBOUND_STATES, required=True, default=RECEIVED, index=True)
    http_status = fields.Integer(string="HTTP Status", help="What the channel was answered.")
    response = fields.Json(help="The answer's body.")
    error = fields.Text(help="Why the message was rejected or is in exception.")
    authenticated = fields.Boolean(
        default=True,
        readonly=True,
        help="The channel's signature matched. Earlier versions kept messages refused "
        "before that here; they are never imported.",
    )
    exception = fields.Selection(EXCEPTION_SELECTION)
    next_action = fields.Char()
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null", ondelete="set null")
    # searched for every order judged (fast.ORDER_MESSAGES): on an index, not a scan
    duplicate_of_id = fields.Many2one(
        "stock.channel.inbound", ondelete="set null", index="btree_not_null"
    )

    _channel_ref_idx = models.Index("(channel_id, kind, external_id)")

    # ------------------------------------------------------------------
    # Access: the intake writes (in superuser mode); a user corrects a body
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        if any(vals.get("state") == "exception" for vals in vals_list):
            self.env["stock.channel.event"]._announce(events.INBOUND_CHANGED, messages)
        return messages

    def write(self, vals):
        if not self.env.su:
            if set(vals) - USER_WRITABLE:
                raise AccessError(
                    self.env._(
                        "Channel messages are written by the intake only; you may correct "
                        "the body of a message to retry (%(fields)s).",
                        fields=", ".join(sorted(set(vals) - USER_WRITABLE)),
                    )
                )
            self._check_channel_manager()
            for inbound in self:
                if not inbound.authenticated or inbound.state not in RETRYABLE_STATES:
                    raise UserError(
                        self.env._("Only the body of a message to retry can be corrected.")
                    )
        res = super().write(vals)
        # an order reserved moves no card yet: its confirmation (a batch, one transaction)
        # tells the overviews once; no message written (a search found none) tells nothing
        if self and "state" in vals and vals["state"] != RESERVED:
            self.env["stock.channel.event"]._announce(events.INBOUND_CHANGED, self)
        return res

    def _check_channel_manager(self):
        check_manager_of(self)

    # ------------------------------------------------------------------
    # Why the order could not take its units: the explain of its variants
    # ------------------------------------------------------------------
    def action_explain(self):
        """The explain of the message's variants on its channel (the dialog of one, the
        list of several); for the channel users who may read the message."""
        self.ensure_one()
        check_reader_of(self)
        products = self.sudo()._explain_products()
        if not products or not self.channel_id:
            raise UserError(
                self.env._(
                    "This message names no variant Odoo knows yet: bind its SKU on the "
                    "channel (or give a variant that internal reference) first."
                )
            )
        return self.env["stock.channel.quantity"]._explain_action(self.channel_id, products)

    def _explain_products(self):
        """The variants of the message: its sale order's, else those its SKUs name."""
        products = self.sale_order_id.order_line.product_id
        if products or self.state != EXCEPTION or not self.channel_id:
            return products
        try:
            order_in = self._connector().parse_order(self._raw())
        except (PayloadError, NotImplementedError):
            return products
        found, _ambiguous = self._products_by_sku({line.sku for line in order_in.lines})
        return products.union(*found.values())

    # ------------------------------------------------------------------
    # Storing
    # ------------------------------------------------------------------
    @api.model
    def _store(self, channel, kind, body, headers, **vals):
        """Store a message as received (the caller commits before judging it)."""
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        # created in its channel's company: Odoo's defaults are that company's (and the
        # user's company is not read for them); returned in the caller's environment
        inbound = self.sudo().with_company(channel.company_id) if channel else self.sudo()
        message = inbound.create(
            {
                "channel_id": channel.id if channel else False,
                "kind": kind,
                "body": clean_text(body),
                "headers": headers,
                **vals,
            }
        )
        return message.with_env(self.sudo().env)

    @api.model
    def _earlier_delivery(self, channel, delivery_id, event_id=False, topic=False):
        """The first judged message of the same platform delivery (a retry of it), or of
        the same event and topic (a delivery of it to another subscription)."""
        same = Domain.FALSE
        if delivery_id:
            same |= Domain("delivery_id", "=", delivery_id)
        if event_id:
            same |= Domain("event_id", "=", event_id) & Domain("topic", "=", topic)
        if same.is_false():
            return self.browse()
        return self.sudo().search(
            Domain("channel_id", "=", channel.id)
            & same
            & Domain("state", "!=", RECEIVED)
            & Domain("http_status", "!=", 0),
            order="id",
            limit=1,
        )

    def _connector(self):
        return self.channel_id._webhook_connector()

    def _lock_timeout(self, seconds):
        """Wait at most `seconds` for a lock in this transaction (the intake has an
        answer to give in time)."""
        milliseconds = max(int(seconds * 1000), 100)
        self.env.cr.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])

    def _defer(self):
        """Leave the message to the scheduled action, at once."""
        self.sudo().retry_at = fields.Datetime.now()
        self.env.ref("stock_channel_sync.ir_cron_process_inbound").sudo()._trigger()

    # ------------------------------------------------------------------
