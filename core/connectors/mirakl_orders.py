"""Mirakl orders (OR11 ``GET /api/orders``) into the core's Order, with core.payload's
readers; what a polled order is (an order, or a cancellation); and what a status push
asks of Mirakl (OR21 acceptance decisions, OR23 tracking, OR24 shipment, OR29
cancellation), from the order as Mirakl holds it. No HTTP here."""

from datetime import UTC

from ..countries import alpha2
from ..idempotency import parse_iso_utc
from ..inbound import KIND_CANCEL, KIND_ORDER
from ..orders import (
    NO_CUSTOMER_NAME,
    PAID,
    PENDING,
    UNKNOWN,
    ZERO,
    Customer,
    Order,
    OrderLine,
    make_address,
)
from ..payload import (
    NOT_A_CURRENCY,
    PayloadError,
    field_path,
    load_object,
    read_amount,
    read_created_at,
    read_items,
    read_object,
    read_quantity,
    read_text,
)
from ..status import (
    ACCEPTED,
    CANCELLED,
    CLOSED,
    DELIVERED,
    IN_PREPARATION,
    RETURNED,
    SHIPPED,
    TO_CHECK,
)

# order (and line) states
STAGING = "STAGING"
WAITING_ACCEPTANCE = "WAITING_ACCEPTANCE"
WAITING_DEBIT = "WAITING_DEBIT"
WAITING_DEBIT_PAYMENT = "WAITING_DEBIT_PAYMENT"
SHIPPING_STATE = "SHIPPING"
SHIPPED_STATE = "SHIPPED"
CLOSED_STATE = "CLOSED"
REFUSED = "REFUSED"
CANCELED = "CANCELED"
# an order withdrawn by Mirakl, the customer or the shop (a cancellation for Odoo)
CANCELLED_STATES = frozenset({CANCELED, REFUSED})
# lines that are no longer ordered
DROPPED_LINE_STATES = frozenset({CANCELED, REFUSED})
# before these the customer's addresses may be hidden (shown once the order is accepted
# and debited)
ADDRESS_LATER_STATES = frozenset(
    {STAGING, WAITING_ACCEPTANCE, WAITING_DEBIT, WAITING_DEBIT_PAYMENT}
)
WAITING_DEBIT_STATES = frozenset({WAITING_DEBIT, WAITING_DEBIT_PAYMENT})
# states after the customer's debit
DEBITED_STATES = frozenset(
    {SHIPPING_STATE, SHIPPED_STATE, "TO_COLLECT", "RECEIVED", CLOSED_STATE, "INCIDENT_OPEN"}
)
# Odoo statuses that accept an order waiting for acceptance, and the line statuses that
# are refused then
ACCEPTING_STATUSES = frozenset({ACCEPTED, IN_PREPARATION, SHIPPED, DELIVERED, CLOSED})
REFUSED_LINE_STATUSES = frozenset({CANCELLED, TO_CHECK})
# Odoo statuses that ship the whole order, and the line statuses of a line that left
SHIPPING_STATUSES = frozenset({SHIPPED, DELIVERED, CLOSED})
LEFT_LINE_STATUSES = frozenset({SHIPPED, DELIVERED, RETURNED})
CURRENCY = "currency_iso_code"
CUSTOMER = "customer"
SHIPPING_ADDRESS = field_path(CUSTOMER, "shipping_address")
ORDER_LINES = "order_lines"
NOT_CANCELLED = "order_state is {!r}: the order is not cancelled (CANCELED or REFUSED)"
NOTHING_ORDERED = "every line of the order is refused or cancelled"
NOT_A_COUNTRY = "{} {!r} is not an ISO 3166 country code"
MILLISECONDS = "%Y-%m-%dT%H:%M:%S.%f"


def mirakl_time(value):
    """Mirakl's time (with or without milliseconds) as UTC ``...T..:..:..mmmZ``, so
    that times compare as text; "" when unreadable."""
    try:
        when = parse_iso_utc(str(value or "")).astimezone(UTC)
    except (ValueError, OverflowError):
        return ""
    return when.strftime(MILLISECONDS)[:-3] + "Z"


