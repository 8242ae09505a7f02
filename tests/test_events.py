"""Side effects through one named hook: what happens announces an event, its listeners
run in the order of core.events.LISTENERS (the table is checked here, and the order)."""

from contextlib import ExitStack
from unittest.mock import patch

from odoo.tests import tagged

from ..core import events
from ..models.stock_channel_alert.soon import ALERT_PRECOMMIT_KEY
from ..models.stock_channel_overview import OVERVIEW_PRECOMMIT_KEY
from .common import ChannelStockCase

ALERTS, OVERVIEW = "stock.channel.alert", "stock.channel.overview"
LEDGER, DISPATCHER = "stock.channel.incident", "stock.channel"


@tagged("post_install", "-at_install")
class TestEvents(ChannelStockCase):
    def setUp(self):
        super().setUp()
        self.env.cr.precommit.run()  # what the set-up queued: committed
        self.Event = self.env["stock.channel.event"]

    def test_the_table_each_event_and_its_listeners_in_order(self):
        self.assertEqual(
            events.LISTENERS,
            {
                "move_done": (ALERTS,),
                "push_failed": (ALERTS, OVERVIEW),
                "dead_letter": (ALERTS, OVERVIEW),
                "reconcile_finished": (ALERTS, OVERVIEW),
                "drift_found": (ALERTS, OVERVIEW),
                "oversell_recorded": (ALERTS, OVERVIEW),
                "push_logged": (OVERVIEW,),
                "inbound_changed": (OVERVIEW,),
                "job_changed": (OVERVIEW,),
                "pushes_queued": (DISPATCHER, OVERVIEW),
                "changes_flushed": (LEDGER,),
                "stock_changed": (DISPATCHER,),
                "alerts_evaluated": (OVERVIEW,),
                "status_answered": ("stock.channel.order.action",),
            },
        )
        for event, models in events.LISTENERS.items():
            for model in models:
                listener = getattr(self.env[model], f"_on_{event}", None)
                self.assertTrue(callable(listener), f"{model}._on_{event}")

    def test_an_unknown_event_raises(self):
        with self.assertRaises(events.UnknownEvent):
            self.Event._announce("dead_leter", self.env["stock.channel.outbox"])

    def test_announcing_runs_each_listener_in_the_order_of_the_table(self):
        for event, models in events.LISTENERS.items():
            heard = []
            with ExitStack() as stack:
                for model in models:
                    listener = _noting(heard, model)
                    stack.enter_context(
                        patch.object(type(self.env[model]), f"_on_{event}", listener)
                    )
                self.Event._announce(event, [1, 2], at="then")
            self.assertEqual(heard, [(model, [1, 2], "then") for model in models], event)

    def test_a_dead_letter_triggers_the_alerts_then_tells_the_overviews(self):
        row = self.env["stock.channel.outbox"].create(
            {"channel_id": self.market.id, "product_id": self.product.id}
        )
        self.env.cr.precommit.run()
        row._to_dead_letter("refused")
        precommit = self.env.cr.precommit
        self.assertTrue(precommit.data.get(ALERT_PRECOMMIT_KEY))
        self.assertTrue(precommit.data[OVERVIEW_PRECOMMIT_KEY]["all"], "any card may move")
        # at the commit: the alert cron triggered first, then the overviews told
        names = [getattr(func, "__name__", "") for func in precommit._funcs]
        self.assertEqual(names, ["trigger", "_send_overview_changed"])
        cron = self.env.ref("stock_channel_sync.ir_cron_alerts")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        precommit.run()
        self.env.cr.flush()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_pushes_queued_wake_the_dispatcher_then_tell_the_overviews(self):
        woken = []
        Channel = type(self.env["stock.channel"])
        wake = lambda self, at=None, **_kw: woken.append(at)  # noqa: E731
        with patch.object(Channel, "_wake_dispatcher", wake):
            self.Event._announce(events.PUSHES_QUEUED, {self.market.id}, at="later")
        self.assertEqual(woken, ["later"])
        self.assertTrue(self.env.cr.precommit.data[OVERVIEW_PRECOMMIT_KEY]["all"])

    def test_the_oversell_ledger_listens_to_the_flushed_changes(self):
        Incident = type(self.env["stock.channel.incident"])
        order = self.env["sale.order"].create({"partner_id": self.env.user.partner_id.id})
        recorded = []
        with patch.object(Incident, "_record_lost_units", lambda self, ids: recorded.append(ids)):
            self.env["stock.channel.outbox"]._enqueue_orders(order)
            self.env.cr.precommit.run()
            # a commit that moved the status of no order: nothing for the ledger to look at
            self.env["stock.channel.outbox"]._enqueue(self.product, channels=self.market)
            self.env.cr.precommit.run()
        self.assertEqual(recorded, [{order.id}])


def _noting(heard, model):
    """A listener of `model` that notes what it heard."""

    def listener(self, records, at=None, **payload):
        heard.append((model, records, at))

    return listener
