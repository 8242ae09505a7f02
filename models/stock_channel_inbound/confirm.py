"""The background confirmation of orders answered from a reservation (fast.py): claimed
in batches, their sale orders created and confirmed together, the ledger rows done in
the same transaction, one commit per batch; an order that cannot be confirmed is left in
exception with the reason, its units released."""

import logging
import zlib

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ...core import intake as intake_core
from ...core import status as status_core
from ...core.inbound import DONE, EXCEPTION, KIND_CANCEL, RESERVED, WAITING
from ...core.intake import CLAIM_WINDOW, CONFIRM_BATCH, CONFIRMING
from .. import runtime

_logger = logging.getLogger(__name__)

# a batch that lost a race with a concurrent transaction is claimed again this many times
CLAIM_ATTEMPTS = 5
# a claim that lost rows or variants to a worker claiming at the same moment looks again
CLAIM_ROUNDS = 3
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
        if self._confirmation_waits_burst():  # defer.py
            return 0
        confirmed = 0
        attempts = 0
        while attempts < CLAIM_ATTEMPTS:
            try:
                inbounds = self._claim_reserved(self._claim_size(batch))  # defer.py
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
            if self._confirmation_defers():  # a burst began during the run (defer.py)
                self._wait_burst_in_next_run()
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
        """Up to `limit` reserved messages, the oldest first, that no other worker holds
        and whose variants no other worker is confirming: those are passed over and the
        batch filled with later ones (CLAIM_WINDOW), so that two workers confirm full
        batches side by side. The messages' rows are locked, then their variants
        (transaction-scoped advisory locks); a row or variant a worker claiming at the
        same moment took first leaves its messages to it, and the claim looks again."""
        self.flush_model(["state"])
        variants = None
        kept = []
        for _round in range(CLAIM_ROUNDS):
            busy = self._variants_confirmed_elsewhere()  # first: the snapshot's moment
            if variants is None:
                variants = self._reserved_variants(limit * CLAIM_WINDOW)
            chosen = intake_core.claimable(variants.items(), busy, limit - len(kept))
            if not chosen:
                break
            kept += self._lock_claim(chosen, variants)
            for inbound_id in chosen:  # claimed, or taken by another worker
                del variants[inbound_id]
            if len(kept) >= limit:
                break
        return self.browse(kept)

    def _lock_claim(self, chosen, variants):
        """The ids of `chosen` whose rows and variants ({id: variant ids}) this
        transaction locked; the others held by another one (never waited for)."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT id FROM stock_channel_inbound WHERE id = ANY(%s) AND state = %s
             ORDER BY id FOR UPDATE SKIP LOCKED
            """,
            [chosen, RESERVED],
            log_exceptions=False,
        )
        locked = [row[0] for row in cr.fetchall()]
        cr.execute(
            "SELECT v FROM unnest(%s::int[]) v WHERE NOT pg_try_advisory_xact_lock(%s, v)",
            [sorted({v for inbound_id in locked for v in variants[inbound_id]}), LOCK_SPACE],
        )
        lost = {row[0] for row in cr.fetchall()}
        return [inbound_id for inbound_id in locked if lost.isdisjoint(variants[inbound_id])]

    @api.model
    def _reserved_variants(self, limit):
        """{message id: [variant ids of its ledger rows confirming]} of the `limit`
        oldest reserved messages (oldest first); two queries."""
        self.env["stock.channel.reservation"].flush_model(["inbound_id", "product_id", "state"])
        cr = self.env.cr
        cr.execute(
            "SELECT id FROM stock_channel_inbound WHERE state = %s ORDER BY id LIMIT %s",
            [RESERVED, limit],
        )
        variants = {row[0]: [] for row in cr.fetchall()}
        if variants:
            cr.execute(
                """
                SELECT inbound_id, product_id FROM stock_channel_reservation
                 WHERE inbound_id = ANY(%s) AND state = %s
                """,
                [list(variants), CONFIRMING],
            )
            for inbound_id, product_id in cr.fetchall():
                variants[inbound_id].append(product_id)
        return variants

    @api.model
    def _variants_confirmed_elsewhere(self):
        """The variant ids whose confirmation lock another transaction holds now (a
        live view, read before the claim's rows; the claim's own locks decide)."""
        self.env.cr.execute(
            """
            SELECT objid::bigint FROM pg_locks
             WHERE locktype = 'advisory' AND classid = %s::oid AND objsubid = 2
               AND pid <> pg_backend_pid()
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            [LOCK_SPACE],
        )
        return {row[0] for row in self.env.cr.fetchall()}

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
        rows = self.env["stock.channel.reservation"].sudo()
        rows = rows.search([("inbound_id", "in", inbounds.ids), ("state", "=", CONFIRMING)])
        vals_list = [
            inbound._reserved_order_vals(rows.filtered(lambda r, i=inbound: r.inbound_id == i))
            for inbound in inbounds
        ]
        orders = SaleOrder.create(vals_list)
        decided, kept = inbounds._decided_by_rules(orders, rows)  # rules.py
        confirmed = orders - decided
        confirmed.with_context(stock_channel_checked=True).action_confirm()
        (rows - kept)._done()
        short = confirmed._channel_flag_unreserved()
        for inbound, order in zip(inbounds, orders, strict=True):
            if order not in decided:  # the channel was answered this status
                order.channel_status_pushed = order._channel_status_body()
            if order.channel_exception:  # flagged: in exception with the reason
                inbound._set_outcome(DONE, order)
            else:
                inbound.write({"state": DONE, "sale_order_id": order.id})
        self._push_nothing_settled(confirmed, short)

    def _push_nothing_settled(self, orders, short):
        """The orders confirmed with all their units (not in `short`, {order: {variant:
        ...}}) change no variant's figures (the units pass from the ledger to the
        quants) nor the status the channel was answered: nothing of theirs is queued
        (no pushes, the dispatcher not woken by a backlog draining). The variants of an
        order short, or reserved from a non-sellable location (its figures move), are
        queued as any stock change."""
        settled = orders.filtered(lambda order: order not in short)
        settled -= self._reserved_off_sale(settled)
        unsettled = set((orders - settled).order_line.product_id.ids)
        self.env["stock.channel.outbox"]._forget_settled(
            set(settled.order_line.product_id.ids) - unsettled, settled.ids
        )

    def _reserved_off_sale(self, orders):
        """Those of `orders` with units reserved in a non-sellable location of their
        warehouse (none looked for where the warehouse has no such location)."""
        non_sellable = set()
        for warehouse in orders.warehouse_id:
            non_sellable |= warehouse.view_location_id._channel_non_sellable_ids()
        if not non_sellable:
            return orders.browse()
        lines = orders.order_line.move_ids.move_line_ids
        odd = lines.filtered(lambda line: line.location_id.id in non_sellable)
        return odd.move_id.sale_line_id.order_id

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

    def _reserved_order_vals(self, rows):
        """The sale order values of a reserved message, named as it was answered; the
        variants and quantities must be those its ledger `rows` (confirming) reserved
        (compared by id; the variants' names only to say how they differ)."""
        order_in = self._connector().parse_order(self._raw())
        resolved = self._resolve(order_in)
        if resolved["problems"]:
            raise ValueError("; ".join(resolved["problems"][1]))
        needed = intake_core.needed_units(
            (resolved["products"][line.sku], line.quantity) for line in order_in.lines
        )
        reserved = {row.product_id: row.quantity for row in rows}
        if {p.id: qty for p, qty in needed.items()} != {p.id: q for p, q in reserved.items()}:
            raise ValueError(
                intake_core.ledger_differences(
                    {(product.display_name, product.id): qty for product, qty in needed.items()},
                    {(product.display_name, product.id): q for product, q in reserved.items()},
                )
            )
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
