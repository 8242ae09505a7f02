"""The dispatcher writes its sync log rows by SQL (stock.channel.sync.log._insert): the
same rows as create() writes from the same values, seen and announced the same way."""

from datetime import datetime

from odoo.tests import tagged

from ..models.stock_channel_overview import OVERVIEW_PRECOMMIT_KEY
from .common import SyncCase

EXPLAIN = {
    "on_hand": 7.0,
    "reserved": 2.0,
    "non_sellable": 0,
    "sellable": 5.0,
    "incoming": 0,
    "ring_fenced": 0,
    "ring_fenced_others": 0,
    "rule": "Sommer-Aktion \u00e9t\u00e9 \u00ab 50 % \u00bb",
    "steps": [["on_hand", 7.0], ["reserved", -2.0], ["publishable", 5]],
    "sentences": ["on hand 7", "reserved \u2212 2", "publishable 5"],
}


@tagged("post_install", "-at_install")
class TestSyncLogInsert(SyncCase):
    def full_vals(self):
        """Every kind of value a push logs: items with their explains, dates, texts."""
        return {
            "channel_id": self.market.id,
            "item_count": 2,
            "skus": "WIDGET, GADGET",
            "items": [
                {
                    "sku": "WIDGET",
                    "quantity": 5,
                    "sequence": 1_765_000_000_000_001,
                    "product_id": self.product.id,
                    "available_at": None,
                    "explain": EXPLAIN,
                },
                {
                    "sku": "GADGET",
                    "quantity": 0,
                    "sequence": 1_765_000_000_000_002,
                    "product_id": self.product_b.id,
                    "available_at": "2026-12-24",
                },
            ],
            "attempt": 2,
            "event_at": datetime(2026, 12, 7, 10, 0, 0, 123456),
            "sent_at": datetime(2026, 12, 7, 10, 0, 1),
            "acked_at": datetime(2026, 12, 7, 10, 0, 1, 500000),
            "latency_ms": 1377,
            "push_kind": "replay",
            "state": "sent",
            "http_status": 202,
            "idempotency_key": "k" * 64,
            "error": "GADGET: changed on the channel",
            "request_body": False,
            "response_body": '{"accepted": 2}',
            "remote_ids": {"WIDGET": "p-1"},
            "confirm_next_at": datetime(2026, 12, 7, 10, 0, 31),
            "confirm_deadline": datetime(2026, 12, 7, 10, 30, 1),
            "replaced_levels": "WIDGET: the channel held nothing before this first push; set to 5",
        }

    def rows(self, logs):
        """The rows of `logs` as PostgreSQL holds them (every column but the id)."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT to_jsonb(l) - 'id' FROM stock_channel_sync_log l WHERE id = ANY(%s) "
            "ORDER BY id",
            [logs.ids],
        )
        return [row for (row,) in self.env.cr.fetchall()]

    def test_a_log_inserted_by_sql_is_the_row_create_writes(self):
        Log = self.env["stock.channel.sync.log"]
        empty = {**self.full_vals(), "items": []}
        cases = [self.full_vals(), {"channel_id": self.market.id}, empty]
        for vals in cases:
            created, inserted = Log.create(dict(vals)), Log._insert([dict(vals)])
            self.assertEqual(len(inserted), 1)
            self.assertEqual(self.rows(inserted), self.rows(created), vals)
        [row] = self.rows(inserted)
        self.assertEqual(row["company_id"], self.market.company_id.id)
        self.assertTrue(row["server_tag"])
        self.assertIsNone(row["items"], "an empty list stored as none, as create() does")

    def test_an_inserted_log_shows_what_was_pushed(self):
        Log = self.env["stock.channel.sync.log"]
        vals = self.full_vals()
        defaults = Log._insert([{"channel_id": self.market.id}])
        self.assertEqual((defaults.state, defaults.push_kind), ("pending", "live"))
        log = Log._insert([vals])
        self.assertEqual(log.items, vals["items"])
        self.assertEqual(log.remote_ids, {"WIDGET": "p-1"})
        self.assertEqual(Log._awaiting(self.market, ["p-1"]), log)
        html = str(log.explain_html)
        self.assertIn("WIDGET: 5 pushed", html)
        self.assertIn("reserved \u2212 2", html)
        self.assertIn("Sommer-Aktion", html)

    def test_an_inserted_log_is_seen_by_its_channel_and_announced(self):
        known = self.market.sync_log_ids  # in the cache
        self.env.cr.precommit.data.pop(OVERVIEW_PRECOMMIT_KEY, None)
        logs = self.env["stock.channel.sync.log"]._insert(
            [{"channel_id": self.market.id, "state": "done"}, {"channel_id": self.shop.id}]
        )
        self.assertEqual(len(logs), 2)
        self.assertEqual(self.market.sync_log_ids, logs[0] | known)
        self.assertEqual(self.shop.sync_log_ids[:1], logs[1])
        moved = self.env.cr.precommit.data[OVERVIEW_PRECOMMIT_KEY]
        self.assertEqual(moved["ids"], {self.market.id, self.shop.id})

    def test_an_inserted_log_is_announced_without_reading_it_back(self):
        """Its listeners read its channel (known): the row, whose items weigh 250 kB in a
        Republish all, is not read back from the database."""
        Log = self.env["stock.channel.sync.log"]
        logs = Log._insert([self.full_vals()])
        self.assertNotIn(logs.id, Log._fields["items"]._get_cache(self.env))
        with self.assertQueryCount(0):
            self.assertEqual(logs.channel_id, self.market)

    def test_only_stored_columns_are_inserted(self):
        Log = self.env["stock.channel.sync.log"]
        self.assertFalse(Log._insert([]))
        with self.assertRaises(ValueError):
            Log._insert([{"channel_id": self.market.id, "explain_html": "<p>not stored</p>"}])
