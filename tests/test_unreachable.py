"""A channel that cannot be reached (no connection) is paused as a whole: its pushes wait
(no attempt counted, never a dead letter), it is tried again with a backoff that spans
hours, one alert says since when, and it resumes by itself once it answers."""

import socket
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..core import alerts
from .common import SyncCase


def closed_port_url(path):
    """A loopback URL nothing listens on: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@tagged("post_install", "-at_install")
class TestUnreachable(SyncCase):
    def setUp(self):
        super().setUp()
        self.sim_url = self.market.endpoint_url
        self.market.write({"endpoint_url": closed_port_url("/generic/market")})
        self.set_stock(self.product, 3)
        self.set_stock(self.product_b, 4)
        self.flush_outbox()

    def next_try_now(self):
        self.market.unreachable_retry_at = fields.Datetime.now() - timedelta(seconds=1)

    def unreachable_alerts(self):
        return self.market.alert_ids.filtered(lambda a: a.kind == alerts.UNREACHABLE)

    def test_an_outage_pauses_the_channel_whole_never_a_dead_letter_one_alert(self):
        pending = len(self.outbox(self.market))
        self.assertGreaterEqual(pending, 2)
        pauses = []
        for _try in range(10):  # more tries than retry_max_attempts (8)
            self.next_try_now()
            self.dispatch()
            pauses.append(self.market.unreachable_retry_at - fields.Datetime.now())
            self.dispatch()  # within the pause: nothing is tried
        self.assertFalse(self.outbox(self.market, state="dead"))
        rows = self.outbox(self.market)
        self.assertEqual(len(rows), pending, "every push waits")
        self.assertEqual(set(rows.mapped("attempts")), {0}, "no attempt of theirs counted")
        self.assertIn("cannot be reached", rows[0].last_error)
        self.assertEqual(len(self.market.sync_log_ids), 10, "one try logged each time")
        self.assertEqual(self.market.unreachable_tries, 10)
        self.assertGreater(pauses[-1], timedelta(minutes=50), "tried again up to hourly")
        self.assertLess(pauses[0], timedelta(seconds=31))
        self.assertEqual(pauses[:8], sorted(pauses[:8]), "then at most hourly, with jitter")
        self.assertRegex(self.market.unreachable_status, r"Unreachable since \d\d:\d\d")
        # the scheduled action comes back at the next try, by itself
        Dispatcher = self.env["stock.channel.dispatcher"]
        self.assertGreater(Dispatcher._seconds_to_next_due(self.market), 50 * 60)
        # one alert for the outage: not the backlog, stall or dead letters as well
        self.market._alert_evaluate()
        opened = self.market.alert_ids.filtered(lambda a: a.state == "open")
        self.assertEqual(opened.mapped("kind"), [alerts.UNREACHABLE])
        self.assertIn("Unreachable since", opened.summary)
        # the other channels of the warehouse go on
        self.assertEqual(self.shop_level(), 3)

    def test_a_channel_back_resumes_by_itself_and_its_alert_is_resolved(self):
        self.dispatch()
        self.assertTrue(self.market.unreachable_since)
        self.assertEqual(self.unreachable_alerts().state, "open")
        self.market.endpoint_url = self.sim_url  # back (the address never changes really)
        self.dispatch()
        self.assertIsNone(self.market_level(), "waits for its next try")
        self.next_try_now()
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), 3)
        self.assertEqual(self.market_level(self.product_b), 4)
        self.assertFalse(self.market.unreachable_since)
        self.assertFalse(self.market.unreachable_retry_at)
        self.assertEqual(self.unreachable_alerts().state, "resolved")
        self.assertFalse(self.outbox(self.market, state="dead"))

    def test_a_push_the_channel_refuses_is_still_a_dead_letter(self):
        self.market.endpoint_url = self.sim_url
        self.sim.configure_channel("market", secret="rotated-elsewhere")  # a 401: refused
        self.dispatch()
        self.assertTrue(self.outbox(self.market, state="dead"))
        self.assertFalse(self.market.unreachable_since)
        self.assertFalse(self.unreachable_alerts())
