"""Inbound orders: parsing, judging, the unified status and the status body (no Odoo)."""

import copy
import dataclasses
import json
import re
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core import orders
from core.orders import (
    ACCEPTED,
    CANCELLED,
    CLOSED,
    CREATED,
    DELIVERED,
    EXCEPTION_STATUSES,
    IN_PREPARATION,
    RETURNED,
    SHIPPED,
    STATUS_SELECTION,
    TO_CHECK,
    TO_COMPLETE,
    Address,
    Customer,
    LineFacts,
    Order,
    OrderLine,
    PayloadError,
    Tracking,
)
from core.signing import verify_b64, verify_hex

WHEN = datetime(2026, 11, 23, 10, 0, 0)
SECRET = "order-secret"

GENERIC = {
    "id": "M-1",
    "created_at": "2026-11-23T10:00:00Z",
    "currency": "EUR",
    "customer": {"name": "Ann Buyer", "email": "ann@example.com", "phone": "+32 2 000"},
    "shipping_address": {
        "name": "Ann Buyer",
        "street": "Rue Haute 1",
        "street2": "",
        "zip": "1000",
        "city": "Brussels",
        "country_code": "BE",
    },
    "lines": [
        {"id": "M-1-1", "sku": "WIDGET", "quantity": 2, "price_unit": 12.5},
        {"id": "M-1-2", "sku": "GADGET", "quantity": 1, "price_unit": 0.1},
    ],
    "shipping_amount": 4.95,
    "total_amount": 30.05,
}

# An orders/create webhook as Shopify sends it (trimmed to what matters, plus noise).
SHOPIFY = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#1001",
    "order_number": 1001,
    "created_at": "2026-11-23T11:00:00+01:00",
    "currency": "eur",
    "presentment_currency": "EUR",
    "email": "order-level@example.com",
    "phone": "+32 470 00 00 00",
    "financial_status": "paid",
    "fulfillment_status": None,
    "customer": {
        "id": 115310627314723954,
        "first_name": "Bob",
        "last_name": "Norman",
        "email": "bob@example.com",
        "phone": None,
    },
    "shipping_address": {
        "name": "Bob Norman",
        "first_name": "Bob",
        "last_name": "Norman",
        "address1": "Chestnut Street 92",
        "address2": "Apt 3",
        "zip": "1000",
        "city": "Brussels",
        "country": "Belgium",
        "country_code": "be",
        "phone": "+32 2 111",
    },
    "line_items": [
        {"id": 466157049, "sku": "WIDGET", "quantity": 3, "price": "19.00", "title": "Widget"},
        {"id": 518995019, "sku": "GADGET", "quantity": 1, "price": "5.50", "title": "Gadget"},
    ],
    "shipping_lines": [{"id": 271878346, "title": "Standard", "price": "5.00"}],
    "total_shipping_price_set": {
        "shop_money": {"amount": "5.00", "currency_code": "EUR"},
        "presentment_money": {"amount": "5.00", "currency_code": "EUR"},
    },
    "total_line_items_price": "62.50",
    "total_discounts": "0.00",
    "total_tax": "11.78",
    "taxes_included": True,
    "total_price": "67.50",
    "cancelled_at": None,
    "cancel_reason": None,
}


def _raw(payload):
    return json.dumps(payload).encode()


def _generic(**changes):
    payload = copy.deepcopy(GENERIC)
    payload.update(changes)
    return payload


def _shopify(**changes):
    payload = copy.deepcopy(SHOPIFY)
    payload.update(changes)
    return payload


def _order(lines=((2, "10"),), shipping="0", total="20", adjustments="0"):
    return Order(
        id="O",
        created_at=WHEN,
        currency="EUR",
        customer=Customer("Ann"),
        shipping_address=Address(),
        lines=tuple(
            OrderLine(f"L{n}", "SKU", qty, Decimal(price)) for n, (qty, price) in enumerate(lines)
        ),
        shipping_amount=Decimal(shipping),
        total_amount=Decimal(total),
        adjustments=Decimal(adjustments),
    )


# -- generic JSON orders ---------------------------------------------------------------


