import logging
import threading
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..core import orders as order_core
from ..core.connectors import SHOPIFY
from .sale_order import EXCEPTION_SELECTION

_logger = logging.getLogger(__name__)

KIND_ORDER, KIND_CANCEL, KIND_RETURN = "order", "cancel", "return"
INBOUND_KINDS = [(KIND_ORDER, "Order"), (KIND_CANCEL, "Cancellation"), (KIND_RETURN, "Return")]
RECEIVED, DONE, EXCEPTION, REJECTED, DUPLICATE, WAITING = (
    "received", "done", "exception", "rejected", "duplicate", "waiting"
)  # fmt: skip
INBOUND_STATES = [
    (RECEIVED, "Received"),
    (DONE, "Done"),
    (EXCEPTION, "Exception"),
    (REJECTED, "Rejected"),
    (DUPLICATE, "Duplicate"),
    (WAITING, "Waiting for the Order"),
]
# states a user may retry from the UI
RETRYABLE_STATES = (RECEIVED, EXCEPTION, REJECTED, WAITING)
STALE_RECEIVED_MINUTES = 2  # the cron takes over messages left unprocessed this long
RETENTION_PARAM = "stock_channel_sync.inbound_retention_days"
DEFAULT_RETENTION_DAYS = 90
NEXT_ACTION_MAPPING = (
    "Give the variant this internal reference, or bind it on the channel; then Retry."
)
NEXT_ACTION_ADDRESS = "Complete the address in the payload (Edit), then Retry."
NEXT_ACTION_CHECK = "Check the amounts or currency with the channel, correct the payload, Retry."


