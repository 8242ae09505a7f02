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
        cls.seller = new_test_user(
            cls.env,
            "overview_seller",
            groups="stock_channel_sync.group_channel_user,sales_team.group_sale_salesman_all_leads",
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

    def card(self, channel=None, user=None):
        channel = (channel or self.market).with_user(user or self.reader)
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
        # two pushes wait that were never sent: never "Healthy" (issue 19)
        self.assertEqual(card.overview_health, "amber")
        self.assertEqual(card.overview_reason, "Pushes waiting, never sent: 2")

    def test_a_dead_letter_makes_the_card_red_with_its_reason(self):
        self.outbox("dead", minutes=3)
        card = self.card()
        self.assertEqual(card.overview_health, "red")
        self.assertEqual(card.overview_reason, "Failed Updates: 1 (threshold 1)")
        self.assertEqual(card.overview_dead_letters, 1)
        self.assertEqual(self.card(self.web).overview_health, "green")

    def test_half_a_threshold_or_waiting_work_is_amber(self):
        self.outbox("pending", minutes=6)
        card = self.card()
        self.assertEqual(card.overview_health, "amber")
        self.assertEqual(
            card.overview_reason,
            "Push Backlog: 6 min (threshold 10 min)\nPushes waiting, never sent: 1",
        )
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
            "action_overview_latency": ("stock.channel.latency.report", "search_default_last_24h"),
            "action_overview_exceptions": ("stock.channel.order.fix", None),
            "action_overview_quantities": ("stock.channel.quantity", None),
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

    def test_the_latency_figure_opens_a_graph_per_hour_in_seconds(self):
        action = self.market.with_user(self.reader).action_overview_latency()
        self.assertEqual(action["views"][0], (False, "graph"))
        self.assertEqual(action["context"]["graph_groupbys"], ["hour:hour"])
        Report = self.env["stock.channel.latency.report"]
        self.assertEqual(Report._fields["latency_p95"].string, "p95 Latency (s)")

    def test_business_figures_beside_the_pipeline(self):
        Quantity = self.env["stock.channel.quantity"]
        Quantity.search([("channel_id", "=", self.market.id)]).unlink()
        Quantity.create([
            {"channel_id": self.market.id, "product_id": self.product.id, "publishable_qty": 7},
            {"channel_id": self.market.id, "product_id": self.product_b.id, "publishable_qty": 0},
        ])  # fmt: skip
        Order = self.env["sale.order"]
        today = Order.create([
            {"partner_id": self.partner.id, "channel_id": self.market.id, "state": "sale"},
            {"partner_id": self.partner.id, "channel_id": self.market.id,
             "channel_exception": "to_check", "channel_exception_reason": "stock shortfall"},
            {"partner_id": self.partner.id, "channel_id": self.market.id, "state": "cancel"},
        ])  # fmt: skip
        self.assertEqual(len(today), 3)
        old = Order.create({"partner_id": self.partner.id, "channel_id": self.market.id})
        old.state = "sale"
        self.env.cr.execute(
            "UPDATE sale_order SET create_date = %s, date_order = %s WHERE id = %s",
            (self.now - timedelta(days=2), self.now - timedelta(days=2), old.id),
        )
        self.env["stock.channel.inbound"].create(
            {"channel_id": self.market.id, "kind": "order", "external_id": "H-1",
             "state": "exception", "error": "SKU NOPE matches no variant"}
        )  # fmt: skip
        Incident = self.env["stock.channel.incident"]
        for qty, days in ((2, 1), (3, 6), (5, 9)):  # the last one is older than a week
            Incident.create({
                "channel_id": self.market.id, "product_id": self.product.id,
                "order_ref": f"O-{days}", "qty_short": qty, "cause": "latency",
                "detected_at": self.now - timedelta(days=days),
            })  # fmt: skip
        card = self.card()
        self.assertEqual(card.overview_units_live, "7")
        self.assertEqual(card.overview_skus_at_zero, "1")
        self.assertEqual(card.overview_orders_today, 2, "confirmed or held; not cancelled")
        self.assertEqual(
            card.overview_orders_to_fix, 1, "the held message: the list it opens (no sales rights)"
        )
        self.assertEqual(self.card(user=self.seller).overview_orders_to_fix, 2, "and the order")
        self.assertEqual(card.overview_oversold_units, 5)
        action = card.action_overview_orders_today()
        self.assertEqual(Order.search(action["domain"]), today[:2])

    def test_a_webshop_order_paid_today_and_flagged_counts_on_the_webshop_card(self):
        website = self.env["website"].search([("company_id", "=", self.company.id)], limit=1)
        self.web.website_id = website
        order = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "website_id": website.id}
        )
        self.env.cr.execute(  # a cart of two days ago, paid today
            "UPDATE sale_order SET create_date = %s, date_order = %s WHERE id = %s",
            (self.now - timedelta(days=2), self.now - timedelta(days=2), order.id),
        )
        order.invalidate_recordset()
        order.write({"state": "sale", "date_order": self.now, "channel_exception": "to_check",
                     "channel_exception_reason": "stock shortfall"})  # fmt: skip
        self.assertFalse(order.channel_id, "a webshop order names its website, not a channel")
        card = self.card(self.web, user=self.seller)
        self.assertEqual(card.overview_orders_today, 1, "paid today: an order of today")
        self.assertEqual(card.overview_orders_to_fix, 1, "flagged: on the webshop's card")
        rows = self.env["stock.channel.order.fix"].search([("channel_id", "=", self.web.id)])
        self.assertEqual(rows.sale_order_id, order, "and in Orders to Fix under the webshop")

    def test_a_channel_without_measures_says_so(self):
        # a webshop with a cart only (a quotation, no order): oversell not measured
        website = self.env["website"].search([], limit=1)
        self.web.website_id = website
        cart = self.env["sale.order"].create({
            "partner_id": self.partner.id, "website_id": website.id,
            "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 1})],
        })  # fmt: skip
        self.assertEqual(cart.state, "draft")
        self.env["stock.channel.quantity"].search([("channel_id", "=", self.market.id)]).unlink()
        card = self.card(self.web)
        self.assertEqual(card.overview_oversell, "not measured yet")
        self.assertEqual(self.card().overview_units_live, "not measured yet")
        self.assertEqual(self.card().overview_skus_at_zero, "not measured yet")

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
    """In Chromium: the cards and their figures; a red card opens its failed updates;
    Replay takes it out of red (amber while the replayed pushes wait unsent)."""

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
        self.assertEqual(self.market.overview_health, "amber")
        self.assertEqual(self.market.overview_reason, "Pushes waiting, never sent: 2")