def test_generic_order_is_parsed():
    order = orders.parse_generic_order(_raw(GENERIC))
    assert order == Order(
        id="M-1",
        created_at=WHEN,
        currency="EUR",
        customer=Customer("Ann Buyer", "ann@example.com", "+32 2 000"),
        shipping_address=Address("Ann Buyer", "Rue Haute 1", "", "1000", "Brussels", "BE"),
        lines=(
            OrderLine("M-1-1", "WIDGET", 2, Decimal("12.5")),
            OrderLine("M-1-2", "GADGET", 1, Decimal("0.1")),
        ),
        shipping_amount=Decimal("4.95"),
        total_amount=Decimal("30.05"),
    )
    assert order.cancelled is False
    assert order.name == ""
    assert orders.totals_problem(order) is None


def test_json_numbers_become_exact_decimals_and_ids_strings():
    payload = _generic(id=42, shipping_amount=0.1, total_amount=25.3)
    payload["lines"] = [{"id": 7, "sku": "A", "quantity": 3.0, "price_unit": 8.4}]
    order = orders.parse_generic_order(_raw(payload))
    assert order.id == "42"
    assert order.lines == (OrderLine("7", "A", 3, Decimal("8.4")),)
    assert order.shipping_amount == Decimal("0.1")
    assert order.total_amount == Decimal("25.3")
    assert orders.totals_problem(order) is None  # 3 * 8.4 + 0.1, no float noise


def test_dates_are_naive_utc_and_codes_upper_cased():
    payload = _generic(created_at="2026-11-23T12:30:00+02:30", currency=" usd ")
    payload["shipping_address"]["country_code"] = " be "
    order = orders.parse_generic_order(_raw(payload))
    assert order.created_at == WHEN
    assert order.created_at.tzinfo is None
    assert order.currency == "USD"
    assert order.shipping_address.country_code == "BE"
    naive = orders.parse_generic_order(_raw(_generic(created_at="2026-11-23T10:00:00")))
    assert naive.created_at == WHEN


def test_shipping_amount_may_be_absent_and_unknown_fields_are_ignored():
    payload = _generic(total_amount=25.1, note="leave at the door")
    del payload["shipping_amount"]
    order = orders.parse_generic_order(_raw(payload))
    assert order.shipping_amount == Decimal(0)
    assert orders.totals_problem(order) is None


def test_an_incomplete_address_is_not_a_payload_error():
    order = orders.parse_generic_order(_raw(_generic(shipping_address={"city": None})))
    assert order.shipping_address == Address()
    assert orders.address_problems(order.shipping_address) == [
        "shipping_address.name is missing",
        "shipping_address.street is missing",
        "shipping_address.zip is missing",
        "shipping_address.city is missing",
        "shipping_address.country_code is missing",
    ]