class StockChannelInbound(models.Model):
    """Every message a channel sent (orders, cancellations, returns), stored before it is
    judged: rejected ones too, so that nothing is lost and a user can correct and retry."""

    _name = "stock.channel.inbound"
    _description = "Channel Inbound Message"
    _order = "id desc"
    _rec_name = "external_id"

    channel_id = fields.Many2one("stock.channel", ondelete="cascade", index=True)
    channel_code = fields.Char(help="The channel code of the URL the message came to.")
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    kind = fields.Selection(INBOUND_KINDS, required=True, default=KIND_ORDER)
    external_id = fields.Char(string="Channel Reference", index=True)
    delivery_id = fields.Char(
        string="Delivery Id", index="btree_not_null", help="Shopify: X-Shopify-Webhook-Id."
    )
    url_ref = fields.Char(
        string="Order in URL", help="The order id of the URL (cancellations and returns)."
    )
    topic = fields.Char()
    body = fields.Text(help="The raw body as received.")
    headers = fields.Json(help="The headers that matter (signature, topic, ids).")
    received_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    processed_at = fields.Datetime()
    attempts = fields.Integer(help="How many times the message was processed.")
    state = fields.Selection(INBOUND_STATES, required=True, default=RECEIVED, index=True)
    http_status = fields.Integer(string="HTTP Status", help="What the channel was answered.")
    response = fields.Json(help="The answer's body.")
    error = fields.Text(help="Why the message was rejected or is in exception.")
    authenticated = fields.Boolean(
        default=True,
        readonly=True,
        help="The channel's signature matched. Messages refused before that (wrong "
        "signature, unknown channel, too large) are kept for the record, never imported.",
    )
    exception = fields.Selection(EXCEPTION_SELECTION)
    next_action = fields.Char()
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null", ondelete="set null")
    duplicate_of_id = fields.Many2one("stock.channel.inbound", ondelete="set null")

    _channel_ref_idx = models.Index("(channel_id, kind, external_id)")

    # ------------------------------------------------------------------
    # Storing
    # ------------------------------------------------------------------
    @api.model
    def _store(self, channel, kind, body, headers, **vals):
        """Store a message as received (the caller commits before judging it)."""
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        return self.sudo().create(
            {
                "channel_id": channel.id if channel else False,
                "kind": kind,
                "body": body,
                "headers": headers,
                **vals,
            }
        )

    # ------------------------------------------------------------------
    # Judging: returns (http status, answer) and keeps both on the record
    # ------------------------------------------------------------------
    def _process(self):
        self.ensure_one()
        self.attempts += 1
        self.processed_at = fields.Datetime.now()
        if not self.channel_id:
            status, answer = self._reject(404, f"no sales channel with code {self.channel_code!r}")
        else:
            inbound = self.with_company(self.channel_id.company_id)
            handler = {
                KIND_ORDER: inbound._process_order,
                KIND_CANCEL: inbound._process_cancel,
                KIND_RETURN: inbound._process_return,
            }[self.kind]
            status, answer = handler()
        self.write({"http_status": status, "response": answer})
        return status, answer

    def action_retry(self):
        """Run a stored message again (after its data or the mapping was corrected):
        it resumes where it stopped and never creates anything twice."""
        for inbound in self:
            if not inbound.authenticated:
                raise UserError(
                    self.env._(
                        "Message %(id)s was refused before its signature could be trusted "
                        "(%(error)s): it cannot be imported. Have the channel send it again.",
                        id=inbound.id,
                        error=inbound.error,
                    )
                )
            if inbound.state not in RETRYABLE_STATES:
                raise UserError(
                    self.env._(
                        "%(ref)s is %(state)s: there is nothing to retry.",
                        ref=inbound.external_id or inbound.id,
                        state=dict(INBOUND_STATES)[inbound.state],
                    )
                )
            inbound._process()
        return True

    def _reject(self, status, message):
        self.write({"state": REJECTED, "error": message, "exception": False})
        return status, {"error": message}

    def _finish(self, state, order=None, http_status=200, **extra):
        vals = {"state": state}
        if order and state == DONE and order.channel_exception:
            vals.update(
                state=EXCEPTION,
                exception=order.channel_exception,
                error=order.channel_exception_reason,
                next_action=order.channel_next_action,
            )
        elif state != EXCEPTION:
            vals.update(error=extra.get("reason", False), exception=False, next_action=False)
        if order:
            vals["sale_order_id"] = order.id
        self.write(vals)
        return http_status, self._answer(order, **extra)

    @staticmethod
    def _answer(order, **extra):
        if not order:
            return {"order": None, **extra}
        status, lines = order._channel_status_parts()
        answer = {
            "order": order.name,
            "status": status,
            "lines": [
                {"id": line.channel_line_ref or str(line.id), "status": st}
                for line, st, _qty in lines
            ],
        }
        if order.channel_exception:
            answer["reason"] = order.channel_exception_reason
        answer.update(extra)
        return answer

    # -- orders ---------------------------------------------------------
    def _parse_order(self):
        raw = (self.body or "").encode("utf-8")
        if self.channel_id.connector == SHOPIFY:
            return order_core.parse_shopify_order(raw)
        return order_core.parse_generic_order(raw)

    def _find_order(self, external_id):
        return (
            self.env["sale.order"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [("channel_id", "=", self.channel_id.id), ("channel_order_ref", "=", external_id)],
                limit=1,
            )
        )

    def _process_order(self):
        try:
            order_in = self._parse_order()
        except order_core.PayloadError as error:
            return self._reject(400, str(error))
        self.external_id = order_in.id
        order = self._find_order(order_in.id)
        if order and order != self.sale_order_id:
            # the channel sent it again: same answer, nothing created or reserved twice
            self.duplicate_of_id = order.channel_inbound_ids.filtered(
                lambda i: i.kind == KIND_ORDER and i.state == DONE
            )[:1]
            return self._finish(DUPLICATE, order)
        if order:  # Retry of this message: resume where it stopped
            if order.state in ("draft", "sent") and order.channel_exception:
                order._channel_reserve()
            return self._finish(DONE, order)
        resolved = self._resolve(order_in)
        if resolved["problems"]:
            return self._hold(order_in, resolved)
        self._supersede_held(order_in.id)
        order = self._create_order(order_in, resolved)
        cancel = self._waiting_cancellation(order_in.id)
        if order_in.cancelled or cancel:
            order._action_cancel()
            if cancel:
                cancel.write({"state": DONE, "sale_order_id": order.id, "error": False})
        else:
            order._channel_reserve()
        order.channel_status_pushed = order._channel_status_body()
        return self._finish(DONE, order)

    def _hold(self, order_in, resolved):
        """Keep an order the addon cannot import yet in exception, with the reason."""
        exception, reasons, next_action = resolved["problems"]
        self._supersede_held(order_in.id)
        cancel = self._waiting_cancellation(order_in.id)
        if cancel:  # the channel already cancelled it: nothing to complete
            cancel.write({"state": DONE, "error": False})
            return self._finish_cancelled_held(order_in)
        reason = "; ".join(reasons)
        self.write(
            {
                "state": EXCEPTION,
                "exception": exception,
                "error": reason,
                "next_action": next_action,
            }
        )
        return 200, {
            "order": None,
            "status": exception,
            "reason": reason,
            "lines": [{"id": line.id, "status": exception} for line in order_in.lines],
        }

    def _finish_cancelled_held(self, order_in):
        self.write({"state": DONE, "error": "cancelled by the channel before it was imported"})
        return 200, {
            "order": None,
            "status": order_core.CANCELLED,
            "lines": [{"id": line.id, "status": order_core.CANCELLED} for line in order_in.lines],
        }

    def _supersede_held(self, external_id):
        """Older messages of this order still in exception: this one replaces them."""
        self.search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("kind", "=", KIND_ORDER),
                ("external_id", "=", external_id),
                ("state", "in", (EXCEPTION, RECEIVED)),
                ("id", "!=", self.id),
            ]
        ).write({"state": DUPLICATE, "duplicate_of_id": self.id})

    def _waiting_cancellation(self, external_id):
        return self.search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("kind", "=", KIND_CANCEL),
                ("external_id", "=", external_id),
                ("state", "=", WAITING),
            ],
            limit=1,
        )

    def _resolve(self, order_in):
        """Map the payload on Odoo records; problems = (exception, reasons, next action)."""
        channel = self.channel_id
        env = self.env
        to_complete, to_check = [], []
        products, ambiguous = self._products_by_sku({line.sku for line in order_in.lines})
        for line in order_in.lines:
            if line.sku in ambiguous:
                to_complete.append(
                    env._(
                        "SKU %(sku)r (line %(line)s) matches several variants",
                        sku=line.sku,
                        line=line.id,
                    )
                )
            elif line.sku not in products:
                to_complete.append(
                    env._("unknown SKU %(sku)r (line %(line)s)", sku=line.sku, line=line.id)
                )
        next_action = NEXT_ACTION_MAPPING if to_complete else ""
        address_problems = order_core.address_problems(order_in.shipping_address)
        country = env["res.country"]
        code = order_in.shipping_address.country_code
        if code:
            country = country.search([("code", "=", code)], limit=1)
            if not country:
                address_problems.append(env._("unknown country code %(code)r", code=code))
        if address_problems:
            to_complete += address_problems
            next_action = next_action or NEXT_ACTION_ADDRESS
        currency = env["res.currency"].search([("name", "=", order_in.currency)], limit=1)
        pricelist = env["product.pricelist"]
        if not currency:
            to_check.append(env._("unknown currency %(code)r", code=order_in.currency))
        elif currency != channel.company_id.currency_id:
            pricelist = pricelist.search(
                [("currency_id", "=", currency.id),
                 ("company_id", "in", [False, channel.company_id.id])], limit=1,
            )  # fmt: skip
            if not pricelist:
                to_check.append(env._("no active pricelist in %(code)s", code=order_in.currency))
        totals = order_core.totals_problem(order_in)
        if totals:
            to_check.append(totals)
        problems = None
        if to_complete:
            problems = (order_core.TO_COMPLETE, to_complete + to_check, env._(next_action))
        elif to_check:
            problems = (order_core.TO_CHECK, to_check, env._(NEXT_ACTION_CHECK))
        return {
            "problems": problems,
            "products": products,
            "country": country,
            "pricelist": pricelist,
        }

    def _products_by_sku(self, skus):
        """({sku: product.product}, {sku: why it is ambiguous}): a SKU is the channel's
        binding's, else a variant's internal reference; one that several variants share
        is no match (it would take one of them at random)."""
        found, ambiguous = {}, {}
        channel = self.channel_id
        for sku, product_ids in channel._sku_owners(skus, storable_only=False).items():
            if len(product_ids) == 1:
                found[sku] = self.env["product.product"].browse(product_ids)
            else:
                ambiguous[sku] = channel._sku_conflict(sku, product_ids)
        return found, ambiguous

    def _create_order(self, order_in, resolved):
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
            lines.append(
                Command.create(
                    {
                        "product_id": channel._shipping_product().id,
                        "product_uom_qty": 1,
                        "price_unit": float(order_in.shipping_amount),
                    }
                )
            )
        vals = {
            "partner_id": partner.id,
            "partner_invoice_id": partner.id,
            "partner_shipping_id": shipping.id,
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
        order = self.env["sale.order"].sudo().create(vals)
        self.sale_order_id = order
        return order

    def _partner(self, order_in, country):
        """(customer, delivery address): found by e-mail, or created."""
        Partner = self.env["res.partner"].sudo()
        customer = order_in.customer
        address = order_in.shipping_address
        company = self.channel_id.company_id
        partner = Partner
        email = (customer.email or "").strip()
        if email:
            partner = Partner.search(
                [("email", "=ilike", email), ("parent_id", "=", False),
                 ("company_id", "in", [False, company.id])], limit=1,
            )  # fmt: skip
        if not partner:
            partner = Partner.create(
                {"name": customer.name, "email": email or False, "phone": customer.phone or False}
            )
        address_vals = {
            "street": address.street or False,
            "street2": address.street2 or False,
            "zip": address.zip or False,
            "city": address.city or False,
            "country_id": country.id or False,
        }
        if not partner.street:
            partner.write(address_vals)
        name = address.name or customer.name
        if name == partner.name and all(
            (partner[f].id if f == "country_id" else partner[f]) == v
            for f, v in address_vals.items()
        ):
            return partner, partner
        domain = [("parent_id", "=", partner.id), ("type", "=", "delivery"), ("name", "=", name)]
        domain += [(f, "=", v) for f, v in address_vals.items()]
        shipping = Partner.search(domain, limit=1) or Partner.create(
            {"parent_id": partner.id, "type": "delivery", "name": name, **address_vals}
        )
        return partner, shipping

    # -- cancellations ----------------------------------------------------
    def _process_cancel(self):
        if self.channel_id.connector == SHOPIFY:
            try:
                external_id = self._parse_order().id
            except order_core.PayloadError as error:
                return self._reject(400, str(error))
        else:
            try:
                external_id = order_core.parse_cancel((self.body or "").encode("utf-8"))["id"]
            except order_core.PayloadError as error:
                return self._reject(400, str(error))
            if self.url_ref and external_id != self.url_ref:
                return self._reject(
                    400, f"body id {external_id!r} is not the order of the URL {self.url_ref!r}"
                )
        self.external_id = external_id
        order = self._find_order(external_id)
        if not order:
            held = self.search(
                [("channel_id", "=", self.channel_id.id), ("kind", "=", KIND_ORDER),
                 ("external_id", "=", external_id), ("state", "=", EXCEPTION)], limit=1,
            )  # fmt: skip
            if held:
                held.write({"state": DONE, "error": "cancelled by the channel"})
                return self._finish(DONE, status=order_core.CANCELLED)
            # the order has not arrived yet (messages crossed): it is cancelled on arrival
            self.write({"state": WAITING, "error": False})
            return 202, {
                "order": None,
                "status": order_core.CANCELLED,
                "reason": "the order has not arrived yet; it will be cancelled when it does",
            }
        self.sale_order_id = order
        if order.state == "cancel":
            return self._finish(DONE, order)
        shipped = order.picking_ids.filtered(
            lambda p: p.state == "done" and p.location_dest_id.usage == "customer"
        )
        if shipped:
            return self._reject(
                409,
                self.env._(
                    "%(order)s has shipped (%(pickings)s): it can no longer be cancelled; "
                    "request a return instead.",
                    order=order.name,
                    pickings=", ".join(shipped.mapped("name")),
                ),
            )
        order._action_cancel()
        order.channel_status_pushed = order._channel_status_body()
        return self._finish(DONE, order)

    # -- returns -----------------------------------------------------------
    def _process_return(self):
        try:
            request = order_core.parse_return((self.body or "").encode("utf-8"))
        except order_core.PayloadError as error:
            return self._reject(400, str(error))
        if self.url_ref and request["order_id"] != self.url_ref:
            return self._reject(
                400,
                f"body order_id {request['order_id']!r} is not the order of the URL "
                f"{self.url_ref!r}",
            )
        self.external_id = request["id"]
        earlier = self.search(
            [("channel_id", "=", self.channel_id.id), ("kind", "=", KIND_RETURN),
             ("external_id", "=", request["id"]), ("state", "=", DONE), ("id", "!=", self.id)],
            limit=1,
        )  # fmt: skip
        if earlier:
            self.write({"state": DUPLICATE, "duplicate_of_id": earlier.id})
            return earlier.http_status or 200, earlier.response
        order = self._find_order(request["order_id"])
        if not order:
            return self._reject(404, f"unknown order {request['order_id']!r}")
        self.sale_order_id = order
        wanted = defaultdict(float)
        lines = {line.channel_line_ref: line for line in order.order_line if line.channel_line_ref}
        for item in request["lines"]:
            line = lines.get(item["id"])
            if not line:
                return self._reject(404, f"order {order.name} has no line {item['id']!r}")
            wanted[line] += item["quantity"]
        for line, qty in wanted.items():
            returnable = line._channel_returnable_qty()
            if qty > returnable:
                return self._reject(
                    409,
                    self.env._(
                        "line %(line)s: %(qty)s to return, only %(max)s shipped and not returned",
                        line=line.channel_line_ref,
                        qty=f"{qty:g}",
                        max=f"{returnable:g}",
                    ),
                )
        pickings = order._channel_create_returns(wanted, request.get("reason"))
        return self._finish(DONE, order, returns=pickings.mapped("name"))

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
    @api.model
    def _cron_process_stale(self):
        """Messages stored but never judged (the server stopped in between)."""
        limit = fields.Datetime.now() - timedelta(minutes=STALE_RECEIVED_MINUTES)
        stale = self.search([("state", "=", RECEIVED), ("received_at", "<", limit)], limit=200)
        for inbound in stale:
            try:
                with self.env.cr.savepoint():
                    inbound._process()
            except Exception as error:
                _logger.exception("channel message %s could not be processed", inbound.id)
                inbound.write(
                    {"state": EXCEPTION, "exception": order_core.TO_CHECK,
                     "error": f"could not be processed: {error}"}
                )  # fmt: skip
            if not getattr(threading.current_thread(), "testing", False):
                self.env["ir.cron"]._commit_progress(1, remaining=len(stale))
        return len(stale)

    @api.autovacuum
    def _gc_old_messages(self):
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS)
        )
        limit = fields.Datetime.now() - timedelta(days=days)
        self.search(
            [("received_at", "<", limit), ("state", "in", (DONE, DUPLICATE, REJECTED))]
        ).unlink()
