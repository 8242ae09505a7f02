"""Inbound channel orders and the unified order status, as plain Python.

* Parsing: ``parse_generic_order`` / ``parse_shopify_order`` turn a raw webhook body
  into an ``Order``, or raise ``PayloadError`` (a body the addon cannot take: 400)
  naming the field. ``parse_cancel`` / ``parse_return``: the generic cancellation
  and return requests.
* Judging: ``totals_problem`` and ``address_problems`` say what a person must check
  or complete before the order can be imported (not a 400: the order is kept).
* Status: ``line_status`` derives a line's status from facts the ORM gathers,
  ``order_status`` the order's from its lines; ``status_body`` is what is pushed.
* Test clients: ``signed_order_request`` / ``shopify_webhook_request``.

Amounts are Decimal (JSON numbers are read as Decimal, never through float).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Context, Decimal, InvalidOperation

from .allocation import EPSILON
from .connectors.base import DEFAULT_API_VERSION, HEADER_CONTENT_TYPE, JSON_CONTENT_TYPE
from .connectors.generic_json import HEADER_SIGNATURE
from .idempotency import iso_utc, parse_iso_utc, utc_now
from .signing import sign_b64, sign_hex

# -- unified status vocabulary ---------------------------------------------------

CREATED = "created"
ACCEPTED = "accepted"
IN_PREPARATION = "in_preparation"
SHIPPED = "shipped"
DELIVERED = "delivered"
CLOSED = "closed"
CANCELLED = "cancelled"
RETURNED = "returned"
TO_CHECK = "to_check"
TO_COMPLETE = "to_complete"
# Ordered (code, label) pairs, usable as an Odoo selection.
STATUS_SELECTION = [
    (CREATED, "Created"),
    (ACCEPTED, "Accepted"),
    (IN_PREPARATION, "In Preparation"),
    (SHIPPED, "Shipped"),
    (DELIVERED, "Delivered"),
    (CLOSED, "Closed"),
    (CANCELLED, "Cancelled"),
    (RETURNED, "Returned"),
    (TO_CHECK, "To Check"),
    (TO_COMPLETE, "To Complete"),
]
STATUSES = frozenset(code for code, _label in STATUS_SELECTION)
# Statuses of an order held for a person (the channel's order is not imported as is).
EXCEPTION_STATUSES = frozenset({TO_CHECK, TO_COMPLETE})
# What line_status can answer (an order is closed or to complete, never a line).
LINE_STATUSES = STATUSES - {CLOSED, TO_COMPLETE}
# Line statuses at or past the shipment to the customer.
_OUT = frozenset({SHIPPED, DELIVERED, RETURNED})
_DONE = frozenset({DELIVERED, RETURNED})
_STARTED = _OUT | {IN_PREPARATION}

# -- wire format -----------------------------------------------------------------

HEADER_SHOPIFY_HMAC = "X-Shopify-Hmac-Sha256"
HEADER_SHOPIFY_TOPIC = "X-Shopify-Topic"
HEADER_SHOPIFY_WEBHOOK_ID = "X-Shopify-Webhook-Id"
HEADER_SHOPIFY_SHOP_DOMAIN = "X-Shopify-Shop-Domain"
HEADER_SHOPIFY_API_VERSION = "X-Shopify-API-Version"
HEADER_SHOPIFY_TRIGGERED_AT = "X-Shopify-Triggered-At"
TEST_SHOP_DOMAIN = "test.myshopify.com"

# The fields of a shipping address, and those an importable order needs.
ADDRESS_FIELDS = ("name", "street", "street2", "zip", "city", "country_code")
ADDRESS_REQUIRED = ("name", "street", "zip", "city", "country_code")
SHIPPING_ADDRESS = "shipping_address"
CURRENCY_LENGTH = 3
# Beyond these a payload is not an order but a mistake (and Decimal sums stay exact).
MAX_QUANTITY = 10**9
MAX_AMOUNT = Decimal(10) ** 12
DEFAULT_TOLERANCE = Decimal("0.01")
CENT = Decimal("0.01")
# Amounts in messages: rounded to this, with room for every digit of the largest sum.
SMALLEST_SHOWN = Decimal("0.000001")
WIDE_CONTEXT = Context(prec=60)
ZERO = Decimal(0)

# PayloadError messages; {} is the field's path, e.g. lines[0].quantity.
INVALID_JSON = "body is not valid JSON: {}"
NOT_AN_OBJECT = "{} must be an object"
MISSING = "{} is missing"
NOT_TEXT = "{} must be a string"
NOT_A_LIST = "{} must be a non-empty list"
NOT_A_QUANTITY = "{} must be a positive integer"
NOT_AN_AMOUNT = "{} must be a number >= 0"
TOO_LARGE = "{} must be at most {}"
NOT_A_DATETIME = "{} must be an ISO 8601 date and time"
NOT_A_CURRENCY = "{} must be a 3-letter ISO currency code"
DUPLICATE_ID = "{} {!r} is already the id of {}"
NO_CUSTOMER_NAME = "customer has no name: no customer name, shipping_address name or email"
BODY = "body"


class PayloadError(ValueError):
    """A body the addon cannot take; ``str(error)`` names the field and what is wrong."""


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


# -- reading JSON --------------------------------------------------------------------


def _path(parent, name):
    return f"{parent}.{name}" if parent else name


def _load_object(raw):
    """The JSON object of a raw body; numbers with a fraction come as Decimal."""
    try:
        text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8-sig")
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise PayloadError(INVALID_JSON.format(f"not UTF-8 ({exc.reason})")) from None
    except RecursionError:
        raise PayloadError(INVALID_JSON.format("nested too deeply")) from None
    except ValueError as exc:
        raise PayloadError(INVALID_JSON.format(exc)) from None
    if not isinstance(data, dict):
        raise PayloadError(NOT_AN_OBJECT.format(BODY))
    return data


def _no_constant(name):
    raise ValueError(f"{name} is not a number")


def _object(data, name, parent="", required=True):
    """The object under ``name``; {} when absent and not required."""
    path = _path(parent, name)
    value = data.get(name)
    if value is None:
        if required:
            raise PayloadError(MISSING.format(path))
        return {}
    if not isinstance(value, dict):
        raise PayloadError(NOT_AN_OBJECT.format(path))
    return value


def _text(data, name, parent="", required=False):
    """A stripped string (JSON integers, e.g. ids, as their digits); "" when absent."""
    path = _path(parent, name)
    value = data.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif value is None:
        value = ""
    elif not isinstance(value, str):
        raise PayloadError(NOT_TEXT.format(path))
    value = value.strip()
    if required and not value:
        raise PayloadError(MISSING.format(path))
    return value


def _list(data, name, parent=""):
    path = _path(parent, name)
    value = data.get(name)
    if value is None:
        raise PayloadError(MISSING.format(path))
    if not isinstance(value, list) or not value:
        raise PayloadError(NOT_A_LIST.format(path))
    return value


def _items(data, name):
    """(path, object) for each element of the non-empty list ``name``."""
    rows = []
    for index, item in enumerate(_list(data, name)):
        path = f"{name}[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(NOT_AN_OBJECT.format(path))
        rows.append((path, item))
    return rows


def _quantity(data, name, parent):
    """A whole number > 0: an integer, or a number with no fraction (2.0); never a bool."""
    path = _path(parent, name)
    value = data.get(name)
    if value is None:
        raise PayloadError(MISSING.format(path))
    if isinstance(value, float):
        value = _decimal(value)  # a caller's float (shopify_expected_total of a dict)
    if isinstance(value, Decimal):  # checked before int(): int(Decimal("1E+999999")) is slow
        if not value.is_finite() or value <= 0 or value != value.to_integral_value():
            raise PayloadError(NOT_A_QUANTITY.format(path))
        if value > MAX_QUANTITY:
            raise PayloadError(TOO_LARGE.format(path, MAX_QUANTITY))
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PayloadError(NOT_A_QUANTITY.format(path))
    if value > MAX_QUANTITY:
        raise PayloadError(TOO_LARGE.format(path, MAX_QUANTITY))
    return value


def _decimal(value):
    """Decimal of a number (or, for Shopify, of a numeric string); None if it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = str(value)  # a caller's float: its shortest repr, not its binary noise
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            return None
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        return None
    return value


