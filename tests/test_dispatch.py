import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import Command, fields
from odoo.tests import tagged

from ..models.stock_channel_dispatcher import dispatcher as dispatcher_runs
from .common import SyncCase, set_settings


@tagged("post_install", "-at_install")
class TestDispatch(SyncCase):
    """Real HTTP on loopback against the marketplace simulator."""

    def test_receipt_reaches_both_wire_formats_with_the_right_quantity(self):
        self.set_stock(self.product, 12)
        self.dispatch()
        self.assertEqual(self.market_level(), 12)
        self.assertEqual(self.shop_level(), 12)
        self.assertFalse(self.outbox())
        quantity = self.product.channel_quantity_ids.filtered(lambda q: q.channel_id == self.market)
        self.assertEqual((quantity.published_qty, quantity.publishable_qty), (12, 12))
        self.assertTrue(quantity.published_at)
        self.assertTrue(quantity.in_sync)
        request = self.sim.received("/generic/market")[-1]
        body = json.loads(request["body"])
        self.assertEqual(body["channel"], "market")
        self.assertEqual(body["items"][0]["sku"], "WIDGET")
        self.assertTrue(request["headers"]["Idempotency-Key"])
        self.assertTrue(request["headers"]["X-Channel-Signature"].startswith("sha256="))
        self.assertNotIn(self.secret, request["body"])

    def test_sale_cancellation_and_adjustment_each_reach_the_channel(self):
        self.set_stock(self.product, 10)
        self.dispatch()
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "product_uom_qty": 4})
                ],
            }
        )
        order.action_confirm()
        self.dispatch()
        self.assertEqual(self.market_level(), 6)
        order._action_cancel()
        self.dispatch()
        self.assertEqual(self.market_level(), 10)
        self.add_rule(self.market, safety_buffer=3)
        self.dispatch()
        self.assertEqual(self.market_level(), 7)
        self.assertEqual(self.market_level(self.product_b), 0)

    def test_quarantine_release_reaches_the_channel(self):
        self.set_stock(self.product, 4)
        self.set_stock(self.product, 3, self.quarantine)
        self.dispatch()
        self.assertEqual(self.market_level(), 4)
        quant = self.env["stock.quant"].search(
            [("product_id", "=", self.product.id), ("location_id", "=", self.quarantine.id)]
        )
        self.env["stock.quarantine.wizard"].with_context(
            active_model="stock.quant", active_ids=quant.ids
        ).create({"action": "release"}).action_confirm()
        self.dispatch()
        self.assertEqual(self.market_level(), 7)

    def test_sequences_only_grow_and_duplicates_are_dropped(self):
        self.set_stock(self.product, 5)
        self.dispatch()
        self.set_stock(self.product, 6)
        self.dispatch()
        sequences = [
            json.loads(r["body"])["items"][0]["sequence"]
            for r in self.sim.received("/generic/market")
        ]
        self.assertEqual(sequences, sorted(sequences))
        self.assertEqual(len(set(sequences)), len(sequences))
        self.assertEqual(self.market_level(), 6)

    def test_unchanged_quantity_is_not_pushed_again(self):
        self.set_stock(self.product, 5)
        self.dispatch()
        count = len(self.sim.received("/generic/market"))
        self.env["stock.channel.outbox"]._enqueue(self.product, channels=self.market)
        self.dispatch()
        self.assertEqual(len(self.sim.received("/generic/market")), count)

    def test_zero_quantities_go_first(self):
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 5)
        self.dispatch()
        self.market.batch_size = 1
        self.set_stock(self.product, 8)
        self.deliver(self.product_b, 5)
        self.dispatch()
        pushes = [json.loads(r["body"])["items"] for r in self.sim.received("/generic/market")][-2:]
        self.assertEqual([p[0]["quantity"] for p in pushes], [0, 8])

    def test_batches_respect_the_connector_limit(self):
        products = self.env["product.product"]
        for index in range(5):
            products |= self._create_product(f"Bulk {index}", f"BULK{index}")
        self.market.batch_size = 2
        for product in products:
            self.set_stock(product, 1)
        self.dispatch()
        sizes = [len(json.loads(r["body"])["items"]) for r in self.sim.received("/generic/market")]
        self.assertTrue(all(size <= 2 for size in sizes))
        self.assertEqual(sum(sizes), 5)
        self.assertEqual(self.sim.generic_levels("market")["BULK4"], 1)

    def test_a_backlog_goes_out_round_after_round_under_one_hold_of_the_lock(self):
        """The rounds of a channel's backlog follow one another under one hold of its
        dispatch lock and connector, not one each."""
        products = self.env["product.product"]
        for index in range(4):
            products |= self._create_product(f"Round {index}", f"ROUND{index}")
        self.market.batch_size = 1
        for product in products:
            self.set_stock(product, 1)
        Dispatcher = type(self.env["stock.channel.dispatcher"])
        original, holds = Dispatcher._channel_lock, []

        def counted(dispatcher, channel, *args, **kwargs):
            holds.append(channel.id)
            return original(dispatcher, channel, *args, **kwargs)

        with (
            patch.object(Dispatcher, "_channel_lock", counted),
            patch.object(dispatcher_runs, "CANDIDATES_PER_BATCH", 1),  # a round per row
        ):
            self.dispatch()
        pushes = self.sim.received("/generic/market")
        self.assertEqual(len(pushes), 4, "one push per round")
        self.assertEqual(self.sim.generic_levels("market")["ROUND3"], 1)
        self.assertEqual(holds.count(self.market.id), 1, "one hold of the lock")

    def test_429_storm_honours_retry_after_and_ends_right(self):
        self.sim.add_fault("status", "/generic/market", status=429, retry_after=0.2, count=3)
        self.set_stock(self.product, 9)
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), 9)
        logs = self.market.sync_log_ids
        self.assertEqual(logs.mapped("state").count("waiting"), 3)  # its window, no failure
        self.assertEqual(logs.filtered(lambda log: log.state == "done").http_status, 200)
        self.market.invalidate_recordset()
        self.assertEqual(self.market.failure_rate_24h, 0)

    def test_500_timeouts_and_dropped_connections_are_retried(self):
        self.market.read_timeout = 0.3
        self.sim.add_fault("status", "/generic/market", status=500, count=1)
        self.sim.add_fault("timeout", "/generic/market", seconds=1, count=1)
        self.sim.add_fault("drop", "/generic/market", count=1)
        self.set_stock(self.product, 4)
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), 4)
        self.assertEqual(self.market.sync_log_ids.mapped("state").count("retry"), 3)

    def test_receiver_down_then_back(self):
        self.market.retry_max_attempts = 100
        self.sim.add_fault("down", "/generic/market")
        self.set_stock(self.product, 3)
        self.dispatch(rounds=3)
        self.assertIsNone(self.market_level())
        self.assertTrue(self.outbox(self.market))
        self.sim.clear_faults()
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), 3)

    def test_permanent_error_goes_to_dead_letter_then_replay_sends_current_quantity(self):
        self.sim.configure_channel("market", secret="rotated-elsewhere")
        self.set_stock(self.product, 3)
        self.dispatch()
        dead = self.outbox(self.market, state="dead")
        self.assertEqual(len(dead), 1)
        self.assertIn("401", dead.last_error)
        self.assertTrue(dead.last_request)
        self.assertIn("signature", dead.last_response)
        self.assertEqual(self.market.dead_letter_count, 1)
        self.sim.configure_channel("market", secret=self.secret)
        self.set_stock(self.product, 8)
        self.dispatch()
        self.outbox(self.market, state="dead").action_replay()
        self.dispatch()
        self.assertEqual(self.market_level(), 8)
        self.assertFalse(self.outbox(self.market, state="dead"))

    def test_a_replay_is_timed_from_the_replay_and_apart_from_live_pushes(self):
        self.set_stock(self.product_b, 2)
        self.dispatch()  # a live push
        self.sim.configure_channel("market", secret="rotated-elsewhere")
        self.set_stock(self.product, 3)
        self.dispatch()
        dead = self.outbox(self.market, state="dead")
        dead.event_at = fields.Datetime.now() - timedelta(minutes=20)  # fixed 20 minutes later
        self.sim.configure_channel("market", secret=self.secret)
        dead.action_replay()
        self.dispatch()
        [replay, _dead, live] = self.market.sync_log_ids
        self.assertEqual(replay.state, "done")
        self.assertLess(replay.latency_ms, 60_000, "timed from the replay, not the change")
        self.market.invalidate_recordset()
        self.assertEqual(self.market.latency_p95_1h, live.latency_ms, "live pushes only")
        figures = self.market._alert_figures(fields.Datetime.now())[self.market.id]
        self.assertEqual(figures["p95"], round(live.latency_ms / 1000, 2))
        self.assertEqual((replay.push_kind, live.push_kind), ("replay", "live"))
        self.assertEqual(self.market.replay_p95_24h, replay.latency_ms)

    def test_a_change_queued_on_a_replay_makes_it_a_live_push(self):
        self.sim.configure_channel("market", secret="rotated-elsewhere")
        self.set_stock(self.product, 3)
        self.dispatch()
        self.sim.configure_channel("market", secret=self.secret)
        row = self.outbox(self.market, state="dead")
        row.action_replay()
        self.set_stock(self.product, 5)
        self.flush_outbox()
        self.assertEqual(row.push_kind, "live")
        self.dispatch()
        self.assertEqual(self.market.sync_log_ids[0].push_kind, "live")
        self.assertEqual(self.market_level(), 5)

    def test_too_many_attempts_dead_letter(self):
        self.market.retry_max_attempts = 2
        self.sim.add_fault("status", "/generic/market", status=503, count=5)
        self.set_stock(self.product, 3)
        self.dispatch(until_empty=True)
        dead = self.outbox(self.market, state="dead")
        self.assertEqual(dead.attempts, 2)
        self.market.action_replay_dead_letters()
        self.sim.clear_faults()
        self.dispatch(until_empty=True)
        self.assertEqual(self.market_level(), 3)

    def test_a_variant_without_sku_waits_for_a_binding_never_a_dead_letter(self):
        nameless = self._create_product("No SKU", False)
        self.set_stock(nameless, 2)
        self.assertFalse(self.outbox(self.market).filtered(lambda r: r.product_id == nameless))
        self.dispatch()
        self.assertFalse(self.outbox(self.market, state="dead"))
        self.market.invalidate_recordset()
        self.assertGreaterEqual(self.market.waiting_binding_count, 1)
        waiting = self.market.action_open_waiting_bindings()["domain"][0][2]
        self.assertIn(nameless.id, waiting)
        self.assertNotIn(self.product.id, waiting)
        # bound: queued and pushed under the binding's SKU
        self.env["stock.channel.binding"].create(
            {"channel_id": self.market.id, "product_id": nameless.id, "external_sku": "NAMED"}
        )
        self.dispatch()
        self.assertEqual(self.sim.generic_level("market", "NAMED"), 2)
        self.market.invalidate_recordset()
        waiting = self.market.action_open_waiting_bindings()["domain"][0][2]
        self.assertNotIn(nameless.id, waiting)

    def test_shopify_throttling_waits_for_the_bucket(self):
        self.sim.configure_shop("demo", token="shop-token", maximum_available=10, restore_rate=100)
        self.set_stock(self.product, 2)
        self.set_stock(self.product_b, 3)
        self.shop.batch_size = 1
        self.dispatch(until_empty=True)
        self.assertEqual(self.shop_level(), 2)
        self.assertEqual(self.shop_level(index=2), 3)

    def test_log_rows_and_latency_stats(self):
        self.set_stock(self.product, 2)
        self.dispatch()
        log = self.market.sync_log_ids.filtered(lambda log: log.state == "done")
        self.assertEqual(log.item_count, 1)
        self.assertEqual(log.skus, "WIDGET")
        self.assertEqual(log.items[0]["quantity"], 2)
        self.assertTrue(log.idempotency_key)
        self.assertLessEqual(log.event_at, log.sent_at)
        self.assertLessEqual(log.sent_at, log.acked_at)
        self.assertGreaterEqual(log.latency_ms, 0)
        self.market.invalidate_recordset()
        self.assertEqual(self.market.latency_p95_24h, log.latency_ms)
        self.assertEqual(self.market.failure_rate_24h, 0)

    def test_old_logs_are_purged(self):
        self.set_stock(self.product, 2)
        self.dispatch()
        log = self.market.sync_log_ids
        self.env.cr.execute(
            "UPDATE stock_channel_sync_log SET create_date = now() - interval '40 days' "
            "WHERE id = ANY(%s)",
            [log.ids],
        )
        self.env["stock.channel.sync.log"]._gc_old_logs()
        self.assertFalse(log.exists())

    def test_republish_forces_every_variant_even_unchanged(self):
        self.set_stock(self.product, 2)
        self.dispatch()
        before = len(self.sim.received("/generic/market"))
        self.market.action_republish()
        self.run_jobs()
        self.dispatch()
        pushed = self.sim.received("/generic/market")[before:]
        skus = {item["sku"] for r in pushed for item in json.loads(r["body"])["items"]}
        self.assertEqual(skus, {"WIDGET", "GADGET"})
        self.assertEqual(self.market_level(), 2)

    def test_a_shopify_variant_without_inventory_item_waits_for_its_binding(self):
        unbound = self._create_product("Unbound", "UNBOUND")
        self.set_stock(unbound, 4)
        self.set_stock(self.product, 6)
        self.assertEqual(self.outbox(self.shop).product_id, self.product)  # nothing for it
        self.dispatch()
        self.assertEqual(self.shop_level(), 6)
        self.assertFalse(self.outbox(self.shop, state="dead"))
        self.assertFalse(self.outbox(self.shop))
        self.assertIn(unbound.id, self.shop.action_open_waiting_bindings()["domain"][0][2])
        # Import mapping (or a person) binds it: pushed then
        self.env["stock.channel.binding"].create(
            {"channel_id": self.shop.id, "product_id": unbound.id, "external_id": "1009"}
        )
        self.dispatch()
        self.assertEqual(
            self.sim.shopify_level(
                "demo", "gid://shopify/InventoryItem/1009", "gid://shopify/Location/77"
            ),
            4,
        )

    def test_a_new_shopify_channel_queues_nothing_before_its_mapping_no_alert(self):
        shop2 = self.env["stock.channel"].create(
            {"name": "Shopify 2", "code": "shopify2", "channel_type": "shop",
             "warehouse_id": self.warehouse.id, "connector": "shopify",
             "endpoint_url": self.sim.shopify_url("other"), "api_key": "shop-token"}
        )  # fmt: skip
        set_settings(shop2, location_id="77")
        self.set_stock(self.product, 5)
        self.assertFalse(self.outbox(shop2))
        self.dispatch()
        self.assertFalse(self.outbox(shop2, state="dead"))
        self.assertFalse(self.sim.received(urlsplit(shop2.endpoint_url).path), "nothing sent")
        shop2._alert_evaluate()
        self.assertFalse(shop2.alert_ids)
        self.assertGreaterEqual(shop2.waiting_binding_count, 2)
        # a binding that loses its id: its queued push waits with it, never a dead letter
        binding = self.env["stock.channel.binding"].create(
            {"channel_id": shop2.id, "product_id": self.product.id, "external_id": "1001"}
        )
        self.assertEqual(self.outbox(shop2).product_id, self.product)
        binding.external_id = False
        self.dispatch()
        self.assertFalse(self.outbox(shop2))
        self.assertFalse(self.outbox(shop2, state="dead"))

    def test_one_dead_letter_per_channel_and_variant(self):
        for qty in (1, 2, 3):
            self.dead_letter(qty=qty)
        self.assertEqual(len(self.outbox(self.market, state="dead")), 1)

    def test_connector_session_is_kept_between_pushes(self):
        with self.market._connector() as first:
            pass
        with self.market._connector() as second:
            self.assertIs(second, first, "one requests.Session per channel, reused")
            with self.market._connector() as concurrent:
                self.assertIsNot(concurrent, first, "a concurrent user gets its own")
        self.market.read_timeout = 3
        with self.market._connector() as changed:
            self.assertIsNot(changed, first, "new settings, new connector")
            self.assertEqual(changed.config.read_timeout, 3)
