"""The background confirmation of orders answered from a reservation (fast.py): claimed
in batches, their sale orders created and confirmed together, the ledger rows done in
the same transaction, one commit per batch; an order that cannot be confirmed is left in
exception with the reason, its units released."""

import logging
import zlib
from collections import defaultdict

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ...core import status as status_core
from ...core.inbound import DONE, EXCEPTION, RESERVED
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
        ledger rows done and the messages done in the same transaction."""
        SaleOrder = self.env["sale.order"].sudo().with_context(**QUIET)
        vals_list = [inbound._reserved_order_vals() for inbound in self]
        orders = SaleOrder.create(vals_list)
        orders.with_context(stock_channel_checked=True).action_confirm()
        rows = self.env["stock.channel.reservation"].sudo()
        rows.search([("inbound_id", "in", self.ids), ("state", "=", CONFIRMING)])._done()
        for inbound, order in zip(self, orders, strict=True):
            order.channel_status_pushed = order._channel_status_body()
            inbound.write({"state": DONE, "sale_order_id": order.id})

    def _reserved_order_vals(self):
        """The sale order values of a reserved message, named as it was answered."""
        order_in = self._connector().parse_order(self._raw())
        resolved = self._resolve(order_in)
        if resolved["problems"]:
            raise ValueError("; ".join(resolved["problems"][1]))
        row = (
            self.env["stock.channel.reservation"]
            .sudo()
            .search([("inbound_id", "=", self.id)], limit=1)
        )
        return {**self._order_vals(order_in, resolved), "name": row.order_name}

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
