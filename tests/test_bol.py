"""bol.com end to end, against the simulator's retailer account over real HTTP: stock
accepted then confirmed later (or failed, or timed out), the rate limit, tokens, orders
polled, shipments and cancellations back, read-back and the offers export."""

import json
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import OrderCase, set_settings

ACCOUNT = "retailer"
EAN_A, EAN_B = "8712345000017", "8712345000024"


class BolCase(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        url = cls.sim.marketplace_url("bol", ACCOUNT)
        cls.bol = cls.env["stock.channel"].create(
            {"name": "bol.com", "code": "bol", "channel_type": "marketplace",
             "warehouse_id": cls.warehouse.id, "connector": "bol", "endpoint_url": url,
             "api_key": "bol-client", "api_secret": "bol-secret",
             "retry_base_seconds": 0.01, "retry_cap_seconds": 0.05, "retry_max_attempts": 2}
        )  # fmt: skip
        set_settings(cls.bol, token_url=f"{url}/token")
        cls.product.barcode = EAN_A
        cls.product_b.barcode = EAN_B
        cls.sell_in_euros()

    def setUp(self):
        super().setUp()
        self.sim.configure_marketplace("bol", ACCOUNT, processing_delay=0.05)
        self.offer_a = self.sim.bol.add_offer(ACCOUNT, EAN_A, "WIDGET")
        self.offer_b = self.sim.bol.add_offer(ACCOUNT, EAN_B, "")
        self.bol.action_import_mapping()  # by reference, and by EAN for the one without
        self.run_jobs()

    def logs(self, state=None):
        domain = [("channel_id", "=", self.bol.id)] + ([("state", "=", state)] if state else [])
        return self.env["stock.channel.sync.log"].search(domain)

    def read_verdicts(self, wait=0.1):
        """The verdicts are due now (the scheduled action reads them when they are)."""
        time.sleep(wait)
        self.logs("sent").write({"confirm_next_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.env["stock.channel.confirmer"]._cron_confirm()

    def sequence(self, product=None):
        self.env.cr.execute(
            "SELECT last_sequence FROM stock_channel_quantity WHERE id = %s",
            [self.line(product).id],
        )
        return self.env.cr.fetchone()[0]

    def line(self, product=None):
        return self.env["stock.channel.quantity"].search(
            [("channel_id", "=", self.bol.id), ("product_id", "=", (product or self.product).id)]
        )


@tagged("post_install", "-at_install")
class TestBol(BolCase):
    # -- the mapping, stock out and the verdicts ------------------------------------------
    def test_import_mapping_binds_by_reference_and_by_ean(self):
        bindings = self.bol._bindings(self.product | self.product_b)
        self.assertEqual(bindings[self.product.id].external_id, self.offer_a)
        self.assertEqual(
            (bindings[self.product_b.id].external_id, bindings[self.product_b.id].external_sku),
            (self.offer_b, EAN_B),
        )

    def test_a_push_is_confirmed_later_with_its_confirmed_latency(self):
        self.sim.configure_marketplace("bol", ACCOUNT, processing_delay=0.3)
        self.set_stock(self.product, 7)
        self.dispatch()
        [log] = self.logs()
        self.assertEqual(log.state, "sent", "bol's 202 only says received")
        self.assertTrue(log.acked_at and log.latency_ms >= 0 and log.remote_ids)
        self.assertTrue(self.line().push_in_doubt)
        self.assertEqual(self.sim.bol.amount(ACCOUNT, self.offer_a), 0)
        self.read_verdicts(wait=0)  # still PENDING: read again later
        self.assertEqual(log.state, "sent")
        self.read_verdicts(wait=0.4)
        self.assertEqual(log.state, "done")
        self.assertTrue(log.confirmed_at and log.confirmed_latency_ms >= 300)
        self.assertFalse(log.remote_ids)
        self.assertEqual((self.line().published_qty, self.line().push_in_doubt), (7, False))
        self.assertEqual(self.sim.bol.amount(ACCOUNT, self.offer_a), 7)
        self.assertGreaterEqual(self.bol.confirmed_p95_24h, 300)

    def test_the_dispatcher_reads_the_verdicts_due_and_waits_for_them(self):
        self.set_stock(self.product, 3)
        self.dispatch()
        [log] = self.logs("sent")
        Dispatcher = self.env["stock.channel.dispatcher"]
        due_in = Dispatcher._seconds_to_next_due(self.bol)
        self.assertTrue(0 < due_in <= 10, "it stays for the verdict (within its horizon)")
        time.sleep(0.1)
        log.confirm_next_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertIn(self.bol, Dispatcher._due_channels())
        self.dispatch()  # no row to push: the verdict is read
        self.assertEqual(log.state, "done")

    def test_a_push_failed_later_for_one_sku_is_retried_then_dead_lettered(self):
        self.sim.configure_marketplace("bol", ACCOUNT, fail_offers=[self.offer_b])
        self.set_stock(self.product, 4)
        self.set_stock(self.product_b, 6)
        self.dispatch()
        self.read_verdicts()
        [log] = self.logs()
        self.assertEqual(log.state, "done", "the other SKU succeeded")
        self.assertIn(f"Offer {self.offer_b} cannot be updated", log.error)
        self.assertEqual(self.line().published_qty, 4)
        [row] = self.outbox(self.bol)
        self.assertEqual((row.product_id, row.attempts, row.force), (self.product_b, 1, True))
        row.next_attempt_at = fields.Datetime.now()
        self.dispatch()  # the second attempt fails later too: the attempts are spent
        self.read_verdicts()
        [dead] = self.outbox(self.bol, state="dead")
        self.assertEqual((dead.product_id, dead.attempts), (self.product_b, 2))
        self.assertIn("cannot be updated", dead.last_error)
        self.assertEqual(self.logs()[0].state, "dead")
        self.assertTrue(self.line(self.product_b).push_in_doubt)

    def test_a_timeout_is_sent_again_with_a_fresh_sequence(self):
        self.sim.configure_marketplace("bol", ACCOUNT, timeout_offers=[self.offer_a])
        self.set_stock(self.product, 3)
        self.dispatch()
        first = self.sequence()
        self.read_verdicts()
        [row] = self.outbox(self.bol)
        self.assertIn("TIMEOUT", row.last_error)
        self.sim.configure_marketplace("bol", ACCOUNT, timeout_offers=[])
        row.next_attempt_at = fields.Datetime.now()
        self.dispatch()
        self.assertGreater(self.sequence(), first)
        self.read_verdicts()
        self.assertEqual(self.sim.bol.amount(ACCOUNT, self.offer_a), 3)
        # no verdict at all by the deadline: sent again as well
        self.sim.configure_marketplace("bol", ACCOUNT, processing_delay=3600)
        self.set_stock(self.product, 2)
        self.dispatch()
        self.logs("sent").write({"confirm_deadline": fields.Datetime.now()})
        self.read_verdicts()
        [row] = self.outbox(self.bol)
        self.assertIn("no verdict from the channel after 180 minutes", row.last_error)

    def test_the_rate_limit_is_waited_out_never_a_dead_letter(self):
        self.sim.configure_marketplace("bol", ACCOUNT, stock_limit=1, stock_window=60.0)
        self.set_stock(self.product, 1)
        self.set_stock(self.product_b, 1)
        for _attempt in range(4):
            self.dispatch()
            self.outbox(self.bol).write({"next_attempt_at": fields.Datetime.now()})
        self.assertFalse(self.outbox(self.bol, state="dead"))
        [row] = self.outbox(self.bol)  # one went out, the other waits for the window
        self.assertIn(row.product_id, self.product | self.product_b)
        self.assertRegex(row.last_error, "429|rate limit")
        self.assertEqual(len([r for r in self.sim.received("/bol/") if r["status"] == 429]), 1)

    def test_an_expired_token_is_fetched_again_and_kept_from_users(self):
        self.set_stock(self.product, 5)
        self.dispatch()
        self.sim.bol.expire_tokens(ACCOUNT)
        self.set_stock(self.product, 6)
        self.dispatch()
        self.assertEqual(self.sim.bol.token_requests, 2)
        token = self.env["stock.channel.token"].search([("channel_id", "=", self.bol.id)])
        self.assertTrue(token.sudo().access_token)
        user = self.env["res.users"].create(
            {"name": "Viewer", "login": "bol-viewer",
             "group_ids": [(4, self.env.ref("stock_channel_sync.group_channel_user").id)]}
        )  # fmt: skip
        with self.assertRaises(AccessError):
            token.with_user(user).read(["access_token"])

    # -- orders ---------------------------------------------------------------------------
    def test_orders_are_polled_across_pages_with_an_overlap_once(self):
        self.set_stock(self.product, 200)
        for n in range(51):
            self.sim.bol.add_order(ACCOUNT, f"B{n:03d}", [(f"{n}-1", self.offer_a, 1, 10.0)])
        self.bol._poll_orders()
        orders = self.env["sale.order"].search([("channel_id", "=", self.bol.id)])
        self.assertEqual(len(orders), 51)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertEqual(self.publishable(self.web), 149)
        count = self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.bol.id)])
        self.bol._poll_orders()  # the overlap reads them again: nothing new
        self.assertEqual(
            self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.bol.id)]),
            count,
        )

    def test_shipment_back_and_a_customer_cancellation_honoured(self):
        self.set_stock(self.product, 5)
        self.sim.bol.add_order(ACCOUNT, "S1", [("s1-1", self.offer_a, 2, 10.0)])
        self.sim.bol.add_order(ACCOUNT, "S2", [("s2-1", self.offer_a, 1, 10.0)])
        self.bol._poll_orders()
        carrier = self.env["delivery.carrier"].create(
            {"name": "PostNL", "product_id": self.bol._shipping_product().id,
             "channel_carrier_code": "TNT"}
        )  # fmt: skip
        order = self.order_of("S1", self.bol)
        order.picking_ids.carrier_id = carrier
        self.ship(order, tracking="3SBOL123")
        self.dispatch(until_empty=True)
        [(_account, shipment)] = self.sim.bol.shipments
        self.assertEqual(shipment["orderItems"], [{"orderItemId": "s1-1", "quantity": 2}])
        self.assertEqual(
            shipment["transport"], {"transporterCode": "TNT", "trackAndTrace": "3SBOL123"}
        )
        # the customer asks bol to cancel S2: the next poll cancels it, and Odoo confirms
        self.sim.bol.update_order(ACCOUNT, "S2", cancellation_request=True)
        self.bol._poll_orders()
        self.assertEqual(self.order_of("S2", self.bol).state, "cancel")
        self.dispatch(until_empty=True)
        [(_account, cancellation)] = self.sim.bol.cancellations
        self.assertEqual(
            cancellation["orderItems"],
            [{"orderItemId": "s2-1", "reasonCode": "REQUESTED_BY_CUSTOMER"}],
        )
        self.assertEqual(self.publishable(self.web), 3)

    def export_window_used(self, seconds):
        """bol's export window: its slot used for ``seconds`` from now (or free)."""
        self.env.cr.execute(
            "UPDATE stock_channel_rate_slot SET tat = extract(epoch FROM clock_timestamp()) + %s "
            "WHERE channel_id = %s AND endpoint = 'export'",
            [seconds, self.bol.id],
        )

    def test_import_mapping_waits_for_bols_export_window_and_never_fails_for_it(self):
        self.bol.action_import_mapping()  # right after setUp's export: within the burst
        [job] = self.run_jobs()
        self.assertEqual(job.state, "done")
        self.export_window_used(3600)  # reconciliations used the hour's exports
        self.bol.action_import_mapping()
        [job] = self.run_jobs()
        self.assertEqual((job.state, job.error), ("queued", False), "waiting, not failed")
        self.assertRegex(
            job.waiting, r"^waiting for the channel until \d\d:\d\d \(bol\.com's export window\)$"
        )
        self.assertIn(job.waiting, job.summary)
        self.assertGreater(job.not_before, fields.Datetime.now() + timedelta(minutes=10))
        self.assertFalse(self.run_jobs(), "nobody takes it before the window opens")
        self.export_window_used(-3600)  # the window opens
        job.not_before = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self.run_jobs(), job)
        self.assertEqual((job.state, job.waiting, job.not_before), ("done", False, False))

    def test_the_buttons_say_what_failed_without_the_secret(self):
        self.bol.api_secret = "wrong-secret"
        self.env["stock.channel.token"].search([("channel_id", "=", self.bol.id)]).unlink()
        with self.assertRaises(UserError) as raised:
            self.bol.action_poll_orders()
        self.assertIn("invalid_client", str(raised.exception))
        self.assertNotIn("wrong-secret", str(raised.exception))

    def test_read_back(self):
        self.sim.bol.offers[(ACCOUNT, self.offer_a)]["stock"]["amount"] = 8
        self.assertEqual(self.read_back(self.bol, self.product | self.product_b), {
            self.product.id: 8, self.product_b.id: 0})  # fmt: skip

    def test_above_999_bol_is_expected_to_hold_999_and_a_read_back_is_in_sync(self):
        self.set_stock(self.product, 1500)
        self.dispatch()
        self.read_verdicts()
        self.assertEqual(self.sim.bol.amount(ACCOUNT, self.offer_a), 999)
        self.assertEqual((self.line().publishable_qty, self.line().published_qty), (999, 999))
        explain = self.product._channel_explain(self.bol)
        self.assertEqual(explain["publishable"], 999)
        [cap] = [step for step in explain["steps"] if step["step"] == "channel_max"]
        self.assertEqual((cap["qty"], cap["rule"]), (-501, "bol.com takes at most 999"))
        self.assertEqual(cap["label"], "Most the channel takes")
        run = self.bol._reconcile("manual")
        self.assertEqual((run.state, run.drifted, run.corrections), ("done", 0, 0))
        self.assertFalse(self.env["stock.channel.drift"].search([("channel_id", "=", self.bol.id)]))
        self.assertEqual(self.bol.drift_rate_24h, 0.0)
        # bol holding less than 999 is an edit, corrected to the cap
        self.sim.bol.offers[(ACCOUNT, self.offer_a)]["stock"]["amount"] = 40
        self.bol._reconcile("manual")
        drift = self.env["stock.channel.drift"].search([("channel_id", "=", self.bol.id)])
        self.assertEqual(
            (drift.cause, drift.expected_qty, drift.publishable_qty), ("channel_edit", 999, 999)
        )

    def test_reconcile_takes_the_orders_bol_counted_before_judging(self):
        self.set_stock(self.product, 5)
        self.dispatch()
        self.read_verdicts()
        self.assertEqual(self.line().published_qty, 5)
        # bol took an order for 2 and lowered the offer's stock; Odoo has not polled it
        self.sim.bol.add_order(ACCOUNT, "R1", [("r1-1", self.offer_a, 2, 10.0)])
        self.sim.bol.offers[(ACCOUNT, self.offer_a)]["stock"]["amount"] = 3
        run = self.bol._reconcile("manual")
        self.assertEqual(self.order_of("R1", self.bol).state, "sale", "polled first")
        drift = self.env["stock.channel.drift"].search([("channel_id", "=", self.bol.id)])
        self.assertNotIn("channel_edit", drift.mapped("cause"), "a sale is not an edit")
        self.assertFalse(drift.filtered("correcting"), "nothing overwrites bol's count")
        self.assertEqual((run.state, run.skus_read), ("done", 2))


