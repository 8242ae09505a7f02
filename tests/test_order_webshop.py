from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

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
        # Odoo's "Sell when Out-of-Stock" is left on, as it is by default: the channel decides

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

    def test_sell_when_out_of_stock_alone_never_lets_the_shop_oversell(self):
        self.assertTrue(self.product.allow_out_of_stock_order)  # Odoo's default
        self.set_stock(self.product, 2)
        self.assertEqual(self.website._get_product_available_qty(self.product), 2)
        cart = self.cart(qty=3)
        self.assertFalse(cart.order_line._check_availability())
        self.assertIn("only 2", cart.order_line.shop_warning)
        with self.assertRaisesRegex(ValidationError, "Widget"):
            cart._check_cart_is_ready_to_be_paid()
        self.set_stock(self.product, 0)
        self.assertTrue(self.product._is_sold_out())
        self.assertTrue(self.product.product_tmpl_id._is_sold_out())

    def test_the_channels_backorder_rule_lets_the_shop_sell_beyond_stock(self):
        self.web.allow_backorder = True
        self.add_rule(self.web, backorder_qty=3)
        self.assertEqual(self.website._get_product_available_qty(self.product), 3)
        self.assertFalse(self.product._is_sold_out())
        cart = self.cart(qty=3)
        cart._check_cart_is_ready_to_be_paid()  # within the backorder quantity
        cart.action_confirm()
        self.assertFalse(cart.channel_exception)
        beyond = self.cart(qty=4)
        with self.assertRaisesRegex(ValidationError, "Widget"):
            beyond._check_cart_is_ready_to_be_paid()

    def test_the_product_form_says_which_rule_governs_the_shop(self):
        template = self.product.product_tmpl_id
        self.assertIn("channel Web (web) decides", template.shop_stock_rule)
        self.assertIn("no backorders", template.shop_stock_rule)
        self.assertIn("Sell when Out-of-Stock does not apply", template.shop_stock_rule)
        self.web.allow_backorder = True
        self.add_rule(self.web, backorder_qty=3)
        template.invalidate_recordset(["shop_stock_rule"])
        self.assertIn("up to 3 on backorder", template.shop_stock_rule)
        self.web.website_id = False  # no channel for the shop: Odoo's own flag governs
        template.invalidate_recordset(["shop_stock_rule"])
        self.assertFalse(template.shop_stock_rule)