def _without(*path):
    def change(payload):
        target = payload
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _set(*path_and_value):
    *path, value = path_and_value

    def change(payload):
        target = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _both(first, second):
    def change(payload):
        first(payload)
        second(payload)

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_without("id"), "id is missing"),
        (_set("id", "  "), "id is missing"),
        (_set("id", None), "id is missing"),
        (_set("id", ["M-1"]), "id must be a string"),
        (_set("id", True), "id must be a string"),
        (_without("created_at"), "created_at is missing"),
        (_set("created_at", "yesterday"), "created_at must be an ISO 8601 date and time"),
        (_set("created_at", "2026-13-01T00:00:00Z"), "created_at must be an ISO 8601"),
        (_without("currency"), "currency is missing"),
        (_set("currency", "EURO"), "currency must be a 3-letter ISO currency code"),
        (_set("currency", "E1R"), "currency must be a 3-letter ISO currency code"),
        (_set("currency", "€UR"), "currency must be a 3-letter ISO currency code"),
        (_without("customer"), "customer is missing"),
        (_set("customer", "Ann"), "customer must be an object"),
        (_without("customer", "name"), "customer.name is missing"),
        (_set("customer", "name", ""), "customer.name is missing"),
        (_set("customer", "email", {"a": 1}), "customer.email must be a string"),
        (_without("shipping_address"), "shipping_address is missing"),
        (_set("shipping_address", []), "shipping_address must be an object"),
        (_set("shipping_address", "zip", 1.5), "shipping_address.zip must be a string"),
        (_without("lines"), "lines is missing"),
        (_set("lines", []), "lines must be a non-empty list"),
        (_set("lines", {"id": "x"}), "lines must be a non-empty list"),
        (_set("lines", 1, "nope"), "lines[1] must be an object"),
        (_without("lines", 0, "id"), "lines[0].id is missing"),
        (_set("lines", 1, "id", ""), "lines[1].id is missing"),
        (_set("lines", 1, "id", "M-1-1"), "lines[1].id 'M-1-1' is already the id of lines[0]"),
        (_without("lines", 0, "sku"), "lines[0].sku is missing"),
        (_set("lines", 0, "sku", ""), "lines[0].sku is missing"),
        (_without("lines", 0, "quantity"), "lines[0].quantity is missing"),
        (_set("lines", 0, "quantity", 0), "lines[0].quantity must be a positive integer"),
        (_set("lines", 0, "quantity", -1), "lines[0].quantity must be a positive integer"),
        (_set("lines", 0, "quantity", 1.5), "lines[0].quantity must be a positive integer"),
        (_set("lines", 0, "quantity", True), "lines[0].quantity must be a positive integer"),
        (_set("lines", 0, "quantity", "2"), "lines[0].quantity must be a positive integer"),
        (_set("lines", 0, "quantity", 10**10), "lines[0].quantity must be at most 1000000000"),
        (_without("lines", 0, "price_unit"), "lines[0].price_unit is missing"),
        (_set("lines", 0, "price_unit", -0.01), "lines[0].price_unit must be a number >= 0"),
        (_set("lines", 0, "price_unit", False), "lines[0].price_unit must be a number >= 0"),
        (_set("lines", 0, "price_unit", "12.5"), "lines[0].price_unit must be a number >= 0"),
        (_set("lines", 0, "price_unit", 1e300), "lines[0].price_unit must be at most"),
        (_set("shipping_amount", -1), "shipping_amount must be a number >= 0"),
        (_set("shipping_amount", True), "shipping_amount must be a number >= 0"),
        (_without("total_amount"), "total_amount is missing"),
        (_set("total_amount", None), "total_amount is missing"),
        (_set("total_amount", -5), "total_amount must be a number >= 0"),
        (_set("total_amount", [30]), "total_amount must be a number >= 0"),
    ],
)
def test_every_unusable_field_is_a_payload_error_naming_it(change, message):
    payload = copy.deepcopy(GENERIC)
    change(payload)
    with pytest.raises(PayloadError) as caught:
        orders.parse_generic_order(_raw(payload))
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{oops", "body is not valid JSON: "),
        (b"", "body is not valid JSON: "),
        (b'{"id": "\xff"}', "body is not valid JSON: not UTF-8"),
        (b'{"total_amount": NaN}', "body is not valid JSON: NaN is not a number"),
        (b'{"total_amount": -Infinity}', "body is not valid JSON: -Infinity is not a number"),
        (b"[" * 100_000, "body is not valid JSON: "),
        (b"[1, 2]", "body must be an object"),
        (b'"order"', "body must be an object"),
        (b"null", "body must be an object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_payload_error(raw, message):
    for parse in (orders.parse_generic_order, orders.parse_shopify_order, orders.parse_cancel):
        with pytest.raises(PayloadError) as caught:
            parse(raw)
        assert str(caught.value).startswith(message)


def _with_number(field, number):
    """The generic order body with ``number`` (JSON text) as the first line's ``field``."""
    payload = _generic()
    payload["lines"][0][field] = "NUMBER"
    return _raw(payload).replace(b'"NUMBER"', number.encode())


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1e999999", "lines[0].quantity must be at most 1000000000"),
        ("-1e999999", "lines[0].quantity must be a positive integer"),
        ("1e-999999", "lines[0].quantity must be a positive integer"),
    ],
)
def test_extreme_quantities_are_refused_at_once(number, message):
    started = time.monotonic()
    with pytest.raises(PayloadError, match=re.escape(message)):
        orders.parse_generic_order(_with_number("quantity", number))
    assert time.monotonic() - started < 5  # int(Decimal("1E+999999")) alone takes ~30 s


@pytest.mark.parametrize("number", ["1e-999999", "1.5e-999999999", "123456.123456789123"])
def test_totals_messages_stay_short_whatever_the_digits(number):
    order = orders.parse_generic_order(_with_number("price_unit", number))
    problem = orders.totals_problem(order)
    assert problem.startswith("totals do not add up: lines ")
    assert len(problem) < 150


def test_a_utf8_bom_and_str_bodies_are_accepted():
    raw = _raw(GENERIC)
    expected = orders.parse_generic_order(raw)
    assert orders.parse_generic_order(b"\xef\xbb\xbf" + raw) == expected
    assert orders.parse_generic_order(raw.decode()) == expected


