"""The background confirmation waits while a burst of orders is answered (defer.py): the
answers keep the cores, the reserved orders wait (their units taken from every channel),
never beyond the setting's minutes."""

import itertools
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..core import intake as intake_core
from ..models.stock_channel_dispatcher import wake
from ..models.stock_channel_inbound import defer
from .test_intake_fast import FastCase

RATE = "stock_channel_sync.confirm_defer_rate"
MINUTES = "stock_channel_sync.confirm_defer_minutes"


@tagged("post_install", "-at_install")
class TestConfirmationDefers(FastCase):
    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 50)
        # a burst of 1 order a second: 3 messages within the 3 s window
        self.env["ir.config_parameter"].sudo().set_param(RATE, "1")
        self.env["ir.config_parameter"].sudo().set_param(MINUTES, "10")

    def burst(self, count=3, age=0.0, prefix="B"):
        """`count` orders reserved, their messages stored `age` seconds ago."""
        inbounds = self.env["stock.channel.inbound"]
        for _index in range(count):
            inbound, _status, answer = self.receive_order(
                self.order_payload(f"{prefix}-{len(inbounds)}", [("WIDGET", 1)])
            )
            self.assertEqual(answer["status"], "accepted")
            inbounds |= inbound
        self.stored_at(inbounds, fields.Datetime.now() - timedelta(seconds=age))
        return inbounds

    def stored_at(self, inbounds, when):
        inbounds.flush_recordset()
        self.env.cr.execute(
            "UPDATE stock_channel_inbound SET create_date = %s WHERE id = ANY(%s)",
            [when, inbounds.ids],
        )
        inbounds.invalidate_recordset(["create_date"])

    def test_during_a_burst_the_reserved_orders_wait_their_units_still_reserved(self):
        inbounds = self.burst()
        publishable = self.publishable(self.market)
        self.assertEqual(self.confirm(), 0, "nothing confirmed while the burst lasts")
        self.assertEqual(set(inbounds.mapped("state")), {"reserved"})
        self.assertFalse(self.env["sale.order"].search([("channel_id", "=", self.market.id)]))
        self.assertEqual(self.publishable(self.market), publishable, "units still reserved")

    def test_once_the_burst_is_over_the_backlog_is_confirmed(self):
        self.burst(age=5)  # the 3rd newest message is older than the window
        self.assertEqual(self.confirm(), 3)

    def test_a_young_backlog_is_confirmed_in_small_batches(self):
        """Orders younger than a burst's window (a burst may be beginning) are claimed
        a few at a time, the burst looked for after each batch; an older backlog (a
        burst over) in full batches."""
        self.env["ir.config_parameter"].sudo().set_param(RATE, "100")  # no burst here
        Inbound = self.env["stock.channel.inbound"]
        claimed = []
        original = type(Inbound)._claim_reserved

        def claim(model, limit):
            claimed.append(limit)
            return original(model, limit)

        self.burst(count=intake_core.YOUNG_BATCH + 2)
        with patch.object(type(Inbound), "_claim_reserved", claim):
            self.assertEqual(self.confirm(), intake_core.YOUNG_BATCH + 2)
        self.assertEqual(claimed[0], intake_core.YOUNG_BATCH, "5, then the rest")
        claimed.clear()
        self.burst(count=intake_core.YOUNG_BATCH + 2, age=5, prefix="C")
        with patch.object(type(Inbound), "_claim_reserved", claim):
            self.assertEqual(self.confirm(), intake_core.YOUNG_BATCH + 2)
        self.assertEqual(claimed[0], intake_core.CONFIRM_BATCH, "one full batch")

    def test_an_order_waiting_the_settings_minutes_is_confirmed_whatever_arrives(self):
        inbounds = self.burst()
        self.stored_at(inbounds[0], fields.Datetime.now() - timedelta(minutes=11))
        self.assertEqual(self.confirm(), 3)

    def test_rate_zero_never_waits(self):
        self.env["ir.config_parameter"].sudo().set_param(RATE, "0")
        self.burst()
        self.assertEqual(self.confirm(), 3)

    def test_the_first_cron_looks_again_then_runs_itself_again(self):
        """In a cron worker, the first confirmation cron sleeps and looks again; the
        burst still on, it triggers itself (the worker is free between its runs)."""
        self.burst()
        first = self.env.ref(defer.FIRST_CRON)
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [first.id])
        Inbound = self.env["stock.channel.inbound"].with_context(cron_id=first.id)
        with (
            patch.object(type(Inbound), "_confirmation_may_sleep", lambda model: True),
            patch.object(defer.time, "sleep") as sleep,
        ):
            self.assertEqual(Inbound._cron_confirm_reserved(), 0)
        self.assertEqual(sleep.call_count, defer.DEFER_LOOKS)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", first.id)]))

    def test_when_the_burst_ends_the_first_cron_confirms_and_wakes_the_second(self):
        inbounds = self.burst()
        first = self.env.ref(defer.FIRST_CRON)
        second = self.env.ref(defer.SECOND_CRON)
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [second.id])
        Inbound = self.env["stock.channel.inbound"].with_context(cron_id=first.id)
        # the first look sees the burst, the next ones (and the look after the batch) its end
        ages = itertools.chain([0.0], itertools.repeat(5.0))
        original = type(Inbound)._confirmation_defers

        def looks(model):
            age = next(ages)
            self.stored_at(inbounds, fields.Datetime.now() - timedelta(seconds=age))
            return original(model)

        with (
            patch.object(type(Inbound), "_confirmation_may_sleep", lambda model: True),
            patch.object(defer.time, "sleep"),
            patch.object(type(Inbound), "_confirmation_defers", looks),
        ):
            self.assertEqual(Inbound._cron_confirm_reserved(), 3)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", second.id)]))

    def test_after_a_burst_the_first_cron_wakes_the_second_to_drain_side_by_side(self):
        """The burst over before the first cron's run (its backlog older than a burst's
        window): the second cron, which ended at once during the burst, is woken."""
        self.burst(age=5)
        first = self.env.ref(defer.FIRST_CRON)
        second = self.env.ref(defer.SECOND_CRON)
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [second.id])
        Inbound = self.env["stock.channel.inbound"].with_context(cron_id=first.id)
        commits = []

        def commit_chunk(env, *args):
            # what is committed when: the second's trigger, before any order is confirmed
            triggered = env["ir.cron.trigger"].search_count([("cron_id", "=", second.id)])
            commits.append((triggered, env["sale.order"].search_count(self.market_orders)))
            return float("inf")

        with patch.object(defer.runtime, "commit_chunk", commit_chunk):
            self.assertEqual(Inbound._cron_confirm_reserved(), 3)
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", second.id)]))
        self.assertEqual(commits[0], (1, 0), "the trigger committed before the first batch")

    @property
    def market_orders(self):
        return [("channel_id", "=", self.market.id)]

    def test_without_a_backlog_the_second_cron_is_not_woken(self):
        self.env["ir.config_parameter"].sudo().set_param(RATE, "0")
        self.burst()
        first = self.env.ref(defer.FIRST_CRON)
        second = self.env.ref(defer.SECOND_CRON)
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [second.id])
        Inbound = self.env["stock.channel.inbound"].with_context(cron_id=first.id)
        self.assertEqual(Inbound._cron_confirm_reserved(), 3)
        self.assertFalse(self.env["ir.cron.trigger"].search([("cron_id", "=", second.id)]))

    def test_a_burst_beginning_during_a_run_ends_it_after_its_batch(self):
        """A run started before the burst (nothing to wait for then) looks again after
        each batch: the burst seen, it ends and the first cron is triggered to wait."""
        self.env["ir.config_parameter"].sudo().set_param(RATE, "0")  # not at its start
        self.burst()
        first = self.env.ref(defer.FIRST_CRON)
        self.env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [first.id])
        Inbound = self.env["stock.channel.inbound"]
        with patch.object(type(Inbound), "_confirmation_defers", lambda model: True):
            self.assertEqual(Inbound._cron_confirm_reserved(batch=1), 1, "one batch")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", first.id)]))

    def pushes(self):
        """The market's rounds in the cron's way (a commit between steps, here none),
        one round: the seconds the dispatcher then waited, or None."""
        with patch.object(wake.time, "sleep") as sleep:
            self.env["stock.channel.dispatcher"]._dispatch_channel(
                self.market, commit=lambda: None, max_rounds=1
            )
        self.assertLessEqual(sleep.call_count, 1)
        return sleep.call_args.args[0] if sleep.called else None

    def test_during_a_burst_a_channels_pushes_leave_once_a_second(self):
        """Every order of a burst moves quantities: the channel's next round begins a
        second after this one began, one push carrying every change since."""
        self.burst()
        self.assertTrue(self.due_rows(), "the burst queued the market's quantities")
        pause = self.pushes()
        self.assertIsNotNone(pause, "the dispatcher waited")
        self.assertGreaterEqual(pause, 0)
        self.assertLessEqual(pause, intake_core.BURST_PUSH_SECONDS)
        self.assertFalse(self.due_rows(), "the round pushed what was due")

    def test_out_of_a_burst_the_next_push_leaves_at_once(self):
        self.burst(age=5)
        self.assertTrue(self.due_rows())
        self.assertIsNone(self.pushes())
        self.assertFalse(self.due_rows())
        self.env["ir.config_parameter"].sudo().set_param(RATE, "0")  # never a burst
        self.burst(prefix="D")
        self.assertTrue(self.due_rows())
        self.assertIsNone(self.pushes())
        self.assertFalse(self.due_rows())

    def test_a_tests_transaction_is_never_left_waiting(self):
        self.burst()
        with patch.object(wake.time, "sleep") as sleep:
            self.env["stock.channel.dispatcher"]._dispatch_channel(self.market, max_rounds=1)
        sleep.assert_not_called()

    def due_rows(self):
        return self.env["stock.channel.outbox"].search(
            [("channel_id", "=", self.market.id), ("state", "=", "pending")]
        )
