from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.tests import tagged

from .common import ChannelStockCase


@tagged("post_install", "-at_install")
class TestStockFigures(ChannelStockCase):
    def test_on_hand_reserved_non_sellable_incoming_sellable(self):
        self.set_stock(self.product, 20)
        self.set_stock(self.product, 4, self.quarantine)
        self.deliver(self.product, 5)
        when = fields.Datetime.now() + timedelta(days=3)
        self.receive(self.product, 7, date=when)
        stock = self.warehouse._channel_stock_figures(self.product)[self.product.id]
        self.assertEqual(stock.on_hand, 24)
        self.assertEqual(stock.reserved, 5)
        self.assertEqual(stock.non_sellable, 4)
        self.assertEqual(stock.sellable, 15)
        self.assertEqual(stock.incoming, ((when.date(), 7.0),))

    def test_sellable_never_below_zero(self):
        self.set_stock(self.product, 3, self.quarantine)
        stock = self.warehouse._channel_stock_figures(self.product)[self.product.id]
        self.assertEqual(stock.sellable, 0)

    def test_quantities_in_product_unit_of_measure(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        self.set_stock(self.product, 30)
        picking = self.deliver(self.product, 1)
        picking.move_ids.write({"product_uom": dozen.id, "product_uom_qty": 1})
        picking.do_unreserve()
        picking.action_assign()
        stock = self.warehouse._channel_stock_figures(self.product)[self.product.id]
        self.assertEqual(stock.reserved, 12)
        self.assertEqual(stock.sellable, 18)

    def test_batch_query_count_does_not_grow_with_products(self):
        products = self.env["product.product"]
        for index in range(30):
            products |= self._create_product(f"Batch {index}", f"BATCH{index}")
        for product in products:
            self.set_stock(product, 5)
        self.env.flush_all()

        def queries(batch):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.channels._compute_publishable(batch)
            return self.cr.sql_log_count - before

        queries(products[:1])  # warm the caches (non-sellable locations, exclusions)
        self.assertEqual(queries(products), queries(products[:3]))

    def test_channel_quantities_list_totals_only_per_channel_figures(self):
        """On hand and the other per-variant figures repeat on each channel's row: summing
        them across channels means nothing, so the list has no total for them."""
        view = self.env.ref("stock_channel_sync.view_stock_channel_quantity_list")
        arch = etree.fromstring(
            self.env["stock.channel.quantity"].get_view(view.id, "list")["arch"]
        )
        per_variant = ("on_hand_qty", "reserved_qty", "non_sellable_qty", "sellable_qty")
        for name in (*per_variant, "incoming_qty"):
            node = arch.find(f".//field[@name='{name}']")
            self.assertIsNotNone(node, name)
            self.assertIsNone(node.get("sum"), f"{name} is per variant, not per channel")
        for name in ("ring_fenced_qty", "publishable_qty", "published_qty"):
            self.assertTrue(arch.find(f".//field[@name='{name}']").get("sum"), name)
