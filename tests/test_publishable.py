from odoo import Command
from odoo.tests import tagged

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestPublishable(ChannelStockCase):
    def test_publishable_qty_follows_the_channel_in_context(self):
        self.set_stock(self.product, 12)
        self.add_rule(self.market, share_percent=50)
        self.assertEqual(self.publishable(self.web), 12)
        self.assertEqual(self.publishable(self.market), 6)
        self.assertEqual(self.product.publishable_qty, 0, "no channel in context")

    def test_reservations_lower_publishable(self):
        self.set_stock(self.product, 12)
        picking = self.deliver(self.product, 5)
        self.assertEqual(self.publishable(self.web), 7)
        picking.action_cancel()
        self.assertEqual(self.publishable(self.web), 12)

    def test_batch_results_are_stored_per_channel_and_variant(self):
        self.set_stock(self.product, 12)
        self.set_stock(self.product_b, 3)
        self.add_rule(self.market, safety_buffer=2)
        products = self.product | self.product_b
        changed = self.channels._refresh_quantities(products)
        self.assertEqual(len(changed), 6)
        Quantity = self.env["stock.channel.quantity"]
        line = Quantity.search(
            [("channel_id", "=", self.market.id), ("product_id", "=", self.product.id)]
        )
        self.assertEqual(
            (line.on_hand_qty, line.sellable_qty, line.publishable_qty, line.company_id),
            (12, 12, 10, self.company),
        )
        self.assertTrue(line.computed_at)
        self.assertFalse(line.published_at)
        self.assertFalse(line.in_sync)
        self.assertIn(line, Quantity.search([("in_sync", "=", False)]))
        self.assertEqual(self.channels._refresh_quantities(products), Quantity, "nothing changed")
        self.deliver(self.product, 1)
        changed = self.channels._refresh_quantities(products)
        self.assertEqual(changed.product_id, self.product)
        self.assertEqual(len(changed), 3)
        self.assertEqual(self.web.quantity_count, 2)

    def test_refresh_covers_all_storable_variants_by_default(self):
        self.set_stock(self.product, 1)
        service = self.env["product.product"].create({"name": "Service", "type": "service"})
        self.web._refresh_quantities()
        products = self.web.quantity_ids.product_id
        self.assertIn(self.product, products)
        self.assertIn(self.product_b, products)
        self.assertNotIn(service, products)

    def test_cron_refreshes_every_channel_and_logs_its_duration(self):
        self.set_stock(self.product, 4)
        self.env["stock.channel"]._cron_refresh_quantities()
        for channel in self.channels:
            self.assertEqual(
                channel.quantity_ids.filtered(
                    lambda q: q.product_id == self.product
                ).publishable_qty,
                4,
            )
        log = self.env["ir.logging"].search([("func", "=", "_cron_refresh_quantities")], limit=1)
        self.assertRegex(
            log.message, r"refreshed \d+ channel\(s\), \d+ quantity change\(s\) in \d+ ms"
        )

    def test_a_product_without_variants_shows_its_variant_channel_tab(self):
        self.set_stock(self.product, 4)
        self.add_rule(self.web, share_percent=50)
        self.channels._refresh_quantities(self.product)
        template = self.product.product_tmpl_id
        self.assertEqual(template.channel_quantity_ids, self.product.channel_quantity_ids)
        self.assertEqual(len(template.channel_quantity_ids), 3)
        self.assertEqual(template.channel_explanation_html, self.product.channel_explanation_html)
        self.assertIn("Standard v2, all products rule", template.channel_explanation_html)
        size = self.env["product.attribute"].create(
            {
                "name": "Size",
                "value_ids": [Command.create({"name": "S"}), Command.create({"name": "M"})],
            }
        )
        shirt = self.env["product.template"].create({
            "name": "Shirt", "type": "consu", "is_storable": True,
            "attribute_line_ids": [Command.create(
                {"attribute_id": size.id, "value_ids": [Command.set(size.value_ids.ids)]}
            )],
        })  # fmt: skip
        self.assertEqual(len(shirt.product_variant_ids), 2)
        self.assertFalse(shirt.channel_quantity_ids, "each variant has its own tab")
        self.assertFalse(shirt.channel_explanation_html)

    def test_explain_breaks_down_each_step(self):
        self.set_stock(self.product, 20)
        self.set_stock(self.product, 2, self.quarantine)
        self.deliver(self.product, 3)
        self.add_rule(self.pos, ring_fenced_qty=4)
        self.add_rule(self.web, share_percent=50, safety_buffer=1, max_exposure=5,
                      min_publish_threshold=2)  # fmt: skip
        data = self.product._channel_explain(self.web)
        steps = {step["step"]: step["qty"] for step in data["steps"]}
        self.assertEqual(steps["on_hand"], 22)
        self.assertEqual(steps["reserved"], -3)
        self.assertEqual(steps["non_sellable"], -2)
        self.assertEqual(steps["sellable"], 17)
        self.assertEqual(steps["ring_fenced_others"], -4)
        self.assertEqual(steps["share"], -7)  # 13 -> 6
        self.assertEqual(steps["safety_buffer"], -1)
        self.assertNotIn("max_exposure", steps, "the cap of 5 is not reached")
        self.assertEqual(data["publishable"], 5)
        self.assertEqual(data["steps"][-1]["label"], "Publishable")
        html = self.product.channel_explanation_html
        self.assertIn("Ring-fenced for other channels", html)
        self.assertIn(self.web.display_name, html)
