"""A reconciliation run of a channel: read back in chunks, drifts judged, corrections queued."""

import logging
from collections import defaultdict

from odoo import fields, models

from ...core import drift as drift_core
from ...core.dispatch import utcnow
from ...core.errors import SyncError
from ...core.inbound import EXCEPTION, KIND_ORDER, RECEIVED, WAITING
from ..stock_channel_outbox.outbox import PRIORITY_HIGH

_logger = logging.getLogger(__name__)

# SKUs read back, judged and recorded at a time (memory stays flat on big catalogues)
RECONCILE_CHUNK = 1000
# order messages that have not made a sale order (yet)
HELD_STATES = (RECEIVED, EXCEPTION, WAITING)


class StockChannel(models.Model):
    """A reconciliation run: read back in chunks, facts from grouped queries, each SKU
    judged (core.drift), drifts recorded, corrections queued."""

    _inherit = "stock.channel"

    # ------------------------------------------------------------------
    # A run
    # ------------------------------------------------------------------
    def _reconcile(self, kind, products=None, progress=None):
        """Read `products` (None: per `kind`) back in chunks, judge each SKU, record the
        drifts and queue the corrections. Returns the run (failed: its error kept).
        `progress(done, total)` is called before the first chunk and after each (a
        background job records it, and commits there in the cron)."""
        self.ensure_one()
        channel = self.sudo()
        run = (
            self.env["stock.channel.reconcile"]
            .sudo()
            .create({"channel_id": channel.id, "kind": kind})
        )
        started = utcnow()  # a push accepted after this was sent after the read started
        totals = drift_core.RunTotals()
        products = products if products is not None else channel._reconcile_products(kind)
        if channel.polls_orders and kind != "recheck":
            # the orders the channel has counted come in first: not taken for edits
            channel._poll_orders()
        error = None
        try:
            channel._reconcile_read(run, products, started, totals, progress)
        except (SyncError, NotImplementedError) as err:
            error = str(err)
            _logger.warning("channel %s: reconciliation failed: %s", channel.code, error)
        run._close_run(totals, started, error)
        if kind in ("full", "manual") and not error:
            channel.last_full_reconcile_at = run.started_at
        return run

    def _reconcile_read(self, run, products, started, totals, progress=None):
        """Read `products` back in chunks and judge them for `run` (a full or manual run:
        the SKUs the channel lists that no variant maps too)."""
        with self._connector() as connector:
            context = (run, started, totals, self._unimported_quantities())
            size = RECONCILE_CHUNK
            if connector.reads_whole_listing:  # one listing, not one per chunk
                size = max(len(products), 1)
            if progress:
                progress(0, len(products))
            for start in range(0, len(products), size):
                chunk = products[start : start + size]
                self._reconcile_chunk(connector, chunk, *context)
                # memory stays flat: the chunk's records leave the cache
                self.env.flush_all()
                self.env.invalidate_all()
                if progress:
                    progress(start + len(chunk))
            if run.kind in ("full", "manual"):
                self._reconcile_unmapped(connector, run, totals)
                self._resolve_unread_issues(connector, products)  # reconcile_stores.py

    def _reconcile_chunk(self, connector, products, run, started, totals, unimported):
        Binding = self.env["stock.channel.binding"]
        bindings = self._bindings(products)
        own = {pid for pid, b in bindings.items() if b.fulfilled_by_channel}
        skus, _conflicts = Binding._channel_skus(self, products, bindings)
        skus = {pid: sku for pid, sku in skus.items() if sku and pid not in own}
        refs = {
            sku: (bindings[pid].external_id or "", bindings[pid].external_parent_id or "")
            for pid, sku in skus.items()
            if pid in bindings
        }
        read = connector.read_quantities(list(skus.values()), refs)
        self._read_item_issues(connector, skus, read, run)  # reconcile_stores.py
        facts = self._drift_facts(products.browse(list(skus)), skus, read, started, unimported)
        facts += self._store_drift_facts(connector, read, facts)
        self._judge_drifts(run, facts, totals)

    def _drift_facts(self, products, skus, read, started, unimported):
        """[(product_id, SkuFacts)] of `products`, from a few grouped queries."""
        results = self._compute_publishable(products)
        lines = {
            line.product_id.id: line
            for line in self.env["stock.channel.quantity"].search(
                [("channel_id", "=", self.id), ("product_id", "in", products.ids)]
            )
        }
        pending, failed = self._push_states(products.ids)
        # what the channel holds of a quantity (Google Merchant Center: in stock or not)
        form = self._webhook_connector().read_form
        facts = []
        for product in products:
            line = lines.get(product.id)
            known = line and line.published_at
            sku = skus[product.id]
            lost = drift_core.last_push_lost(
                known or None, failed.get(product.id), bool(line and line.push_in_doubt)
            )
            facts.append(
                (
                    product.id,
                    drift_core.SkuFacts(
                        sku=sku,
                        channel_qty=read.get(sku),
                        bound=True,
                        expected_qty=form(line.published_qty) if known else None,
                        publishable_qty=form(results[self.id, product.id].publishable),
                        pending_push=product.id in pending
                        or bool(known and line.published_at > started),
                        last_push_lost=lost,
                        unimported_qty=unimported.get(sku, 0),
                    ),
                )
            )
        return facts

    def _push_states(self, product_ids):
        """({variants with a push queued (a row that is not dead) or awaiting its
        verdict}, {variant: when its newest push failed: became a dead letter, or left
        and has no verdict by its deadline}); core.drift.last_push_lost weighs the
        failure against the last push the channel accepted."""
        cr = self.env.cr
        self.env["stock.channel.outbox"].flush_model()
        cr.execute(
            """SELECT product_id, bool_or(state <> 'dead'),
                      max(dead_at) FILTER (WHERE state = 'dead')
                 FROM stock_channel_outbox
                WHERE channel_id = %s AND product_id = ANY(%s) GROUP BY product_id""",
            [self.id, product_ids],
        )
        pending, failed = set(), {}
        for product_id, queued, dead_at in cr.fetchall():
            if queued:
                pending.add(product_id)
            if dead_at:
                failed[product_id] = dead_at
        self.env["stock.channel.sync.log"].flush_model()
        cr.execute(
            """SELECT (item->>'product_id')::int,
                      bool_or(l.confirm_deadline IS NULL OR l.confirm_deadline >= %s),
                      max(l.sent_at) FILTER (WHERE l.confirm_deadline < %s)
                 FROM stock_channel_sync_log l, jsonb_array_elements(l.items) item
                WHERE l.channel_id = %s AND l.state = 'sent'
                  AND (item->>'product_id')::int = ANY(%s)
                GROUP BY 1""",
            [fields.Datetime.now(), fields.Datetime.now(), self.id, product_ids],
        )
        for product_id, waiting, overdue_at in cr.fetchall():
            if waiting:
                pending.add(product_id)
            if overdue_at:
                failed[product_id] = max(overdue_at, failed.get(product_id, overdue_at))
        return pending, failed

    def _unimported_quantities(self):
        """{sku: units} of the orders the channel sent that made no sale order yet (held
        for a person, or waiting): the channel has counted them, Odoo has not."""
        held = self._order_messages_without_order(HELD_STATES)
        units = defaultdict(int)
        for message in held:
            order_in, _rejected = message._parsed(message._connector().parse_order)
            for line in order_in.lines if order_in else ():
                units[line.sku] += int(line.quantity)
        return units

    def _order_messages_without_order(self, states):
        """The channel's genuine order messages in `states` that made no sale order."""
        return (
            self.env["stock.channel.inbound"]
            .sudo()
            .search(
                [
                    ("channel_id", "=", self.id),
                    ("kind", "=", KIND_ORDER),
                    ("state", "in", states),
                    ("sale_order_id", "=", False),
                    ("authenticated", "=", True),
                ]
            )
        )

    def _reconcile_unmapped(self, connector, run, totals):
        """SKUs the channel lists that no variant maps (a full run reads the catalogue
        where the connector can)."""
        try:
            catalog = [entry.sku for entry in connector.list_catalog() if entry.sku]
        except NotImplementedError:
            return
        except SyncError as error:  # e.g. bol's 9 exports an hour: the next run lists them
            run.note = self.env._("The catalogue was not read: %(error)s", error=error)
            return
        owners = self.env["stock.channel.binding"]._sku_owners(self, catalog)
        facts = [
            (
                None,
                drift_core.SkuFacts(
                    sku=sku, channel_qty=None, bound=False, expected_qty=None, publishable_qty=None
                ),
            )
            for sku in sorted(set(catalog) - set(owners))
        ]
        self._judge_drifts(run, facts, totals, listed=True)

    def _judge_drifts(self, run, facts, totals, listed=False):
        """Classify, record (one open drift per SKU, updated), close what is in sync
        again, and queue the corrections."""
        Drift = self.env["stock.channel.drift"].sudo()
        skus = [fact.sku for _pid, fact in facts]
        existing = Drift.search(
            [
                ("channel_id", "=", self.id),
                ("sku", "in", skus),
                ("state", "in", ("open", "accepted")),
            ]
        )
        opened = {d.sku: d for d in existing if d.state == "open"}
        accepted = {(d.sku, d.channel_qty) for d in existing if d.state == "accepted"}
        now = fields.Datetime.now()
        to_create, to_correct, in_sync, poll = [], Drift, Drift, False
        for product_id, fact in facts:
            cause = drift_core.classify(fact)
            if cause != drift_core.IN_SYNC and (fact.sku, fact.channel_qty) in accepted:
                cause = drift_core.IN_SYNC  # a person said the channel is right
            totals.add(cause, listed or fact.channel_qty is not None)
            drift = opened.get(fact.sku)
            if cause == drift_core.IN_SYNC:
                in_sync |= drift or Drift
                continue
            vals = _drift_vals(run, product_id, fact, cause, listed)
            if drift:
                drift.write(vals)
            else:
                to_create.append(dict(vals, channel_id=self.id, detected_at=now))
            poll = poll or cause == drift_core.UNIMPORTED_ORDER
        created = Drift.create(to_create)
        in_sync.write({"state": "corrected", "corrected_at": now, "correcting": False})
        for drift in (created | Drift.browse([d.id for d in opened.values()])).exists():
            if drift.state == "open" and drift.cause in drift_core.CORRECTABLE:
                to_correct |= drift
        if self.reconcile_auto_correct and to_correct:
            run.corrections += self._queue_corrections(to_correct)
        if poll:
            self._retry_held_orders()

    def _retry_held_orders(self):
        """Orders the channel counted and Odoo has not imported: those left for later are
        judged again now, the channel's orders polled again (a newer version may complete
        them); those held for a person stay in the order exceptions."""
        held = self._order_messages_without_order((RECEIVED,))
        held.write({"retry_at": fields.Datetime.now()})
        crons = [("stock_channel_sync.ir_cron_process_inbound", bool(held))]
        crons.append(("stock_channel_sync.ir_cron_poll_orders", self.polls_orders))
        for xmlid, wanted in crons:
            if wanted:
                self.env.ref(xmlid).sudo()._trigger()

    def _queue_corrections(self, drifts):
        """Push the publishable quantity of the drifts' variants through the outbox,
        compared with what the channel was read holding. Returns how many."""
        drifts = drifts.filtered("product_id")
        drifts.write({"correcting": True})
        self.env["stock.channel.outbox"]._enqueue(
            drifts.product_id, channels=self, priority=PRIORITY_HIGH, force=True
        )
        return len(drifts)


def _drift_vals(run, product_id, fact, cause, listed):
    return {
        "run_id": run.id,
        "product_id": product_id or False,
        "sku": fact.sku,
        "expected_qty": fact.expected_qty or 0,
        "publishable_qty": fact.publishable_qty or 0,
        "channel_qty": fact.channel_qty or 0,
        "listed": listed or fact.channel_qty is not None,
        "cause": cause,
    }
