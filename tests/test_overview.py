"""The overview: a card per channel with its health and figures, exact on constructed
data; "not measured yet" rather than a made-up 0; each figure opens its list filtered
on the channel; a transaction that moves a figure tells the open overviews once, at its
commit."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ALERT_DEFAULTS, ChannelStockCase

NOTIFICATION = "stock_channel_sync/overview"


@tagged("post_install", "-at_install")
class TestOverview(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = new_test_user(
            cls.env, "overview_reader", groups="stock_channel_sync.group_channel_user"
        )
        cls.company.write(ALERT_DEFAULTS)

    def setUp(self):
        super().setUp()
        self.now = fields.Datetime.now()

    def ago(self, minutes):
        return self.now - timedelta(minutes=minutes)

    def outbox(self, state, minutes, product=None):
        return self.env["stock.channel.outbox"].create({
            "channel_id": self.market.id, "product_id": (product or self.product).id,
            "state": state, "event_at": self.ago(minutes), "next_attempt_at": self.now,
            "dead_at": self.ago(minutes) if state == "dead" else False,
        })  # fmt: skip

    def pushes(self, latencies_ms, minutes, confirmed_ms=None):
        return self.env["stock.channel.sync.log"].create([
            {"channel_id": self.market.id, "state": "done", "sent_at": self.ago(minutes),
             "acked_at": self.ago(minutes - 0.5), "latency_ms": latency, "item_count": 1,
             "confirmed_at": self.ago(minutes - 1) if confirmed_ms else False,
             "confirmed_latency_ms": confirmed_ms[i] if confirmed_ms else False}
            for i, latency in enumerate(latencies_ms)
        ])  # fmt: skip

    def card(self, channel=None):
        channel = (channel or self.market).with_user(self.reader)
        channel.invalidate_recordset()
        return channel

    def test_a_new_channel_is_green_and_not_measured_yet(self):
        card = self.card(self.web)
        self.assertEqual(card.overview_health, "green")
        self.assertEqual(card.overview_reason, "Every figure is fine.")
        for name in ("overview_accepted_p95", "overview_confirmed_p95", "overview_drift",
                     "overview_oversell"):  # fmt: skip
            self.assertEqual(card[name], "not measured yet", name)
        self.assertEqual((card.overview_pending, card.overview_dead_letters), (0, 0))
        self.assertFalse(card.overview_last_push_at)
        self.assertFalse(card.overview_last_reconcile_at)
        self.assertIsNone(card.overview_figures["accepted_p95_ms"])
        self.assertIsNone(card.overview_figures["drift"])

    def test_figures_are_exact(self):
        # 20 accepted pushes two hours ago, 1..20 s: p95 (continuous) = 19.05 s; the last
        # hour's p95 (the alert's) is not measured, the card stays green for it
        self.pushes([1000 * i for i in range(1, 21)], minutes=120, confirmed_ms=[4000] * 20)
        latest = self.pushes([300], minutes=3)
        self.outbox("pending", minutes=2)
        self.outbox("pending", minutes=4, product=self.product_b)
        run = self.env["stock.channel.reconcile"].create({
            "channel_id": self.market.id, "kind": "full", "state": "done",
            "started_at": self.ago(62), "finished_at": self.ago(61), "skus_read": 500,
            "drifted": 0,
        })  # fmt: skip
        card = self.card()
        # 21 pushes: 300 ms and 1..20 s; p95 at rank 19 of 0..20 = 19 s
        self.assertEqual(card.overview_accepted_p95, "19 s")
        self.assertEqual(card.overview_confirmed_p95, "4 s")
        self.assertEqual(card.overview_pending, 2)
        self.assertEqual(card.overview_backlog, "4 min")
        self.assertEqual(card.overview_dead_letters, 0)
        self.assertEqual(card.overview_drift, "0 %")
        self.assertEqual(card.overview_oversell, "not measured yet")
        self.assertEqual(card.overview_last_push_at, latest.acked_at)
        self.assertEqual(card.overview_last_reconcile_at, run.finished_at)
        self.assertEqual(card.overview_health, "green")

    def test_a_dead_letter_makes_the_card_red_with_its_reason(self):
        self.outbox("dead", minutes=3)
        card = self.card()
        self.assertEqual(card.overview_health, "red")
        self.assertEqual(card.overview_reason, "Dead Letters: 1 (threshold 1)")
        self.assertEqual(card.overview_dead_letters, 1)
        self.assertEqual(self.card(self.web).overview_health, "green")

    def test_half_a_threshold_or_waiting_work_is_amber(self):
        self.outbox("pending", minutes=6)
        card = self.card()
        self.assertEqual(card.overview_health, "amber")
        self.assertEqual(card.overview_reason, "Push Backlog: 6 min (threshold 10 min)")
        self.env["stock.channel.outbox"].search([("channel_id", "=", self.market.id)]).unlink()
        self.env["stock.channel.inbound"].create([
            {"channel_id": self.market.id, "kind": "order", "external_id": ref,
             "state": "exception", "error": "SKU NOPE matches no variant"}
            for ref in ("A-1", "A-2")
        ])  # fmt: skip
        card = self.card()
        self.assertEqual(card.overview_exceptions, 2)
        self.assertEqual(
            (card.overview_health, card.overview_reason), ("amber", "Orders in Exception: 2")
        )

    def test_a_channel_with_alerts_off_is_not_coloured_by_them(self):
        self.market.alert_active = False
        self.outbox("dead", minutes=3)
        self.assertEqual(self.card().overview_health, "green")

    def test_each_figure_opens_its_list_filtered_on_the_channel(self):
        channel = self.market.with_user(self.reader)
        expected = {
            "action_overview_pending": ("stock.channel.outbox", "search_default_pending"),
            "action_overview_dead_letters": ("stock.channel.outbox", "search_default_dead"),
            "action_overview_latency": ("stock.channel.sync.log", "search_default_last_24h"),
            "action_overview_exceptions": ("stock.channel.inbound", "search_default_exceptions"),
            "action_open_drifts": ("stock.channel.drift", "search_default_open"),
            "action_open_incidents": ("stock.channel.incident", None),
            "action_overview_reconcile_runs": ("stock.channel.reconcile", None),
        }
        for method, (model, default) in expected.items():
            action = getattr(channel, method)()
            self.assertEqual(action["res_model"], model, method)
            self.assertEqual(action["domain"], [("channel_id", "=", self.market.id)], method)
            if default:
                self.assertEqual(action["context"][default], 1, method)
            # the list's records are the reader's to see
            self.env[model].with_user(self.reader).search(action["domain"])

    def bus_messages(self):
        self.env.cr.precommit.run()  # what the commit would send
        group = self.env.ref("stock_channel_sync.group_channel_user")
        channel = f'["{self.env.cr.dbname}","res.groups",{group.id}]'
        return (
            self.env["bus.bus"]
            .sudo()
            .search([("channel", "=", channel), ("message", "like", NOTIFICATION)])
        )

    def test_a_moved_figure_tells_the_overviews_once_per_transaction(self):
        self.env.cr.precommit.run()
        self.env["bus.bus"].sudo().search([]).unlink()
        self.outbox("dead", minutes=1)._to_dead_letter("refused")
        self.pushes([100, 200], minutes=1)
        self.assertEqual(len(self.bus_messages()), 1)
        # the next transaction tells again
        self.env.cr.precommit.data.pop("stock_channel_sync.overview", None)
        self.env["stock.channel.inbound"].create(
            {"channel_id": self.market.id, "kind": "order", "external_id": "B-1",
             "state": "exception"}
        )  # fmt: skip
        first, second = self.bus_messages().sorted("id")
        # a dead letter may move any card (alerts); a message names its channel
        self.assertIsNone(json.loads(first.message)["payload"]["channel_ids"])
        self.assertEqual(json.loads(second.message)["payload"]["channel_ids"], [self.market.id])

    def test_the_overview_is_the_first_menu_entry(self):
        root = self.env.ref("stock_channel_sync.menu_stock_channel_root")
        first = root.child_id.sorted("sequence")[:1]
        self.assertEqual(first, self.env.ref("stock_channel_sync.menu_stock_channel_overview"))


@tagged("post_install", "-at_install")
class TestOverviewTour(HttpCase, ChannelStockCase):
    """In Chromium: the cards and their figures; a red card opens its dead letters;
    Replay makes it green."""

    def test_overview_red_card_dead_letters_replay_green(self):
        manager = new_test_user(
            self.env, "overview_manager", password="overview_manager",
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_user",
        )  # fmt: skip
        self.market.name, self.web.name = "Tour Market", "Tour Web"
        self.pos.active = False
        now = fields.Datetime.now()
        self.env["stock.channel.sync.log"].create({
            "channel_id": self.market.id, "state": "done", "sent_at": now - timedelta(minutes=5),
            "acked_at": now - timedelta(minutes=5), "latency_ms": 250, "item_count": 1,
        })  # fmt: skip
        Outbox = self.env["stock.channel.outbox"]
        Outbox.create({
            "channel_id": self.market.id, "product_id": self.product_b.id, "state": "pending",
            "event_at": now - timedelta(minutes=2), "next_attempt_at": now + timedelta(hours=1),
        })  # fmt: skip
        dead = Outbox.create({
            "channel_id": self.market.id, "product_id": self.product.id, "state": "dead",
            "event_at": now - timedelta(minutes=1), "dead_at": now, "last_error": "refused",
        })  # fmt: skip
        self.assertEqual(self.market.overview_health, "red")
        self.start_tour("/odoo", "stock_channel_sync_overview", login=manager.login)
        self.assertEqual(dead.state, "pending")
        self.market.invalidate_recordset()
        self.assertEqual(self.market.overview_health, "green")