def _lines(order):
    return [line for line in order.get(ORDER_LINES) or [] if isinstance(line, dict)]


def order_kind(order):
    """A cancellation when the order is CANCELED or REFUSED, or CLOSED without a line
    ever shipped; else an order."""
    state = order.get("order_state")
    if state in CANCELLED_STATES:
        return KIND_CANCEL
    if state == CLOSED_STATE and not any(line.get("shipped_date") for line in _lines(order)):
        return KIND_CANCEL
    return KIND_ORDER


def delivery_id(order):
    """This version of the order: its last change and its state."""
    return (
        f"poll:{order.get('order_id')}:{order.get('last_updated_date')}:{order.get('order_state')}"
    )


# -- parsing ----------------------------------------------------------------------------


def _currency(data):
    code = read_text(data, CURRENCY, required=True).upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise PayloadError(NOT_A_CURRENCY.format(CURRENCY))
    return code


def _name(data, parent):
    first = read_text(data, "firstname", parent)
    last = read_text(data, "lastname", parent)
    return f"{first} {last}".strip()


def _country(address):
    path = field_path(SHIPPING_ADDRESS, "country_iso_code")
    code = read_text(address, "country_iso_code", SHIPPING_ADDRESS)
    country = alpha2(code)
    if country is None:
        raise PayloadError(NOT_A_COUNTRY.format(path, code))
    return country


def _line(item, path):
    quantity = read_quantity(item, "quantity", path)
    if item.get("price_unit") is not None:
        price = read_amount(item, "price_unit", path)
    else:  # the line's price (all units), per unit
        price = read_amount(item, "price", path) / quantity
    return OrderLine(
        id=read_text(item, "order_line_id", path, required=True),
        sku=read_text(item, "offer_sku", path),
        quantity=quantity,
        price_unit=price,
    )


def _line_total(item, path):
    """What a line adds to the order's total: its total_price, else price + shipping."""
    if item.get("total_price") is not None:
        return read_amount(item, "total_price", path)
    return read_amount(item, "price", path, default=ZERO) + read_amount(
        item, "shipping_price", path, default=ZERO
    )


def _address(address, name):
    return make_address(
        {
            "name": _name(address, SHIPPING_ADDRESS) or name,
            "street": read_text(address, "street_1", SHIPPING_ADDRESS),
            "street2": read_text(address, "street_2", SHIPPING_ADDRESS),
            "zip": read_text(address, "zip_code", SHIPPING_ADDRESS),
            "city": read_text(address, "city", SHIPPING_ADDRESS),
            "country_code": _country(address),
        }
    )


def parse_order(raw):
    """The Order of a Mirakl order (as OR11 answers it). Lines refused or cancelled on
    Mirakl are not ordered (their amounts leave the total), unless the whole order is
    withdrawn. Before the order is accepted and debited Mirakl may hide the customer's
    address: the order then comes with ``address_later`` (completed by a later version)."""
    data = load_object(raw)
    state = read_text(data, "order_state")
    withdrawn = order_kind(data) == KIND_CANCEL
    kept, dropped = [], ZERO
    for path, item in read_items(data, ORDER_LINES):
        if withdrawn or item.get("order_line_state") not in DROPPED_LINE_STATES:
            kept.append((path, item))
        else:
            dropped += _line_total(item, path)
    if not kept:
        raise PayloadError(NOTHING_ORDERED)
    customer = read_object(data, CUSTOMER, required=False)
    address = read_object(customer, "shipping_address", CUSTOMER, required=False)
    address_later = state in ADDRESS_LATER_STATES and not read_text(
        address, "street_1", SHIPPING_ADDRESS
    )
    name = _name(customer, CUSTOMER) or _name(address, SHIPPING_ADDRESS)
    email = read_text(customer, "email", CUSTOMER) or read_text(data, "customer_notification_email")
    if not name and address_later:
        name = read_text(data, "commercial_id") or read_text(data, "order_id")
    if not name:
        raise PayloadError(NO_CUSTOMER_NAME)
    total = read_amount(data, "total_price")
    return Order(
        id=read_text(data, "order_id", required=True),
        created_at=read_created_at(data, "created_date"),
        currency=_currency(data),
        customer=Customer(
            name=name, email=email, phone=read_text(address, "phone", SHIPPING_ADDRESS)
        ),
        shipping_address=_address(address, name),
        lines=tuple(_line(item, path) for path, item in kept),
        shipping_amount=sum(
            (read_amount(item, "shipping_price", path, default=ZERO) for path, item in kept),
            ZERO,
        ),
        total_amount=max(total - dropped, ZERO),
        cancelled=withdrawn,
        name=read_text(data, "commercial_id"),
        address_later=address_later,
        payment_state=payment_state(data),
    )


