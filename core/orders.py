"""Inbound channel orders, as plain Python: the order as the core knows it, the generic
JSON messages, and the judging.

* Parsing: ``parse_generic_order`` turns a raw generic JSON body into an ``Order``,
  ``parse_cancel`` / ``parse_return`` the generic cancellation and return requests, or
  raise ``PayloadError`` (a body the addon cannot take: 400) naming the field. Every
  generic message says what it is (``"type"``); one sent to another kind's route is
  refused. Marketplaces' own formats are parsed next to their connectors with the same
  readers (core.payload).
* Judging: ``totals_problem`` and ``address_problems`` say what a person must check
  or complete before the order can be imported (not a 400: the order is kept).

Amounts are Decimal (JSON numbers are read as Decimal, never through float).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Context, Decimal

from .inbound import KIND_CANCEL, KIND_ORDER, KIND_RETURN
from .payload import (
    MISSING,
    PayloadError,
    check_type,
    check_unique_ids,
    field_path,
    load_object,
    read_amount,
    read_created_at,
    read_currency,
    read_items,
    read_object,
    read_quantity,
    read_text,
)

# The fields of a shipping address, and those an importable order needs.
ADDRESS_FIELDS = ("name", "street", "street2", "zip", "city", "country_code")
ADDRESS_REQUIRED = ("name", "street", "zip", "city", "country_code")
SHIPPING_ADDRESS = "shipping_address"
DEFAULT_TOLERANCE = Decimal("0.01")
CENT = Decimal("0.01")
# Amounts in messages: rounded to this, with room for every digit of the largest sum.
SMALLEST_SHOWN = Decimal("0.000001")
WIDE_CONTEXT = Context(prec=60)
ZERO = Decimal(0)
NO_CUSTOMER_NAME = "customer has no name: no customer name, shipping_address name or email"
# Whether the customer has paid, as each platform says it (the rules' payment condition):
# paid, pending (not paid or not debited yet), unknown (the platform does not say)
PAID = "paid"
PENDING = "pending"
UNKNOWN = "unknown"
PAYMENT_STATES = (PAID, PENDING, UNKNOWN)
PAYMENT_STATE = "payment_state"
NOT_A_PAYMENT_STATE = "payment_state must be one of " + ", ".join(PAYMENT_STATES)


@dataclass(frozen=True)
class Customer:
    name: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Address:
    name: str = ""
    street: str = ""
    street2: str = ""
    zip: str = ""
    city: str = ""
    country_code: str = ""  # upper-cased


@dataclass(frozen=True)
class OrderLine:
    id: str
    sku: str  # "" when the channel gave none (judged later as an unknown SKU)
    quantity: int
    price_unit: Decimal


@dataclass(frozen=True)
class Order:
    """A channel order as received; ``adjustments`` are added to the expected total
    (Shopify: minus discounts, plus taxes when prices exclude them)."""

    id: str
    created_at: datetime  # naive UTC
    currency: str  # upper-cased ISO code
    customer: Customer
    shipping_address: Address
    lines: tuple  # of OrderLine
    shipping_amount: Decimal
    total_amount: Decimal
    cancelled: bool = False  # Shopify: cancelled_at set
    name: str = ""  # the channel's display reference (Shopify "#1001"), "" for generic
    adjustments: Decimal = ZERO
    # the channel shows the customer's address only once the order is accepted (Mirakl's
    # WAITING_ACCEPTANCE): reserved and accepted without it, completed by a later version
    address_later: bool = False
    payment_state: str = UNKNOWN  # PAYMENT_STATES


# -- generic JSON ----------------------------------------------------------------------


def parse_generic_order(raw):
    """The Order of a generic JSON order body (bytes); PayloadError when unusable."""
    data = load_object(raw)
    check_type(data, KIND_ORDER, required=False)
    order_id = read_text(data, "id", required=True)
    created_at = read_created_at(data)
    currency = read_currency(data)
    customer = read_object(data, "customer")
    address = read_object(data, SHIPPING_ADDRESS)
    lines = tuple(
        OrderLine(
            id=read_text(item, "id", path, required=True),
            sku=read_text(item, "sku", path, required=True),
            quantity=read_quantity(item, "quantity", path),
            price_unit=read_amount(item, "price_unit", path),
        )
        for path, item in read_items(data, "lines")
    )
    check_unique_ids([line.id for line in lines], "lines")
    return Order(
        id=order_id,
        created_at=created_at,
        currency=currency,
        customer=Customer(
            name=read_text(customer, "name", "customer", required=True),
            email=read_text(customer, "email", "customer"),
            phone=read_text(customer, "phone", "customer"),
        ),
        shipping_address=make_address(
            {name: read_text(address, name, SHIPPING_ADDRESS) for name in ADDRESS_FIELDS}
        ),
        lines=lines,
        shipping_amount=read_amount(data, "shipping_amount", default=ZERO),
        total_amount=read_amount(data, "total_amount"),
        payment_state=read_payment_state(data),
    )


def read_payment_state(data):
    """The optional ``payment_state`` of a generic order ("paid", "pending", "unknown";
    absent: unknown); PayloadError for any other value."""
    state = read_text(data, PAYMENT_STATE) or UNKNOWN
    if state not in PAYMENT_STATES:
        raise PayloadError(NOT_A_PAYMENT_STATE)
    return state


def make_address(values):
    return Address(**{**values, "country_code": values.get("country_code", "").upper()})


def parse_cancel(raw):
    """``{"type": "cancel", "id": <order id>, "reason": <optional>}`` ->
    {"id": str, "reason": str}."""
    data = load_object(raw)
    check_type(data, KIND_CANCEL)
    return {"id": read_text(data, "id", required=True), "reason": read_text(data, "reason")}


def parse_return(raw):
    """A generic return request (``"type": "return"``) ->
    {"id", "order_id", "lines": [{"id", "quantity"}], "reason"}."""
    data = load_object(raw)
    check_type(data, KIND_RETURN)
    return_id = read_text(data, "id", required=True)
    order_id = read_text(data, "order_id", required=True)
    lines = [
        {
            "id": read_text(item, "id", path, required=True),
            "quantity": read_quantity(item, "quantity", path),
        }
        for path, item in read_items(data, "lines")
    ]
    check_unique_ids([line["id"] for line in lines], "lines")
    return {
        "id": return_id,
        "order_id": order_id,
        "lines": lines,
        "reason": read_text(data, "reason"),
    }


# -- judging ----------------------------------------------------------------------------


def lines_amount(order):
    return sum((line.quantity * line.price_unit for line in order.lines), ZERO)


def expected_total(order):
    """Lines + shipping + adjustments: what ``total_amount`` should be."""
    return lines_amount(order) + order.shipping_amount + order.adjustments


def _money(value):
    """At least two decimals, more when the amount has them (up to six): 20.00, 1.125."""
    value = value.normalize() + 0  # no "-0"
    exponent = value.as_tuple().exponent
    if exponent > -2:
        value = value.quantize(CENT, context=WIDE_CONTEXT)
    elif exponent < SMALLEST_SHOWN.as_tuple().exponent:
        value = value.quantize(SMALLEST_SHOWN, context=WIDE_CONTEXT)
    return format(value, "f")


def totals_problem(order, tolerance=DEFAULT_TOLERANCE):
    """None when the lines, shipping and adjustments add up to the order's total within
    ``tolerance`` per line (at least one); otherwise why not."""
    expected = expected_total(order)
    if abs(expected - order.total_amount) <= tolerance * max(1, len(order.lines)):
        return None
    terms = f"lines {_money(lines_amount(order))} + shipping {_money(order.shipping_amount)}"
    if order.adjustments:
        terms += f" + discounts and taxes {_money(order.adjustments)}"
    return (
        f"totals do not add up: {terms} = {_money(expected)}, "
        f"total_amount is {_money(order.total_amount)}"
    )


def address_problems(address):
    """What a shipping address lacks: ["shipping_address.street is missing", ...]."""
    return [
        MISSING.format(field_path(SHIPPING_ADDRESS, name))
        for name in ADDRESS_REQUIRED
        if not (getattr(address, name) or "").strip()
    ]