# -- cancellations and returns ---------------------------------------------------------


def test_cancellation_body():
    assert orders.parse_cancel(b'{"id": "M-1", "reason": "fraud"}') == {
        "id": "M-1",
        "reason": "fraud",
    }
    assert orders.parse_cancel(b'{"id": 17}') == {"id": "17", "reason": ""}
    assert orders.parse_cancel(b'{"id": 17, "reason": null}') == {"id": "17", "reason": ""}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "id is missing"),
        ({"id": ""}, "id is missing"),
        ({"id": "M-1", "reason": 3.5}, "reason must be a string"),
    ],
)
def test_cancellation_errors(payload, message):
    with pytest.raises(PayloadError, match=f"^{message}$"):
        orders.parse_cancel(_raw(payload))


def test_return_request_is_normalised():
    payload = {
        "id": 9,
        "order_id": "M-1",
        "lines": [{"id": "M-1-1", "quantity": 2}, {"id": 5, "quantity": 1.0}],
        "reason": "too small",
    }
    assert orders.parse_return(_raw(payload)) == {
        "id": "9",
        "order_id": "M-1",
        "lines": [{"id": "M-1-1", "quantity": 2}, {"id": "5", "quantity": 1}],
        "reason": "too small",
    }
    del payload["reason"]
    assert orders.parse_return(_raw(payload))["reason"] == ""


RETURN = {"id": "R-1", "order_id": "M-1", "lines": [{"id": "M-1-1", "quantity": 1}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_without("id"), "id is missing"),
        (_without("order_id"), "order_id is missing"),
        (_set("order_id", {"id": 1}), "order_id must be a string"),
        (_without("lines"), "lines is missing"),
        (_set("lines", []), "lines must be a non-empty list"),
        (_set("lines", 0, 7), "lines[0] must be an object"),
        (_without("lines", 0, "id"), "lines[0].id is missing"),
        (_set("lines", 0, "quantity", 0), "lines[0].quantity must be a positive integer"),
        (_set("lines", 0, "quantity", 0.5), "lines[0].quantity must be a positive integer"),
        (_set("lines", [{"id": "a", "quantity": 1}] * 2), "lines[1].id 'a' is already the id"),
        (_set("reason", ["x"]), "reason must be a string"),
    ],
)
def test_return_errors(change, message):
    payload = copy.deepcopy(RETURN)
    change(payload)
    with pytest.raises(PayloadError) as caught:
        orders.parse_return(_raw(payload))
    assert str(caught.value).startswith(message)


# -- Shopify -------------------------------------------------------------------------------


def test_shopify_order_is_mapped():
    order = orders.parse_shopify_order(_raw(SHOPIFY))
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
    )
    assert orders.totals_problem(order) is None
    assert orders.address_problems(order.shipping_address) == []


def test_shopify_cancelled_order():
    order = orders.parse_shopify_order(_raw(_shopify(cancelled_at="2026-11-23T12:00:00+01:00")))
    assert order.cancelled is True


def test_shopify_customer_falls_back_to_the_shipping_name_then_the_email():
    no_customer = orders.parse_shopify_order(_raw(_shopify(customer=None)))
    assert no_customer.customer == Customer(
        "Bob Norman", "order-level@example.com", "+32 470 00 00 00"
    )
    payload = _shopify(customer=None, phone=None)
    payload["shipping_address"]["name"] = None
    assert orders.parse_shopify_order(_raw(payload)).customer == Customer(
        "Bob Norman", "order-level@example.com", "+32 2 111"
    )  # "first last" of the address, and its phone
    payload = _shopify(customer={"first_name": None, "last_name": None}, shipping_address=None)
    order = orders.parse_shopify_order(_raw(payload))
    assert order.customer.name == "order-level@example.com"
    assert order.shipping_address == Address()  # judged later: to complete
    with pytest.raises(PayloadError, match="customer has no name"):
        orders.parse_shopify_order(_raw(_shopify(customer=None, shipping_address=None, email="")))


def test_shopify_line_without_sku_keeps_an_empty_sku():
    payload = _shopify()
    payload["line_items"][1]["sku"] = None
    del payload["line_items"][0]["sku"]
    order = orders.parse_shopify_order(_raw(payload))
    assert [line.sku for line in order.lines] == ["", ""]


