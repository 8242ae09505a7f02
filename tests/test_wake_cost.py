"""What a change costs in wake-ups: Odoo tells the cron workers of a trigger due now, and
the bus of a notification, each on a new connection to the `postgres` database. A burst
of changes (an order a request) wakes the dispatcher once per run and announces the
overview at most once a second per server process; nothing told is lost."""

from odoo.tests import tagged

from ..core.inbound import DUPLICATE
from ..models import stock_channel_overview as overview_module
from ..models.stock_channel_inbound.fast import CONFIRM_CRONS
from ..models.stock_channel_overview import OVERVIEW_NOTIFICATION, OVERVIEW_PRECOMMIT_KEY
from .common import ChannelStockCase
from .live_server import LiveServerCase

DISPATCH_CRON = "stock_channel_sync.ir_cron_dispatch"


@tagged("post_install", "-at_install")
class TestWakeCost(ChannelStockCase):
    def setUp(self):
        super().setUp()
        self.env.cr.precommit.run()  # what the set-up queued: committed
        self.cron = self.env.ref(DISPATCH_CRON)
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [self.cron.id])
        self.env["bus.bus"].sudo().search([]).unlink()
        self.group = self.env.ref("stock_channel_sync.group_channel_user")
        self.addCleanup(overview_module._ANNOUNCED.clear)
        overview_module._ANNOUNCED.clear()

    def triggers(self):
        self.env.cr.execute(
            "SELECT call_at FROM ir_cron_trigger WHERE cron_id = %s ORDER BY call_at",
            [self.cron.id],
        )
        return [at for (at,) in self.env.cr.fetchall()]

    def test_changes_due_now_trigger_the_dispatcher_once_until_a_run_takes_it(self):
        Dispatcher = self.env["stock.channel.dispatcher"]
        Dispatcher._wake()
        Dispatcher._wake()
        Dispatcher._wake()
        self.assertEqual(len(self.triggers()), 1, "one wake-up of the cron workers")
        # a run started: it clears the triggers due; the next change triggers again
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [self.cron.id])
        Dispatcher._wake()
        self.assertEqual(len(self.triggers()), 1)

    def test_a_push_due_later_is_triggered_at_its_time_whatever_is_due_now(self):
        Dispatcher = self.env["stock.channel.dispatcher"]
        Dispatcher._wake()
        later = self.env.cr.now().replace(microsecond=0, tzinfo=None)
        later = later.replace(year=later.year + 1)
        Dispatcher._wake(at=later)
        self.assertEqual(self.triggers()[-1], later)
        self.assertEqual(len(self.triggers()), 2)

    def announced(self):
        """The overview's channel among those the bus tells PostgreSQL of at the commit."""
        channel = (self.env.cr.dbname, "res.groups", self.group.id)
        return channel in self.env.cr.postcommit.data.get("bus.bus.channels", ())

    def change(self):
        self.env["stock.channel.overview"]._overview_changed(self.market)
        self.env.cr.precommit.run()  # what the commit sends

    def stored(self):
        return self.env["bus.bus"].sudo().search([("message", "like", OVERVIEW_NOTIFICATION)])

    def test_the_overview_is_announced_at_most_once_a_second_every_change_stored(self):
        self.change()
        self.assertTrue(self.announced())
        self.env.cr.postcommit.data["bus.bus.channels"].clear()  # that commit's NOTIFY
        self.change()
        self.assertFalse(self.announced(), "announced by the first a moment ago")
        self.assertEqual(len(self.stored()), 2, "both stored: the next announcement delivers")
        self.assertIn(f'"channel_ids":[{self.market.id}]', self.stored()[-1].message)
        # a second later: announced again
        dbname = self.env.cr.dbname
        overview_module._ANNOUNCED[dbname] -= overview_module.ANNOUNCE_SECONDS
        self.change()
        self.assertTrue(self.announced())
        self.assertEqual(len(self.stored()), 3)
        self.assertNotIn(OVERVIEW_PRECOMMIT_KEY, self.env.cr.precommit.data)

    def test_a_state_written_on_no_message_tells_the_overview_nothing(self):
        Inbound = self.env["stock.channel.inbound"].sudo()
        Inbound.browse().write({"state": DUPLICATE})  # a search that found none
        self.assertNotIn(OVERVIEW_PRECOMMIT_KEY, self.env.cr.precommit.data)
        self.env.cr.precommit.run()
        self.assertFalse(self.stored(), "no notification naming no channel")


@tagged("post_install", "-at_install")
class TestWakeDuringARun(LiveServerCase):
    """In committed transactions: a run of the cron deletes the triggers due when it
    starts and commits that when it ends; a change made meanwhile must trigger the next."""

    def count_triggers(self, xmlid):
        with self.registry.cursor() as cr:
            cron = self.env_of(cr).ref(xmlid)
            cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            return cr.fetchone()[0]

    def run_takes_triggers(self, xmlids, wake):
        """A change (`wake(env)`) committed while a run of `xmlids` holds their triggers
        taken (deleted, not committed yet); the triggers left once the run ended."""
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            ids = [env.ref(xmlid).id for xmlid in xmlids]
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [ids])
            wake(env)  # a change before the run: its trigger
        run = self.registry.cursor()
        try:
            run.execute("DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [ids])
            with self.registry.cursor() as cr:
                wake(self.env_of(cr))  # a change during the run
        finally:
            run.commit()  # the run ends
            run.close()
        counts = [self.count_triggers(xmlid) for xmlid in xmlids]
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [ids])
        return counts

    def test_a_change_during_a_dispatcher_run_triggers_the_next_run(self):
        counts = self.run_takes_triggers(
            [DISPATCH_CRON], lambda env: env["stock.channel.dispatcher"]._wake()
        )
        self.assertEqual(counts, [1], "the change made during the run is not left waiting")

    def test_an_order_reserved_during_a_confirmation_run_triggers_the_next_run(self):
        counts = self.run_takes_triggers(
            list(CONFIRM_CRONS), lambda env: env["stock.channel.inbound"]._wake_confirmation()
        )
        self.assertEqual(counts, [1, 1])
