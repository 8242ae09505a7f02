from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OrderCase


@tagged("post_install", "-at_install")
class TestWebshopThroughTheSameCheck(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.warehouse_id = cls.warehouse
        cls.web.website_id = cls.website
        cls.carrier = cls.env["delivery.carrier"].create(
            {"name": "Courier", "product_id": cls.market._shipping_product().id,
             "is_published": True}
        )  # fmt: skip
        # Odoo's "Sell when Out-of-Stock" (on by default) lets the shop take backorders
        (cls.product | cls.product_b).allow_out_of_stock_order = False

    def cart(self, qty=1, product=None):
        return self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "website_id": self.website.id,
                "warehouse_id": self.warehouse.id,
                "carrier_id": self.carrier.id,
                "order_line": [
                    Command.create({"product_id": (product or self.product).id,
                                    "product_uom_qty": qty})
                ],
            }
        )  # fmt: skip

    def test_the_shop_cannot_sell_what_a_marketplace_just_took(self):
        self.set_stock(self.product, 1)
        cart = self.cart()
        cart._check_cart_is_ready_to_be_paid()  # the unit is there
        self.receive_order(self.order_payload("W-1", [("WIDGET", 1)]))
        self.assertEqual(cart._get_free_qty(self.product), 0)
        with self.assertRaisesRegex(ValidationError, "Widget"):
            cart._check_cart_is_ready_to_be_paid()

    def test_a_paid_order_that_lost_the_race_is_confirmed_and_flagged(self):
        self.set_stock(self.product, 1)
        cart = self.cart()
        self.receive_order(self.order_payload("W-2", [("WIDGET", 1)]))
        cart.action_confirm()
        self.assertEqual(cart.state, "sale")
        self.assertEqual(cart.channel_exception, "to_check")
        self.assertIn("stock shortfall", cart.channel_exception_reason)
        # the oversell ledger: on the webshop's channel, the marketplace's order took it
        incident = self.env["stock.channel.incident"].search([("sale_order_id", "=", cart.id)])
        self.assertEqual((incident.channel_id, incident.qty_short), (self.web, 1.0))
        self.assertTrue(incident.cause)

    def test_the_shop_never_offers_quarantine_or_other_channels_fences(self):
        self.set_stock(self.product, 2, self.quarantine)
        self.set_stock(self.product, 3)
        self.add_rule(self.market, ring_fenced_qty=2)
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).free_qty, 5)
        self.assertEqual(self.website._get_product_available_qty(self.product), 1)
        self.assertEqual(self.cart()._get_free_qty(self.product), 1)

    def test_products_sold_out_of_stock_on_purpose_are_not_blocked(self):
        self.product.allow_out_of_stock_order = True
        cart = self.cart(qty=3)
        cart.action_confirm()
        self.assertFalse(cart.channel_exception)