def test_shopify_shipping_from_the_price_set_when_there_are_no_shipping_lines():
    payload = _shopify(shipping_lines=[])
    assert orders.parse_shopify_order(_raw(payload)).shipping_amount == Decimal("5.00")
    payload = _shopify(shipping_lines=[{"price": "3.00"}, {"price": "2.50"}])
    assert orders.parse_shopify_order(_raw(payload)).shipping_amount == Decimal("5.50")
    payload = _shopify(shipping_lines=None, total_shipping_price_set=None)
    assert orders.parse_shopify_order(_raw(payload)).shipping_amount == Decimal(0)


def test_shopify_totals_with_discounts_and_taxes_excluded():
    # 3 x 19.00 + 5.50 = 62.50 lines, 5.00 shipping, 10.00 discount, 10.40 tax on top
    payload = _shopify(
        total_discounts="10.00", total_tax="10.40", taxes_included=False, total_price="67.90"
    )
    order = orders.parse_shopify_order(_raw(payload))
    assert order.adjustments == Decimal("0.40")
    assert orders.shopify_expected_total(_raw(payload)) == Decimal("67.90")
    assert orders.shopify_expected_total(payload) == Decimal("67.90")
    assert orders.totals_problem(order) is None

    # taxes included: the tax is already in the prices
    included = dict(payload, taxes_included=True, total_price="57.50")
    assert orders.shopify_expected_total(included) == Decimal("57.50")
    assert orders.totals_problem(orders.parse_shopify_order(_raw(included))) is None

    wrong = orders.parse_shopify_order(_raw(dict(payload, total_price="77.90")))
    assert orders.totals_problem(wrong) == (
        "totals do not add up: lines 62.50 + shipping 5.00 + discounts and taxes 0.40"
        " = 67.90, total_amount is 77.90"
    )


def test_shopify_expected_total_of_a_dict_with_floats():
    payload = _shopify(total_discounts=0.1, total_tax=0.2, taxes_included=False)
    payload["line_items"][0]["quantity"] = 3.0
    assert orders.shopify_expected_total(payload) == Decimal("67.60")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_without("id"), "id is missing"),
        (_set("created_at", None), "created_at is missing"),
        (_set("currency", "euro"), "currency must be a 3-letter ISO currency code"),
        (_set("customer", "Bob"), "customer must be an object"),
        (_set("shipping_address", 3), "shipping_address must be an object"),
        (_without("line_items"), "line_items is missing"),
        (_set("line_items", []), "line_items must be a non-empty list"),
        (_without("line_items", 0, "id"), "line_items[0].id is missing"),
        (_set("line_items", 1, "id", 466157049), "line_items[1].id '466157049' is already"),
        (_set("line_items", 0, "quantity", 0), "line_items[0].quantity must be a positive"),
        (_set("line_items", 0, "price", "abc"), "line_items[0].price must be a number >= 0"),
        (_set("line_items", 0, "price", "NaN"), "line_items[0].price must be a number >= 0"),
        (_set("line_items", 0, "price", "-1.00"), "line_items[0].price must be a number >= 0"),
        (_without("total_price"), "total_price is missing"),
        (_set("total_discounts", "x"), "total_discounts must be a number >= 0"),
        (_set("total_tax", "-3"), "total_tax must be a number >= 0"),
        (_set("shipping_lines", "5.00"), "shipping_lines must be a non-empty list"),
        (_set("shipping_lines", [None]), "shipping_lines[0] must be an object"),
        (_set("shipping_lines", 0, "price", "?"), "shipping_lines[0].price must be a number"),
        (
            _both(
                _set("shipping_lines", []),
                _set("total_shipping_price_set", "shop_money", "amount", "?"),
            ),
            "total_shipping_price_set.shop_money.amount must be a number",
        ),
    ],
)
def test_shopify_payload_errors(change, message):
    payload = _shopify()
    change(payload)
    with pytest.raises(PayloadError) as caught:
        orders.parse_shopify_order(_raw(payload))
    assert str(caught.value).startswith(message)


# -- totals and addresses --------------------------------------------------------------------


def test_totals_within_the_tolerance_per_line_pass():
    assert orders.totals_problem(_order(total="20.01")) is None
    assert orders.totals_problem(_order(total="19.99")) is None
    two_lines = ((1, "10"), (1, "10"))
    assert orders.totals_problem(_order(lines=two_lines, total="20.02")) is None
    assert orders.totals_problem(_order(total="20.05"), tolerance=Decimal("0.05")) is None


