"""Reading a channel's JSON payload: the readers every marketplace's parser shares.

Each reader takes a field of a decoded JSON object and returns it in the core's terms, or
raises ``PayloadError`` naming the field's path (``lines[0].quantity``) and what is wrong.
Numbers with a fraction are read as Decimal, never through float; every string must be
storable text (no NUL character, no lone surrogate).
"""

import json
from decimal import Decimal, InvalidOperation

from .idempotency import parse_iso_utc
from .inbound import text_problem

CURRENCY_LENGTH = 3
# Beyond these a payload is not an order but a mistake (and Decimal sums stay exact).
MAX_QUANTITY = 10**9
MAX_AMOUNT = Decimal(10) ** 12

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
BODY = "body"
TYPE = "type"
WRONG_TYPE = "type is {!r}: this route takes {!r} messages"


class PayloadError(ValueError):
    """A body the addon cannot take; ``str(error)`` names the field and what is wrong."""


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
        value = to_decimal(value)  # a float from a dict not read by load_object
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


def read_created_at(data, name="created_at"):
    """A naive UTC datetime from an ISO 8601 field (no offset: UTC)."""
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