def _amount(data, name, parent="", *, default=None, strings=False):
    """A finite number >= 0 as Decimal; ``default`` when absent (None: required)."""
    path = _path(parent, name)
    value = data.get(name)
    if value is None:
        if default is None:
            raise PayloadError(MISSING.format(path))
        return default
    if isinstance(value, str) and not strings:
        raise PayloadError(NOT_AN_AMOUNT.format(path))
    amount = _decimal(value)
    if amount is None or amount < 0:
        raise PayloadError(NOT_AN_AMOUNT.format(path))
    if amount > MAX_AMOUNT:
        raise PayloadError(TOO_LARGE.format(path, MAX_AMOUNT))
    return amount + 0  # no "-0"


def _created_at(data):
    name = "created_at"
    value = _text(data, name, required=True)
    try:
        return parse_iso_utc(value).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise PayloadError(NOT_A_DATETIME.format(name)) from None


def _currency(data):
    name = "currency"
    code = _text(data, name, required=True).upper()
    if len(code) != CURRENCY_LENGTH or not (code.isascii() and code.isalpha()):
        raise PayloadError(NOT_A_CURRENCY.format(name))
    return code


def _unique_ids(ids, prefix):
    """PayloadError when two lines of the list ``prefix`` share an id."""
    seen = {}
    for index, line_id in enumerate(ids):
        if line_id in seen:
            path = f"{prefix}[{index}].id"
            raise PayloadError(DUPLICATE_ID.format(path, line_id, f"{prefix}[{seen[line_id]}]"))
        seen[line_id] = index


