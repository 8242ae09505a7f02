"""WooCommerce webhooks and orders: the headers of a delivery, its topics, and the parsing
of an order object (REST API v3) into the core's Order, with core.payload's readers."""

import json

from ..inbound import KIND_CANCEL, KIND_IGNORED, KIND_ORDER
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
    PayloadError,
    check_unique_ids,
    load_object,
    read_amount,
    read_created_at,
    read_currency,
    read_items,
    read_object,
    read_quantity,
    read_text,
)

HEADER_SIGNATURE = "X-WC-Webhook-Signature"
HEADER_TOPIC = "X-WC-Webhook-Topic"
HEADER_RESOURCE = "X-WC-Webhook-Resource"
HEADER_EVENT = "X-WC-Webhook-Event"
HEADER_SOURCE = "X-WC-Webhook-Source"
HEADER_WEBHOOK_ID = "X-WC-Webhook-ID"
HEADER_DELIVERY_ID = "X-WC-Webhook-Delivery-ID"
PING_FIELD = "webhook_id"
TOPIC_CREATED = "order.created"
TOPIC_UPDATED = "order.updated"
# an order in these statuses is withdrawn: a cancellation for Odoo
CANCELLED_STATUSES = frozenset({"cancelled", "refunded"})
NOT_CANCELLED = "status is {!r}: the order is not cancelled (cancelled or refunded)"
# statuses of an order the customer has not paid yet (payment pending, on hold for a
# bank transfer or a cheque); a paid order has date_paid (processing, completed)
UNPAID_STATUSES = frozenset({"pending", "on-hold", "checkout-draft", "failed"})
SHIPPING = "shipping"
BILLING = "billing"


def order_kind(status):
    return KIND_CANCEL if status in CANCELLED_STATUSES else KIND_ORDER


def topic_kind(topic, body):
    """The kind of a delivery of ``topic``: order.created is an order, order.updated an
    order or, when the order is cancelled or refunded, a cancellation."""
    if topic == TOPIC_CREATED:
        return KIND_ORDER
    if topic == TOPIC_UPDATED:
        try:
            status = json.loads(body).get("status")
        except (ValueError, AttributeError):
            status = None
        return order_kind(status)
    return KIND_IGNORED


def _name(data, parent):
    first = read_text(data, "first_name", parent)
    last = read_text(data, "last_name", parent)
    return f"{first} {last}".strip()


def parse_order(raw):
    """The Order of a WooCommerce order object (webhook body or REST answer)."""
    data = load_object(raw)
    billing = read_object(data, BILLING, required=False)
    shipping = read_object(data, SHIPPING, required=False)
    lines = tuple(_line(item, path) for path, item in read_items(data, "line_items"))
    check_unique_ids([line.id for line in lines], "line_items")
    email = read_text(billing, "email", BILLING)
    name = _name(billing, BILLING) or _name(shipping, SHIPPING) or email
    if not name:
        raise PayloadError(NO_CUSTOMER_NAME)
    return Order(
        id=read_text(data, "id", required=True),
        created_at=read_created_at(data, "date_created_gmt"),
        currency=read_currency(data),
        customer=Customer(name=name, email=email, phone=read_text(billing, "phone", BILLING)),
        shipping_address=make_address(
            {
                "name": _name(shipping, SHIPPING) or name,
                "street": read_text(shipping, "address_1", SHIPPING),
                "street2": read_text(shipping, "address_2", SHIPPING),
                "zip": read_text(shipping, "postcode", SHIPPING),
                "city": read_text(shipping, "city", SHIPPING),
                "country_code": read_text(shipping, "country", SHIPPING),
            }
        ),
        lines=lines,
        shipping_amount=read_amount(data, "shipping_total", default=ZERO, strings=True),
        total_amount=read_amount(data, "total", strings=True),
        cancelled=read_text(data, "status") in CANCELLED_STATUSES,
        name=read_text(data, "number"),
        # line prices exclude taxes: the order's taxes (lines and shipping) come on top
        adjustments=read_amount(data, "total_tax", default=ZERO, strings=True),
        payment_state=payment_state(data),
    )


def payment_state(data):
    """Paid when the order has a ``date_paid`` (``date_paid_gmt``); pending in a status
    awaiting payment; unknown otherwise."""
    if data.get("date_paid_gmt") or data.get("date_paid"):
        return PAID
    if read_text(data, "status") in UNPAID_STATUSES:
        return PENDING
    return UNKNOWN


def _line(item, path):
    quantity = read_quantity(item, "quantity", path)
    if item.get("price") is not None:
        price = read_amount(item, "price", path, strings=True)
    else:  # the line's total after discounts, per unit
        price = read_amount(item, "total", path, strings=True) / quantity
    return OrderLine(
        id=read_text(item, "id", path, required=True),
        sku=read_text(item, "sku", path),
        quantity=quantity,
        price_unit=price,
    )


def parse_cancel(raw):
    """{"id", "reason"} of an order.updated delivery of a cancelled (or refunded) order."""
    data = load_object(raw)
    status = read_text(data, "status")
    if status not in CANCELLED_STATUSES:
        raise PayloadError(NOT_CANCELLED.format(status))
    return {"id": read_text(data, "id", required=True), "reason": status}
