"""WooCommerce end to end, against the simulator's shop over real HTTP: stock out,
the mapping, orders in by webhook (delivered by the simulator) and by the catch-up
poll, statuses and tracking back, read-back."""

import json

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import OrderCase, set_settings

SHOP = "woo"
KEY, SECRET, HOOK = "ck_odoo", "cs_odoo", "whsec_odoo"
URL = "/stock_channel_sync/{code}/orders"


def woo_order(order_id, sku, quantity=1, status="processing", **over):
    order = {
        "id": order_id, "number": str(order_id), "status": status, "currency": "USD",
        "date_created_gmt": "2026-11-23T10:00:00", "date_modified_gmt": "2026-11-23T10:00:00",
        "billing": {"first_name": "Wanda", "last_name": "Woo", "email": "wanda@example.com"},
        "shipping": {"first_name": "Wanda", "last_name": "Woo", "address_1": "Rue Haute 1",
                     "postcode": "1000", "city": "Brussels", "country": "BE"},
        "line_items": [{"id": order_id * 10, "sku": sku, "quantity": quantity, "price": 10}],
        "shipping_total": "0.00", "total_tax": "0.00", "total": f"{10 * quantity:.2f}",
    }  # fmt: skip
    order.update(over)
    return order


@tagged("post_install", "-at_install")
class TestWooCommerce(OrderCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.woo = cls.env["stock.channel"].create(
            {
                "name": "Woo shop",
                "code": "woo",
                "channel_type": "shop",
                "warehouse_id": cls.warehouse.id,
                "connector": "woocommerce",
                "endpoint_url": cls.sim.woocommerce_url(SHOP),
                "api_key": KEY,
                "api_secret": SECRET,
                "retry_base_seconds": 0.01,
                "retry_cap_seconds": 0.05,
            }
        )
        set_settings(cls.woo, webhook_secret=HOOK)
        cls.lonely = cls._create_product("Lonely", "LONELY")

    def setUp(self):
        super().setUp()
        self.sim.configure_woocommerce(
            SHOP, consumer_key=KEY, consumer_secret=SECRET, webhook_secret=HOOK
        )
        shop = self.sim.woocommerce
        self.widget_id = shop.add_product(SHOP, "WIDGET", 0)
        self.parent_id, (self.gadget_id,) = shop.add_product(
            SHOP, "GADGET-PARENT", variations=[("GADGET", 0)]
        )
        self.orphan_id = shop.add_product(SHOP, "ORPHAN", 0)

    def import_mapping(self):
        self.woo.action_import_mapping()
        self.run_jobs()
        self.flush_outbox()
        self.env["stock.channel.outbox"].search([("channel_id", "!=", self.woo.id)]).unlink()

    def post(self, body, headers, code="woo"):
        response = self.url_open(URL.format(code=code), data=body, headers=headers)
        return response.status_code, response.json()

    def deliver(self, topic, order, delivery_id):
        """The simulator's shop delivers the webhook to Odoo, as WooCommerce does."""
        url = self.base_url() + URL.format(code="woo")
        with self.from_outside():
            status, text = self.sim.woocommerce.deliver(url, SHOP, topic, order, delivery_id)
        return status, json.loads(text)

    def order(self, order_id, sku="WIDGET", **over):
        return woo_order(order_id, sku, currency=self.currency, **over)

    # -- the mapping ----------------------------------------------------------------
    def test_import_mapping_binds_by_sku_and_reports_the_rest(self):
        self.import_mapping()
        bindings = self.woo.binding_ids
        widget = bindings.filtered(lambda b: b.product_id == self.product)
        gadget = bindings.filtered(lambda b: b.product_id == self.product_b)
        self.assertEqual(
            (widget.external_id, widget.external_parent_id), (str(self.widget_id), False)
        )
        self.assertEqual(
            (gadget.external_id, gadget.external_parent_id),
            (str(self.gadget_id), str(self.parent_id)),
        )
        self.assertIn("ORPHAN", self.woo.mapping_report)
        self.assertIn("Lonely", self.woo.mapping_report)
        self.woo.action_import_mapping()  # again: the same bindings, none twice
        self.run_jobs()
        self.assertEqual(self.woo.binding_ids, bindings)

    # -- stock out --------------------------------------------------------------------
    def test_stock_goes_out_in_batches_and_a_refused_item_is_a_dead_letter(self):
        self.import_mapping()
        self.env["stock.channel.binding"].create(
            {"channel_id": self.woo.id, "product_id": self.lonely.id,
             "external_id": str(self.orphan_id)}
        )  # fmt: skip
        self.sim.configure_woocommerce(SHOP, refuse_ids=[self.orphan_id])
        for product, qty in ((self.product, 7), (self.product_b, 4), (self.lonely, 2)):
            self.set_stock(product, qty)
        self.dispatch()
        shop = self.sim.woocommerce
        self.assertEqual(shop.quantity(SHOP, self.widget_id), 7)
        self.assertEqual(shop.quantity(SHOP, self.parent_id, self.gadget_id), 4)
        dead = self.outbox(self.woo, state="dead")
        self.assertEqual(dead.product_id, self.lonely)
        self.assertIn("cannot be updated", dead.last_error)
        self.assertFalse(self.outbox(self.woo))
        paths = {r["path"].split("/wp-json/wc/v3")[1] for r in self.sim.received("/woocommerce/")}
        self.assertIn("/products/batch", paths)
        self.assertIn(f"/products/{self.parent_id}/variations/batch", paths)

    def test_a_batch_whose_answer_was_lost_is_read_back_and_not_sent_twice(self):
        self.import_mapping()
        self.dispatch(until_empty=True)
        posts_before = len(self._posts())
        self.sim.add_fault("drop", f"/woocommerce/{SHOP}/", method="POST", apply=True, count=1)
        self.set_stock(self.product, 7)
        self.dispatch(until_empty=True)
        self.assertEqual(self.sim.woocommerce.quantity(SHOP, self.widget_id), 7)
        self.assertEqual(len(self._posts()) - posts_before, 1, "the batch left once")
        log = self.logs(self.woo)[:1]  # the newest
        self.assertEqual((log.skus, log.state, log.attempt), ("WIDGET", "done", 1))
        self.assertFalse(self.outbox(self.woo))

    def _posts(self):
        return [r for r in self.sim.received(f"/woocommerce/{SHOP}/") if r["method"] == "POST"]

    # -- credentials never in clear -----------------------------------------------------
    def test_an_http_address_that_would_carry_the_keys_in_clear_is_refused_at_save(self):
        with self.assertRaisesRegex(ValidationError, r"in clear.*https://shop\.example\.com"):
            self.woo.endpoint_url = "http://shop.example.com"
        with self.assertRaisesRegex(ValidationError, r"http://login\.example\.com/token would"):
            bol = self.env["stock.channel"].create(
                {"name": "bol", "code": "bol-clear", "warehouse_id": self.warehouse.id,
                 "connector": "bol", "endpoint_url": "https://api.bol.com"}
            )  # fmt: skip
            set_settings(bol, token_url="http://login.example.com/token")
        self.market.endpoint_url = "http://hub.example.com/stock"  # generic JSON only signs
        with self.assertRaisesRegex(ValidationError, "Mirakl sends the channel's credentials"):
            self.market.connector = "mirakl"  # its key would travel to that address
        # loopback (the simulator, tests) is accepted
        self.woo.endpoint_url = "http://localhost:8071/woocommerce/woo"

    def test_an_http_address_saved_before_is_refused_at_send_and_nothing_leaves(self):
        self.import_mapping()
        self.env.cr.execute(
            "UPDATE stock_channel SET endpoint_url = 'http://shop.example.com' WHERE id = %s",
            [self.woo.id],
        )
        self.woo.invalidate_recordset(["endpoint_url"])
        self.sim.reset()
        self.set_stock(self.product, 7)
        self.dispatch()
        dead = self.outbox(self.woo, state="dead")
        self.assertIn(self.product, dead.product_id)
        self.assertFalse(self.outbox(self.woo))
        for row in dead:
            self.assertIn("would carry them in clear", row.last_error)
            self.assertIn("Use the https:// address (https://shop.example.com)", row.last_error)
        self.assertFalse(self.sim.received("/woocommerce/"))

    def test_read_back(self):
        self.import_mapping()
        self.sim.woocommerce.set_quantity(SHOP, self.widget_id, 12)
        self.sim.woocommerce.set_quantity(SHOP, self.parent_id, 3, variation_id=self.gadget_id)
        quantities = self.read_back(self.woo, self.product | self.product_b | self.lonely)
        self.assertEqual(quantities, {self.product.id: 12, self.product_b.id: 3})

    # -- orders in ----------------------------------------------------------------------
    def test_an_order_by_webhook_the_same_delivery_twice_and_the_ping(self):
        self.set_stock(self.product, 5)
        status, answer = self.deliver("order.created", self.order(501, quantity=2), "d-1")
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        again = self.deliver("order.created", self.order(501, quantity=2), "d-1")
        self.assertEqual(again, (status, answer))
        later = self.deliver("order.updated", self.order(501, quantity=2), "d-2")
        self.assertEqual(later[1]["status"], "accepted")
        self.assertEqual(len(self.order_of("501", self.woo)), 1)
        self.assertEqual(self.publishable(self.web), 3, "one reservation")
        inbound = self.env["stock.channel.inbound"].search([("channel_id", "=", self.woo.id)])
        self.assertEqual(sorted(inbound.mapped("state")), ["done", "duplicate", "duplicate"])
        self.assertNotIn("X-WC-Webhook-Signature", inbound[0].headers)
        # the creation ping: 200 and nothing else
        before = len(self.env["stock.channel.refused"].search([]))
        status, answer = self.post(
            b"webhook_id=7", {"Content-Type": "application/x-www-form-urlencoded"}
        )
        self.assertEqual((status, answer), (200, {}))
        self.assertEqual(len(self.env["stock.channel.refused"].search([])), before)
        # a wrong signature is still a 401
        body, headers = self.sim.woocommerce.delivery(SHOP, "order.created", self.order(502), "d-3",
                                                      secret="nope")  # fmt: skip
        self.assertEqual(self.post(body, headers)[0], 401)

    def test_updated_before_created_imports_once_and_a_cancellation_before_its_order(self):
        self.set_stock(self.product, 5)
        status, answer = self.deliver("order.updated", self.order(601), "u-1")
        self.assertEqual((status, answer["status"]), (200, "accepted"))
        self.assertEqual(
            self.deliver("order.created", self.order(601), "c-1")[1]["status"], "accepted"
        )
        self.assertEqual(len(self.order_of("601", self.woo)), 1)
        cancelled = self.order(602, status="cancelled")
        status, answer = self.deliver("order.updated", cancelled, "u-2")
        self.assertEqual((status, answer["status"]), (202, "cancelled"))
        status, answer = self.deliver("order.created", self.order(602), "c-2")
        self.assertEqual(answer["status"], "cancelled")
        self.assertEqual(self.publishable(self.web), 4)

    def test_a_cancellation_by_webhook_and_one_after_shipment_kept_answered_2xx(self):
        self.set_stock(self.product, 5)
        self.deliver("order.created", self.order(701), "c-1")
        status, answer = self.deliver("order.updated", self.order(701, status="cancelled"), "u-1")
        self.assertEqual((status, answer["status"]), (200, "cancelled"))
        self.assertEqual(self.order_of("701", self.woo).state, "cancel")
        self.deliver("order.created", self.order(702), "c-2")
        self.ship(self.order_of("702", self.woo))
        status, answer = self.deliver("order.updated", self.order(702, status="refunded"), "u-2")
        self.assertEqual(status, 200, "WooCommerce disables webhooks answered non-2xx")
        self.assertIn("shipped", answer["error"])
        last = self.env["stock.channel.inbound"].search([("channel_id", "=", self.woo.id)], limit=1)
        self.assertEqual(last.state, "exception")

    def test_a_missed_webhook_is_picked_up_by_the_catch_up_poll(self):
        self.set_stock(self.product, 5)
        self.sim.woocommerce.add_order(SHOP, self.order(801, date_modified_gmt=""))
        self.woo._poll_orders()
        self.assertEqual(self.order_of("801", self.woo).state, "sale")
        self.assertTrue(self.woo.order_poll_cursor)
        count = self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.woo.id)])
        self.woo._poll_orders()  # the overlap reads it again: no new message
        self.assertEqual(
            self.env["stock.channel.inbound"].search_count([("channel_id", "=", self.woo.id)]),
            count,
        )
        # cancelled in the shop and the webhook lost: the next poll cancels it in Odoo
        self.sim.woocommerce.update_order(SHOP, 801, status="cancelled")
        self.woo._poll_orders()
        self.assertEqual(self.order_of("801", self.woo).state, "cancel")
        # a failing poll keeps its cursor
        cursor = self.woo.order_poll_cursor
        self.sim.add_fault("status", "/woocommerce/", status=500)
        self.woo._poll_orders()
        self.assertEqual(self.woo.order_poll_cursor, cursor)

    # -- back to the shop ---------------------------------------------------------------
    def test_statuses_and_tracking_go_back_partial_deliveries_a_note_each(self):
        self.set_stock(self.product, 5)
        self.sim.woocommerce.add_order(SHOP, self.order(901, quantity=3))
        self.deliver("order.created", self.order(901, quantity=3), "c-1")
        order = self.order_of("901", self.woo)
        self.ship(order, tracking="PART-1", qty=1)  # a partial delivery
        self.dispatch(until_empty=True)
        woo_order_ = self.sim.woocommerce.orders[SHOP][901]
        self.assertEqual(woo_order_["status"], "processing", "not completed before it all left")
        notes = [n["note"] for n in self.sim.woocommerce.notes[(SHOP, 901)]]
        self.assertEqual(len(notes), 1)
        self.assertIn("PART-1", notes[0])
        self.ship(order, tracking="PART-2")  # the rest
        self.dispatch(until_empty=True)
        self.assertEqual(woo_order_["status"], "completed")
        notes = [n["note"] for n in self.sim.woocommerce.notes[(SHOP, 901)]]
        self.assertEqual(len(notes), 2)
        self.assertIn("PART-2", notes[1])
        # cancelled in Odoo before shipment: cancelled in the shop
        self.sim.woocommerce.add_order(SHOP, self.order(902))
        self.deliver("order.created", self.order(902), "c-2")
        self.order_of("902", self.woo)._action_cancel()
        self.dispatch(until_empty=True)
        self.assertEqual(self.sim.woocommerce.orders[SHOP][902]["status"], "cancelled")

    def test_status_pushes_log_their_requests(self):
        self.set_stock(self.product, 5)
        self.sim.woocommerce.add_order(SHOP, self.order(911))
        self.deliver("order.created", self.order(911), "c-1")
        self.order_of("911", self.woo)._action_cancel()
        self.dispatch(until_empty=True)
        log = self.woo.sync_log_ids.filtered(lambda log: log.state == "done")
        self.assertEqual(json.loads(log.response_body), [{"status": "cancelled"}])
