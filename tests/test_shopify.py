"""Shopify end to end, against the simulator's shop over real HTTP: stock out with
compare-and-set, the mapping, orders in by webhook (delivered by the simulator) and by
the catch-up poll, fulfilments with tracking back (partial deliveries: only what left),
cancellation, refunds, read-back."""

import json

from odoo.tests import HttpCase, tagged

from .common import OrderCase, set_settings

SHOP = "demo"
URL = "/stock_channel_sync/shopify/orders"
ITEM = "gid://shopify/InventoryItem/{}"


def shopify_order(order_id, currency, lines, **over):
    """An orders/create payload; lines: [(line id, sku, quantity)] at 10.00 each."""
    total = sum(quantity for _id, _sku, quantity in lines) * 10
    order = {
        "id": order_id, "name": f"#{order_id}", "created_at": "2026-11-23T10:00:00+01:00",
        "currency": currency, "email": "sam@example.com",
        "customer": {"first_name": "Sam", "last_name": "Shop", "email": "sam@example.com"},
        "shipping_address": {"name": "Sam Shop", "address1": "Rue Haute 1", "zip": "1000",
                             "city": "Brussels", "country_code": "BE"},
        "line_items": [{"id": line_id, "sku": sku, "quantity": quantity, "price": "10.00"}
                       for line_id, sku, quantity in lines],
        "total_price": f"{total:.2f}", "taxes_included": True, "cancelled_at": None,
    }  # fmt: skip
    order.update(over)
    return order


