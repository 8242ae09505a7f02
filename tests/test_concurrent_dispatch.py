import json
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import start_simulator


@tagged("post_install", "-at_install")
class TestConcurrentDispatchers(BaseCase):
    """Two dispatchers, each in its own committed transaction, on the same outbox.

    Unlike the other tests this one commits (it needs rows that both transactions see);
    it removes what it created.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.sim = start_simulator(self.addCleanup)
        self.sim.add_fault("slow", "/generic/", seconds=0.1)  # keep both in flight
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warehouse = env["stock.warehouse"].search([], limit=1)
            self.products = env["product.product"].create(
                [
                    {"name": f"Race {i}", "default_code": f"RACE-{i}", "type": "consu",
                     "is_storable": True}
                    for i in range(40)
                ]
            )  # fmt: skip
            self.channel = env["stock.channel"].create(
                {
                    "name": "Race",
                    "code": "race",
                    "warehouse_id": warehouse.id,
                    "connector": "generic_json",
                    "endpoint_url": self.sim.generic_url("race"),
                    "api_secret": "simulator-secret",
                    "batch_size": 3,
                }
            )
            # the channel's creation queued every variant; keep only ours
            env.cr.flush()
            env["stock.channel.outbox"].search(
                [("channel_id", "=", self.channel.id), ("product_id", "not in", self.products.ids)]
            ).unlink()
            self.channel_id = self.channel.id
            self.product_ids = self.products.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["stock.channel"].browse(self.channel_id).unlink()
            cr.execute("DELETE FROM stock_quant WHERE product_id = ANY(%s)", [self.product_ids])
            env["product.product"].browse(self.product_ids).unlink()

    def _dispatcher(self, sent, errors):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                channel = env["stock.channel"].browse(self.channel_id)
                sent.append(
                    env["stock.channel.dispatcher"]._dispatch_channel(channel, commit=cr.commit)
                )
        except Exception as error:  # reported by the test
            errors.append(error)

    def test_two_dispatchers_never_send_an_item_twice(self):
        sent, errors = [], []
        threads = [threading.Thread(target=self._dispatcher, args=(sent, errors)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        skus = Counter(
            item["sku"]
            for request in self.sim.received("/generic/race")
            for item in json.loads(request["body"])["items"]
        )
        self.assertEqual(set(skus), {f"RACE-{i}" for i in range(40)})
        self.assertEqual(max(skus.values()), 1, f"sent twice: {skus.most_common(3)}")
        self.assertEqual(sum(sent), 40)
        self.assertEqual(sorted(sent), [0, 40], "one dispatcher per channel: the other left it")
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM stock_channel_outbox WHERE channel_id = %s", [self.channel_id]
            )
            self.assertEqual(cr.fetchone()[0], 0)

    def _set_stock(self, qty):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].browse(self.product_ids[0])
            location = env["stock.warehouse"].search([], limit=1).lot_stock_id
            quant = env["stock.quant"]._gather(product, location)
            env["stock.quant"]._update_available_quantity(
                product, location, qty - sum(quant.mapped("quantity"))
            )

    def _dispatch(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            channel = env["stock.channel"].browse(self.channel_id)
            env["stock.channel.dispatcher"]._dispatch_channel(channel, commit=cr.commit)

    def test_defect_08_a_crash_after_the_answer_leaves_the_push_in_doubt(self):
        """The server stops between the channel's 2xx and the commit of its outcome: the
        push was committed as in doubt before it left, so the next dispatch sends even a
        quantity equal to the last one Odoo recorded as published."""
        self.sim.clear_faults()
        self._dispatch()  # every variant published at 0
        sku = "RACE-0"
        self._set_stock(3)
        Dispatcher = self.registry["stock.channel.dispatcher"]
        record = Dispatcher._record_round

        def crash(*_args, **_kwargs):
            raise KeyboardInterrupt("the server stops here")

        Dispatcher._record_round = crash
        try:
            with self.assertRaises(KeyboardInterrupt):
                self._dispatch()
        finally:
            Dispatcher._record_round = record
        self.assertEqual(self.sim.generic_level("race", sku), 3, "the channel applied it")
        self._set_stock(0)  # what Odoo last recorded as published
        self._dispatch()
        self.assertEqual(self.sim.generic_level("race", sku), 0)

    def test_a_row_changed_while_its_push_is_recorded_stays_for_its_own_push(self):
        """During a burst of orders, changes update the rows a round is recording (a
        row of a variant every few ms): the recording keeps a row changed since it was
        taken, for its own push, where REPEATABLE READ failed its DELETE on a
        serialization error, every attempt, and lost the round's recording."""
        self.sim.clear_faults()
        Dispatcher = self.registry["stock.channel.dispatcher"]
        original = Dispatcher._stock_done
        changed = set()

        def stock_done(dispatcher, channel, job, rows, result):
            dispatcher.env.cr.execute("SELECT 1")  # the recording's snapshot is taken
            with self.registry.cursor() as other:  # a change of a row of the push, each try
                other.execute(
                    "UPDATE stock_channel_outbox SET generation = generation + 1 WHERE id = %s",
                    [rows[:1].id],
                )
            changed.add(rows[:1].id)
            return original(dispatcher, channel, job, rows, result)

        Dispatcher._stock_done = stock_done
        try:
            with self.registry.cursor() as cr:  # one round
                env = api.Environment(cr, SUPERUSER_ID, {})
                channel = env["stock.channel"].browse(self.channel_id)
                sent = env["stock.channel.dispatcher"]._dispatch_channel(
                    channel, commit=cr.commit, max_rounds=1
                )
        finally:
            Dispatcher._stock_done = original
        self.assertTrue(sent, "the round recorded its pushes")
        self.assertTrue(changed)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id, attempts FROM stock_channel_outbox WHERE id = ANY(%s)", [list(changed)]
            )
            left = dict(cr.fetchall())
        self.assertEqual(set(left), changed, "the changed rows wait for their own push")
        self.assertEqual(set(left.values()), {0}, "their attempts start again")
        self._dispatch()  # the next rounds push them
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*) FROM stock_channel_outbox WHERE id = ANY(%s)", [list(changed)]
            )
            self.assertEqual(cr.fetchone()[0], 0)

    def test_a_row_sent_after_the_snapshot_does_not_break_the_lock(self):
        """REPEATABLE READ: locking a row another transaction deleted after this one's
        snapshot fails; the lock then leaves the rows to the other dispatcher, or, when it
        may commit, tries again in a new transaction."""
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            channel_a = env_a["stock.channel"].browse(self.channel_id)
            cr_a.execute("SELECT count(*) FROM stock_channel_outbox")  # takes the snapshot
            first = env_b["stock.channel.outbox"]._lock_due(channel_a.with_env(env_b), 1)
            first.unlink()
            cr_b.commit()
            Outbox = env_a["stock.channel.outbox"]
            self.assertFalse(Outbox._lock_due(channel_a, 5))
            commits = []
            rows = Outbox._lock_due(channel_a, 5, commit=lambda: commits.append(cr_a.commit()))
            self.assertEqual(len(rows), 5)
            self.assertEqual(len(commits), 1)
            self.assertNotIn(first.id, rows.ids)
            cr_a.rollback()

    def test_a_stock_change_committed_during_republish_all_never_fails_and_is_pushed(self):
        """REPEATABLE READ: a Republish all chunk commits (forcing the pending rows of its
        variants) while a stock transaction (the procurement scheduler reserving, a
        sale) is under way; that transaction's own change of the same variant is still
        queued at its commit, without a serialization error, and pushed."""
        self.sim.clear_faults()
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            cr_a.execute("SELECT count(*) FROM stock_channel_outbox")  # takes the snapshot
            # Republish all, one chunk committed meanwhile (as stock.channel.job does)
            Outbox_b = env_b["stock.channel.outbox"]
            Outbox_b._enqueue(env_b["product.product"].browse(self.product_ids),
                              channels=env_b["stock.channel"].browse(self.channel_id),
                              force=True)  # fmt: skip
            Outbox_b._flush_enqueued()
            cr_b.commit()
            product = env_a["product.product"].browse(self.product_ids[0])
            location = env_a["stock.warehouse"].search([], limit=1).lot_stock_id
            env_a["stock.quant"]._update_available_quantity(product, location, 6)
            cr_a.commit()  # its precommit queues the change of RACE-0
        self._dispatch()
        self.assertEqual(self.sim.generic_level("race", "RACE-0"), 6)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT state, count(*) FROM stock_channel_outbox WHERE channel_id = %s "
                "GROUP BY state",
                [self.channel_id],
            )
            self.assertEqual(cr.fetchall(), [], "every row sent, the late one merged")

    def test_a_push_recorded_while_its_row_is_queued_again_is_retried_quietly(self):
        """The dispatcher's DELETE of a pushed row waits for a transaction that queues
        the same variant again (a Republish all chunk) and, once that one commits, fails
        to serialize: expected, it records again on a fresh snapshot (the row, changed
        since it was taken, stays and is pushed again), with no error in the log."""
        self.sim.clear_faults()
        self._dispatch()  # every variant published at 0
        self._set_stock(2)
        Dispatcher = self.registry["stock.channel.dispatcher"]
        push = Dispatcher._push
        holder = self.registry.cursor()
        self.addCleanup(holder.close)

        queued = []

        def push_then_queue_again(dispatcher, connector, job):
            push(dispatcher, connector, job)
            if queued:
                return
            queued.append(job.row_ids)
            holder.execute(  # the push's row, queued again by an uncommitted transaction
                "UPDATE stock_channel_outbox SET generation = generation + 1, force = true "
                "WHERE id = ANY(%s)",
                [job.row_ids],
            )
            threading.Timer(0.5, holder.commit).start()

        Dispatcher._push = push_then_queue_again
        try:
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                self._dispatch()
        finally:
            Dispatcher._push = push
        sent = [item["sku"] for request in self.sim.received("/generic/race")
                for item in json.loads(request["body"])["items"]]  # fmt: skip
        self.assertEqual(sent.count("RACE-0"), 3, "at 0, then 2, then again (queued again)")
        self.assertEqual(self.sim.generic_level("race", "RACE-0"), 2)

    def test_a_slow_channel_does_not_delay_the_others(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            fast = env["stock.channel"].create(
                {
                    "name": "Fast",
                    "code": "fast",
                    "warehouse_id": env["stock.channel"].browse(self.channel_id).warehouse_id.id,
                    "connector": "generic_json",
                    "endpoint_url": self.sim.generic_url("fast"),
                    "api_secret": "simulator-secret",
                }
            )
            self.addCleanup(self._unlink_channel, fast.id)
            env.cr.flush()
            env["stock.channel.outbox"].search(
                [("product_id", "not in", self.product_ids)]
            ).unlink()
        self.sim.clear_faults()
        self.sim.add_fault("slow", "/generic/race", seconds=0.5)  # 40 items by 3: ~7 s
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sent = env["stock.channel.dispatcher"]._run(parallel=True)
        self.assertEqual(sent, {self.channel_id: 40, fast.id: 40})
        fast_done = max(r["time"] for r in self.sim.received("/generic/fast"))
        slow_done = max(r["time"] for r in self.sim.received("/generic/race"))
        slow_first = min(r["time"] for r in self.sim.received("/generic/race"))
        self.assertLess(fast_done, slow_done)
        self.assertLess(fast_done, _plus_seconds(slow_first, 2), "fast channel waited")

    def test_defect_11_a_channel_due_during_a_run_is_pushed_without_waiting_for_the_run(self):
        """The run that is busy with one channel starts the next channel's thread as soon
        as that channel has something due (a run used to take only the channels due at
        its start: a later one waited for the run to end, a stall of up to 50 s)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            late = env["stock.channel"].create(
                {
                    "name": "Late",
                    "code": "late",
                    "warehouse_id": env["stock.channel"].browse(self.channel_id).warehouse_id.id,
                    "connector": "generic_json",
                    "endpoint_url": self.sim.generic_url("late"),
                    "api_secret": "simulator-secret",
                }
            )
            self.addCleanup(self._unlink_channel, late.id)
            env.cr.flush()
            env["stock.channel.outbox"].search([("channel_id", "=", late.id)]).unlink()
        self.sim.clear_faults()
        self.sim.add_fault("slow", "/generic/race", seconds=0.4)  # 40 items by 3: ~5 s
        run = threading.Thread(target=self._run_parallel)
        run.start()
        time.sleep(1)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            products = env["product.product"].browse(self.product_ids[:1])
            env["stock.channel.outbox"]._enqueue(products, channels=late.with_env(env))
        queued = time.time()
        deadline = time.monotonic() + 10
        while not self.sim.received("/generic/late") and time.monotonic() < deadline:
            time.sleep(0.05)
        pushed = self.sim.received("/generic/late")
        run.join(timeout=60)
        self.assertTrue(pushed, "the late channel was never pushed")
        delay = _epoch(pushed[0]["time"]) - queued
        race_done = max(_epoch(r["time"]) for r in self.sim.received("/generic/race"))
        self.assertLess(delay, 1.5, f"the late channel waited {delay:.1f} s")
        self.assertLess(_epoch(pushed[0]["time"]), race_done, "it went out during the run")

    def _run_parallel(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["stock.channel.dispatcher"]._run(parallel=True)

    def _unlink_channel(self, channel_id):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["stock.channel"].browse(channel_id).unlink()


def _epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _plus_seconds(iso, seconds):
    when = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