# -- generic JSON ----------------------------------------------------------------------


def parse_generic_order(raw):
    """The Order of a generic JSON order body (bytes); PayloadError when unusable."""
    data = _load_object(raw)
    order_id = _text(data, "id", required=True)
    created_at = _created_at(data)
    currency = _currency(data)
    customer = _object(data, "customer")
    address = _object(data, SHIPPING_ADDRESS)
    lines = tuple(
        OrderLine(
            id=_text(item, "id", path, required=True),
            sku=_text(item, "sku", path, required=True),
            quantity=_quantity(item, "quantity", path),
            price_unit=_amount(item, "price_unit", path),
        )
        for path, item in _items(data, "lines")
    )
    _unique_ids([line.id for line in lines], "lines")
    return Order(
        id=order_id,
        created_at=created_at,
        currency=currency,
        customer=Customer(
            name=_text(customer, "name", "customer", required=True),
            email=_text(customer, "email", "customer"),
            phone=_text(customer, "phone", "customer"),
        ),
        shipping_address=_address(
            {name: _text(address, name, SHIPPING_ADDRESS) for name in ADDRESS_FIELDS}
        ),
        lines=lines,
        shipping_amount=_amount(data, "shipping_amount", default=ZERO),
        total_amount=_amount(data, "total_amount"),
    )


def _address(values):
    return Address(**{**values, "country_code": values.get("country_code", "").upper()})


def parse_cancel(raw):
    """``{"id": <order id>, "reason": <optional>}`` -> {"id": str, "reason": str}."""
    data = _load_object(raw)
    return {"id": _text(data, "id", required=True), "reason": _text(data, "reason")}


def parse_return(raw):
    """A generic return request -> {"id", "order_id", "lines": [{"id", "quantity"}], "reason"}."""
    data = _load_object(raw)
    return_id = _text(data, "id", required=True)
    order_id = _text(data, "order_id", required=True)
    lines = [
        {
            "id": _text(item, "id", path, required=True),
            "quantity": _quantity(item, "quantity", path),
        }
        for path, item in _items(data, "lines")
    ]
    _unique_ids([line["id"] for line in lines], "lines")
    return {"id": return_id, "order_id": order_id, "lines": lines, "reason": _text(data, "reason")}


# -- Shopify --------------------------------------------------------------------------


