"""Click & collect (website_sale_collect) on a website with a channel: a store is offered
only when the channel's quantity in that store covers the cart, a product may be kept out
of pickup per channel, the location list says when the cart is ready, and the order takes
its stock in the store."""

import json
from datetime import datetime

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ChannelStockCase

MONDAY_9 = datetime(2026, 12, 7, 9, 0)  # a Monday, UTC


class ClickCollectCase(ChannelStockCase):
    """Two stores beside the shop's warehouse: Lyon and Nantes, 3 units each; Nantes's
    register ring-fences 2 of them, so the shop's channel may sell only 1 there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.warehouse_id = cls.warehouse
        cls.web.website_id = cls.website
        cls.lyon = cls._store("Lyon Store", "LYS", "Lyon")
        cls.nantes = cls._store("Nantes Store", "NTS", "Nantes")
        cls.register = cls.env["stock.channel"].create(
            {"name": "Nantes register", "code": "nts_pos", "channel_type": "pos",
             "warehouse_id": cls.nantes.id}
        )  # fmt: skip
        Carrier = cls.env["delivery.carrier"]
        Carrier.search([("delivery_type", "=", "in_store")]).is_published = False
        cls.in_store = Carrier.create(
            {"name": "Pick up in store", "delivery_type": "in_store",
             "product_id": cls.web._shipping_product().id, "website_id": cls.website.id}
        )  # fmt: skip
        cls.in_store.write(
            {"warehouse_ids": [Command.set((cls.lyon | cls.nantes).ids)], "is_published": True}
        )
        cls.product.product_tmpl_id.write({"is_published": True, "list_price": 10.0})

    @classmethod
    def _store(cls, name, code, city):
        address = cls.env["res.partner"].create(
            {"name": name, "street": "1 Rue de la Gare", "city": city, "zip": "69001",
             "country_id": cls.env.ref("base.fr").id, "tz": "UTC",
             "partner_latitude": 45.76, "partner_longitude": 4.84}
        )  # fmt: skip
        return cls.env["stock.warehouse"].create(
            {"name": name, "code": code, "partner_id": address.id}
        )

    def setUp(self):
        super().setUp()
        self.set_stock(self.product, 3, self.lyon.lot_stock_id)
        self.set_stock(self.product, 3, self.nantes.lot_stock_id)
        self.add_rule(self.register, ring_fenced_qty=2)

    def cart(self, qty=3, store=None):
        order = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "website_id": self.website.id,
             "carrier_id": self.in_store.id,
             "order_line": [Command.create({"product_id": self.product.id,
                                            "product_uom_qty": qty})]}
        )  # fmt: skip
        if store:
            order._set_pickup_location(json.dumps(store._prepare_pickup_location_data()))
        return order

    def opening_hours(self, *days):
        """A calendar (UTC) open 08:00-12:00 and 13:00-17:00 on `days` (0 = Monday)."""
        return self.env["resource.calendar"].create(
            {"name": "Store hours", "tz": "UTC", "attendance_ids": [
                Command.create({"name": f"{day} {period}", "dayofweek": str(day),
                                "hour_from": start, "hour_to": end, "day_period": period})
                for day in days
                for period, start, end in (("morning", 8, 12), ("afternoon", 13, 17))
            ]}
        )  # fmt: skip


@tagged("post_install", "-at_install")
class TestClickCollect(ClickCollectCase):
    def test_only_the_store_holding_the_cart_for_the_channel_is_offered(self):
        cart = self.cart(3)
        self.assertTrue(cart._is_in_stock(self.lyon.id))
        # 3 on hand in Nantes, but 2 ring-fenced for its register: 1 for the shop
        self.assertEqual(self.product.with_context(warehouse_id=self.nantes.id).free_qty, 3)
        self.assertFalse(cart._is_in_stock(self.nantes.id))
        self.assertEqual(cart._get_insufficient_stock_data(self.nantes.id), {cart.order_line: 1})
        self.assertEqual(cart.order_line.shop_warning, "1/3 available at this location")
        self.assertTrue(self.cart(1)._is_in_stock(self.nantes.id))

    def test_without_a_channel_odoo_counts_the_stores_free_quantity(self):
        self.web.website_id = False
        self.assertTrue(self.cart(3)._is_in_stock(self.nantes.id))

    def test_a_product_not_for_pickup_on_the_channel_has_no_store(self):
        self.product.product_tmpl_id.channel_no_pickup_ids = self.web
        cart = self.cart(1)
        self.assertFalse(cart._is_in_stock(self.lyon.id))
        self.assertFalse(cart._is_in_stock(self.nantes.id))
        self.assertEqual(cart.order_line.shop_warning, "Not available for pickup in store")
        self.assertEqual(self.website._get_max_in_store_product_available_qty(self.product), 0)
        # another channel's exclusion leaves this shop's pickup alone
        self.product.product_tmpl_id.channel_no_pickup_ids = self.register
        self.assertTrue(self.cart(1)._is_in_stock(self.lyon.id))

    def test_a_user_outside_the_channels_duplicates_a_product(self):
        """Odoo's Duplicate by an inventory user with no channel group (sale_stock's and
        sale_mrp's own tests do it): the no-pickup channels are not copied, so nothing
        reads the channels the user may not see."""
        self.product.product_tmpl_id.channel_no_pickup_ids = self.web
        user = new_test_user(
            self.env, "stock_only", groups="stock.group_stock_manager,product.group_product_manager"
        )
        copy = self.product.with_user(user).copy()
        self.assertFalse(copy.product_tmpl_id.sudo().channel_no_pickup_ids)

    def test_a_kit_is_short_where_its_components_are(self):
        """A kit of 2 units of the product: Lyon (3 for the shop) makes 1, Nantes
        (1 for the shop) none; a kit not for pickup on the channel has no store."""
        kit = self._create_product("Pair Kit", "PAIR-KIT")
        kit.product_tmpl_id.is_published = True
        self.env["mrp.bom"].create(
            {"product_tmpl_id": kit.product_tmpl_id.id, "type": "phantom",
             "bom_line_ids": [Command.create({"product_id": self.product.id, "product_qty": 2})]}
        )  # fmt: skip
        cart = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "website_id": self.website.id,
             "carrier_id": self.in_store.id,
             "order_line": [Command.create({"product_id": kit.id, "product_uom_qty": 1})]}
        )  # fmt: skip
        self.assertTrue(cart._is_in_stock(self.lyon.id))
        self.assertEqual(cart._get_insufficient_stock_data(self.nantes.id), {cart.order_line: 0})
        self.assertFalse(cart._is_in_stock(self.nantes.id))
        kit.product_tmpl_id.channel_no_pickup_ids = self.web
        self.assertFalse(cart._is_in_stock(self.lyon.id))
        self.assertEqual(cart.order_line.shop_warning, "Not available for pickup in store")

    def test_the_product_page_counts_the_best_store_for_the_channel(self):
        self.assertEqual(self.website._get_max_in_store_product_available_qty(self.product), 3)
        self.set_stock(self.product, 0, self.lyon.lot_stock_id)
        self.assertEqual(self.website._get_max_in_store_product_available_qty(self.product), 1)

    def test_ready_in_2_h_while_the_store_is_open(self):
        self.lyon.opening_hours = self.opening_hours(0, 1)
        self.assertEqual(self.lyon._pickup_ready_words(True, now=MONDAY_9), "Ready in 2 h")
        self.lyon.pickup_ready_hours = 0.5
        self.assertEqual(self.lyon._pickup_ready_words(True, now=MONDAY_9), "Ready in 30 min")

    def test_a_negative_preparation_time_is_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.lyon.pickup_ready_hours = -1
            self.env.flush_all()

    def test_a_closed_store_says_when_it_will_be_ready(self):
        self.lyon.opening_hours = self.opening_hours(0, 1)
        monday_evening = MONDAY_9.replace(hour=18)
        ready = self.lyon._pickup_ready_words(True, now=monday_evening)
        self.assertEqual(ready, "Ready tomorrow from 10:00")
        lunch = MONDAY_9.replace(hour=12, minute=30)
        self.assertEqual(self.lyon._pickup_ready_words(True, now=lunch), "Ready today from 15:00")
        self.assertEqual(self.lyon._pickup_ready_words(False, now=MONDAY_9), "")

    def test_the_pickup_order_takes_its_stock_in_the_store(self):
        cart = self.cart(3, store=self.lyon)
        self.assertEqual(cart.warehouse_id, self.lyon)
        self.assertEqual(cart._get_free_qty(self.product), 3)
        cart._check_cart_is_ready_to_be_paid()  # the shop's warehouse holds none: Lyon does
        cart.action_confirm()
        self.assertFalse(cart.channel_exception)
        picking = cart.picking_ids
        self.assertEqual(picking.location_id, self.lyon.lot_stock_id)
        self.assertEqual(picking.move_ids.quantity, 3)  # reserved on Lyon's shelf
        self.assertEqual(self.product.with_context(warehouse_id=self.lyon.id).free_qty, 0)

    def test_a_pickup_beyond_the_stores_share_is_refused_at_checkout(self):
        cart = self.cart(3, store=self.nantes)
        self.assertEqual(cart._get_free_qty(self.product), 1)
        with self.assertRaises(ValidationError):
            cart._check_cart_is_ready_to_be_paid()
        cart.action_confirm()  # paid meanwhile: confirmed, flagged for a person
        self.assertEqual(cart.channel_exception, "to_check")
        self.assertIn("needs 3, 1 available", cart.channel_exception_reason)


@tagged("post_install", "-at_install")
class TestClickCollectCheckout(ClickCollectCase, HttpCase):
    """The shop's own routes, as a visitor: the cart, the in-store delivery method, the
    pickup location list."""

    def rpc(self, route, **params):
        body = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}
        self.env.flush_all()
        answer = self.url_open(route, json=body).json()
        self.env.invalidate_all()
        self.assertFalse(answer.get("error"), answer.get("error"))
        return answer["result"]

    def test_the_location_list_offers_only_the_store_holding_the_cart(self):
        product = self.product
        added = self.rpc("/shop/cart/add", product_template_id=product.product_tmpl_id.id,
                         product_id=product.id, quantity=3)  # fmt: skip
        self.assertEqual(added["quantity"], 3)  # the stores hold it, the warehouse not
        self.rpc("/shop/set_delivery_method", dm_id=self.in_store.id)
        found = self.rpc("/website_sale/get_pickup_locations")
        stores = {
            location["id"]: location["additional_data"] for location in found["pickup_locations"]
        }
        self.assertEqual(set(stores), {self.lyon.id, self.nantes.id})
        self.assertTrue(stores[self.lyon.id]["in_store_stock_data"]["in_stock"])
        self.assertEqual(stores[self.lyon.id]["pickup_ready"], "Ready in 2 h")
        self.assertFalse(stores[self.nantes.id]["in_store_stock_data"]["in_stock"])
        self.assertEqual(stores[self.nantes.id]["pickup_ready"], "")

    def test_the_product_pages_location_list_shows_each_stores_share(self):
        product = self.product
        found = self.rpc("/website_sale/get_pickup_locations", product_id=product.id)
        stores = {
            location["id"]: location["additional_data"] for location in found["pickup_locations"]
        }
        self.assertEqual(stores[self.lyon.id]["in_store_stock_data"]["quantity"], 3)
        self.assertEqual(stores[self.nantes.id]["in_store_stock_data"]["quantity"], 1)
        info = self.rpc(
            "/website_sale/get_combination_info", product_template_id=product.product_tmpl_id.id,
            product_id=product.id, combination=[], add_qty=1,
        )  # fmt: skip
        self.assertEqual(info["in_store_stock_data"]["quantity"], 3)


@tagged("post_install", "-at_install")
class TestClickCollectTour(ClickCollectCase, HttpCase):
    def test_a_visitor_is_offered_only_the_store_holding_the_product(self):
        self.set_stock(self.product, 2, self.nantes.lot_stock_id)  # both fenced
        url = self.product.product_tmpl_id.website_url
        self.start_tour(url, "stock_channel_sync_click_collect")
        cart = self.env["sale.order"].search([("website_id", "=", self.website.id)])
        self.assertEqual((cart.carrier_id, cart.warehouse_id), (self.in_store, self.lyon))
