"""Inbound channel orders, as plain Python: the order as the core knows it, the JSON
readers every marketplace's parser shares, the generic JSON messages, and the judging.

* Parsing: ``parse_generic_order`` turns a raw generic JSON body into an ``Order``,
  ``parse_cancel`` / ``parse_return`` the generic cancellation and return requests, or
  raise ``PayloadError`` (a body the addon cannot take: 400) naming the field. Every
  generic message says what it is (``"type"``); one sent to another kind's route is
  refused. Marketplaces' own formats are parsed next to their connectors with the same
  readers (``load_object``, ``text``, ``amount``...).
* Judging: ``totals_problem`` and ``address_problems`` say what a person must check
  or complete before the order can be imported (not a 400: the order is kept).

Amounts are Decimal (JSON numbers are read as Decimal, never through float).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Context, Decimal, InvalidOperation

from .idempotency import parse_iso_utc
from .inbound import KIND_CANCEL, KIND_ORDER, KIND_RETURN, text_problem

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
TYPE = "type"
WRONG_TYPE = "type is {!r}: this route takes {!r} messages"


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


def field_path(parent, name):
    return f"{parent}.{name}" if parent else name


def load_object(raw):
    """The JSON object of a raw body; numbers with a fraction come as Decimal. Every
    string in it (names included) must be storable text: a NUL character or a lone
    surrogate is a PayloadError naming where it is."""
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
    _check_strings(data, "")
    return data


def _check_strings(value, path):
    """PayloadError at the first string of ``value`` that PostgreSQL cannot store."""
    stack = [(value, path)]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem:
                    raise PayloadError(f"a key of {path or BODY} {problem}")
                stack.append((item, field_path(path, key)))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise PayloadError(f"{path or BODY} {problem}")


def check_type(data, expected, required=True):
    """PayloadError unless the message's ``"type"`` is ``expected`` (or absent, when not
    ``required``): a signed body says what it is, so it cannot serve on another route."""
    kind = data.get(TYPE)
    if kind is None and not required:
        return
    if kind is None:
        raise PayloadError(
            f"{TYPE} is missing: a {expected} message says so ({TYPE}: {expected!r})"
        )
    if kind != expected:
        raise PayloadError(WRONG_TYPE.format(kind, expected))


def _no_constant(name):
    raise ValueError(f"{name} is not a number")


def read_object(data, name, parent="", required=True):
    """The object under ``name``; {} when absent and not required."""
    path = field_path(parent, name)
    value = data.get(name)
    if value is None:
        if required:
            raise PayloadError(MISSING.format(path))
        return {}
    if not isinstance(value, dict):
        raise PayloadError(NOT_AN_OBJECT.format(path))
    return value


def read_text(data, name, parent="", required=False):
    """A stripped string (JSON integers, e.g. ids, as their digits); "" when absent."""
    path = field_path(parent, name)
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


def read_list(data, name, parent=""):
    path = field_path(parent, name)
    value = data.get(name)
    if value is None:
        raise PayloadError(MISSING.format(path))
    if not isinstance(value, list) or not value:
        raise PayloadError(NOT_A_LIST.format(path))
    return value


def read_items(data, name):
    """(path, object) for each element of the non-empty list ``name``."""
    rows = []
    for index, item in enumerate(read_list(data, name)):
        path = f"{name}[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(NOT_AN_OBJECT.format(path))
        rows.append((path, item))
    return rows


def read_quantity(data, name, parent):
    """A whole number > 0: an integer, or a number with no fraction (2.0); never a bool."""
    path = field_path(parent, name)
    value = data.get(name)
    if value is None:
        raise PayloadError(MISSING.format(path))
    if isinstance(value, float):
        value = to_decimal(value)  # a caller's float (shopify_expected_total of a dict)
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


def to_decimal(value):
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


def read_amount(data, name, parent="", *, default=None, strings=False):
    """A finite number >= 0 as Decimal; ``default`` when absent (None: required)."""
    path = field_path(parent, name)
    value = data.get(name)
    if value is None:
        if default is None:
            raise PayloadError(MISSING.format(path))
        return default
    if isinstance(value, str) and not strings:
        raise PayloadError(NOT_AN_AMOUNT.format(path))
    amount = to_decimal(value)
    if amount is None or amount < 0:
        raise PayloadError(NOT_AN_AMOUNT.format(path))
    if amount > MAX_AMOUNT:
        raise PayloadError(TOO_LARGE.format(path, MAX_AMOUNT))
    return amount + 0  # no "-0"


def read_created_at(data):
    name = "created_at"
    value = read_text(data, name, required=True)
    try:
        return parse_iso_utc(value).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise PayloadError(NOT_A_DATETIME.format(name)) from None


def read_currency(data):
    name = "currency"
    code = read_text(data, name, required=True).upper()
    if len(code) != CURRENCY_LENGTH or not (code.isascii() and code.isalpha()):
        raise PayloadError(NOT_A_CURRENCY.format(name))
    return code


def check_unique_ids(ids, prefix):
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
    )


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
