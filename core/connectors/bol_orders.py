"""bol.com orders (Retailer API v10 ``GET /retailer/orders/{order-id}``) into the core's
Order, with core.orders' readers; what a polled order is (an order, or a cancellation);
and what a status push asks of bol (shipments of what left, cancellations of what did
not). No HTTP here."""

from datetime import UTC
from decimal import Decimal

from ..idempotency import parse_iso_utc
from ..inbound import KIND_CANCEL, KIND_ORDER
from ..orders import PAID, ZERO, Customer, Order, OrderLine, make_address
from ..payload import (
    NOT_A_QUANTITY,
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
from ..status import CANCELLED

CURRENCY = "EUR"  # bol.com sells in euros (the Netherlands and Belgium)
SHIPMENT_DETAILS = "shipmentDetails"
CANCEL_REASON_CUSTOMER = "REQUESTED_BY_CUSTOMER"
CANCEL_REASON_STOCK = "OUT_OF_STOCK"
# bol.com's cancellation reason codes: a cancellation reason that is one of them (its
# words, in any case) is sent as such; bol takes no free text
CANCEL_REASON_CODES = frozenset({
    "OUT_OF_STOCK", "REQUESTED_BY_CUSTOMER", "BAD_CONDITION", "HIGHER_SHIPCOST",
    "INCORRECT_PRICE", "NOT_AVAIL_IN_TIME", "NO_BOL_GUARANTEE", "ORDERED_TWICE",
    "RETAIN_ITEM", "TECH_ISSUE", "UNFINDABLE_ITEM", "OTHER",
})  # fmt: skip
TRANSPORTER_OTHER = "OTHER"
SHIPMENT_REFERENCE_CHARS = 90
NOTHING_LEFT = "every item of the order is cancelled"


def utc_text(value):
    """bol's time (an offset) as UTC ``YYYY-MM-DDTHH:MM:SSZ`` ("" when unreadable)."""
    try:
        return parse_iso_utc(str(value)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return ""


def open_quantity(item):
    """Units of an order item neither shipped nor cancelled."""
    return max(
        int(item.get("quantity") or 0)
        - int(item.get("quantityShipped") or 0)
        - int(item.get("quantityCancelled") or 0),
        0,
    )


def _ordered(item):
    return int(item.get("quantity") or 0) - int(item.get("quantityCancelled") or 0)


def order_kind(order):
    """A polled order is a cancellation when nothing of it is left to ship and nothing
    was shipped (cancelled by bol or the customer), or when every open item carries the
    customer's cancellation request (honoured before shipment); else an order."""
    items = [item for item in order.get("orderItems") or [] if isinstance(item, dict)]
    if items and all(_ordered(item) <= 0 for item in items):
        return KIND_CANCEL
    open_items = [item for item in items if open_quantity(item) > 0]
    shipped = any(int(item.get("quantityShipped") or 0) for item in items)
    if open_items and not shipped and all(item.get("cancellationRequest") for item in open_items):
        return KIND_CANCEL
    return KIND_ORDER


def last_change(order):
    """The order's latest change: the newest ``latestChangedDateTime`` of its items."""
    changes = [
        utc_text(item.get("latestChangedDateTime")) for item in order.get("orderItems") or []
    ]
    return max(
        [change for change in changes if change] or [utc_text(order.get("orderPlacedDateTime"))]
    )


def _count(item, name, path):
    """A count of units (0 when absent); PayloadError when not a whole number >= 0."""
    value = item.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(NOT_A_QUANTITY.format(field_path(path, name)))
    return value


def _line(item, path):
    """(OrderLine, its discounts, its total) of an order item, None when all of it is
    cancelled. The total is bol's ``totalPrice`` (the line less its discounts), computed
    for an item partly cancelled."""
    ordered = read_quantity(item, "quantity", path)
    cancelled = _count(item, "quantityCancelled", path)
    quantity = ordered - cancelled
    if quantity <= 0:
        return None
    offer = read_object(item, "offer", path, required=False)
    product = read_object(item, "product", path, required=False)
    sku = read_text(offer, "reference", f"{path}.offer") or read_text(
        product, "ean", f"{path}.product"
    )
    discounts = ZERO
    for index, discount in enumerate(item.get("discounts") or []):
        if isinstance(discount, dict):
            where = f"{path}.discounts[{index}]"
            discounts += read_amount(discount, "amount", where, default=ZERO)
    line_id = read_text(item, "orderItemId", path, required=True)
    price = read_amount(item, "unitPrice", path)
    if cancelled:
        total = price * quantity - discounts
    else:
        total = read_amount(item, "totalPrice", path, default=price * quantity - discounts)
    return OrderLine(line_id, sku, quantity, price), discounts, total


def _customer_and_address(data):
    details = read_object(data, SHIPMENT_DETAILS)

    def text(name):
        return read_text(details, name, SHIPMENT_DETAILS)

    name = f"{text('firstName')} {text('surname')}".strip()
    billing = read_object(data, "billingDetails", required=False)
    email = text("email") or read_text(billing, "email", "billingDetails")
    street = " ".join(
        part
        for part in (text("streetName"), text("houseNumber") + text("houseNumberExtension"))
        if part
    )
    address = make_address(
        {
            "name": name,
            "street": street,
            "street2": text("extraAddressInformation"),
            "zip": text("zipCode"),
            "city": text("city"),
            "country_code": text("countryCode"),
        }
    )
    return Customer(name=name or email, email=email, phone=text("deliveryPhoneNumber")), address


def delivery_id(order, kind):
    """This version of a polled order: its latest change, cancelled or not."""
    state = "cancelled" if kind == KIND_CANCEL else "open"
    return f"poll:{order.get('orderId')}:{last_change(order)}:{state}"


def parse_order(raw):
    """The Order of a bol.com order (the detail of ``GET /retailer/orders/{id}``): the
    items not cancelled, at their unit price, their discounts as adjustments; the SKU is
    the offer's reference, else the EAN. bol charges no shipping on the order."""
    data = load_object(raw)
    order_id = read_text(data, "orderId", required=True)
    lines, discounts, total = [], ZERO, ZERO
    for path, item in read_items(data, "orderItems"):
        found = _line(item, path)
        if found:
            lines.append(found[0])
            discounts += found[1]
            total += found[2]
    if not lines:
        raise PayloadError(NOTHING_LEFT)
    customer, address = _customer_and_address(data)
    return Order(
        id=order_id,
        created_at=read_created_at(data, "orderPlacedDateTime"),
        currency=CURRENCY,
        customer=customer,
        shipping_address=address,
        lines=tuple(lines),
        shipping_amount=ZERO,
        total_amount=total,
        name=order_id,
        adjustments=-discounts,
        # bol.com takes the customer's payment and hands the retailer paid orders only
        payment_state=PAID,
    )


def parse_cancel(raw):
    """The id of a polled order that is a cancellation, and why."""
    data = load_object(raw)
    order_id = read_text(data, "orderId", required=True)
    items = [item for item in data.get("orderItems") or [] if isinstance(item, dict)]
    by_customer = any(item.get("cancellationRequest") for item in items)
    return {
        "id": order_id,
        "reason": "requested by the customer" if by_customer else "cancelled on bol.com",
    }


def plan(order, body):
    """What a status push sends bol, from the order as bol holds it: (shipments, cancels).

    ``shipments``: [{"orderItems": [{"orderItemId", "quantity"}], "shipmentReference",
    "transport"}] for the units Odoo shipped beyond what bol already has (an Odoo
    shipment at a time, with its tracking); ``cancels``: [(order item id, reason code)]
    of the items still open when Odoo cancelled the order."""
    items = {str(item.get("orderItemId")): item for item in order.get("orderItems") or []}
    if body.get("status") == CANCELLED:
        own = cancel_reason_code(body.get("cancel_reason"))
        cancels = [
            (
                item_id,
                CANCEL_REASON_CUSTOMER
                if item.get("cancellationRequest")
                else own or CANCEL_REASON_STOCK,
            )
            for item_id, item in items.items()
            if open_quantity(item) > 0
        ]
        return [], cancels
    known = {item_id: int(item.get("quantityShipped") or 0) for item_id, item in items.items()}
    shipments = []
    for shipment in body.get("shipments") or []:
        lines = []
        for line in shipment.get("lines") or []:
            item_id = str(line["id"])
            item = items.get(item_id)
            quantity = int(Decimal(str(line["quantity"])))
            already = min(known.get(item_id, 0), quantity)
            known[item_id] = known.get(item_id, 0) - already
            send = min(quantity - already, open_quantity(item) if item else 0)
            if send > 0:
                lines.append({"orderItemId": item_id, "quantity": send})
                item["quantityShipped"] = int(item.get("quantityShipped") or 0) + send
        if lines:
            shipments.append(_shipment(shipment, lines))
    return shipments, []


def cancel_reason_code(reason):
    """bol's reason code of Odoo's cancellation reason ("ordered twice" is
    ORDERED_TWICE), None when it is none of bol's codes."""
    code = "_".join(str(reason or "").upper().replace("-", " ").split())
    return code if code in CANCEL_REASON_CODES else None


def _shipment(shipment, lines):
    tracking = shipment.get("tracking") or {}
    transport = {"transporterCode": tracking.get("carrier_code") or TRANSPORTER_OTHER}
    if tracking.get("number"):
        transport["trackAndTrace"] = tracking["number"]
    return {
        "orderItems": lines,
        "shipmentReference": str(shipment.get("id") or "")[:SHIPMENT_REFERENCE_CHARS] or None,
        "transport": transport,
    }