def test_totals_outside_the_tolerance_explain_the_sum():
    assert orders.totals_problem(_order(shipping="4.95", total="30")) == (
        "totals do not add up: lines 20.00 + shipping 4.95 = 24.95, total_amount is 30.00"
    )
    assert orders.totals_problem(_order(total="20.02")) is not None
    two_lines = ((1, "10"), (1, "10"))
    assert orders.totals_problem(_order(lines=two_lines, total="20.03")) is not None
    three_decimals = orders.totals_problem(_order(lines=((1, "1.125"),), total="1.2"))
    assert three_decimals == (
        "totals do not add up: lines 1.125 + shipping 0.00 = 1.125, total_amount is 1.20"
    )


def test_complete_address_has_no_problem_and_blanks_count_as_missing():
    address = Address("Ann", "Rue Haute 1", "", "1000", "Brussels", "BE")
    assert orders.address_problems(address) == []
    assert orders.address_problems(Address("Ann", " ", "", "1000", "Brussels", "BE")) == [
        "shipping_address.street is missing"
    ]


# -- line status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        (LineFacts(2), CREATED),
        (LineFacts(2, confirmed=True), ACCEPTED),
        (LineFacts(2, confirmed=True, picked=True), IN_PREPARATION),
        (LineFacts(2, 1, confirmed=True), IN_PREPARATION),
        (LineFacts(2, 2, confirmed=True), SHIPPED),
        (LineFacts(2, 3, confirmed=True), SHIPPED),
        (LineFacts(2, 2, confirmed=True, delivered_confirmed=True), DELIVERED),
        (LineFacts(2, 1, confirmed=True, delivered_confirmed=True), IN_PREPARATION),
        (LineFacts(2, 2, 2, confirmed=True), RETURNED),
        (LineFacts(2, 1, 1, confirmed=True), RETURNED),
        (LineFacts(2, 2, 1, confirmed=True), SHIPPED),
        (LineFacts(2, 0, 1, confirmed=True), ACCEPTED),
        (LineFacts(2, confirmed=True, shortfall=True), TO_CHECK),
        (LineFacts(2, 2, 2, confirmed=True, shortfall=True), RETURNED),
        (LineFacts(2, 2, confirmed=True, shortfall=True), TO_CHECK),
        (LineFacts(2, 2, 2, cancelled=True), CANCELLED),
        (LineFacts(2, cancelled=True, shortfall=True), CANCELLED),
        (LineFacts(0), CREATED),
        (LineFacts(0.1 + 0.2, 0.3, confirmed=True), SHIPPED),  # float noise
    ],
)
def test_line_status_rules_in_order(facts, status):
    assert orders.line_status(facts) == status


quantities = st.floats(0, 1000, allow_nan=False)
facts = st.builds(
    LineFacts,
    ordered=quantities,
    delivered=quantities,
    returned=quantities,
    cancelled=st.booleans(),
    confirmed=st.booleans(),
    picked=st.booleans(),
    shortfall=st.booleans(),
    delivered_confirmed=st.booleans(),
)


@given(facts)
def test_a_cancelled_line_is_always_cancelled(line):
    assert orders.line_status(dataclasses.replace(line, cancelled=True)) == CANCELLED


@given(facts)
def test_line_status_is_a_line_status_and_to_check_only_on_a_shortfall(line):
    status = orders.line_status(line)
    assert status in orders.LINE_STATUSES
    assert status not in (CLOSED, TO_COMPLETE)
    if status == TO_CHECK:
        assert line.shortfall
    if status in (SHIPPED, DELIVERED):
        assert line.delivered >= line.ordered - orders.EPSILON > 0


# -- order status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "options", "status"),
    [
        ([], {}, CREATED),
        ([SHIPPED], {"cancelled": True}, CANCELLED),
        ([SHIPPED], {"cancelled": True, "exception": TO_CHECK}, CANCELLED),
        ([SHIPPED], {"exception": TO_COMPLETE}, TO_COMPLETE),
        ([], {"exception": TO_CHECK}, TO_CHECK),
        ([CANCELLED, CANCELLED], {}, CANCELLED),
        ([ACCEPTED, TO_CHECK, SHIPPED], {}, TO_CHECK),
        ([RETURNED, RETURNED, CANCELLED], {}, RETURNED),
        ([DELIVERED, RETURNED], {}, DELIVERED),
        ([DELIVERED, RETURNED], {"locked": True}, CLOSED),
        ([DELIVERED, CANCELLED], {"locked": True}, CLOSED),
        ([RETURNED], {"locked": True}, RETURNED),
        ([SHIPPED, DELIVERED, RETURNED], {}, SHIPPED),
        ([SHIPPED], {"locked": True}, SHIPPED),
        ([SHIPPED, ACCEPTED], {}, IN_PREPARATION),
        ([IN_PREPARATION, CREATED], {}, IN_PREPARATION),
        ([RETURNED, ACCEPTED], {}, IN_PREPARATION),
        ([ACCEPTED, ACCEPTED, CANCELLED], {}, ACCEPTED),
        ([ACCEPTED, CREATED], {}, CREATED),
        ([CREATED], {"exception": None}, CREATED),
    ],
)
def test_order_status_rules_in_order(lines, options, status):
    assert orders.order_status(lines, **options) == status


