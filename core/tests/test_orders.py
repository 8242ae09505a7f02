"""Inbound orders: generic JSON parsing and judging (no Odoo)."""

import copy
import re
import time
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import orders
from core.connectors import shopify_orders
from core.orders import Address, Customer, Order, OrderLine
from core.payload import PayloadError
from core.tests.samples import (
    GENERIC,
    SHOPIFY,
    WHEN,
    encoded,
    generic,
    set_to,
    without,
)


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
    order = orders.parse_generic_order(encoded(GENERIC))
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
    payload = generic(id=42, shipping_amount=0.1, total_amount=25.3)
    payload["lines"] = [{"id": 7, "sku": "A", "quantity": 3.0, "price_unit": 8.4}]
    order = orders.parse_generic_order(encoded(payload))
    assert order.id == "42"
    assert order.lines == (OrderLine("7", "A", 3, Decimal("8.4")),)
    assert order.shipping_amount == Decimal("0.1")
    assert order.total_amount == Decimal("25.3")
    assert orders.totals_problem(order) is None  # 3 * 8.4 + 0.1, no float noise


def test_dates_are_naive_utc_and_codes_upper_cased():
    payload = generic(created_at="2026-11-23T12:30:00+02:30", currency=" usd ")
    payload["shipping_address"]["country_code"] = " be "
    order = orders.parse_generic_order(encoded(payload))
    assert order.created_at == WHEN
    assert order.created_at.tzinfo is None
    assert order.currency == "USD"
    assert order.shipping_address.country_code == "BE"
    naive = orders.parse_generic_order(encoded(generic(created_at="2026-11-23T10:00:00")))
    assert naive.created_at == WHEN


def test_shipping_amount_may_be_absent_and_unknown_fields_are_ignored():
    payload = generic(total_amount=25.1, note="leave at the door")
    del payload["shipping_amount"]
    order = orders.parse_generic_order(encoded(payload))
    assert order.shipping_amount == Decimal(0)
    assert orders.totals_problem(order) is None


