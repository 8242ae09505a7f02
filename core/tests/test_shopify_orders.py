"""Shopify order webhooks: parsing into the core's Order (no Odoo)."""

from decimal import Decimal

import pytest

from core import orders
from core.connectors import shopify_orders
from core.connectors.shopify_poll import webhook_json
from core.orders import Address, Customer, Order, OrderLine
from core.payload import PayloadError, read_quantity
from core.tests.samples import SHOPIFY, WHEN, both, encoded, set_to, shopify, without

# -- Shopify -------------------------------------------------------------------------------


def test_shopify_order_is_mapped():
    order = shopify_orders.parse_order(encoded(SHOPIFY))
    assert order == Order(
        id="820982911946154508",
        created_at=WHEN,
        currency="EUR",
        customer=Customer("Bob Norman", "bob@example.com", "+32 470 00 00 00"),
        shipping_address=Address(
            "Bob Norman", "Chestnut Street 92", "Apt 3", "1000", "Brussels", "BE"
        ),
        lines=(
            OrderLine("466157049", "WIDGET", 3, Decimal("19.00")),
            OrderLine("518995019", "GADGET", 1, Decimal("5.50")),
        ),
        shipping_amount=Decimal("5.00"),
        total_amount=Decimal("67.50"),
        cancelled=False,
        name="#1001",
        adjustments=Decimal(0),  # taxes included, no discount
        payment_state="paid",
    )
    assert orders.totals_problem(order) is None
    assert orders.address_problems(order.shipping_address) == []


def test_shopify_cancelled_order():
    order = shopify_orders.parse_order(encoded(shopify(cancelled_at="2026-11-23T12:00:00+01:00")))
    assert order.cancelled is True


def test_shopify_customer_falls_back_to_the_shipping_name_then_the_email():
    no_customer = shopify_orders.parse_order(encoded(shopify(customer=None)))
    assert no_customer.customer == Customer(
        "Bob Norman", "order-level@example.com", "+32 470 00 00 00"
    )
    payload = shopify(customer=None, phone=None)
    payload["shipping_address"]["name"] = None
    assert shopify_orders.parse_order(encoded(payload)).customer == Customer(
        "Bob Norman", "order-level@example.com", "+32 2 111"
    )  # "first last" of the address, and its phone
    payload = shopify(customer={"first_name": None, "last_name": None}, shipping_address=None)
    order = shopify_orders.parse_order(encoded(payload))
    assert order.customer.name == "order-level@example.com"
    assert order.shipping_address == Address()  # judged later: to complete
    with pytest.raises(PayloadError, match="customer has no name"):
        shopify_orders.parse_order(encoded(shopify(customer=None, shipping_address=None, email="")))


def test_shopify_line_without_sku_keeps_an_empty_sku():
    payload = shopify()
    payload["line_items"][1]["sku"] = None
    del payload["line_items"][0]["sku"]
    order = shopify_orders.parse_order(encoded(payload))
    assert [line.sku for line in order.lines] == ["", ""]


def test_shopify_shipping_from_the_price_set_when_there_are_no_shipping_lines():
    payload = shopify(shipping_lines=[])
    assert shopify_orders.parse_order(encoded(payload)).shipping_amount == Decimal("5.00")
    payload = shopify(shipping_lines=[{"price": "3.00"}, {"price": "2.50"}])
    assert shopify_orders.parse_order(encoded(payload)).shipping_amount == Decimal("5.50")
    payload = shopify(shipping_lines=None, total_shipping_price_set=None)
    assert shopify_orders.parse_order(encoded(payload)).shipping_amount == Decimal(0)