def test_order_status_refuses_unknown_statuses():
    with pytest.raises(ValueError, match="unknown line statuses"):
        orders.order_status([CLOSED])
    with pytest.raises(ValueError, match="unknown line statuses"):
        orders.order_status(["shipped!"])
    with pytest.raises(ValueError, match="is not one of"):
        orders.order_status([ACCEPTED], exception=SHIPPED)


line_statuses = st.lists(st.sampled_from(sorted(orders.LINE_STATUSES)), max_size=6)
exceptions = st.sampled_from([None, "", *sorted(EXCEPTION_STATUSES)])


@given(line_statuses, st.booleans(), exceptions, st.booleans())
def test_order_status_is_an_exception_only_when_a_line_or_the_order_is_one(
    lines, cancelled, exception, locked
):
    status = orders.order_status(lines, cancelled=cancelled, exception=exception, locked=locked)
    assert status in orders.STATUSES
    if status in EXCEPTION_STATUSES:
        assert status == exception or status in lines
    if cancelled:
        assert status == CANCELLED


@given(line_statuses, st.booleans())
def test_cancelled_lines_do_not_change_an_order_that_has_others(lines, locked):
    assume(any(status != CANCELLED for status in lines))
    without = [status for status in lines if status != CANCELLED]
    assert orders.order_status([*lines, CANCELLED], locked=locked) == orders.order_status(
        without, locked=locked
    )


@given(st.lists(facts, min_size=1, max_size=5))
def test_line_facts_to_order_status_never_raises(lines):
    statuses = [orders.line_status(line) for line in lines]
    assert orders.order_status(statuses) in orders.STATUSES


def test_status_selection_has_the_ten_codes_and_labels():
    assert [code for code, _label in STATUS_SELECTION] == [
        "created",
        "accepted",
        "in_preparation",
        "shipped",
        "delivered",
        "closed",
        "cancelled",
        "returned",
        "to_check",
        "to_complete",
    ]
    labels = dict(STATUS_SELECTION)
    assert labels[IN_PREPARATION] == "In Preparation"
    assert labels[TO_CHECK] == "To Check"
    assert EXCEPTION_STATUSES == {"to_check", "to_complete"}


# -- status body ------------------------------------------------------------------------------


def test_status_body_is_exact():
    parcel = Tracking("JD0001", "DHL", "DHL Parcel", "https://track.example/JD0001")
    body = orders.status_body(
        "M-1", SHIPPED, [("M-1-1", SHIPPED, 2.0), ("M-1-2", IN_PREPARATION, 1.5)], [parcel]
    )
    assert body == {
        "id": "M-1",
        "status": "shipped",
        "lines": [
            {"id": "M-1-1", "status": "shipped", "quantity": 2},
            {"id": "M-1-2", "status": "in_preparation", "quantity": 1.5},
        ],
        "tracking": [
            {
                "number": "JD0001",
                "carrier_code": "DHL",
                "service": "DHL Parcel",
                "url": "https://track.example/JD0001",
            }
        ],
    }
    assert isinstance(body["lines"][0]["quantity"], int)
    assert orders.status_body("M-2", ACCEPTED, [])["tracking"] == []
    assert orders.status_body("M-2", ACCEPTED, [(7, ACCEPTED, 0.1 + 0.2 + 2.7)])["lines"] == [
        {"id": "7", "status": "accepted", "quantity": 3}
    ]
    with pytest.raises(ValueError, match="unknown status"):
        orders.status_body("M-3", "sent", [])


