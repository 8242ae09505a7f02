"""What a Republish all costs PostgreSQL: each queued row and each quantity line is
written in as few indexes as their readers need (an update of the module drops the
older ones), and a run of the dispatcher does not read again, at every poll, the rows of
the channels its threads are pushing."""

import threading
import time
from datetime import date, datetime
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL

from ..core.sql_arrays import array_text
from ..models.stock_channel.alert_figures import QUEUE_QUERY
from ..models.stock_channel_sync_log.log import OUTBOX_COUNTS
from .common import SyncCase

OLD_INDEXES = {
    "stock_channel_outbox": ("channel_id", "company_id", "state"),
    "stock_channel_quantity": ("channel_id", "company_id"),
}


@tagged("post_install", "-at_install")
class TestRepublishCost(SyncCase):
    def indexes_entered(self, table, row_id):
        """The indexes of `table` that its row `row_id` is written in (partial ones: those
        whose condition it meets)."""
        cr = self.env.cr
        cr.execute(
            "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
            [table],
        )
        entered = set()
        for name, predicate in cr.fetchall():
            if predicate:
                cr.execute(
                    SQL(
                        "SELECT 1 FROM %s WHERE id = %s AND (%s)",
                        SQL.identifier(table),
                        row_id,
                        SQL(predicate),
                    )
                )
                if not cr.fetchone():
                    continue
            entered.add(name)
        return entered

    def test_a_queued_row_and_its_quantity_line_are_written_in_few_indexes(self):
        self.set_stock(self.product, 3)
        row = self.outbox(self.market).filtered(lambda r: r.product_id == self.product)
        self.assertEqual(
            self.indexes_entered("stock_channel_outbox", row.id),
            {
                "stock_channel_outbox_pkey",
                "stock_channel_outbox_pending_uniq",  # the coalescing ON CONFLICT
                "stock_channel_outbox_take_order_idx",  # the rounds' claim
                "stock_channel_outbox_due_idx",  # what is due, when
                "stock_channel_outbox_grid_product_idx",  # the grid's cells
            },
        )
        self.dispatch()
        line = self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.market.id), ("product_id", "=", self.product.id)]
        )
        self.assertEqual(
            self.indexes_entered("stock_channel_quantity", line.id),
            {
                "stock_channel_quantity_pkey",
                "stock_channel_quantity_channel_product_uniq",
                "stock_channel_quantity__product_id_index",
            },
        )

    def quantity_writes(self):
        """Rows of stock_channel_quantity inserted or updated so far in this transaction."""
        self.env.cr.execute(
            "SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'stock_channel_quantity'"
        )
        return self.env.cr.fetchone()[0]

    def test_a_push_writes_its_quantity_line_once_before_it_leaves(self):
        """A pushed variant's line is written twice: its figures stored with the push's
        claim (in doubt, its sequence) in one statement, then its publication (a second
        write before the push found its page full: not in place, in every index)."""
        self.set_stock(self.product, 3)
        self.flush_outbox()
        self.env.flush_all()
        before = self.quantity_writes()
        self.dispatch()
        lines = self.env["stock.channel.quantity"].search(
            [("product_id", "=", self.product.id), ("published_at", "!=", False)]
        )
        self.assertEqual(lines.mapped("publishable_qty"), [3] * len(lines))
        self.assertTrue(lines)
        self.assertEqual(self.quantity_writes() - before, 2 * len(lines))

    def test_an_update_drops_the_older_indexes(self):
        cr = self.env.cr
        for table, columns in OLD_INDEXES.items():
            for column in columns:
                cr.execute(
                    SQL(
                        "CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
                        SQL.identifier(f"{table}__{column}_index"),
                        SQL.identifier(table),
                        SQL.identifier(column),
                    )
                )
        self.env["stock.channel.outbox"].init()
        self.env["stock.channel.quantity"].init()
        names = [
            f"{table}__{column}_index" for table, cols in OLD_INDEXES.items() for column in cols
        ]
        cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [names])
        self.assertEqual(cr.fetchall(), [])

    def test_the_channels_being_pushed_are_not_looked_at(self):
        self.set_stock(self.product, 3)
        self.flush_outbox()
        Dispatcher = self.env["stock.channel.dispatcher"]
        self.assertEqual(Dispatcher._due_channels(), self.market | self.shop)
        self.assertEqual(Dispatcher._due_channels(exclude=[self.market.id]), self.shop)

    def test_a_run_whose_channels_all_have_a_thread_does_not_poll_them(self):
        Dispatcher = type(self.env["stock.channel.dispatcher"])
        channels = self.market | self.shop
        calls = []
        release = threading.Event()

        def due(this, ids, exclude=()):
            calls.append((ids, exclude, release.is_set()))
            return channels.ids if len(calls) == 1 else []

        def push(this, dbname, channel_id, deadline=None):
            release.wait(5)
            return 1

        timer = threading.Timer(0.6, release.set)  # the threads run for 0.6 s
        self.addCleanup(timer.cancel)
        timer.start()
        with (
            patch.object(Dispatcher, "_due_ids_fresh", due),
            patch.object(Dispatcher, "_run_channel_thread", push),
            patch("odoo.addons.stock_channel_sync.models.runtime.commit", lambda env: None),
        ):
            sent = self.env["stock.channel.dispatcher"]._run_parallel(
                channels, time.monotonic() + 20, follow=False
            )
        self.assertEqual(sent, dict.fromkeys(channels.ids, 1))
        # once to start them, then only once their threads ended: never while both ran
        # (the supervisor polls every 0.1 s, the threads ran 0.6 s)
        self.assertEqual(calls[0], (channels.ids, [], False))
        self.assertEqual([call for call in calls[1:] if not call[2]], [], calls)

    def test_a_quantity_line_has_no_author_to_check(self):
        """The lines are the system's figures (computed_at says when): a line written
        (100,000 a channel in a Republish all) checks no res_users row."""
        self.env.cr.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = 'stock_channel_quantity'::regclass "
            "AND confrelid = 'res_users'::regclass"
        )
        self.assertEqual(self.env.cr.fetchall(), [])
        self.env["stock.channel.quantity"].init()  # an update from a version that had them
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'stock_channel_quantity' AND column_name LIKE %s",
            ["%_uid"],
        )
        self.assertEqual(self.env.cr.fetchall(), [])

    def test_a_queued_row_has_no_author_to_check(self):
        """A queued row says when (event_at, dead_at): a row queued (100,000 a channel in
        a Republish all) checks no res_users row; an update keeps a failed update's date."""
        cr = self.env.cr
        cr.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = 'stock_channel_outbox'::regclass "
            "AND confrelid = 'res_users'::regclass"
        )
        self.assertEqual(cr.fetchall(), [])
        dead = self.dead_letter()
        self.assertTrue(dead.dead_at)
        report = self.env["stock.channel.dead.letter.report"].search(
            [("channel_id", "=", self.market.id)]
        )
        self.assertEqual(len(report), 1)
        self.assertTrue(report.dead_at)

    def test_array_literals_are_read_back_as_they_were(self):
        """The dispatcher's arrays (core.sql_arrays) read by PostgreSQL: numbers, None,
        booleans, dates, times, and text with quotes, backslashes, braces and commas."""
        texts = ['a "b"', "c\\d", "{e}, f", "NULL", "", "été"]
        values = [
            [1, None, -3],
            [6.0, 2.5, None],
            [True, False, None],
            texts,
            [date(2026, 12, 7), None],
            [datetime(2026, 12, 7, 23, 5, 1, 250)],
        ]
        self.env.cr.execute(
            "SELECT %s::int[], %s::numeric[], %s::bool[], %s::varchar[], %s::date[], "
            "%s::timestamp[]",
            [array_text(column) for column in values],
        )
        read = self.env.cr.fetchone()
        self.assertEqual([list(column) for column in read], values)

    def test_the_pushed_items_are_compressed_with_lz4(self):
        self.env.cr.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'stock_channel_sync_log'::regclass AND attname = 'items'"
        )
        self.assertEqual(self.env.cr.fetchone()[0], "l")

    def test_the_channel_counts_of_the_outbox_read_its_partial_indexes(self):
        """The channel form's pending and failed counts and the alerts' queue figures
        read the outbox by index, not every row of it (it has no index on channel_id
        alone: 100,000 pending rows a channel after a Republish all)."""
        cr = self.env.cr
        cr.execute("SET LOCAL enable_seqscan = off")  # a scan only when no index serves
        for query in (OUTBOX_COUNTS, QUEUE_QUERY):
            cr.execute("EXPLAIN " + query, {"ids": [self.market.id]})
            plan = "\n".join(line for (line,) in cr.fetchall())
            self.assertNotIn("Seq Scan on stock_channel_outbox", plan)