def test_an_incomplete_address_is_not_a_payload_error():
    order = orders.parse_generic_order(encoded(generic(shipping_address={"city": None})))
    assert order.shipping_address == Address()
    assert orders.address_problems(order.shipping_address) == [
        "shipping_address.name is missing",
        "shipping_address.street is missing",
        "shipping_address.zip is missing",
        "shipping_address.city is missing",
        "shipping_address.country_code is missing",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (without("id"), "id is missing"),
        (set_to("id", "  "), "id is missing"),
        (set_to("id", None), "id is missing"),
        (set_to("id", ["M-1"]), "id must be a string"),
        (set_to("id", True), "id must be a string"),
        (without("created_at"), "created_at is missing"),
        (set_to("created_at", "yesterday"), "created_at must be an ISO 8601 date and time"),
        (set_to("created_at", "2026-13-01T00:00:00Z"), "created_at must be an ISO 8601"),
        (without("currency"), "currency is missing"),
        (set_to("currency", "EURO"), "currency must be a 3-letter ISO currency code"),
        (set_to("currency", "E1R"), "currency must be a 3-letter ISO currency code"),
        (set_to("currency", "€UR"), "currency must be a 3-letter ISO currency code"),
        (without("customer"), "customer is missing"),
        (set_to("customer", "Ann"), "customer must be an object"),
        (without("customer", "name"), "customer.name is missing"),
        (set_to("customer", "name", ""), "customer.name is missing"),
        (set_to("customer", "email", {"a": 1}), "customer.email must be a string"),
        (without("shipping_address"), "shipping_address is missing"),
        (set_to("shipping_address", []), "shipping_address must be an object"),
        (set_to("shipping_address", "zip", 1.5), "shipping_address.zip must be a string"),
        (without("lines"), "lines is missing"),
        (set_to("lines", []), "lines must be a non-empty list"),
        (set_to("lines", {"id": "x"}), "lines must be a non-empty list"),
        (set_to("lines", 1, "nope"), "lines[1] must be an object"),
        (without("lines", 0, "id"), "lines[0].id is missing"),
        (set_to("lines", 1, "id", ""), "lines[1].id is missing"),
        (set_to("lines", 1, "id", "M-1-1"), "lines[1].id 'M-1-1' is already the id of lines[0]"),
        (without("lines", 0, "sku"), "lines[0].sku is missing"),
        (set_to("lines", 0, "sku", ""), "lines[0].sku is missing"),
        (without("lines", 0, "quantity"), "lines[0].quantity is missing"),
        (set_to("lines", 0, "quantity", 0), "lines[0].quantity must be a positive integer"),
        (set_to("lines", 0, "quantity", -1), "lines[0].quantity must be a positive integer"),
        (set_to("lines", 0, "quantity", 1.5), "lines[0].quantity must be a positive integer"),
        (set_to("lines", 0, "quantity", True), "lines[0].quantity must be a positive integer"),
        (set_to("lines", 0, "quantity", "2"), "lines[0].quantity must be a positive integer"),
        (set_to("lines", 0, "quantity", 10**10), "lines[0].quantity must be at most 1000000000"),
        (without("lines", 0, "price_unit"), "lines[0].price_unit is missing"),
        (set_to("lines", 0, "price_unit", -0.01), "lines[0].price_unit must be a number >= 0"),
        (set_to("lines", 0, "price_unit", False), "lines[0].price_unit must be a number >= 0"),
        (set_to("lines", 0, "price_unit", "12.5"), "lines[0].price_unit must be a number >= 0"),
        (set_to("lines", 0, "price_unit", 1e300), "lines[0].price_unit must be at most"),
        (set_to("shipping_amount", -1), "shipping_amount must be a number >= 0"),
        (set_to("shipping_amount", True), "shipping_amount must be a number >= 0"),
        (without("total_amount"), "total_amount is missing"),
        (set_to("total_amount", None), "total_amount is missing"),
        (set_to("total_amount", -5), "total_amount must be a number >= 0"),
        (set_to("total_amount", [30]), "total_amount must be a number >= 0"),
    ],
)
def test_every_unusable_field_is_a_payload_error_naming_it(change, message):
    payload = copy.deepcopy(GENERIC)
    change(payload)
    with pytest.raises(PayloadError) as caught:
        orders.parse_generic_order(encoded(payload))
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
    for parse in (orders.parse_generic_order, shopify_orders.parse_order, orders.parse_cancel):
        with pytest.raises(PayloadError) as caught:
            parse(raw)
        assert str(caught.value).startswith(message)


def _with_number(field, number):
    """The generic order body with ``number`` (JSON text) as the first line's ``field``."""
    payload = generic()
    payload["lines"][0][field] = "NUMBER"
    return encoded(payload).replace(b'"NUMBER"', number.encode())


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
    raw = encoded(GENERIC)
    expected = orders.parse_generic_order(raw)
    assert orders.parse_generic_order(b"\xef\xbb\xbf" + raw) == expected
    assert orders.parse_generic_order(raw.decode()) == expected


# -- cancellations and returns ---------------------------------------------------------


RETURN = {
    "type": "return",
    "id": "R-1",
    "order_id": "M-1",
    "lines": [{"id": "M-1-1", "quantity": 1}],
}


def test_cancellation_body():
    assert orders.parse_cancel(b'{"type": "cancel", "id": "M-1", "reason": "fraud"}') == {
        "id": "M-1",
        "reason": "fraud",
    }
    assert orders.parse_cancel(b'{"type": "cancel", "id": 17}') == {"id": "17", "reason": ""}
    assert orders.parse_cancel(b'{"type": "cancel", "id": 17, "reason": null}') == {
        "id": "17",
        "reason": "",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"type": "cancel"}, "id is missing"),
        ({"type": "cancel", "id": ""}, "id is missing"),
        ({"type": "cancel", "id": "M-1", "reason": 3.5}, "reason must be a string"),
        ({"id": "M-1"}, "type is missing: a cancel message says so (type: 'cancel')"),
        ({"type": "order", "id": "M-1"}, "type is 'order': this route takes 'cancel' messages"),
    ],
)
def test_cancellation_errors(payload, message):
    with pytest.raises(PayloadError, match=f"^{re.escape(message)}$"):
        orders.parse_cancel(encoded(payload))


