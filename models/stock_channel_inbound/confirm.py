"""The background confirmation of orders answered from a reservation (fast.py): claimed
in batches, their sale orders created and confirmed together, the ledger rows done in
the same transaction, one commit per batch; an order that cannot be confirmed is left in
exception with the reason, its units released."""

import logging
import zlib
from collections import defaultdict

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ...core import intake as intake_core
from ...core import status as status_core
from ...core.inbound import DONE, EXCEPTION, KIND_CANCEL, RESERVED, WAITING
from ...core.intake import CONFIRM_BATCH, CONFIRMING
from .. import runtime

_logger = logging.getLogger(__name__)

# a batch that lost a race with a concurrent transaction is claimed again this many times
CLAIM_ATTEMPTS = 5
# the advisory locks of the variants a confirmation batch takes (two workers never
# confirm orders of the same variant at once: their quants would conflict)
LOCK_SPACE = zlib.crc32(b"stock_channel_sync.confirm") & 0x7FFFFFFF
NEXT_ACTION_CONFIRM = "Correct what the reason says, then Retry the message."
QUIET = {"tracking_disable": True, "mail_notrack": True, "mail_create_nolog": True}


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    @api.model
    def _cron_confirm_reserved(self, batch=CONFIRM_BATCH):
        """Confirm the reserved orders, a batch per transaction, until none is left or
        the cron's share of time is used. Two cron records run this side by side.

        Out of time with orders left, no work remaining is reported (Odoo would run the
        action again at once, up to 10 times, in the same unit of work of the cron
        worker and under its CPU limit): the cron is triggered, the rest in its next run."""
        confirmed = 0
        attempts = 0
        while attempts < CLAIM_ATTEMPTS:
            try:
                inbounds = self._claim_reserved(batch)
                if not inbounds:
                    break
                inbounds._confirm_reserved()
                self.env.flush_all()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                runtime.roll_back(self.env)  # nothing lost: claimed again on fresh data
                attempts += 1
                continue
            attempts = 0
            confirmed += len(inbounds)
            left = runtime.commit_chunk(self.env, len(inbounds))
            if left <= 0:
                if self.search_count([("state", "=", RESERVED)], limit=1):
                    self._confirm_in_next_run()
                break
        return confirmed

    @api.model
    def _confirm_in_next_run(self):
        """Trigger the confirmation cron running this (else the first one) now."""
        Cron = self.env["ir.cron"].sudo()
        cron = Cron.browse(self.env.context.get("cron_id")).exists()
        cron = cron or self.env.ref("stock_channel_sync.ir_cron_confirm_reserved").sudo()
        cron._trigger()

    @api.model
    def _claim_reserved(self, limit):
        """Up to `limit` reserved messages no other worker holds (SKIP LOCKED) whose
        variants no other worker is confirming."""
        self.flush_model(["state"])
        cr = self.env.cr
        cr.execute(
            """
            SELECT id FROM stock_channel_inbound WHERE state = %s
             ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            """,
            [RESERVED, limit],
            log_exceptions=False,
        )
        claimed = [row[0] for row in cr.fetchall()]
        products = defaultdict(list)
        for row in (
            self.env["stock.channel.reservation"]
            .sudo()
            .search_read([("inbound_id", "in", claimed)], ["inbound_id", "product_id"], load=None)
        ):
            products[row["inbound_id"]].append(row["product_id"])
        kept = []
        for inbound_id in claimed:
            cr.execute(
                "SELECT bool_and(pg_try_advisory_xact_lock(%s, id)) FROM unnest(%s::int[]) id",
                [LOCK_SPACE, sorted(products[inbound_id])],
            )
            if cr.fetchone()[0] is not False:
                kept.append(inbound_id)
        return self.browse(kept)

    def _confirm_reserved(self):
        """Each company's orders created and confirmed in one batch; a batch that fails
        on a bad record, each order alone (the bad one left in exception)."""
        for company in self.company_id:
            group = self.filtered(lambda inbound, c=company: inbound.company_id == c)
            try:
                with self.env.cr.savepoint():
                    group.with_company(company).with_context(**QUIET)._confirm_batch()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception:  # a bad record: each order alone
                self.env.invalidate_all()
                for inbound in group.with_company(company).with_context(**QUIET):
                    inbound._confirm_alone()

    def _confirm_alone(self):
        try:
            with self.env.cr.savepoint():
                self._confirm_batch()
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception as error:  # kept on the message, units released
            _logger.warning("reserved order %s could not be confirmed: %s", self.id, error)
            self.env.invalidate_all()
            self._confirmation_failed(str(error))

    def _confirm_batch(self):
        """Create the sale orders of self (named as answered) and confirm them; the
        ledger rows done and the messages done in the same transaction. An order the
        channel cancelled meanwhile (its cancellation waiting) is not confirmed; one
        whose units another flow took meanwhile is flagged with its shortfall."""
        inbounds = self._without_cancelled()
        if not inbounds:
            return
        SaleOrder = self.env["sale.order"].sudo().with_context(**QUIET)
        vals_list = [inbound._reserved_order_vals() for inbound in inbounds]
        orders = SaleOrder.create(vals_list)
        orders.with_context(stock_channel_checked=True).action_confirm()
        rows = self.env["stock.channel.reservation"].sudo()
        rows.search([("inbound_id", "in", inbounds.ids), ("state", "=", CONFIRMING)])._done()
        orders._channel_flag_unreserved()
        for inbound, order in zip(inbounds, orders, strict=True):
            order.channel_status_pushed = order._channel_status_body()
            if order.channel_exception:  # flagged: in exception with the reason
                inbound._set_outcome(DONE, order)
            else:
                inbound.write({"state": DONE, "sale_order_id": order.id})

    def _without_cancelled(self):
        """self less the orders whose cancellation waits (under the claim; one search):
        their units released, the message and the cancellation done."""
        waiting = self.search(
            [
                ("kind", "=", KIND_CANCEL),
                ("state", "=", WAITING),
                ("channel_id", "in", self.channel_id.ids),
                ("external_id", "in", self.mapped("external_id")),
            ]
        )
        pairs = {(inbound.channel_id, inbound.external_id) for inbound in self}
        waiting = waiting.filtered(lambda cancel: (cancel.channel_id, cancel.external_id) in pairs)
        keys = {(cancel.channel_id, cancel.external_id) for cancel in waiting}
        cancelled = self.filtered(lambda inbound: (inbound.channel_id, inbound.external_id) in keys)
        cancelled._cancelled_while_confirming()
        waiting.write({"state": DONE, "error": False})
        return self - cancelled

    def _reserved_order_vals(self):
        """The sale order values of a reserved message, named as it was answered; the
        variants and quantities must be those its ledger rows reserved."""
        order_in = self._connector().parse_order(self._raw())
        resolved = self._resolve(order_in)
        if resolved["problems"]:
            raise ValueError("; ".join(resolved["problems"][1]))
        rows = (
            self.env["stock.channel.reservation"]
            .sudo()
            .search([("inbound_id", "=", self.id), ("state", "=", CONFIRMING)])
        )
        needed = intake_core.needed_units(
            (resolved["products"][line.sku], line.quantity) for line in order_in.lines
        )
        differs = intake_core.ledger_differences(
            {(product.display_name, product.id): qty for product, qty in needed.items()},
            {(row.product_id.display_name, row.product_id.id): row.quantity for row in rows},
        )
        if differs:
            raise ValueError(differs)
        return {**self._order_vals(order_in, resolved), "name": rows[:1].order_name}

    def _confirmation_failed(self, reason):
        """Left in exception (to check) with the reason; its units count again."""
        rows = self.env["stock.channel.reservation"].sudo()
        rows.search([("inbound_id", "=", self.id), ("state", "=", CONFIRMING)])._release()
        self.sudo().write(
            {
                "state": EXCEPTION,
                "exception": status_core.TO_CHECK,
                "error": self.env._("could not be confirmed: %(reason)s", reason=reason),
                "next_action": self.env._(NEXT_ACTION_CONFIRM),
            }
        )
