"""A run of the dispatcher pushes every channel with rows due at once (up to
MAX_PARALLEL_CHANNELS): a Republish all of five channels does not leave the fifth waiting
for another's backlog, then pushed alone at the end."""

import threading
import time
from unittest.mock import patch

from odoo.tests import tagged

from .common import ChannelStockCase

CHANNELS = 5


@tagged("post_install", "-at_install")
class TestDispatchSlots(ChannelStockCase):
    def test_five_channels_due_are_pushed_at_the_same_time(self):
        channel_ids = list(range(1, CHANNELS + 1))
        together = threading.Barrier(CHANNELS, timeout=5)
        Dispatcher = type(self.env["stock.channel.dispatcher"])
        calls = []

        def due(this, ids, exclude=()):
            calls.append(ids)
            return channel_ids if len(calls) == 1 else []  # due once each

        def push(this, dbname, channel_id, deadline=None):
            try:
                together.wait()  # every channel's thread running at once
            except threading.BrokenBarrierError:
                return 0
            return 1

        with (
            patch.object(Dispatcher, "_due_ids_fresh", due),
            patch.object(Dispatcher, "_run_channel_thread", push),
            patch("odoo.addons.stock_channel_sync.models.runtime.commit", lambda env: None),
        ):
            sent = self.env["stock.channel.dispatcher"]._run_parallel(
                None, time.monotonic() + 20, follow=False
            )
        self.assertEqual(sent, dict.fromkeys(channel_ids, 1))