def test_shopify_totals_with_discounts_and_taxes_excluded():
    # 3 x 19.00 + 5.50 = 62.50 lines, 5.00 shipping, 10.00 discount, 10.40 tax on top
    payload = shopify(
        total_discounts="10.00", total_tax="10.40", taxes_included=False, total_price="67.90"
    )
    order = shopify_orders.parse_order(encoded(payload))
    assert order.adjustments == Decimal("0.40")
    assert orders.expected_total(order) == Decimal("67.90")
    assert orders.totals_problem(order) is None

    # taxes included: the tax is already in the prices
    included = shopify_orders.parse_order(
        encoded(dict(payload, taxes_included=True, total_price="57.50"))
    )
    assert orders.expected_total(included) == Decimal("57.50")
    assert orders.totals_problem(included) is None

    wrong = shopify_orders.parse_order(encoded(dict(payload, total_price="77.90")))
    assert orders.totals_problem(wrong) == (
        "totals do not add up: lines 62.50 + shipping 5.00 + discounts and taxes 0.40"
        " = 67.90, total_amount is 77.90"
    )


def test_shopify_totals_of_json_numbers_with_a_fraction():
    payload = shopify(total_discounts=0.1, total_tax=0.2, taxes_included=False)
    payload["line_items"][0]["quantity"] = 3.0
    order = shopify_orders.parse_order(encoded(payload))
    assert order.lines[0].quantity == 3
    assert orders.expected_total(order) == Decimal("67.60")
    # a float from a dict not read by load_object is read as its shortest repr
    assert read_quantity({"quantity": 3.0}, "quantity", "line_items[0]") == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (without("id"), "id is missing"),
        (set_to("created_at", None), "created_at is missing"),
        (set_to("currency", "euro"), "currency must be a 3-letter ISO currency code"),
        (set_to("customer", "Bob"), "customer must be an object"),
        (set_to("shipping_address", 3), "shipping_address must be an object"),
        (without("line_items"), "line_items is missing"),
        (set_to("line_items", []), "line_items must be a non-empty list"),
        (without("line_items", 0, "id"), "line_items[0].id is missing"),
        (set_to("line_items", 1, "id", 466157049), "line_items[1].id '466157049' is already"),
        (set_to("line_items", 0, "quantity", 0), "line_items[0].quantity must be a positive"),
        (set_to("line_items", 0, "price", "abc"), "line_items[0].price must be a number >= 0"),
        (set_to("line_items", 0, "price", "NaN"), "line_items[0].price must be a number >= 0"),
        (set_to("line_items", 0, "price", "-1.00"), "line_items[0].price must be a number >= 0"),
        (without("total_price"), "total_price is missing"),
        (set_to("total_discounts", "x"), "total_discounts must be a number >= 0"),
        (set_to("total_tax", "-3"), "total_tax must be a number >= 0"),
        (set_to("shipping_lines", "5.00"), "shipping_lines must be a non-empty list"),
        (set_to("shipping_lines", [None]), "shipping_lines[0] must be an object"),
        (set_to("shipping_lines", 0, "price", "?"), "shipping_lines[0].price must be a number"),
        (
            both(
                set_to("shipping_lines", []),
                set_to("total_shipping_price_set", "shop_money", "amount", "?"),
            ),
            "total_shipping_price_set.shop_money.amount must be a number",
        ),
    ],
)
def test_shopify_payload_errors(change, message):
    payload = shopify()
    change(payload)
    with pytest.raises(PayloadError) as caught:
        shopify_orders.parse_order(encoded(payload))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("financial_status", "state"),
    [
        ("paid", "paid"),
        ("authorized", "paid"),  # the money held for the shop (manual capture)
        ("pending", "pending"),
        ("partially_paid", "pending"),
        ("voided", "unknown"),
        (None, "unknown"),
    ],
)
def test_shopify_payment_state_is_its_financial_status(financial_status, state):
    payload = {**SHOPIFY, "financial_status": financial_status}
    if financial_status is None:
        del payload["financial_status"]
    assert shopify_orders.parse_order(encoded(payload)).payment_state == state


def test_a_polled_shopify_order_carries_its_financial_status_as_a_webhook_does():
    assert webhook_json({"displayFinancialStatus": "PENDING"})["financial_status"] == "pending"
    assert "financial_status" not in webhook_json({})
