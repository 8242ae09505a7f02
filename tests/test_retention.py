"""What is kept, and for how long: judged messages 90 days, messages waiting for a person
365 days, dead letters 90 days, refused messages 14 days; purged in batches."""

import json

from odoo.tests import tagged

from ..models.retention import purge
from .common import OrderCase


@tagged("post_install", "-at_install")
class TestRetention(OrderCase):
    def age(self, records, column, days):
        records.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {records._table} SET {column} = now() at time zone 'utc' "
            "- make_interval(days => %s) WHERE id = ANY(%s)",
            [days, records.ids],
        )
        records.invalidate_recordset()

    def message(self, state, days):
        inbound = self.env["stock.channel.inbound"]._store(
            self.market, "order", json.dumps({"id": state}), {}, state=state
        )
        self.age(inbound, "received_at", days)
        return inbound

    def test_messages_waiting_for_a_person_are_kept_longer_than_judged_ones(self):
        done_old = self.message("done", 91)
        done_recent = self.message("done", 80)
        held = {state: self.message(state, 200) for state in ("exception", "waiting", "received")}
        held_old = self.message("exception", 366)
        self.env["stock.channel.inbound"]._gc_old_messages()
        self.assertFalse(done_old.exists())
        self.assertTrue(done_recent.exists())
        self.assertEqual(len(self.env["stock.channel.inbound"].browse(
            [m.id for m in held.values()]).exists()), 3)  # fmt: skip
        self.assertFalse(held_old.exists())

    def test_dead_letters_go_after_their_retention(self):
        dead = self.dead_letter()
        self.assertEqual(len(dead), 1)
        self.age(dead, "dead_at", 30)
        self.env["stock.channel.outbox"]._gc_dead_letters()
        self.assertTrue(dead.exists())
        self.age(dead, "dead_at", 91)
        self.env["stock.channel.outbox"]._gc_dead_letters()
        self.assertFalse(dead.exists())

    def test_purges_go_in_batches(self):
        messages = self.env["stock.channel.inbound"].concat(
            *(self.message("done", 100) for _ in range(5))
        )
        deleted = purge(self.env.cr, "stock_channel_inbound", "received_at", 90,
                        "id = ANY(%s)", [messages.ids], batch=2)  # fmt: skip
        self.assertEqual(deleted, 5)
        self.assertFalse(messages.exists())