def test_every_message_says_what_it_is():
    """A signed order cannot serve as a cancellation or a return, nor the other way."""
    order = encoded(GENERIC)
    with pytest.raises(PayloadError, match="type is missing"):
        orders.parse_cancel(order)
    with pytest.raises(PayloadError, match="type is missing"):
        orders.parse_return(order)
    assert orders.parse_generic_order(encoded({**GENERIC, "type": "order"})).id == "M-1"
    with pytest.raises(PayloadError, match="type is 'cancel': this route takes 'order'"):
        orders.parse_generic_order(encoded({**GENERIC, "type": "cancel"}))
    with pytest.raises(PayloadError, match="type is 'return': this route takes 'cancel'"):
        orders.parse_cancel(encoded({**RETURN, "type": "return"}))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("customer", "name"), "Ann\x00", "customer.name contains a NUL character"),
        (("lines", 0, "sku"), "W\ud800", "lines[0].sku contains an unpaired surrogate"),
        (("shipping_address", "note"), "\x00", "shipping_address.note contains a NUL"),
    ],
)
def test_nul_characters_and_lone_surrogates_are_payload_errors_naming_the_field(
    path, value, message
):
    payload = generic()
    set_to(*path, value)(payload)
    with pytest.raises(PayloadError, match=re.escape(message)):
        orders.parse_generic_order(encoded(payload))
    with pytest.raises(PayloadError, match="a key of body contains a NUL"):
        orders.parse_generic_order(encoded({**GENERIC, "li\x00nes": []}))


def test_return_request_is_normalised():
    payload = {
        "type": "return",
        "id": 9,
        "order_id": "M-1",
        "lines": [{"id": "M-1-1", "quantity": 2}, {"id": 5, "quantity": 1.0}],
        "reason": "too small",
    }
    assert orders.parse_return(encoded(payload)) == {
        "id": "9",
        "order_id": "M-1",
        "lines": [{"id": "M-1-1", "quantity": 2}, {"id": "5", "quantity": 1}],
        "reason": "too small",
    }
    del payload["reason"]
    assert orders.parse_return(encoded(payload))["reason"] == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (without("id"), "id is missing"),
        (without("order_id"), "order_id is missing"),
        (set_to("order_id", {"id": 1}), "order_id must be a string"),
        (without("lines"), "lines is missing"),
        (set_to("lines", []), "lines must be a non-empty list"),
        (set_to("lines", 0, 7), "lines[0] must be an object"),
        (without("lines", 0, "id"), "lines[0].id is missing"),
        (set_to("lines", 0, "quantity", 0), "lines[0].quantity must be a positive integer"),
        (set_to("lines", 0, "quantity", 0.5), "lines[0].quantity must be a positive integer"),
        (set_to("lines", [{"id": "a", "quantity": 1}] * 2), "lines[1].id 'a' is already the id"),
        (set_to("reason", ["x"]), "reason must be a string"),
    ],
)
def test_return_errors(change, message):
    payload = copy.deepcopy(RETURN)
    change(payload)
    with pytest.raises(PayloadError) as caught:
        orders.parse_return(encoded(payload))
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


# -- properties -------------------------------------------------------------------------------

# what a channel may send as text (NUL and lone surrogates are refused, see above)
text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=12,
)
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
    order = orders.parse_generic_order(encoded(payload))
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
    for raw in (encoded(data), noise, encoded({**GENERIC, **data}), encoded({**SHOPIFY, **data})):
        for parse in (
            orders.parse_generic_order,
            shopify_orders.parse_order,
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


@pytest.mark.parametrize("state", ["paid", "pending", "unknown"])
def test_a_generic_order_may_say_its_payment_state(state):
    order = orders.parse_generic_order(encoded(generic(payment_state=state)))
    assert order.payment_state == state


def test_a_generic_order_without_payment_state_is_unknown_and_a_wrong_one_refused():
    assert orders.parse_generic_order(encoded(GENERIC)).payment_state == "unknown"
    with pytest.raises(PayloadError, match="payment_state must be one of paid, pending, unknown"):
        orders.parse_generic_order(encoded(generic(payment_state="captured")))
