"""Alerts: the store manager is told before customers are. Each figure crossing its
threshold schedules one activity for the channel's responsible user (not one per run),
marked done by itself once the figure is back under; company defaults and channel
overrides; critical stock after an inventory count; the events that wake the alert
cron; who may change what. Data is built directly with chosen timestamps."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..core.drift import RunTotals
from .common import ALERT_DEFAULTS, ChannelStockCase

ACTIVITY_TYPE = "stock_channel_sync.mail_activity_channel_alert"


@tagged("post_install", "-at_install")
class TestAlerts(ChannelStockCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "alert_boss", name="Alert Boss",
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_manager",
        )  # fmt: skip
        cls.reader = new_test_user(
            cls.env, "alert_reader", groups="stock_channel_sync.group_channel_user"
        )
        cls.market.user_id = cls.manager
        cls.company.write(ALERT_DEFAULTS)

    def setUp(self):
        super().setUp()
        self.now = fields.Datetime.now()

    # -- data with chosen timestamps -------------------------------------------------------

    def ago(self, minutes):
        return self.now - timedelta(minutes=minutes)

    def pending(self, event_minutes, due_minutes=0, product=None):
        return self.env["stock.channel.outbox"].create({
            "channel_id": self.market.id, "product_id": (product or self.product).id,
            "state": "pending", "event_at": self.ago(event_minutes),
            "next_attempt_at": self.ago(due_minutes),
        })  # fmt: skip

    def dead(self, product):
        return self.env["stock.channel.outbox"].create({
            "channel_id": self.market.id, "product_id": product.id, "state": "dead",
            "dead_at": self.ago(3), "last_error": "refused",
        })  # fmt: skip

    def pushed(self, latencies_ms, minutes=30):
        return self.env["stock.channel.sync.log"].create([
            {"channel_id": self.market.id, "state": "done", "sent_at": self.ago(minutes),
             "acked_at": self.ago(minutes), "latency_ms": latency, "item_count": 1}
            for latency in latencies_ms
        ])  # fmt: skip

    def reconciled(self, read, drifted, hours=1):
        return self.env["stock.channel.reconcile"].create({
            "channel_id": self.market.id, "kind": "full", "state": "done",
            "started_at": self.now - timedelta(hours=hours), "skus_read": read,
            "drifted": drifted,
        })  # fmt: skip

    def oversold(self, lines, short):
        order = self.env["sale.order"].create({
            "partner_id": self.partner.id, "channel_id": self.market.id,
            "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})
                           for product in lines],
        })  # fmt: skip
        return self.env["stock.channel.incident"].create([
            {"channel_id": self.market.id, "product_id": line.product_id.id,
             "sale_order_id": order.id, "sale_line_id": line.id, "order_ref": order.name,
             "qty_short": 1, "cause": "unknown"}
            for line in order.order_line[:short]
        ])  # fmt: skip

    # -- reading the outcome ---------------------------------------------------------------

    def run_alerts(self, since=None):
        self.env["stock.channel"]._cron_alerts(since=since or self.ago(5))

    def activities(self, channel=None):
        channel = channel or self.market
        channel.invalidate_recordset(["activity_ids", "message_ids"])
        return channel.activity_ids.filtered(
            lambda act: act.activity_type_id == self.env.ref(ACTIVITY_TYPE)
        )

    def open_alerts(self, channel=None):
        return self.env["stock.channel.alert"].search(
            [("channel_id", "=", (channel or self.market).id), ("state", "=", "open")]
        )

    def assert_one_alert(self, kind, summary, figure, threshold, list_action):
        alert = self.open_alerts()
        self.assertEqual(alert.mapped("kind"), [kind])
        activity = self.activities()
        self.assertEqual(len(activity), 1)
        self.assertEqual((activity.summary, activity.user_id), (summary, self.manager))
        self.assertEqual(alert.activity_id, activity)
        self.assertIn(
            f"{summary} on Market (market): {figure} (threshold {threshold}).", activity.note
        )
        self.assertIn(
            f"/odoo/stock.channel/{self.market.id}/action-stock_channel_sync.{list_action}",
            activity.note,
        )
        return alert, activity

    def assert_resolved(self, alert, activity, text):
        self.assertEqual(alert.state, "resolved")
        self.assertTrue(alert.resolved_at)
        self.assertFalse(self.activities())
        self.assertFalse(activity.active)  # done: archived, kept
        self.assertEqual(activity.state, "done")
        messages = self.market.message_ids.filtered(lambda m: text in str(m.body))
        self.assertEqual(len(messages), 1, text)

    # -- each threshold ------------------------------------------------------------------------

    def test_backlog_one_activity_while_crossed_done_when_back_under(self):
        row = self.pending(event_minutes=14)
        self.run_alerts()
        alert, activity = self.assert_one_alert(
            "backlog", "Push Backlog", "14 min", "10 min", "action_channel_alert_pending"
        )
        for _run in range(3):  # still crossed: still one
            self.run_alerts()
        self.assertEqual(self.activities(), activity)
        self.assertEqual(len(self.open_alerts()), 1)
        row.unlink()  # pushed
        self.run_alerts()
        self.assert_resolved(
            alert, activity, "Push Backlog back under the threshold: 0 min (threshold 10 min)."
        )

    def test_p95_over_the_last_hour(self):
        # nine pushes at 1 s and one at 11 s: p95 = 1 + 0.55 x 10 = 6.5 s
        slow = self.pushed([1000] * 9 + [11000])
        self.pushed([60000], minutes=90)  # accepted before the last hour: not counted
        self.run_alerts()
        alert, activity = self.assert_one_alert(
            "p95", "Slow Pushes (p95, 1 h)", "7 s", "5 s", "action_channel_alert_sync_log"
        )
        self.run_alerts()
        self.assertEqual(self.activities(), activity)
        slow.write({"sent_at": self.ago(70), "acked_at": self.ago(70)})  # an hour later...
        self.pushed([100] * 3)  # ...only fast pushes: p95 = 0.1 s
        self.run_alerts()
        self.assert_resolved(
            alert,
            activity,
            "Slow Pushes (p95, 1 h) back under the threshold: 100 ms (threshold 5 s).",
        )

    def test_dead_letters(self):
        rows = self.dead(self.product) | self.dead(self.product_b)
        self.run_alerts()
        alert, activity = self.assert_one_alert(
            "dead_letters", "Failed Updates", "2", "1", "action_channel_alert_dead_letters"
        )
        rows[0].unlink()
        self.run_alerts()  # one left: still crossed
        self.assertEqual((alert.state, alert.figure_text), ("open", "1"))
        rows[1].unlink()  # replayed
        self.run_alerts()
        self.assert_resolved(
            alert, activity, "Failed Updates back under the threshold: 0 (threshold 1)."
        )

    def test_drift_rate(self):
        self.reconciled(read=1000, drifted=3)  # 0.3 %
        self.run_alerts()
        alert, activity = self.assert_one_alert(
            "drift", "Drift Rate", "0.3 %", "0.2 %", "action_channel_alert_drift"
        )
        self.reconciled(read=2000, drifted=0)  # 3 of 3,000: 0.1 %
        self.run_alerts()
        self.assert_resolved(
            alert, activity, "Drift Rate back under the threshold: 0.1 % (threshold 0.2 %)."
        )

    def test_oversell_rate(self):
        self.oversold([self.product, self.product_b], short=1)  # 1 of 2 lines: 50 %
        self.run_alerts()
        alert, activity = self.assert_one_alert(
            "oversell", "Oversell Rate", "50 %", "0.5 %", "action_channel_alert_incidents"
        )
        self.env["stock.channel.incident"].search([("channel_id", "=", self.market.id)]).write(
            {"detected_at": self.now - timedelta(days=8)}
        )  # a week later
        self.run_alerts()
        self.assert_resolved(
            alert, activity, "Oversell Rate back under the threshold: 0 % (threshold 0.5 %)."
        )

    def test_dispatcher_stall(self):
        # due for 7 minutes, last push 20 minutes ago: stalled 7 min (backlog 8 min: fine)
        row = self.pending(event_minutes=8, due_minutes=7)
        self.pushed([100], minutes=20)
        self.run_alerts()
        alert, activity = self.assert_one_alert(
            "stall", "Dispatcher Stalled", "7 min", "5 min", "action_channel_alert_pending"
        )
        self.run_alerts()
        self.assertEqual(self.activities(), activity)
        self.pushed([100], minutes=1)  # the dispatcher works again
        row.unlink()
        self.run_alerts()
        self.assert_resolved(
            alert, activity, "Dispatcher Stalled back under the threshold: 0 min (threshold 5 min)."
        )

    def test_pushes_due_but_the_dispatcher_busy_is_no_stall(self):
        self.pending(event_minutes=8, due_minutes=7)
        self.pushed([100], minutes=1)  # it pushed a minute ago
        self.run_alerts()
        self.assertFalse(self.open_alerts())

    def test_figures_not_measured_never_alert(self):
        # no push, no run, no order: p95, drift and oversell are not measured, not 0
        self.env.company.write({
            "channel_alert_p95_seconds": 0.001, "channel_alert_drift_percent": 0.001,
            "channel_alert_oversell_percent": 0.001,
        })  # fmt: skip
        self.run_alerts()
        self.assertFalse(self.open_alerts())
        html = str(self.market.alert_status_html)
        self.assertEqual(html.count("not measured yet"), 3)

    # -- thresholds ----------------------------------------------------------------------------

    def test_company_default_and_channel_override(self):
        self.pending(event_minutes=14)
        self.market.alert_backlog_minutes = 20  # the channel's own: 14 min is fine
        self.run_alerts()
        self.assertFalse(self.open_alerts())
        self.market.alert_backlog_minutes = 0  # back to the company's, now 12
        self.company.channel_alert_backlog_minutes = 12
        self.run_alerts()
        self.assertEqual(self.open_alerts().threshold_text, "12 min")
        self.market.alert_backlog_minutes = 15  # the channel's own again: back under
        self.run_alerts()
        self.assertFalse(self.open_alerts())
        self.assertFalse(self.activities())

    def test_settings_set_the_company_defaults(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="channel_alert_dead_letters"', arch)
        self.env["res.config.settings"].create({"channel_alert_dead_letters": 3}).execute()
        self.assertEqual(self.company.channel_alert_dead_letters, 3)
        self.dead(self.product)
        self.dead(self.product_b)
        self.run_alerts()
        self.assertFalse(self.open_alerts())  # 2 < 3

    def test_alerts_off_on_a_channel_resolve_its_open_alerts(self):
        self.pending(event_minutes=14)
        self.run_alerts()
        alert = self.open_alerts()
        self.market.alert_active = False
        self.run_alerts()
        self.assertEqual(alert.state, "resolved")
        self.assertIn("Push Backlog: alert turned off.", alert.resolution)

    def test_the_responsible_defaults_to_the_creator(self):
        channel = (
            self.env["stock.channel"]
            .with_user(self.manager)
            .create({"name": "Outlet", "code": "outlet", "warehouse_id": self.warehouse.id})
        )
        self.assertEqual(channel.user_id, self.manager)

    # -- critical stock ------------------------------------------------------------------------

    def count(self, user, product, qty, reason):
        """An inventory count applied by `user` through Odoo's Apply (with its reason)."""
        quant = (
            self.env["stock.quant"]
            .with_user(user)
            .with_context(inventory_mode=True)
            .create({"product_id": product.id, "location_id": self.stock_location.id,
                     "inventory_quantity": qty})
        )  # fmt: skip
        self.env["stock.inventory.adjustment.name"].with_user(user).create(
            {"quant_ids": [Command.set(quant.ids)], "inventory_adjustment_name": reason}
        ).action_apply()

    def test_critical_stock_after_an_inventory_count(self):
        clerk = new_test_user(
            self.env, "count_clerk", name="Count Clerk", groups="stock.group_stock_manager"
        )
        self.add_rule(self.market, critical_qty=5)
        self.set_stock(self.product, 10)
        self.set_stock(self.product_b, 2)
        since = self.ago(1)
        self.run_alerts(since)
        self.assertEqual(self.open_alerts().product_id, self.product_b)  # 2 < 5 already
        self.count(clerk, self.product, 3, "Breakage")
        self.run_alerts(since)
        alert = self.open_alerts().filtered(lambda a: a.product_id == self.product)
        self.assertEqual((alert.kind, alert.figure_text, alert.threshold_text),
                         ("critical_stock", "3", "5"))  # fmt: skip
        activity = alert.activity_id
        self.assertEqual(activity.summary, "Critical stock: [WIDGET] Widget")
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("[WIDGET] Widget: 3 publishable on Market (market), below its critical "
                      "quantity 5.", activity.note)  # fmt: skip
        self.assertIn("Inventory count by Count Clerk", alert.detail)
        self.assertIn("reason: Breakage.", alert.detail)
        self.assertIn(alert.detail.split(" on ")[0], activity.note)
        # other channels have no critical quantity: no alert there
        self.assertFalse(self.open_alerts(self.web) | self.open_alerts(self.pos))
        self.run_alerts(since)  # still below: still one
        self.assertEqual(len(self.activities()), 2)
        self.set_stock(self.product, 6)  # restocked
        self.run_alerts(self.ago(0))
        self.assertEqual(alert.state, "resolved")
        self.assertFalse(activity.active)
        self.assertEqual(self.open_alerts().product_id, self.product_b)

    def test_a_count_wakes_the_alerts_when_a_critical_quantity_is_watched(self):
        cron = self.env.ref("stock_channel_sync.ir_cron_alerts")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self.set_stock(self.product, 4)
        self.env.cr.flush()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)
        self.add_rule(self.market, critical_qty=5)
        self.set_stock(self.product, 3)
        self.set_stock(self.product, 2)
        self.env.cr.flush()  # once a transaction
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    # -- events and access ---------------------------------------------------------------------

    def alert_mails(self):
        return self.env["mail.mail"].search(
            [("model", "=", "stock.channel.alert"), ("res_id", "in", self.open_alerts().ids)]
        )

    def test_an_alert_is_mailed_to_the_channels_responsible(self):
        self.manager.email = "boss@example.com"
        follower = self.env["res.partner"].create({"name": "Floor", "email": "floor@example.com"})
        self.market.message_subscribe(partner_ids=follower.ids)
        self.dead(self.product)
        self.run_alerts()
        mail = self.alert_mails()
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.manager.partner_id, "not the followers")
        self.assertIn("Market", mail.subject)
        self.assertIn("Failed Updates", mail.subject)
        self.assertIn("threshold 1", mail.body_html)
        self.assertEqual(mail.state, "outgoing")
        self.run_alerts()  # still crossed: no second mail
        self.assertEqual(len(self.alert_mails()), 1)

    def test_an_alert_is_mailed_to_the_followers_when_the_channel_says_so(self):
        self.manager.email = "boss@example.com"
        follower = self.env["res.partner"].create({"name": "Floor", "email": "floor@example.com"})
        self.market.message_subscribe(partner_ids=follower.ids)
        self.market.alert_email_followers = True
        self.dead(self.product)
        self.run_alerts()
        mail = self.alert_mails()
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.manager.partner_id | follower)

    def test_the_alerts_list_does_not_repeat_itself(self):
        arch = self.env["stock.channel.alert"].get_view(
            self.env.ref("stock_channel_sync.view_stock_channel_alert_list").id, "list"
        )["arch"]
        self.assertIn('name="kind"', arch)
        self.assertNotIn('name="summary"', arch)

    def test_a_dead_letter_or_an_oversell_wakes_the_alerts(self):
        cron = self.env.ref("stock_channel_sync.ir_cron_alerts")
        Trigger = self.env["ir.cron.trigger"]
        for event in (
            lambda: self.pending(event_minutes=0)._to_dead_letter("refused"),
            lambda: self.oversold([self.product], short=1),
            lambda: self.reconciled(read=10, drifted=0)._close_run(RunTotals(read=10), self.now),
        ):
            before = Trigger.search_count([("cron_id", "=", cron.id)])
            event()
            self.env.cr.flush()
            self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)

    def test_a_channel_user_cannot_change_thresholds_nor_check(self):
        market = self.market.with_user(self.reader)
        self.assertEqual(market.alert_backlog_minutes, 0)  # may read
        with self.assertRaises(AccessError):
            market.write({"alert_backlog_minutes": 60})
        with self.assertRaises(AccessError):
            market.action_check_alerts()
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.reader).create(
                {"channel_alert_backlog_minutes": 60}
            )
        with self.assertRaises(AccessError):
            self.company.with_user(self.reader).channel_alert_backlog_minutes = 60
        self.pending(event_minutes=14)
        self.market.with_user(self.manager).action_check_alerts()
        self.assertEqual(len(self.open_alerts()), 1)
        # a channel user reads the alerts, the figures now and the form
        self.assertEqual(market.open_alert_count, 1)
        self.assertIn("14 min", str(market.alert_status_html))
        arch = market.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="alert_backlog_minutes"', arch)
