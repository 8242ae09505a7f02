from datetime import timedelta

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

        self.assertEqual(queries(products), queries(products[:3]))