def payment_state(data):
    """Paid once Mirakl debited the customer (``customer_debited_date``, or a state after
    the debit: SHIPPING and on); pending before it (awaiting acceptance or the debit);
    unknown for a withdrawn order."""
    state = read_text(data, "order_state")
    if data.get("customer_debited_date") or state in DEBITED_STATES:
        return PAID
    if state in ADDRESS_LATER_STATES:
        return PENDING
    return UNKNOWN


def parse_cancel(raw):
    """{"id", "reason"} of a withdrawn order (CANCELED, REFUSED, closed unshipped)."""
    data = load_object(raw)
    if order_kind(data) != KIND_CANCEL:
        raise PayloadError(NOT_CANCELLED.format(read_text(data, "order_state")))
    reason = (
        read_text(data, "order_state_reason_label")
        or read_text(data, "order_state_reason_code")
        or read_text(data, "order_state")
    )
    return {"id": read_text(data, "order_id", required=True), "reason": reason}


# -- status back ---------------------------------------------------------------------------


def acceptance(order, body):
    """OR21's ``order_lines`` for an order WAITING_ACCEPTANCE: a decision for every line
    waiting for one (accepted unless Odoo cancelled it, holds it to check, or does not
    know it; every line refused when Odoo cancelled the order); None while Odoo has not
    decided (created, to check, to complete)."""
    status = body.get("status")
    if status not in ACCEPTING_STATUSES and status != CANCELLED:
        return None
    odoo = {str(line.get("id")): line.get("status") for line in body.get("lines") or []}
    decisions = []
    for line in _lines(order):
        if line.get("order_line_state") not in (None, WAITING_ACCEPTANCE):
            continue
        line_id = str(line.get("order_line_id"))
        line_status = odoo.get(line_id)
        accepted = (
            status != CANCELLED
            and line_status is not None
            and line_status not in REFUSED_LINE_STATUSES
        )
        decisions.append({"id": line_id, "accepted": accepted})
    return decisions or None


def latest_tracking(body):
    """The OR23 body of the latest shipment's parcel, or None when no shipment has one."""
    parcels = [shipment.get("tracking") for shipment in body.get("shipments") or []]
    parcels = [parcel for parcel in parcels if parcel and parcel.get("number")]
    if not parcels:
        parcels = [parcel for parcel in body.get("tracking") or [] if parcel.get("number")]
    if not parcels:
        return None
    parcel = parcels[-1]
    carrier = parcel.get("carrier_code") or ""
    return {
        "carrier_code": carrier,
        "carrier_name": parcel.get("service") or carrier,
        "carrier_url": parcel.get("url") or "",
        "tracking_number": parcel["number"],
    }


def tracking_known(order, tracking):
    """Mirakl already holds this tracking number and carrier."""
    return order.get("shipping_tracking") == tracking["tracking_number"] and (
        order.get("shipping_carrier_code") or ""
    ) == (tracking["carrier_code"] or "")


def lines_not_left(order, body):
    """The ids of the lines Mirakl is shipping that have not left in Odoo (OR24 ships
    the whole order: it waits until this is empty)."""
    odoo = {str(line.get("id")): line.get("status") for line in body.get("lines") or []}
    return [
        str(line.get("order_line_id"))
        for line in _lines(order)
        if line.get("order_line_state") == SHIPPING_STATE
        and odoo.get(str(line.get("order_line_id"))) not in LEFT_LINE_STATUSES
    ]
