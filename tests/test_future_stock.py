"""Future stock with its date, against real Odoo and the simulator over HTTP: a receipt
counted within a rule's horizon is published with the day it brings the units in
(generic JSON ``available_at``, Amazon ``restock_date``), the date moves with the
receipt's scheduled date (a late receipt republishes), and the webshop says "ships from
<date>"."""

import json
from datetime import UTC, datetime, timedelta

from odoo import Command
from odoo.tests import HttpCase, tagged

from ..core.allocation import day_words
from .common import ChannelStockCase, OrderCase

ACCOUNT, SELLER, DE = "seller", "A2SELLER", "A1PA6795UKMFR9"
CLIENT, SECRET, REFRESH = "amzn1.application-oa2-client.odoo", "lwa-secret", "Atzr|odoo-refresh"


def in_days(days):
    """(the receipt's scheduled datetime, its UTC day) `days` from now."""
    when = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=days)
    return when, when.date()


@tagged("post_install", "-at_install")
class TestFutureStockPublished(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sell_in_euros()
        url = cls.sim.marketplace_url("amazon", ACCOUNT)
        cls.amazon = cls.marketplace_channel(
            "amazon", "amazon", endpoint_url=url, api_key=CLIENT, api_secret=SECRET,
            settings={"token_url": f"{url}/auth/o2/token", "refresh_token": REFRESH,
                      "seller_id": SELLER, "marketplace_id": DE},
        )  # fmt: skip

    def setUp(self):
        super().setUp()
        self.sim.configure_marketplace(
            "amazon", ACCOUNT, client_id=CLIENT, client_secret=SECRET, refresh_token=REFRESH,
            seller_id=SELLER, marketplace_id=DE, processing_delay=0.05,
        )  # fmt: skip
        self.sim.amazon.add_listing(ACCOUNT, "WIDGET")
        self.env["stock.channel.binding"].create(
            {"channel_id": self.amazon.id, "product_id": self.product.id, "external_id": "B0W"}
        )

    def horizon(self, days, *channels):
        for channel in channels or (self.market,):
            self.add_rule(channel, include_incoming_days=days)

    def widget_patches(self):
        """The Amazon patches of the WIDGET listing."""
        return [p for p in self.pushes("/amazon/", "PATCH") if p["path"].endswith("/WIDGET")]

    def pushes(self, prefix="/generic/market", method="POST"):
        return [r for r in self.sim.received(prefix) if r["method"] == method]

    def generic_item(self):
        """The WIDGET item of the last push to the generic channel."""
        body = json.loads(self.pushes()[-1]["body"])
        return next(item for item in body["items"] if item["sku"] == "WIDGET")

    def test_a_receipt_in_3_days_is_published_with_its_date(self):
        self.horizon(7)
        when, day = in_days(3)
        self.receive(self.product, 5, when)
        self.dispatch()
        self.assertEqual(self.market_level(), 5)
        self.assertEqual(self.sim.generic.available_at("market", "WIDGET"), day.isoformat())
        self.assertEqual(self.generic_item()["available_at"], day.isoformat())
        line = self.quantity_line(self.market)
        self.assertEqual((line.publishable_qty, line.available_at), (5, day))
        self.assertEqual(line.published_available_at, day)
        self.assertTrue(line.in_sync)

    def test_rescheduling_the_receipt_pushes_the_new_date(self):
        self.horizon(7)
        when, _day = in_days(3)
        receipt = self.receive(self.product, 5, when)
        self.dispatch()
        self.sim.clear_received()
        later, later_day = in_days(5)
        receipt.scheduled_date = later  # as a user reschedules it on the transfer
        self.dispatch()
        self.assertEqual(len(self.pushes()), 1, "the same quantity, a new date: pushed")
        self.assertEqual(self.generic_item()["quantity"], 5)
        self.assertEqual(self.sim.generic.available_at("market", "WIDGET"), later_day.isoformat())
        self.assertEqual(self.quantity_line(self.market).published_available_at, later_day)

    def test_a_receipt_beyond_the_horizon_is_not_counted_and_has_no_date(self):
        self.horizon(2)
        when, _day = in_days(3)
        self.receive(self.product, 5, when)
        self.dispatch()
        self.assertEqual(self.market_level(), 0)
        self.assertIsNone(self.sim.generic.available_at("market", "WIDGET"))
        self.assertFalse(self.quantity_line(self.market).available_at)

    def test_only_the_remainder_beyond_stock_on_hand_is_future(self):
        self.horizon(7)
        self.set_stock(self.product, 2)
        when, day = in_days(3)
        self.receive(self.product, 3, when)
        self.dispatch()
        self.assertEqual(self.market_level(), 5)
        self.assertEqual(self.sim.generic.available_at("market", "WIDGET"), day.isoformat())
        result = self.market._compute_publishable(self.product)[self.market.id, self.product.id]
        self.assertEqual((result.publishable, result.future, result.available_at), (5, 3, day))

    def test_a_2_step_order_waiting_for_the_receipt_republishes(self):
        self.horizon(7)
        self.warehouse.delivery_steps = "pick_ship"
        self.receive(self.product, 5, in_days(3)[0])
        self.dispatch()
        self.assertEqual(self.market_level(), 5)
        order = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "warehouse_id": self.warehouse.id,
             "order_line": [Command.create({"product_id": self.product.id,
                                            "product_uom_qty": 3})]}
        )  # fmt: skip
        order.action_confirm()  # the pick of 3 waits for the receipt
        self.dispatch()
        self.assertEqual(self.market_level(), 2)

    def test_the_receipt_in_stock_clears_the_date(self):
        self.horizon(7)
        when, _day = in_days(3)
        receipt = self.receive(self.product, 5, when)
        self.dispatch()
        receipt.move_ids.quantity = 5
        receipt.move_ids.picked = True
        receipt.button_validate()
        self.dispatch()
        self.assertEqual(self.market_level(), 5)
        self.assertIsNone(self.sim.generic.available_at("market", "WIDGET"))
        self.assertFalse(self.quantity_line(self.market).published_available_at)

    def test_units_sold_ahead_are_never_promised_twice(self):
        self.horizon(7)
        self.set_stock(self.product, 2)
        when, day = in_days(3)
        self.receive(self.product, 3, when)
        self.dispatch()
        self.assertEqual(self.market_level(), 5)
        # an order of 4: 2 reserved on hand, 2 waiting for the receipt, which has 1 left
        self.deliver(self.product, 4)
        self.dispatch()
        self.assertEqual(self.market_level(), 1)
        self.assertEqual(self.sim.generic.available_at("market", "WIDGET"), day.isoformat())
        self.deliver(self.product, 1)  # the last incoming unit, sold ahead too
        self.dispatch()
        self.assertEqual(self.market_level(), 0)
        self.assertIsNone(self.sim.generic.available_at("market", "WIDGET"))

    def test_quantity_and_date_unchanged_nothing_is_pushed(self):
        self.horizon(7)
        when, _day = in_days(3)
        receipt = self.receive(self.product, 5, when)
        self.dispatch()
        self.sim.clear_received()
        receipt.move_ids.write({"date": when})  # a write that changes nothing published
        self.assertTrue(self.outbox(self.market), "queued: the dispatcher decides")
        self.dispatch()
        self.assertFalse(self.pushes(), "same quantity, same date: nothing sent")
        self.assertFalse(self.outbox(self.market))

    def test_amazon_gets_the_restock_date_and_its_move(self):
        self.horizon(7, self.amazon)
        when, day = in_days(3)
        receipt = self.receive(self.product, 5, when)
        self.dispatch()
        [patch] = self.widget_patches()
        [value] = json.loads(patch["body"])["patches"][0]["value"]
        self.assertEqual((value["quantity"], value["restock_date"]), (5, day.isoformat()))
        self.read_verdicts(self.amazon)
        self.assertEqual(self.sim.amazon.quantity(ACCOUNT, "WIDGET"), 5)
        self.assertEqual(self.sim.amazon.restock_date(ACCOUNT, "WIDGET"), day.isoformat())
        self.assertEqual(self.quantity_line(self.amazon).published_available_at, day)
        self.sim.clear_received()
        later, later_day = in_days(5)
        receipt.scheduled_date = later
        self.dispatch()
        self.read_verdicts(self.amazon)
        self.assertEqual(len(self.widget_patches()), 1)
        self.assertEqual(self.sim.amazon.restock_date(ACCOUNT, "WIDGET"), later_day.isoformat())
        self.assertEqual(self.quantity_line(self.amazon).published_available_at, later_day)


