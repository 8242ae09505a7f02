"""Demo mode: *Generate orders* has the simulator send orders, signed, through the real
webhook route (generic JSON and Shopify); they reserve, the quantities left and a
shipment's status go back to the simulator. Manager only; a clear error when it cannot
work."""

import time
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..core import demo
from .common import OrderCase

RUN_TIMEOUT = 30


@tagged("post_install", "-at_install")
class TestDemoOrders(OrderCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "demo_boss",
            groups="stock_channel_sync.group_channel_manager,stock.group_stock_user",
        )
        cls.user = new_test_user(
            cls.env,
            "demo_reader",
            groups="stock_channel_sync.group_channel_user,stock.group_stock_user",
        )

    def publish(self):
        for product in self.product | self.product_b:
            self.set_stock(product, 50)
        self.dispatch(until_empty=True)

    def generate(self, channel, count=3):
        """Press *Generate orders* as a manager (`count` orders, 10 a second), then let the
        simulator's orders reach the test server until it has sent them all."""
        # an order arriving while the button runs waits for the test's cursor, not refused
        with (
            patch.object(self, "http_request_allow_all", True),
            patch.object(demo, "ORDER_COUNT", count),
            patch.object(demo, "RATE_PER_MINUTE", 600),
        ):
            action = channel.with_user(self.manager).action_generate_orders()
            with self.from_outside():
                deadline = time.monotonic() + RUN_TIMEOUT
                while self.sim.order_runs()[-1]["state"] == "running":
                    self.assertLess(time.monotonic(), deadline, self.sim.order_runs())
                    time.sleep(0.05)
        self.env.invalidate_all()
        return action, self.sim.order_runs()[-1]

    def channel_orders(self, channel):
        return self.env["sale.order"].search([("channel_id", "=", channel.id)])

    def test_generated_orders_come_through_the_webhook_reserve_and_go_back(self):
        self.assertTrue(self.market.demo_mode)
        self.publish()
        action, run = self.generate(self.market)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual((run["sent"], run["answered"], run["failed"]), (3, {"200": 3}, 0))
        orders = self.channel_orders(self.market)
        self.assertEqual(len(orders), 3)
        self.assertTrue(all(ref.startswith("SIM-") for ref in orders.mapped("channel_order_ref")))
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        messages = self.env["stock.channel.inbound"].search([("channel_id", "=", self.market.id)])
        self.assertEqual(set(messages.mapped("state")), {"done"})
        # what the orders reserved is pushed, and their statuses go back to the channel
        self.dispatch(until_empty=True)
        for product in self.product | self.product_b:
            reserved = sum(
                orders.order_line.filtered(lambda line, p=product: line.product_id == p).mapped(
                    "product_uom_qty"
                )
            )
            self.assertEqual(self.market_level(product), 50 - reserved)
        # the channel knows "accepted" from the answer; a shipment is told
        order = orders[0]
        self.ship(order)
        self.dispatch(until_empty=True)
        statuses = self.sim.order_statuses("market")
        self.assertEqual(
            [(s["external_id"], s["payload"]["status"]) for s in statuses],
            [(order.channel_order_ref, "shipped")],
        )

    def test_shopify_orders_are_placed_in_the_shop_and_delivered_by_webhook(self):
        self.assertTrue(self.shop.demo_mode)
        self.publish()
        _action, run = self.generate(self.shop, count=2)
        self.assertEqual(run["answered"], {"200": 2}, run)
        orders = self.channel_orders(self.shop)
        self.assertEqual(len(orders), 2)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        for order in orders:
            self.assertTrue(self.sim.shopify.order_state("demo", int(order.channel_order_ref)))
            self.assertTrue(order.order_line.product_id <= self.product | self.product_b)
        # a shipment is a fulfilment of the order in the simulator's shop
        self.ship(orders[0])
        self.dispatch(until_empty=True)
        shipped = self.sim.shopify.order_state("demo", int(orders[0].channel_order_ref))
        self.assertEqual(len(shipped["fulfillments"]), 1)

    def test_a_channel_user_may_not_generate_orders(self):
        self.publish()
        with self.assertRaises(AccessError):
            self.market.with_user(self.user).action_generate_orders()
        self.assertFalse(self.sim.order_runs())

    def test_it_says_why_it_cannot_generate(self):
        market = self.market.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "nothing to order"):
            market.action_generate_orders()  # nothing published yet
        self.publish()
        endpoint = self.market.endpoint_url
        self.market.endpoint_url = "https://market.example.com/stock"
        self.assertFalse(self.market.demo_mode)
        with self.assertRaisesRegex(UserError, "demo mode only"):
            market.action_generate_orders()
        self.market.endpoint_url = "http://127.0.0.1:9/generic/market"  # nobody listens
        with self.assertRaisesRegex(UserError, "does not answer at http://127.0.0.1:9"):
            market.action_generate_orders()
        self.market.endpoint_url = endpoint.replace("/generic/market", "/generic/mar.ket")
        with self.assertRaisesRegex(UserError, r"refused to generate orders \(HTTP 400\)"):
            market.action_generate_orders()
        self.assertFalse(self.sim.order_runs())