@given(st.lists(st.floats(0, 10**6, allow_nan=False), max_size=5))
def test_status_body_quantities_are_ints_when_whole(quantities_):
    body = orders.status_body("O", ACCEPTED, [(n, ACCEPTED, q) for n, q in enumerate(quantities_)])
    assert json.loads(json.dumps(body)) == body
    for line, qty in zip(body["lines"], quantities_, strict=True):
        assert line["quantity"] == pytest.approx(qty, abs=orders.EPSILON)
        assert isinstance(line["quantity"], int) == (abs(qty - round(qty)) <= orders.EPSILON)


# -- clients ----------------------------------------------------------------------------------


def test_signed_order_request_is_signed_and_parses():
    body, headers = orders.signed_order_request(SECRET, GENERIC)
    assert headers["Content-Type"] == "application/json"
    assert verify_hex(SECRET, body, headers["X-Channel-Signature"])
    assert orders.parse_generic_order(body).id == "M-1"


def test_shopify_webhook_request_has_shopify_headers():
    before = datetime.now(UTC).replace(microsecond=0)
    body, headers = orders.shopify_webhook_request(SECRET, SHOPIFY, "orders/create", "wh-1")
    assert verify_b64(SECRET, body, headers["X-Shopify-Hmac-Sha256"])
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Webhook-Id"] == "wh-1"
    assert headers["X-Shopify-Shop-Domain"] == "test.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2026-01"
    triggered = datetime.fromisoformat(headers["X-Shopify-Triggered-At"])
    assert before <= triggered <= datetime.now(UTC)
    assert orders.parse_shopify_order(body).name == "#1001"


# -- properties -------------------------------------------------------------------------------

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
ids = st.one_of(
    st.integers(0, 10**18),
    text.map(str.strip).filter(bool),
)
cents = st.integers(0, 10**7)
generic_lines = st.lists(
    st.tuples(ids, text.map(str.strip).filter(bool), st.integers(1, 1000), cents),
    min_size=1,
    max_size=6,
    unique_by=lambda row: str(row[0]),
)


@given(
    order_id=ids,
    created_at=st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)),
    name=text.map(str.strip).filter(bool),
    email=text,
    country=st.sampled_from(["be", "FR", " nl "]),
    lines=generic_lines,
    shipping=cents,
)
def test_generic_orders_round_trip(order_id, created_at, name, email, country, lines, shipping):
    total = sum(qty * price for _id, _sku, qty, price in lines) + shipping
    payload = {
        "id": order_id,
        "created_at": created_at.isoformat() + "Z",
        "currency": "eur",
        "customer": {"name": name, "email": email},
        "shipping_address": {"city": "Gent", "country_code": country},
        "lines": [
            {"id": line_id, "sku": sku, "quantity": qty, "price_unit": price / 100}
            for line_id, sku, qty, price in lines
        ],
        "shipping_amount": shipping / 100,
        "total_amount": total / 100,
    }
    order = orders.parse_generic_order(_raw(payload))
    assert order.id == str(order_id)
    assert order.created_at == created_at
    assert order.currency == "EUR"
    assert order.customer == Customer(name, email.strip())
    assert order.shipping_address == Address(city="Gent", country_code=country.strip().upper())
    assert order.lines == tuple(
        OrderLine(str(line_id), sku, qty, Decimal(str(price / 100)))
        for line_id, sku, qty, price in lines
    )
    assert [line.price_unit * 100 for line in order.lines] == [row[3] for row in lines]
    assert order.shipping_amount * 100 == shipping
    assert orders.totals_problem(order) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=12,
)
order_keys = st.sampled_from(
    [*GENERIC, *SHOPIFY, "price", "price_unit", "quantity", "sku", "first_name", "order_id"]
)


@given(st.dictionaries(order_keys, json_values, max_size=8), st.binary(max_size=30))
def test_parsers_raise_nothing_but_payload_errors(data, noise):
    for raw in (_raw(data), noise, _raw({**GENERIC, **data}), _raw({**SHOPIFY, **data})):
        for parse in (
            orders.parse_generic_order,
            orders.parse_shopify_order,
            orders.parse_cancel,
            orders.parse_return,
        ):
            try:
                parsed = parse(raw)
            except PayloadError as error:
                assert str(error)
                continue
            if isinstance(parsed, Order):
                problem = orders.totals_problem(parsed)
                assert problem is None or problem.startswith("totals do not add up")
                assert len(orders.address_problems(parsed.shipping_address)) <= 5
            else:
                assert parsed["id"]