@tagged("post_install", "-at_install")
class TestWebshopCartAsVisitor(OrderCase, HttpCase):
    """The shop's own routes, as a visitor, with Odoo's "Sell when Out-of-Stock" left on
    as it is by default: 10 on hand, 4 ring-fenced for the marketplace, 6 for the shop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.warehouse_id = cls.warehouse
        cls.web.website_id = cls.website
        cls.product.product_tmpl_id.write({"is_published": True, "list_price": 10.0})
        cls.carrier = cls.env["delivery.carrier"].create(
            {"name": "Courier", "product_id": cls.market._shipping_product().id,
             "is_published": True}
        )  # fmt: skip

    def setUp(self):
        super().setUp()
        self.assertTrue(self.product.allow_out_of_stock_order)
        self.set_stock(self.product, 10)
        self.add_rule(self.market, ring_fenced_qty=4)

    def rpc(self, route, **params):
        """A JSON-RPC call as the shop's pages make it -> (result, error message)."""
        body = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}
        self.env.flush_all()
        answer = self.url_open(route, json=body).json()
        self.env.invalidate_all()
        return answer.get("result"), (answer.get("error") or {}).get("data", {}).get("message")

    def add_to_cart(self, qty):
        product = self.product
        return self.rpc("/shop/cart/add", product_template_id=product.product_tmpl_id.id,
                        product_id=product.id, quantity=qty)  # fmt: skip

    def visitor_cart(self):
        cart = self.env["sale.order"].search([("website_id", "=", self.website.id)])
        self.assertEqual(len(cart), 1)
        cart.carrier_id = self.carrier  # the delivery step, done
        return cart

    def test_a_visitor_cannot_put_more_in_the_cart_than_the_channel_may_sell(self):
        result, error = self.add_to_cart(50)
        self.assertFalse(error)
        self.assertEqual(result["quantity"], 6)
        self.assertIn("only 6", result["notification_info"]["warning"])
        line = self.visitor_cart().order_line
        self.assertEqual(line.product_uom_qty, 6)
        result, _error = self.add_to_cart(1)  # nothing more
        self.assertEqual(result["quantity"], 6)
        self.assertEqual(line.product_uom_qty, 6)
        result, error = self.rpc("/shop/cart/update", line_id=line.id, quantity=50)
        self.assertFalse(error)
        self.assertEqual(result["quantity"], 6)
        self.assertIn("only 6 is available", result["warning"])
        self.assertEqual(line.product_uom_qty, 6)

    def test_the_product_page_caps_the_quantity_at_what_the_channel_may_sell(self):
        self.add_to_cart(2)
        product = self.product
        info, error = self.rpc(
            "/website_sale/get_combination_info", product_template_id=product.product_tmpl_id.id,
            product_id=product.id, combination=[], add_qty=1,
        )  # fmt: skip
        self.assertFalse(error)
        self.assertEqual(
            (info["free_qty"], info["cart_qty"], info["allow_out_of_stock_order"]), (6, 2, False)
        )
        self.assertEqual(info["channel_stock_message"], "6 in stock")

    def test_the_product_page_says_it_in_the_channels_words(self):
        product = self.product
        self.web.write({"allow_backorder": True, "backorder_lead_days": 5})
        self.add_rule(self.web, backorder_qty=3)
        self.set_stock(product, 6)  # 2 free of the marketplace's fence of 4
        info, error = self.rpc(
            "/website_sale/get_combination_info", product_template_id=product.product_tmpl_id.id,
            product_id=product.id, combination=[], add_qty=1,
        )  # fmt: skip
        self.assertFalse(error)
        self.assertEqual(info["free_qty"], 5)
        self.assertEqual(info["channel_stock_message"], "2 in stock, 3 more ship in 5 days")
        self.web.allow_backorder = False
        self.set_stock(product, 4)  # all fenced for the marketplace
        info, _error = self.rpc(
            "/website_sale/get_combination_info", product_template_id=product.product_tmpl_id.id,
            product_id=product.id, combination=[], add_qty=1,
        )  # fmt: skip
        self.assertEqual((info["free_qty"], info["channel_stock_message"]), (0, "Out of stock"))

    def test_the_checkout_refuses_what_a_marketplace_took_meanwhile(self):
        self.add_to_cart(6)
        cart = self.visitor_cart()
        cart._check_cart_is_ready_to_be_paid()  # the 6 are there
        self.receive_order(self.order_payload("M-1", [("WIDGET", 2)]))
        self.assertEqual(self.order_of("M-1").state, "sale")
        _result, error = self.rpc(
            f"/shop/payment/transaction/{cart.id}", access_token=cart._portal_ensure_token()
        )
        self.assertRegex(error or "", "Widget")
        self.assertEqual(cart.state, "draft")

    def test_the_cart_goes_beyond_stock_only_as_the_channels_backorder_rule_allows(self):
        self.web.allow_backorder = True
        result, _error = self.add_to_cart(50)
        self.assertEqual(result["quantity"], 6)  # backorders allowed, but 0 by the rule
        self.add_rule(self.web, backorder_qty=3)
        result, _error = self.add_to_cart(50)
        self.assertEqual(result["quantity"], 9)  # the line: 6 in stock, 3 on backorder
        cart = self.visitor_cart()
        self.assertEqual(cart.order_line.product_uom_qty, 9)
        cart._check_cart_is_ready_to_be_paid()


@tagged("post_install", "-at_install")
class TestWebshopChannelWordsTour(OrderCase, HttpCase):
    """In Chromium, as a visitor, with Odoo's "Sell when Out-of-Stock" left on: the
    product page says what the channel may sell in its words, the quantity stops at it
    (2 in stock + 3 on backorder), and the cart goes no further."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.warehouse_id = cls.warehouse
        cls.web.write({"website_id": cls.website.id, "allow_backorder": True,
                       "backorder_lead_days": 5})  # fmt: skip
        cls.product.product_tmpl_id.write(
            {"name": "Channel Words Widget", "is_published": True, "list_price": 10.0}
        )

    def test_the_shop_says_and_sells_what_the_channel_allows(self):
        self.assertTrue(self.product.allow_out_of_stock_order)
        self.set_stock(self.product, 6)
        self.add_rule(self.market, ring_fenced_qty=4)  # 2 left for the shop
        self.add_rule(self.web, backorder_qty=3)
        self.assertEqual(self.website._get_product_available_qty(self.product), 5)
        self.start_tour(
            self.product.product_tmpl_id.website_url, "stock_channel_sync_webshop_channel_words"
        )
        cart = self.env["sale.order"].search([("website_id", "=", self.website.id)])
        self.assertEqual(len(cart), 1)
        self.assertEqual(cart.order_line.mapped("product_uom_qty"), [5.0])
