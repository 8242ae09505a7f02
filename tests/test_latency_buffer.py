from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from .common import ChannelStockCase

HALF_DAY_MS = 43_200_000  # p95 of the market's pushes: 43200 s


@tagged("post_install", "-at_install")
class TestLatencyBuffer(ChannelStockCase):
    """Sales in the last 7 days x p95 push latency in the last 7 days, on constructed data:

    - market: 10 + 4 Widgets sold now (2/day); 21 more sold 8 days ago (not counted);
    - web: 28 Widgets sold now (4/day), no push accepted (p95 0 s);
    - reserved: 14 + 21 + 28 = 63 Widgets of 100, sellable 37; Gadget: 100, none sold.
    """

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 100)
        self.set_stock(self.product_b, 100)
        self.sell(self.market, self.product, 10)
        self.sell(self.market, self.product, 4)
        self.sell(self.market, self.product, 21, days_ago=8)
        self.sell(self.web, self.product, 28)
        now = fields.Datetime.now()
        # 19 x 1 s, 43200 s, 90000 s: the p95 of 21 values is the 20th, exactly
        for latency in [1000] * 19 + [HALF_DAY_MS, 90_000_000]:
            self.push_log(self.market, latency, now - timedelta(hours=1))
        # left out: older than 7 days, verdict failed later, not accepted
        self.push_log(self.market, 10**9, now - timedelta(days=8))
        self.push_log(self.market, 10**9, now - timedelta(hours=1), state="retry")
        self.push_log(self.market, 10**9, False, state="pending")

    def sell(self, channel, product, qty, days_ago=0, uom=None):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "channel_id": channel.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            **({"product_uom_id": uom.id} if uom else {}),
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        if days_ago:
            order.date_order = fields.Datetime.now() - timedelta(days=days_ago)
        return order

    def push_log(self, channel, latency_ms, acked_at, state="done"):
        return self.env["stock.channel.sync.log"].create(
            {
                "channel_id": channel.id,
                "state": state,
                "sent_at": acked_at or fields.Datetime.now(),
                "acked_at": acked_at,
                "latency_ms": latency_ms,
            }
        )

    def step(self, channel, product=None):
        steps = (product or self.product)._channel_explain(channel)["steps"]
        return next((step for step in steps if step["step"] == "latency_buffer"), None)

    def test_figures_over_the_last_seven_days(self):
        products = self.product | self.product_b
        self.assertEqual(
            self.channels._sales_velocity(products),
            {(self.market.id, self.product.id): 2.0, (self.web.id, self.product.id): 4.0},
        )
        self.assertEqual(self.channels._p95_latency_seconds(), {self.market.id: 43200.0})

    def test_sales_are_counted_in_the_product_unit(self):
        self.env.ref("uom.product_uom_dozen").active = True
        self.sell(self.pos, self.product_b, 7, uom=self.env.ref("uom.product_uom_dozen"))
        velocity = self.pos._sales_velocity(self.product_b)
        self.assertAlmostEqual(velocity[self.pos.id, self.product_b.id], 12.0)

    def test_fast_seller_on_slow_channel_keeps_a_cushion(self):
        self.assertEqual(self.publishable(self.market), 37)
        rule = self.add_rule(self.market, latency_buffer=True)
        self.assertEqual(self.publishable(self.market), 36, "2/day x 43200 s: 1 unit")
        self.assertEqual(self.publishable(self.market, self.product_b), 100, "no sales")
        self.assertEqual(self.publishable(self.web), 37, "the web's rule has no buffer")
        rule.safety_buffer = 5
        self.assertEqual(self.publishable(self.market), 31)

    def test_no_cushion_without_latency_or_sales(self):
        self.add_rule(self.web, latency_buffer=True)
        self.add_rule(self.market, "variant", product_id=self.product_b, latency_buffer=True)
        self.assertEqual(self.publishable(self.web), 37, "4/day, but no push accepted")
        self.assertEqual(self.publishable(self.market, self.product_b), 100)
        self.assertEqual(
            (self.step(self.web)["qty"], self.step(self.market, self.product_b)["qty"]), (0, 0)
        )

    def test_explain_shows_the_units_and_where_they_come_from(self):
        self.add_rule(self.market, latency_buffer=True, safety_buffer=2)
        self.add_rule(self.pos, safety_buffer=2)
        data = self.product._channel_explain(self.market)
        codes = [step["step"] for step in data["steps"]]
        self.assertEqual(codes.index("latency_buffer"), codes.index("safety_buffer") + 1)
        step = self.step(self.market)
        self.assertEqual(
            {key: step[key] for key in ("step", "qty", "rule", "label")},
            {
                "step": "latency_buffer",
                "qty": -1,
                "rule": f"{data['rule']}: 2 units/day x p95 43200 s",
                "label": "Latency buffer (sales during p95 push latency)",
            },
        )
        self.assertEqual(data["publishable"], 34)
        self.assertIsNone(self.step(self.pos), "a rule without the option")
        self.assertIn("43200 s", self.product.channel_explanation_html)

    def test_figures_read_once_and_only_when_a_rule_needs_them(self):
        Channel = type(self.env["stock.channel"])
        reader = Channel._velocity_reader
        products = self.product | self.product_b
        with patch.object(Channel, "_velocity_reader", autospec=True, side_effect=reader) as read:
            self.channels._compute_publishable(products)
            self.add_rule(self.pos, safety_buffer=1)
            self.channels._compute_publishable(products)
            self.assertFalse(read.called)
            self.add_rule(self.market, latency_buffer=True)
            self.add_rule(self.web, latency_buffer=True)
            results = self.channels._compute_publishable(products)
            self.assertEqual(read.call_count, 1)
            self.pos._compute_publishable(products)
            self.assertEqual(read.call_count, 1, "only the pos, whose rule has no buffer")
        self.assertEqual(results[self.market.id, self.product.id].publishable, 36)

    def test_policy_versions_keep_the_option(self):
        rule = self.add_rule(self.market, latency_buffer=True)
        with_option = self.policy.version_ids.sorted("version")[-1]
        self.assertIs(with_option.snapshot[0]["latency_buffer"], True)
        rule.latency_buffer = False
        without = self.policy.version_ids.sorted("version")[-1]
        self.assertNotEqual(without, with_option)
        self.assertNotIn("latency_buffer", without.snapshot[0], "off: as before the option")
        with_option.action_restore()
        self.assertTrue(self.policy.rule_ids.latency_buffer)
        self.assertEqual(self.publishable(self.market), 36)
        without.action_restore()
        self.assertFalse(self.policy.rule_ids.latency_buffer)
        self.assertEqual(self.publishable(self.market), 37)