@tagged("post_install", "-at_install")
class TestFutureStockInTheWebshop(OrderCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env["website"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.website.warehouse_id = cls.warehouse
        cls.web.website_id = cls.website
        cls.product.product_tmpl_id.write({"is_published": True, "list_price": 10.0})

    def combination_info(self):
        product = self.product
        body = {"id": 0, "jsonrpc": "2.0", "method": "call", "params": {
            "product_template_id": product.product_tmpl_id.id, "product_id": product.id,
            "combination": [], "add_qty": 1}}  # fmt: skip
        self.env.flush_all()
        answer = self.url_open("/website_sale/get_combination_info", json=body).json()
        self.env.invalidate_all()
        self.assertFalse(answer.get("error"))
        return answer["result"]

    def test_the_product_page_says_when_the_incoming_units_ship(self):
        self.add_rule(self.web, include_incoming_days=7)
        self.set_stock(self.product, 2)
        when, day = in_days(3)
        self.receive(self.product, 3, when)
        info = self.combination_info()
        self.assertEqual(
            info["channel_stock_message"], f"2 in stock, 3 more ship from {day_words(day)}"
        )
        self.assertEqual(info["free_qty"], 5, "the shop sells them too")
        self.set_stock(self.product, 0)
        info = self.combination_info()
        self.assertEqual(info["channel_stock_message"], f"3 ship from {day_words(day)}")
        self.deliver(self.product, 3)  # sold ahead: the receipt's units are taken
        info = self.combination_info()
        self.assertEqual((info["free_qty"], info["channel_stock_message"]), (0, "Out of stock"))


@tagged("post_install", "-at_install")
class TestFutureStockFigures(ChannelStockCase):
    """The figures behind the future stock, without a channel server: a 2-step delivery
    counted once, a date that moves alone reported as a change."""

    def publishable(self):
        return self.market._compute_publishable(self.product)[self.market.id, self.product.id]

    def sell(self, qty):
        """A confirmed sale order of `qty` widgets from the warehouse."""
        order = self.env["sale.order"].create(
            {"partner_id": self.partner.id, "warehouse_id": self.warehouse.id,
             "order_line": [Command.create({"product_id": self.product.id,
                                            "product_uom_qty": qty})]}
        )  # fmt: skip
        order.action_confirm()
        return order

    def two_step_stock(self):
        self.warehouse.delivery_steps = "pick_ship"
        self.add_rule(self.market, include_incoming_days=7)
        self.set_stock(self.product, 10)
        self.receive(self.product, 5, in_days(3)[0])

    def validate_pick(self, order):
        pick = order.picking_ids.filtered(
            lambda p: p.picking_type_id == self.warehouse.pick_type_id
        )
        pick.move_ids.picked = True
        pick.with_context(skip_backorder=True).button_validate()
        return pick

    def test_a_2_step_delivery_is_subtracted_once(self):
        self.two_step_stock()
        self.assertEqual(self.publishable().publishable, 15)
        order = self.sell(4)
        self.assertEqual(order.picking_ids.move_ids.quantity, 4, "the pick reserved")
        self.assertEqual(self.publishable().publishable, 11)
        self.validate_pick(order)  # the ship move, Output -> Customer, reserved at Output
        ship = order.picking_ids.move_ids.filtered("move_orig_ids")
        self.assertEqual((ship.location_dest_id, ship.quantity), (self.customer_location, 4))
        self.assertEqual(self.publishable().publishable, 11)

    def test_a_2_step_order_beyond_stock_is_netted_from_the_receipts(self):
        self.two_step_stock()
        order = self.sell(13)  # 10 reserved by the pick, 3 waiting for the receipt
        result = self.publishable()
        self.assertEqual((result.publishable, result.future), (2, 2))
        self.validate_pick(order)  # the 3 left in a backorder pick, the 10 shipping
        self.assertEqual(self.publishable().publishable, 2)

    def test_a_delivery_chained_to_a_receipt_is_netted_from_it(self):
        self.add_rule(self.market, include_incoming_days=7)
        receipt = self.receive(self.product, 5, in_days(3)[0])
        delivery = self.deliver(self.product, 2)  # made to order: it waits for the receipt
        delivery.do_unreserve()
        delivery.move_ids.write(
            {
                "procure_method": "make_to_order",
                "move_orig_ids": [Command.link(receipt.move_ids.id)],
            }
        )
        self.assertEqual(self.publishable().publishable, 3)

    def test_a_refresh_that_only_moves_the_date_reports_the_line(self):
        self.add_rule(self.market, include_incoming_days=7)
        receipt = self.receive(self.product, 5, in_days(3)[0])
        self.assertTrue(self.market._refresh_quantities(self.product))
        later, later_day = in_days(5)
        receipt.scheduled_date = later
        changed = self.market._refresh_quantities(self.product)
        self.assertEqual((changed.publishable_qty, changed.available_at), (5, later_day))