@tagged("post_install", "-at_install")
class TestShopify(OrderCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.sim.configure_shop(
            SHOP,
            token="shop-token",
            webhook_secret="shop-secret",
            catalog={"WIDGET": ITEM.format(1001), "GADGET": ITEM.format(1002)},
        )
        self.carrier = self.env["delivery.carrier"].create(
            {"name": "DHL Parcel", "product_id": self.shop._shipping_product().id,
             "channel_carrier_code": "DHL"}
        )  # fmt: skip

    def deliver(self, topic, order, webhook_id, event_id=None):
        """The simulator's shop delivers the webhook to Odoo, as Shopify does."""
        with self.from_outside():
            status, text = self.sim.shopify.deliver(
                self.base_url() + URL, SHOP, topic, order, webhook_id, event_id=event_id
            )
        return status, json.loads(text)

    def place(self, order_id, lines):
        """An order placed on Shopify and delivered to Odoo by webhook."""
        order = shopify_order(order_id, self.currency, lines)
        state = self.sim.shopify.add_order(SHOP, order)
        status, answer = self.deliver("orders/create", order, f"wh-{order_id}")
        self.assertEqual((status, answer["status"]), (200, "accepted"), answer)
        return state, self.order_of(str(order_id), self.shop)

    # -- stock out ------------------------------------------------------------------
    def test_a_refused_item_is_a_dead_letter_the_rest_applied_and_cas_recovers(self):
        stray = self._create_product("Stray", "STRAY")
        self.env["stock.channel.binding"].create(
            {"channel_id": self.shop.id, "product_id": stray.id, "external_id": "1999"}
        )
        for product, qty in ((self.product, 5), (self.product_b, 3), (stray, 2)):
            self.set_stock(product, qty)
        self.dispatch(until_empty=True)
        self.assertEqual((self.shop_level(), self.shop_level(index=2)), (5, 3))
        dead = self.outbox(self.shop, state="dead")
        self.assertEqual(dead.product_id, stray)
        self.assertIn("INVALID_INVENTORY_ITEM", dead.last_error)
        # someone sets 9 in Shopify's admin: the compare-and-set finds it, logs it, sets again
        self.sim.shopify.levels[(SHOP, ITEM.format(1001), "gid://shopify/Location/77")] = 9
        self.set_stock(self.product, 4)
        self.dispatch(until_empty=True)
        self.assertEqual(self.shop_level(), 4)
        log = self.shop.sync_log_ids.filtered(
            lambda log: "changed on the channel" in (log.error or "")
        )
        self.assertEqual(log.state, "done")
        self.assertIn("Odoo last set 5, the channel held 9", log.error)

    def test_a_first_push_logs_the_level_it_replaced_on_shopify(self):
        self.sim.shopify.levels[(SHOP, ITEM.format(1001), "gid://shopify/Location/77")] = 7
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 3)
        self.dispatch(until_empty=True)
        self.assertEqual((self.shop_level(), self.shop_level(index=2)), (5, 3), "Odoo's")
        [log] = self.shop.sync_log_ids
        self.assertEqual(log.state, "done")
        self.assertEqual(
            log.replaced_levels,
            "GADGET: the channel held nothing before this first push; set to 3\n"
            "WIDGET: the channel held 7 before this first push; set to 5",
        )
        self.assertFalse(log.error)
        self.set_stock(self.product, 4)  # Odoo knows the level now: nothing replaced
        self.dispatch(until_empty=True)
        second = self.logs(self.shop)[0]
        self.assertEqual((second.skus, second.replaced_levels), ("WIDGET", False))

    def test_a_version_shopify_no_longer_serves_raises_an_alert_naming_the_next(self):
        self.sim.configure_shop(SHOP, oldest_version="2026-01")
        set_settings(self.shop, api_version="2025-10")
        self.set_stock(self.product, 5)
        self.dispatch(until_empty=True)
        self.assertEqual(self.shop_level(), 5)
        [alert] = self.env["stock.channel.alert"].search(
            [("channel_id", "=", self.shop.id), ("kind", "=", "api_version")]
        )
        self.assertEqual((alert.state, alert.figure_text), ("open", "2025-10"))
        self.assertIn("answered in 2026-01", alert.detail)
        self.assertIn("Set the channel's API Version to 2026-10", alert.detail)
        self.assertTrue(alert.activity_id)
        self.set_stock(self.product, 4)
        self.dispatch(until_empty=True)
        self.assertEqual(alert.state, "open", "one alert, kept")
        set_settings(self.shop, api_version="2026-10")
        self.set_stock(self.product, 3)
        self.dispatch(until_empty=True)
        self.assertEqual(alert.state, "resolved")

    def test_a_deprecation_shopify_reports_raises_an_alert_until_the_version_moves(self):
        self.sim.configure_shop(SHOP, deprecated_reason="InventoryLevel.available")
        set_settings(self.shop, api_version="2026-07")
        self.assertEqual(self.read_back(self.shop, self.product), {})
        [alert] = self.env["stock.channel.alert"].search(
            [("channel_id", "=", self.shop.id), ("kind", "=", "api_version")]
        )
        self.assertIn("(InventoryLevel.available)", alert.detail)
        self.assertIn("Move the channel's API Version to 2026-10", alert.detail)
        self.sim.configure_shop(SHOP, deprecated_reason="")
        self.read_back(self.shop, self.product)
        self.assertEqual(alert.state, "open", "said of some requests: kept until it moves")
        set_settings(self.shop, api_version="2026-10")
        self.read_back(self.shop, self.product)
        self.assertEqual(alert.state, "resolved")

    # -- the mapping -----------------------------------------------------------------
    def test_import_mapping_binds_variants_by_sku(self):
        self.shop.binding_ids.unlink()
        catalog = {
            "WIDGET": ITEM.format(2001),
            "GADGET": ITEM.format(2002),
            "ORPHAN": ITEM.format(2003),
        }
        self.sim.configure_shop(SHOP, catalog=catalog)
        self.shop.action_import_mapping()
        self.run_jobs()
        by_product = {b.product_id: b.external_id for b in self.shop.binding_ids}
        self.assertEqual(by_product, {self.product: "2001", self.product_b: "2002"})
        self.assertIn("ORPHAN", self.shop.mapping_report)

    def test_read_back(self):
        self.set_stock(self.product, 5)
        self.dispatch(until_empty=True)
        self.sim.shopify.levels[(SHOP, ITEM.format(1001), "gid://shopify/Location/77")] = 8
        self.assertEqual(
            self.read_back(self.shop, self.product | self.product_b), {self.product.id: 8}
        )

    # -- orders in and back -----------------------------------------------------------
    def test_the_same_delivery_twice_is_one_order(self):
        self.set_stock(self.product, 5)
        order = shopify_order(4001, self.currency, [(41, "WIDGET", 2)])
        first = self.deliver("orders/create", order, "wh-x")
        self.assertEqual(self.deliver("orders/create", order, "wh-x"), first)
        self.assertEqual(len(self.order_of("4001", self.shop)), 1)
        self.assertEqual(self.publishable(self.web), 3)

    def test_one_event_delivered_to_two_subscriptions_is_one_order(self):
        self.set_stock(self.product, 5)
        order = shopify_order(4002, self.currency, [(42, "WIDGET", 2)])
        first = self.deliver("orders/create", order, "wh-a", event_id="ev-1")
        self.assertEqual(self.deliver("orders/create", order, "wh-b", event_id="ev-1"), first)
        inbounds = self.env["stock.channel.inbound"].search(
            [("delivery_id", "in", ["wh-a", "wh-b"])], order="id"
        )
        self.assertEqual(inbounds.mapped("state"), ["done", "duplicate"], "not judged again")
        self.assertEqual(inbounds[1].duplicate_of_id, inbounds[0])
        self.assertEqual(self.publishable(self.web), 3, "reserved once")
        # another topic of the same event is no duplicate of it
        cancelled = dict(order, cancelled_at="2026-11-23T11:00:00+01:00")
        status, answer = self.deliver("orders/cancelled", cancelled, "wh-c", event_id="ev-1")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        # the cancellation's event to a second subscription: the same answer, not judged
        again = self.deliver("orders/cancelled", cancelled, "wh-d", event_id="ev-2")
        twice = self.deliver("orders/cancelled", cancelled, "wh-e", event_id="ev-2")
        self.assertEqual(twice, again)
        second = self.env["stock.channel.inbound"].search([("delivery_id", "=", "wh-e")])
        first = self.env["stock.channel.inbound"].search([("delivery_id", "=", "wh-d")])
        self.assertEqual((second.state, second.duplicate_of_id), ("duplicate", first))
        self.assertEqual(inbounds.mapped("event_id"), ["ev-1", "ev-1"])

    def test_updated_before_created_imports_once_and_an_updated_cancellation(self):
        self.set_stock(self.product, 5)
        order = shopify_order(4401, self.currency, [(81, "WIDGET", 1)])
        self.sim.shopify.add_order(SHOP, order)
        status, answer = self.deliver("orders/updated", order, "wh-u1")
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        status, answer = self.deliver("orders/create", order, "wh-c1")
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        self.assertEqual(len(self.order_of("4401", self.shop)), 1)
        self.assertEqual(self.publishable(self.web), 4, "one reservation")
        # cancelled in Shopify's admin: orders/updated says so before orders/cancelled
        cancelled = dict(order, cancelled_at="2026-11-23T12:00:00+01:00")
        status, answer = self.deliver("orders/updated", cancelled, "wh-u2")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertEqual(self.deliver("orders/cancelled", cancelled, "wh-x2")[1]["status"],
                         "cancelled")  # fmt: skip
        self.assertEqual(self.order_of("4401", self.shop).state, "cancel")
        self.assertEqual(self.publishable(self.web), 5)
        # a topic the addon does not handle is answered, and kept as ignored
        status, _answer = self.deliver("products/update", {"id": 1}, "wh-p1")
        self.assertEqual(status, 200)

    def test_a_missed_webhook_is_picked_up_by_the_catch_up_poll(self):
        self.set_stock(self.product, 5)
        self.assertTrue(self.shop.polls_orders)
        order = shopify_order(4501, self.currency, [(91, "WIDGET", 2)])
        self.sim.shopify.add_order(SHOP, order)  # its webhook never arrives
        self.shop._poll_orders()
        self.assertEqual(self.order_of("4501", self.shop).state, "sale")
        self.assertEqual(self.publishable(self.web), 3)
        self.assertTrue(self.shop.order_poll_cursor)
        inbound = self.env["stock.channel.inbound"].search([("channel_id", "=", self.shop.id)])
        self.assertEqual(inbound.state, "done")
        self.assertIn("legacyResourceId", inbound.body, "what Shopify answered is stored")
        # the late webhook, and the overlap of the next poll: nothing twice
        status, answer = self.deliver("orders/create", order, "wh-4501")
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        self.shop._poll_orders()
        self.assertEqual(len(self.order_of("4501", self.shop)), 1)
        self.assertEqual(
            self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.shop.id)]), 2
        )
        # cancelled on Shopify and its webhooks lost: the next poll cancels it in Odoo
        self.sim.shopify.update_order(SHOP, 4501, cancelled_at="2026-11-23T12:00:00Z")
        self.shop._poll_orders()
        self.assertEqual(self.order_of("4501", self.shop).state, "cancel")
        self.assertEqual(self.publishable(self.web), 5)
        # a failing poll keeps its cursor
        cursor = self.shop.order_poll_cursor
        self.sim.add_fault("status", "/shopify/", status=500)
        self.shop._poll_orders()
        self.assertEqual(self.shop.order_poll_cursor, cursor)

    def test_a_partial_delivery_is_fulfilled_with_its_lines_and_tracking_then_the_rest(self):
        self.set_stock(self.product, 5)
        self.set_stock(self.product_b, 5)
        state, order = self.place(4101, [(51, "WIDGET", 2), (52, "GADGET", 1)])
        picking = order.picking_ids
        picking.carrier_id = self.carrier
        widget_move = picking.move_ids.filtered(lambda m: m.product_id == self.product)
        picking.carrier_tracking_ref = "PART-1"
        widget_move.quantity = 1
        widget_move.picked = True
        (picking.move_ids - widget_move).quantity = 0
        picking.with_context(skip_backorder=True).button_validate()
        self.dispatch(until_empty=True)
        [first] = state["fulfillments"]
        self.assertEqual(first["lineItems"], [("gid://shopify/LineItem/51", 1)])
        self.assertEqual(first["trackingInfo"], [{"number": "PART-1", "company": "DHL Parcel"}])
        self.ship(order, tracking="PART-2")
        self.dispatch(until_empty=True)
        self.assertEqual(len(state["fulfillments"]), 2)
        self.assertEqual(
            sorted(state["fulfillments"][1]["lineItems"]),
            [("gid://shopify/LineItem/51", 1), ("gid://shopify/LineItem/52", 1)],
        )
        self.assertEqual(state["fulfillments"][1]["trackingInfo"][0]["number"], "PART-2")
        self.assertEqual(state["fulfillmentOrders"]["nodes"][0]["status"], "CLOSED")
        # a corrected tracking number updates the fulfilment, nothing is fulfilled twice
        order.picking_ids.filtered(lambda p: p.carrier_tracking_ref == "PART-2").write(
            {"carrier_tracking_ref": "PART-2B"}
        )
        self.dispatch(until_empty=True)
        self.assertEqual(len(state["fulfillments"]), 2)
        self.assertEqual(state["fulfillments"][1]["trackingInfo"][0]["number"], "PART-2B")

    def test_cancelled_in_odoo_before_shipment_is_cancelled_on_shopify_not_restocked(self):
        self.set_stock(self.product, 5)
        state, order = self.place(4201, [(61, "WIDGET", 1)])
        order._action_cancel()
        self.dispatch(until_empty=True)
        self.assertTrue(state["cancelledAt"])
        self.assertEqual(state["cancel"]["restock"], False)

    def test_a_cancellation_from_shopify_is_not_sent_back(self):
        self.set_stock(self.product, 5)
        state, _order = self.place(4301, [(71, "WIDGET", 1)])
        state["cancelledAt"] = "2026-11-23T11:00:00Z"  # cancelled in Shopify's admin
        cancelled = shopify_order(4301, self.currency, [(71, "WIDGET", 1)],
                                  cancelled_at="2026-11-23T11:00:00+01:00")  # fmt: skip
        status, answer = self.deliver("orders/cancelled", cancelled, "wh-4301-c")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.dispatch(until_empty=True)
        self.assertFalse(any("orderCancel(" in r["body"] for r in self.sim.received("/shopify/")))

    def test_a_return_is_refunded_on_shopify_only_when_the_channel_says_so(self):
        self.set_stock(self.product, 5)
        state, order = self.place(4401, [(81, "WIDGET", 2)])
        self.ship(order, tracking="RET-T")
        self.dispatch(until_empty=True)
        return_picking = order._channel_create_returns({order.order_line[:1]: 1})
        return_picking.move_ids.write({"quantity": 1, "picked": True})
        return_picking.button_validate()
        self.dispatch(until_empty=True)
        self.assertEqual(state["refunds"], [], "off by default")
        set_settings(self.shop, refund_returns=True)
        order.channel_status_pushed = False  # as if the status had not gone yet
        order._channel_enqueue_status()
        self.dispatch(until_empty=True)
        [refund] = state["refunds"]
        self.assertEqual(refund["refundLineItems"]["nodes"][0]["quantity"], 1)
