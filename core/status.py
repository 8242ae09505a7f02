"""The unified order status shared with every channel, as plain Python.

``line_status`` derives a line's status from facts the ORM gathers, ``order_status`` the
order's from its lines; ``status_body`` is what is pushed to the channel.
"""

from dataclasses import asdict, dataclass, is_dataclass
from decimal import Decimal, InvalidOperation

from . import orders
from .allocation import EPSILON

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


def json_quantity(qty):
    """int when whole (within float noise), else float."""
    qty = float(qty)
    whole = round(qty)
    return whole if abs(qty - whole) <= EPSILON else qty


@dataclass(frozen=True)
class Shipment:
    """One done delivery to the customer: its name, ``lines`` ((line id, quantity), in
    the product's unit) and its parcel's Tracking, if it has one."""

    name: str
    lines: tuple = ()
    tracking: Tracking | None = None


def _parcel(parcel):
    return {
        "number": parcel.number,
        "carrier_code": parcel.carrier_code,
        "service": parcel.service,
        "url": parcel.url,
    }


def _line(line):
    """A body line from (id, status, quantity) or (id, status, quantity, returned)."""
    line_id, line_state, qty, *rest = line
    returned = rest[0] if rest else 0
    return {
        "id": str(line_id),
        "status": line_state,
        "quantity": json_quantity(qty),
        "returned": json_quantity(returned),
    }


ADDRESS_KEYS = (*orders.ADDRESS_FIELDS, "phone")
REFUND_KEYS = ("key", "line_id", "quantity", "amount", "currency", "reason")


@dataclass(frozen=True)
class Address(orders.Address):
    """A delivery address a customer-service agent set on the order (an order's address,
    with a phone)."""

    phone: str = ""


@dataclass(frozen=True)
class Refund:
    """One customer-service refund: ``key`` names it for good (the connectors send each
    key once), ``line_id`` the order line refunded (None: no line, an amount only)."""

    key: str
    line_id: object = None
    quantity: float = 0
    amount: object = "0"
    currency: str = ""
    reason: str = ""


def _as_dict(value):
    return asdict(value) if is_dataclass(value) else dict(value)


def decimal_text(amount):
    """An amount as a decimal string ("12.50"); a float loses its noise (6 decimals)."""
    if isinstance(amount, float):
        amount = round(amount, 6)
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueError(f"{amount!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not an amount")
    value = value.normalize() if isinstance(amount, float) else value
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return format(value, "f")


def _address(address):
    values = _as_dict(address)
    unknown = set(values) - set(ADDRESS_KEYS)
    if unknown:
        raise ValueError(f"unknown address keys {sorted(unknown)}")
    body = {key: str(values.get(key) or "").strip() for key in ADDRESS_KEYS}
    body["country_code"] = body["country_code"].upper()
    return body


def body_address(address):
    """The address as a status body carries it (to tell whether a body carried it)."""
    return _address(address)


def _refund(refund):
    values = _as_dict(refund)
    key = str(values.get("key") or "").strip()
    if not key:
        raise ValueError("a refund needs a key")
    line_id = values.get("line_id")
    return {
        "key": key,
        "line_id": None if line_id in (None, False, "") else str(line_id),
        "quantity": json_quantity(values.get("quantity") or 0),
        "amount": decimal_text(values.get("amount") or 0),
        "currency": str(values.get("currency") or "").upper(),
        "reason": str(values.get("reason") or ""),
    }


def status_body(
    order_id, status, lines, tracking=(), shipments=(), *, address=None, refunds=(),
    cancel_reason="",
):  # fmt: skip
    """The status push of one order. ``lines``: (line id, status, quantity[, returned]);
    ``tracking``: the parcels (Tracking), or ``shipments`` (Shipment) whose parcels make
    them; each shipment also says which lines left in it.

    Customer service: ``address`` (an Address or a dict of ADDRESS_KEYS) only when an
    agent changed the delivery address, ``refunds`` (Refund or dicts of REFUND_KEYS) every
    refund of the order so far; each goes in the body only when given. ``cancel_reason``:
    why Odoo cancelled the order (an order rule's reason), in the body of a cancelled
    order only."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    body = _body(order_id, status, lines, tracking, shipments)
    if cancel_reason and status == CANCELLED:
        body["cancel_reason"] = str(cancel_reason)
    if address:
        body["address"] = _address(address)
    refunds = [_refund(refund) for refund in refunds or ()]
    if refunds:
        keys = [refund["key"] for refund in refunds]
        if len(set(keys)) != len(keys):
            raise ValueError("two refunds have the same key")
        body["refunds"] = refunds
    return body


def _body(order_id, status, lines, tracking, shipments):
    parcels = list(tracking) or [shipment.tracking for shipment in shipments if shipment.tracking]
    return {
        "id": str(order_id),
        "status": status,
        "lines": [_line(line) for line in lines],
        "tracking": [_parcel(parcel) for parcel in parcels],
        "shipments": [
            {
                "id": shipment.name,
                "lines": [
                    {"id": str(line_id), "quantity": json_quantity(qty)}
                    for line_id, qty in shipment.lines
                ],
                "tracking": _parcel(shipment.tracking) if shipment.tracking else None,
            }
            for shipment in shipments
        ],
    }
