"""Enqueueing pushes in the transaction of the change, merged per subject at its commit."""

import logging
from collections import defaultdict

from psycopg2.errors import SerializationFailure

from odoo import api, models
from odoo.tools import mute_logger

from ...core import events
from ...core.connectors import order_status_connectors
from ...core.sql_arrays import array_text
from .outbox import PRIORITY_HIGH, PRIORITY_NORMAL

_logger = logging.getLogger(__name__)

PRECOMMIT_KEY = "stock_channel_sync.outbox"
# a change queued for a variant already pending: coalesced with its row
PENDING_CONFLICT = (
    "ON CONFLICT (channel_id, product_id) WHERE state = 'pending' DO UPDATE SET "
    "priority = GREATEST(stock_channel_outbox.priority, EXCLUDED.priority), "
    "force = stock_channel_outbox.force OR EXCLUDED.force, push_kind = 'live', "
    "generation = stock_channel_outbox.generation + 1"  # a replay carries a change now
)


class StockChannelOutbox(models.Model):
    _inherit = "stock.channel.outbox"

    # ------------------------------------------------------------------
    # Enqueue, in the transaction of the change
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(
        self, products=None, warehouses=None, channels=None, priority=PRIORITY_NORMAL, force=False
    ):
        """Record that `products` (None = every storable variant) must be republished on
        `channels`, or on every channel of `warehouses`. Written at precommit, in one
        INSERT per transaction, coalesced per (channel, variant). `force` pushes even a
        quantity the channel already has."""
        pending = self._pending_enqueued()
        product_ids = products.ids if products is not None else [None]
        for kind, records in (("warehouse", warehouses), ("channel", channels)):
            for record_id in (records or []).ids if records else []:
                target = pending[kind][record_id]
                for product_id in product_ids:
                    prio, forced = target.get(product_id, (priority, force))
                    target[product_id] = (max(prio, priority), forced or force)

    def _pending_enqueued(self):
        """The transaction's pending changes, made (with their flush at the commit) the
        first time; the per-change paths read them from precommit.data first."""
        cr = self.env.cr
        pending = cr.precommit.data.get(PRECOMMIT_KEY)
        if pending is None:
            pending = cr.precommit.data[PRECOMMIT_KEY] = {
                "warehouse": defaultdict(dict),
                "channel": defaultdict(dict),
                "orders": set(),
                "stock": {},  # (location_id, product_id) -> priority: _enqueue_locations
            }
            env = self.env
            cr.precommit.add(lambda: env[self._name].sudo()._flush_enqueued())
        return pending

    @api.model
    def _enqueue_orders(self, orders):
        """Record that the status of `orders` (channel orders) must be pushed to their
        channel; the body is computed when the row is sent."""
        pending = self.env.cr.precommit.data.get(PRECOMMIT_KEY) or self._pending_enqueued()
        pending["orders"].update(orders.ids)

    @api.model
    def _enqueue_locations(self, product_ids, location_ids, priority=None):
        """Note that the stock of `product_ids` in `location_ids` changed (`priority`
        None: the change's, the context's stock_channel_priority or normal); their
        warehouses' channels are found at the commit (_warehouses_of_stock)."""
        if priority is None:
            priority = self.env.context.get("stock_channel_priority", PRIORITY_NORMAL)
        pending = self.env.cr.precommit.data.get(PRECOMMIT_KEY) or self._pending_enqueued()
        stock = pending["stock"]
        for location_id in location_ids:
            for product_id in product_ids:
                key = (location_id, product_id)
                stock[key] = max(priority, stock.get(key, priority))

    def _warehouses_of_stock(self, pending):
        """The stock changes noted by _enqueue_locations, as their warehouses' pending
        changes (a location outside any warehouse publishes nothing)."""
        stock = pending["stock"]
        locations = self.env["stock.location"].browse(sorted({loc for loc, _product in stock}))
        warehouse_of = {location.id: location.warehouse_id.id for location in locations.exists()}
        for (location_id, product_id), priority in stock.items():
            warehouse_id = warehouse_of.get(location_id)
            if warehouse_id:
                target = pending["warehouse"][warehouse_id]
                prio, force = target.get(product_id, (priority, False))
                target[product_id] = (max(prio, priority), force)

    def _stock_changed(self, pending):
        """The noted stock changes, as their warehouses', announced (STOCK_CHANGED)."""
        if pending["stock"]:
            self._warehouses_of_stock(pending)
        self._kits_of_pending(pending)  # the kits of the changed components too (kits.py)
        if pending["warehouse"] or pending["channel"]:
            self.env["stock.channel.event"]._announce(
                events.STOCK_CHANGED, warehouses=pending["warehouse"], channels=pending["channel"]
            )

    def _flush_enqueued(self):
        pending = self.env.cr.precommit.data.pop(PRECOMMIT_KEY, None)
        if not pending:
            return
        self._stock_changed(pending)
        Event = self.env["stock.channel.event"]
        order_rows = []
        if pending["orders"]:
            # the channel orders whose status moved: the oversell ledger listens
            Event._announce(events.CHANGES_FLUSHED, pending["orders"])
            order_rows = self._order_rows(pending["orders"])
        if order_rows:
            self._insert_order_rows(order_rows)
        Channel = self.env["stock.channel"].sudo()
        targets = defaultdict(dict)  # channel_id -> {product_id|None: (priority, force)}

        def merge(channel, wanted):
            for product_id, (prio, force) in wanted.items():
                old_prio, old_force = targets[channel.id].get(product_id, (prio, force))
                targets[channel.id][product_id] = (max(prio, old_prio), force or old_force)

        warehouse_ids = list(pending["warehouse"])
        if warehouse_ids:
            for channel, ids in Channel._drawing_from(warehouse_ids, connected=True):
                for warehouse_id in ids:  # its warehouse and its sources
                    merge(channel, pending["warehouse"][warehouse_id])
        for channel in Channel.browse(list(pending["channel"])).exists():
            if channel.connector and channel.active:
                merge(channel, pending["channel"][channel.id])
        if not targets:
            if order_rows:
                Event._announce(events.PUSHES_QUEUED, {row[0] for row in order_rows})
            return
        rows = self._addressable_rows_of(Channel.browse(list(targets)), targets)  # address.py
        self._insert_rows(rows)
        Event._announce(events.PUSHES_QUEUED, {row[0] for row in rows})

    def _order_rows(self, order_ids):
        """[(channel_id, order_id)] of the orders whose channel takes status pushes."""
        self.env.cr.execute(
            """
            SELECT c.id, so.id FROM sale_order so
              JOIN stock_channel c ON c.id = so.channel_id
             WHERE so.id = ANY(%s) AND so.channel_order_ref IS NOT NULL
               AND c.active AND c.connector = ANY(%s)
            """,
            [list(order_ids), order_status_connectors()],
        )
        return self.env.cr.fetchall()

    def _insert_order_rows(self, rows):
        now_utc = "(clock_timestamp() at time zone 'utc')"
        self.env.cr.execute(
            f"""
            INSERT INTO stock_channel_outbox (channel_id, sale_order_id, company_id, state,
                   priority, force, event_at, next_attempt_at, attempts, generation)
            SELECT r.channel_id, r.order_id, c.company_id, 'pending', %(prio)s, false,
                   {now_utc}, {now_utc}, 0, 0
              FROM unnest(%(channels)s::int[], %(orders)s::int[]) AS r(channel_id, order_id)
              JOIN stock_channel c ON c.id = r.channel_id
            ON CONFLICT (channel_id, sale_order_id)
               WHERE state = 'pending' AND sale_order_id IS NOT NULL
            DO UPDATE SET generation = stock_channel_outbox.generation + 1
            """,
            {
                "prio": PRIORITY_HIGH,
                "channels": [r[0] for r in rows],
                "orders": [r[1] for r in rows],
            },
        )
        self.invalidate_model()

    def _insert_rows(self, rows):
        """Queue [(channel_id, product_id, priority, force)], coalesced with the pending
        row of the same channel and variant (its generation bumped), in one statement.

        Odoo's transactions are REPEATABLE READ: when another transaction wrote one of
        those pending rows after this one began (a Republish all, a stock change, a
        dispatcher), coalescing fails with a serialization error, at the commit of a
        change (the procurement scheduler, a sale...) that must not fail for it. The
        change is then queued as 'late' rows (no unique index: nothing to conflict
        with), which the dispatcher merges into the pending ones before it takes any."""
        if not rows:
            return
        rows = sorted(rows)  # the same lock order in every transaction: no deadlock
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self._write_rows(rows, "pending", PENDING_CONFLICT)
        except SerializationFailure:
            _logger.info("outbox: %s change(s) written concurrently, queued to merge", len(rows))
            self._write_rows(rows, "late", "")
        self.invalidate_model()

    def _write_rows(self, rows, state, conflict):
        now_utc = "(clock_timestamp() at time zone 'utc')"
        self.env.cr.execute(
            f"""
            INSERT INTO stock_channel_outbox (channel_id, product_id, company_id, state,
                   priority, force, event_at, next_attempt_at, attempts, generation)
            SELECT r.channel_id, r.product_id, c.company_id, %(state)s, r.priority, r.force,
                   {now_utc}, {now_utc}, 0, 0
              FROM unnest(%(channels)s::int[], %(products)s::int[], %(prios)s::int[],
                          %(forces)s::bool[])
                   AS r(channel_id, product_id, priority, force)
              JOIN stock_channel c ON c.id = r.channel_id
            {conflict}
            """,
            {
                "state": state,
                # one literal each (core.sql_arrays): a Republish all's 5,000 rows a chunk
                "channels": array_text([r[0] for r in rows]),
                "products": array_text([r[1] for r in rows]),
                "prios": array_text([r[2] for r in rows]),
                "forces": array_text([r[3] for r in rows]),
            },
        )

    def _merge_late(self, channel):
        """The late rows of `channel` (changes that could not be coalesced when they were
        committed) merged into its pending rows, as _insert_rows would have."""
        now_utc = "(clock_timestamp() at time zone 'utc')"
        self.env.cr.execute(
            f"""
            WITH late AS (
                DELETE FROM stock_channel_outbox
                 WHERE channel_id = %(channel)s AND state = 'late'
             RETURNING product_id, company_id, priority, force, event_at)
            INSERT INTO stock_channel_outbox (channel_id, product_id, company_id, state,
                   priority, force, event_at, next_attempt_at, attempts, generation)
            SELECT %(channel)s, product_id, company_id, 'pending', max(priority),
                   bool_or(force), min(event_at), {now_utc}, 0, 0
              FROM late GROUP BY product_id, company_id ORDER BY product_id
            {PENDING_CONFLICT}
            """,
            {"channel": channel.id},
        )