def parse_shopify_order(raw):
    """The Order of a Shopify order webhook (orders/create, orders/cancelled)."""
    return _shopify_order(_load_object(raw))


def _full_name(data, parent):
    first = _text(data, "first_name", parent)
    last = _text(data, "last_name", parent)
    return f"{first} {last}".strip()


def _shopify_order(data):
    order_id = _text(data, "id", required=True)
    created_at = _created_at(data)
    currency = _currency(data)
    customer = _object(data, "customer", required=False)
    address = _object(data, SHIPPING_ADDRESS, required=False)
    lines = tuple(
        OrderLine(
            id=_text(item, "id", path, required=True),
            sku=_text(item, "sku", path),
            quantity=_quantity(item, "quantity", path),
            price_unit=_amount(item, "price", path, strings=True),
        )
        for path, item in _items(data, "line_items")
    )
    _unique_ids([line.id for line in lines], "line_items")
    address_name = _text(address, "name", SHIPPING_ADDRESS) or _full_name(address, SHIPPING_ADDRESS)
    email = _text(customer, "email", "customer") or _text(data, "email")
    name = _full_name(customer, "customer") or address_name or email
    if not name:
        raise PayloadError(NO_CUSTOMER_NAME)
    phone = (
        _text(customer, "phone", "customer")
        or _text(data, "phone")
        or _text(address, "phone", SHIPPING_ADDRESS)
    )
    discounts = _amount(data, "total_discounts", default=ZERO, strings=True)
    tax = _amount(data, "total_tax", default=ZERO, strings=True)
    taxes_included = data.get("taxes_included") is True
    return Order(
        id=order_id,
        created_at=created_at,
        currency=currency,
        customer=Customer(name=name, email=email, phone=phone),
        shipping_address=_address(
            {
                "name": address_name,
                "street": _text(address, "address1", SHIPPING_ADDRESS),
                "street2": _text(address, "address2", SHIPPING_ADDRESS),
                "zip": _text(address, "zip", SHIPPING_ADDRESS),
                "city": _text(address, "city", SHIPPING_ADDRESS),
                "country_code": _text(address, "country_code", SHIPPING_ADDRESS),
            }
        ),
        lines=lines,
        shipping_amount=_shopify_shipping(data),
        total_amount=_amount(data, "total_price", strings=True),
        cancelled=bool(data.get("cancelled_at")),
        name=_text(data, "name"),
        adjustments=(ZERO if taxes_included else tax) - discounts,
    )


def _shopify_shipping(data):
    """Sum of shipping_lines[].price, else total_shipping_price_set.shop_money.amount."""
    rows = data.get("shipping_lines")
    if rows:
        if not isinstance(rows, list):
            raise PayloadError(NOT_A_LIST.format("shipping_lines"))
        total = ZERO
        for index, row in enumerate(rows):
            path = f"shipping_lines[{index}]"
            if not isinstance(row, dict):
                raise PayloadError(NOT_AN_OBJECT.format(path))
            total += _amount(row, "price", path, default=ZERO, strings=True)
        return total
    price_set = _object(data, "total_shipping_price_set", required=False)
    shop_money = _object(price_set, "shop_money", "total_shipping_price_set", required=False)
    return _amount(
        shop_money, "amount", "total_shipping_price_set.shop_money", default=ZERO, strings=True
    )


def shopify_expected_total(raw_or_dict):
    """What total_price should be: lines + shipping - discounts (+ taxes when excluded)."""
    if isinstance(raw_or_dict, dict):
        return expected_total(_shopify_order(raw_or_dict))
    return expected_total(parse_shopify_order(raw_or_dict))


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
        MISSING.format(_path(SHIPPING_ADDRESS, name))
        for name in ADDRESS_REQUIRED
        if not (getattr(address, name) or "").strip()
    ]


# -- status -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    """What the ORM knows about one order line, in the product's unit."""

    ordered: float
    delivered: float = 0.0
    returned: float = 0.0
    cancelled: bool = False
    confirmed: bool = False  # order confirmed (stock reserved or backordered)
    picked: bool = False  # preparation started (some quantity picked / earlier steps done)
    shortfall: bool = False  # confirmed, unreservable, and the channel allows no backorder
    delivered_confirmed: bool = False  # the carrier/channel confirmed delivery


