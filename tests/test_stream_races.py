"""A stream of stock changes by several users at once, in real committed transactions
(these tests commit: they remove what they created)."""

import threading
import time
import uuid
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.stock_channel_dispatcher import dispatcher, wake
from .common import start_simulator
from .live_server import LiveServerCase

SECRET = "stream-race-secret"


@tagged("post_install", "-at_install")
class TestStreamRaces(LiveServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = start_simulator(cls.addClassCleanup)
        token = uuid.uuid4().hex[:8]
        cls.code = f"stream-{token}"
        cls.sim.configure_channel(cls.code, secret=SECRET)
        with cls.registry.cursor() as cr:
            env = cls.env_of(cr)
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            cls.location_id = warehouse.lot_stock_id.id
            products = env["product.product"].create(
                [
                    {"name": f"Stream {n}", "default_code": f"STREAM-{token}-{n}",
                     "type": "consu", "is_storable": True}
                    for n in range(2)
                ]
            )  # fmt: skip
            cls.product_ids = products.ids
            cls.skus = products.mapped("default_code")
            for product in products:
                env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10)
            channel = env["stock.channel"].create(
                {"name": "Stream", "code": cls.code, "channel_type": "marketplace",
                 "warehouse_id": warehouse.id, "connector": "generic_json",
                 "endpoint_url": cls.sim.generic_url(cls.code), "api_secret": SECRET}
            )  # fmt: skip
            cls.channel_ids = channel.ids
            env.flush_all()
            env["stock.channel.outbox"].search(
                [("channel_id", "=", channel.id), ("product_id", "not in", products.ids)]
            ).unlink()

    def setUp(self):
        super().setUp()
        # no cron worker runs here: the triggers other tests committed stay due, and a
        # waiting run would give its worker to them at once
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM ir_cron_trigger")

    def _apply_inventory(self, cr, product_id, quantity):
        """An inventory adjustment of `product_id` in the warehouse's stock, not committed."""
        env = self.env_of(cr, inventory_mode=True)
        quant = env["stock.quant"].search(
            [("product_id", "=", product_id), ("location_id", "=", self.location_id)]
        )
        quant.inventory_quantity = quantity
        quant.action_apply_inventory()

    def _on_hand(self, product_id):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT sum(quantity) FROM stock_quant WHERE product_id = %s AND location_id = %s",
                [product_id, self.location_id],
            )
            return cr.fetchone()[0]

    def test_two_users_adjusting_two_variants_in_one_location_both_commit(self):
        """Odoo stamps the location's last inventory date at every adjustment applied
        in it: two users adjusting two variants of one location at once both commit
        (the second used to fail to serialise on the location's row)."""
        with self.registry.cursor() as cr:
            self._apply_inventory(cr, self.product_ids[0], 11)  # today's stamp is there
        with self.registry.cursor() as one, self.registry.cursor() as two:
            for cr in (one, two):
                cr.execute("SELECT count(*) FROM stock_location")  # both snapshots taken
            self._apply_inventory(one, self.product_ids[0], 12)
            one.commit()
            self._apply_inventory(two, self.product_ids[1], 13)
            two.commit()
        self.assertEqual(self._on_hand(self.product_ids[0]), 12)
        self.assertEqual(self._on_hand(self.product_ids[1]), 13)
        with self.registry.cursor() as cr:
            location = self.env_of(cr)["stock.location"].browse(self.location_id)
            self.assertEqual(location.last_inventory_date, fields.Date.today())

    def test_a_dispatch_run_pushes_a_change_committed_while_it_waits(self):
        """The scheduled action's run, once its rows are pushed, waits listening: a stock
        change committed meanwhile is pushed by that run (no cron worker to start)."""
        finished = self._start_following_run()
        sku = self.skus[0]
        self._wait(lambda: self.sim.generic_level(self.code, sku) is not None, 5)
        time.sleep(1)  # nothing more is due: the run waits
        before = self.sim.generic_level(self.code, sku)
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            product = env["product.product"].browse(self.product_ids[0])
            location = env["stock.location"].browse(self.location_id)
            env["stock.quant"]._update_available_quantity(product, location, 1)
        pushed = self._wait(lambda: self.sim.generic_level(self.code, sku) != before, 4)
        self.assertTrue(pushed, "the waiting run pushed the change")
        self.assertFalse(finished, "by the run that was waiting")

    def test_a_waiting_run_gives_its_cron_worker_to_another_scheduled_action(self):
        """A run that only waits (listening) ends once another scheduled action's
        trigger is due and untaken (with Odoo's 2 cron workers, the confirmation's
        backlog waited 5 s for the worker a listening run held); a trigger of its own
        does not end it."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            product = env["product.product"].browse(self.product_ids[0])
            location = env["stock.location"].browse(self.location_id)
            env["stock.quant"]._update_available_quantity(product, location, 1)  # a row due
            env.ref(wake.DISPATCH_CRON)._trigger()  # its own: never given away
        finished = self._start_following_run()
        self._wait(lambda: self.sim.generic_level(self.code, self.skus[0]) is not None, 5)
        time.sleep(1.5)
        self.assertFalse(finished, "the run waits, listening")
        with self.registry.cursor() as cr:
            cron = self.env_of(cr).ref("stock_channel_sync.ir_cron_confirm_reserved")
            cron._trigger()
        self.addCleanup(self._delete_triggers)
        triggered = time.monotonic()
        self.assertTrue(self._wait(lambda: finished, 3), "the run ended")
        self.assertLess(finished[0] - triggered, 1.5, "within a look, not its 5 s of idling")

    def _start_following_run(self):
        """The scheduled action's run (8 s of budget, listening) in a thread of its own;
        returns the list its end time is appended to."""
        finished = []

        def run():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                channel = env["stock.channel"].browse(self.channel_ids)
                deadline = time.monotonic() + 8
                env["stock.channel.dispatcher"]._run_parallel(channel, deadline, follow=True)
            finished.append(time.monotonic())

        thread = threading.Thread(target=run)
        thread.start()
        self.addCleanup(thread.join)
        return finished

    def _delete_triggers(self):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            crons = env.ref("stock_channel_sync.ir_cron_confirm_reserved") | env.ref(
                wake.DISPATCH_CRON
            )
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [crons.ids])

    def test_a_change_of_an_idle_channel_leaves_while_another_channel_pushes(self):
        """While one channel's push takes its time, a change notified for another
        channel, idle, is pushed at once: the run waits for its threads and for the
        notifications naming channels without a thread (not for its next poll)."""
        slow, idle = self._new_channels(2)
        with self.registry.cursor() as cr:
            slow_code = self.env_of(cr)["stock.channel"].browse(slow).code
            idle_code = self.env_of(cr)["stock.channel"].browse(idle).code
        self.sim.add_fault("slow", f"/generic/{slow_code}", seconds=4)
        self.addCleanup(self.sim.clear_faults)
        sku = self.skus[0]

        def run():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                channels = env["stock.channel"].browse([slow, idle])
                deadline = time.monotonic() + 6
                env["stock.channel.dispatcher"]._run_parallel(channels, deadline, follow=True)

        thread = threading.Thread(target=run)
        # a poll long enough to tell: the change must not wait for it
        with patch.object(dispatcher, "FOLLOW_POLL_SECONDS", 5):
            thread.start()
            self.addCleanup(thread.join)
            self._wait(lambda: self.sim.generic_level(idle_code, sku) is not None, 5)
            before = self.sim.generic_level(idle_code, sku)
            with self.registry.cursor() as cr:
                env = self.env_of(cr)
                product = env["product.product"].browse(self.product_ids[0])
                location = env["stock.location"].browse(self.location_id)
                env["stock.quant"]._update_available_quantity(product, location, 1)
            pushed = self._wait(lambda: self.sim.generic_level(idle_code, sku) != before, 1.5)
            self.assertTrue(pushed, "the idle channel's change left at once")
            self.assertIsNone(
                self.sim.generic_level(slow_code, sku), "while the other channel's push was slow"
            )
            thread.join()

    def _new_channels(self, count):
        """`count` channels with a connector, their pushes of the class's variants due."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            warehouse = env["stock.location"].browse(self.location_id).warehouse_id
            channels = env["stock.channel"]
            for _n in range(count):
                code = f"stream-{uuid.uuid4().hex[:8]}"
                self.sim.configure_channel(code, secret=SECRET)
                channels |= env["stock.channel"].create(
                    {"name": code, "code": code, "channel_type": "marketplace",
                     "warehouse_id": warehouse.id, "connector": "generic_json",
                     "endpoint_url": self.sim.generic_url(code), "api_secret": SECRET}
                )  # fmt: skip
            self.channel_ids.extend(channels.ids)
            products = env["product.product"].browse(self.product_ids)
            env["stock.channel.outbox"]._enqueue(products, channels=channels, force=True)
        with self.registry.cursor() as cr:  # the rows are written at the commit
            env = self.env_of(cr)
            Outbox = env["stock.channel.outbox"]
            Outbox.search(
                [("channel_id", "in", channels.ids), ("product_id", "not in", self.product_ids)]
            ).unlink()
            due = Outbox.search([("channel_id", "in", channels.ids), ("state", "=", "pending")])
            self.assertEqual(set(due.channel_id.ids), set(channels.ids), "each has rows due")
            return channels.ids

    def test_a_run_ending_on_its_budget_reports_no_work_left_and_leaves_a_trigger(self):
        """The scheduled action's run that pushed until its budget, rows still due: no
        work remaining reported (Odoo would run it again at once, up to 10 times in one
        unit of work of the cron worker, past its CPU limit, the other jobs waiting); the
        run ends and a trigger starts the next one after the worker's other jobs."""
        channel_ids = self._new_channels(2)
        self.sim.add_fault("slow", "/generic/", seconds=0.5)  # a round outlasts the budget
        self.addCleanup(self.sim.clear_faults)
        thread = threading.current_thread()
        with self.registry.cursor() as cr:  # committed: a run of the scheduled action
            env = self.env_of(cr)
            cron = env.ref("stock_channel_sync.ir_cron_dispatch")
            progress = env["ir.cron.progress"].create({"cron_id": cron.id})
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
        with self.registry.cursor() as cr:
            env = self.env_of(cr, cron_id=cron.id, ir_cron_progress_id=progress.id)
            testing, thread.testing = thread.testing, False  # as in the cron worker
            try:
                with patch.object(dispatcher, "RUN_BUDGET_SECONDS", 0.2):
                    sent = env["stock.channel.dispatcher"]._run(
                        env["stock.channel"].browse(channel_ids), parallel=False, follow=True
                    )
            finally:
                thread.testing = testing
            self.assertTrue(sum(sent.values()), "the run pushed")
            due = env["stock.channel.dispatcher"]._due_ids_fresh(channel_ids)
            self.assertTrue(due, "rows still due when the budget ran out")
            cr.execute("SELECT remaining FROM ir_cron_progress WHERE id = %s", [progress.id])
            self.assertEqual(cr.fetchone()[0], 0, "no work remaining reported to Odoo")
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            self.assertTrue(cr.fetchone()[0], "the next run is triggered")
            env["ir.cron.progress"].browse(progress.id).unlink()

    def test_a_listener_that_cannot_listen_gives_its_connection_back(self):
        """LISTEN fails (here: a statement PostgreSQL refuses): the listener's cursor
        is closed, its connection back in Odoo's pool."""

        def in_use():
            return sum(1 for cnx in sql_db._Pool._connections if cnx._pool_in_use)

        before = in_use()
        with (
            patch.object(wake, "LISTEN", "LISTEN"),  # a syntax error
            mute_logger("odoo.sql_db"),
            self.assertRaises(Exception),  # noqa: B017  # psycopg2's syntax error
        ):
            wake.WakeListener(self.registry.db_name)
        self.assertEqual(in_use(), before, "no cursor left open")

    @staticmethod
    def _wait(condition, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False