@tagged("post_install", "-at_install")
class TestBolNotifications(BolCase, HttpCase):
    def notify(self, kind, resource_id, resource="PROCESS_STATUS"):
        url = f"{self.base_url()}/stock_channel_sync/bol/events"
        with self.from_outside():
            status, text = self.sim.bol.deliver_event(url, ACCOUNT, resource, kind, resource_id)
        return status, json.loads(text)

    def test_a_process_status_notification_has_the_verdict_read_at_once(self):
        keys = self.bol._setting_value("webhook_secret")
        self.assertIn('"0":', keys, "Import mapping read bol's keys")
        self.set_stock(self.product, 7)
        self.dispatch()
        [log] = self.logs()
        remote_id = log.remote_ids["WIDGET"]
        time.sleep(0.1)  # bol processed it
        status, answer = self.notify("SUCCESS", remote_id)
        self.assertEqual((status, answer["pushes"]), (200, 1))
        self.assertLessEqual(log.confirm_next_at, fields.Datetime.now(), "due now")
        self.env["stock.channel.confirmer"]._cron_confirm()
        self.assertEqual(log.state, "done")
        # the same notification again (bol retries): the same answer, nothing else
        self.assertEqual(self.notify("SUCCESS", remote_id), (status, answer))
        # another resource: answered, kept as not handled
        status, answer = self.notify("UPDATE_TRANSPORT_EVENT", "77", resource="SHIPMENT")
        self.assertEqual(status, 200)
        self.assertIn("not handled", answer["error"])

    def test_a_notification_not_signed_by_bol_is_refused(self):
        body, headers = self.sim.bol.event(ACCOUNT, "PROCESS_STATUS", "SUCCESS", "1")
        headers["Signature"] = headers["Signature"].replace("signature=", "signature=AAAA")
        response = self.url_open("/stock_channel_sync/bol/events", data=body, headers=headers)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"error": "missing or wrong signature"})