def _positive(qty):
    return qty > EPSILON


def _at_least(qty, other):
    return qty >= other - EPSILON


def line_status(facts):
    """The status of one line; the first rule that applies wins."""
    if facts.cancelled:
        return CANCELLED
    if _positive(facts.returned) and _positive(facts.delivered):
        if _at_least(facts.returned, facts.delivered):
            return RETURNED
    if facts.shortfall:
        return TO_CHECK
    if _positive(facts.ordered) and _at_least(facts.delivered, facts.ordered):
        return DELIVERED if facts.delivered_confirmed else SHIPPED
    if _positive(facts.delivered) or facts.picked:
        return IN_PREPARATION
    if facts.confirmed:
        return ACCEPTED
    return CREATED


def order_status(line_statuses, *, cancelled=False, exception=None, locked=False):
    """The status of an order from its lines' statuses (see line_status).

    ``exception``: TO_CHECK/TO_COMPLETE when the order is held for a person;
    ``locked``: the sale is locked (done), so a delivered order is closed.
    """
    line_statuses = list(line_statuses)
    unknown = set(line_statuses) - LINE_STATUSES
    if unknown:
        raise ValueError(f"unknown line statuses {sorted(unknown)}")
    if exception and exception not in EXCEPTION_STATUSES:
        raise ValueError(f"{exception!r} is not one of {sorted(EXCEPTION_STATUSES)}")
    if cancelled:
        return CANCELLED
    if exception:
        return exception
    if not line_statuses:
        return CREATED
    active = {status for status in line_statuses if status != CANCELLED}
    if not active:
        return CANCELLED
    if TO_CHECK in active:
        return TO_CHECK
    if active == {RETURNED}:
        return RETURNED
    if active <= _DONE:
        return CLOSED if locked else DELIVERED
    if active <= _OUT:
        return SHIPPED
    if active & _STARTED:
        return IN_PREPARATION
    if active == {ACCEPTED}:
        return ACCEPTED
    return CREATED


@dataclass(frozen=True)
class Tracking:
    """One parcel."""

    number: str
    carrier_code: str = ""
    service: str = ""
    url: str = ""


def _json_quantity(qty):
    """int when whole (within float noise), else float."""
    qty = float(qty)
    whole = round(qty)
    return whole if abs(qty - whole) <= EPSILON else qty


def status_body(order_id, status, lines, tracking=()):
    """The status push of one order; lines: iterable of (line id, status, quantity)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    return {
        "id": str(order_id),
        "status": status,
        "lines": [
            {"id": str(line_id), "status": line_state, "quantity": _json_quantity(qty)}
            for line_id, line_state, qty in lines
        ],
        "tracking": [
            {
                "number": parcel.number,
                "carrier_code": parcel.carrier_code,
                "service": parcel.service,
                "url": parcel.url,
            }
            for parcel in tracking
        ],
    }


# -- clients (tests, benches) -----------------------------------------------------------


def signed_order_request(secret, payload):
    """(raw body, headers) of a generic JSON webhook signed with ``secret``."""
    body = json.dumps(payload).encode("utf-8")
    return body, {
        HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE,
        HEADER_SIGNATURE: sign_hex(secret, body),
    }


def shopify_webhook_request(secret, payload, topic, webhook_id):
    """(raw body, headers) of a Shopify webhook delivery signed with ``secret``."""
    body = json.dumps(payload).encode("utf-8")
    return body, {
        HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE,
        HEADER_SHOPIFY_HMAC: sign_b64(secret, body),
        HEADER_SHOPIFY_TOPIC: topic,
        HEADER_SHOPIFY_WEBHOOK_ID: str(webhook_id),
        HEADER_SHOPIFY_SHOP_DOMAIN: TEST_SHOP_DOMAIN,
        HEADER_SHOPIFY_API_VERSION: DEFAULT_API_VERSION,
        HEADER_SHOPIFY_TRIGGERED_AT: iso_utc(utc_now(), timespec="milliseconds"),
    }
