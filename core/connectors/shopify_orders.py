"""Shopify webhooks: the headers of a delivery, its topics, and the parsing of the order
payloads (orders/create, orders/updated, orders/cancelled, or an order read by the
catch-up poll) into the core's Order, with core.orders' readers."""

import json

from ..inbound import KIND_CANCEL, KIND_IGNORED, KIND_ORDER
from ..orders import (
    NO_CUSTOMER_NAME,
    PAID,
    PENDING,
    SHIPPING_ADDRESS,
    UNKNOWN,
    ZERO,
    Customer,
    Order,
    OrderLine,
    make_address,
)
from ..payload import (
    NOT_A_LIST,
    NOT_AN_OBJECT,
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
from .shopify_poll import is_graphql_order, webhook_json

HEADER_HMAC = "X-Shopify-Hmac-Sha256"
HEADER_TOPIC = "X-Shopify-Topic"
HEADER_WEBHOOK_ID = "X-Shopify-Webhook-Id"
HEADER_SHOP_DOMAIN = "X-Shopify-Shop-Domain"
HEADER_TRIGGERED_AT = "X-Shopify-Triggered-At"
HEADER_EVENT_ID = "X-Shopify-Event-Id"
TOPIC_CREATE = "orders/create"
TOPIC_UPDATED = "orders/updated"
TOPIC_CANCELLED = "orders/cancelled"
NOT_CANCELLED = "cancelled_at is not set: the order is not cancelled"
# financial_status: paid once captured, or authorised (the money held for the shop, taken
# at fulfilment: manual capture); pending while the customer has not paid (or paid part)
FINANCIAL_PAID = frozenset({"paid", "authorized", "partially_refunded", "refunded"})
FINANCIAL_PENDING = frozenset({"pending", "partially_paid", "unpaid"})


def topic_kind(topic, body):
    """What a delivery of ``topic`` is: orders/create an order, orders/cancelled a
    cancellation, orders/updated an order (it may come before orders/create) or, once the
    order is cancelled, a cancellation; any other topic is ignored."""
    if topic == TOPIC_CREATE:
        return KIND_ORDER
    if topic == TOPIC_CANCELLED:
        return KIND_CANCEL
    if topic == TOPIC_UPDATED:
        try:
            cancelled = json.loads(body).get("cancelled_at")
        except (ValueError, AttributeError):
            cancelled = None  # judged as an order: its parsing says what is wrong
        return KIND_CANCEL if cancelled else KIND_ORDER
    return KIND_IGNORED


def parse_order(raw):
    """The Order of a Shopify order webhook, or of an order read by the poll."""
    data = load_object(raw)
    if is_graphql_order(data):
        data = webhook_json(data)
    return _shopify_order(data)


def parse_cancel(raw):
    """The id of the order a cancellation webhook cancels. Only a cancelled order is a
    cancellation (the topic header is not signed): ``cancelled_at`` must be set."""
    order = parse_order(raw)
    if not order.cancelled:
        raise PayloadError(NOT_CANCELLED)
    return order.id


def _full_name(data, parent):
    first = read_text(data, "first_name", parent)
    last = read_text(data, "last_name", parent)
    return f"{first} {last}".strip()


def _lines(data):
    lines = tuple(
        OrderLine(
            id=read_text(item, "id", path, required=True),
            sku=read_text(item, "sku", path),
            quantity=read_quantity(item, "quantity", path),
            price_unit=read_amount(item, "price", path, strings=True),
        )
        for path, item in read_items(data, "line_items")
    )
    check_unique_ids([line.id for line in lines], "line_items")
    return lines


def _shopify_order(data):
    order_id = read_text(data, "id", required=True)
    created_at = read_created_at(data)
    currency = read_currency(data)
    customer = read_object(data, "customer", required=False)
    address = read_object(data, SHIPPING_ADDRESS, required=False)
    lines = _lines(data)
    address_name = read_text(address, "name", SHIPPING_ADDRESS) or _full_name(
        address, SHIPPING_ADDRESS
    )
    email = read_text(customer, "email", "customer") or read_text(data, "email")
    name = _full_name(customer, "customer") or address_name or email
    if not name:
        raise PayloadError(NO_CUSTOMER_NAME)
    phone = (
        read_text(customer, "phone", "customer")
        or read_text(data, "phone")
        or read_text(address, "phone", SHIPPING_ADDRESS)
    )
    discounts = read_amount(data, "total_discounts", default=ZERO, strings=True)
    tax = read_amount(data, "total_tax", default=ZERO, strings=True)
    taxes_included = data.get("taxes_included") is True
    return Order(
        id=order_id,
        created_at=created_at,
        currency=currency,
        customer=Customer(name=name, email=email, phone=phone),
        shipping_address=make_address(
            {
                "name": address_name,
                "street": read_text(address, "address1", SHIPPING_ADDRESS),
                "street2": read_text(address, "address2", SHIPPING_ADDRESS),
                "zip": read_text(address, "zip", SHIPPING_ADDRESS),
                "city": read_text(address, "city", SHIPPING_ADDRESS),
                "country_code": read_text(address, "country_code", SHIPPING_ADDRESS),
            }
        ),
        lines=lines,
        shipping_amount=_shopify_shipping(data),
        total_amount=read_amount(data, "total_price", strings=True),
        cancelled=bool(data.get("cancelled_at")),
        name=read_text(data, "name"),
        adjustments=(ZERO if taxes_included else tax) - discounts,
        payment_state=payment_state(read_text(data, "financial_status")),
    )


def payment_state(financial_status):
    """core.orders' payment state of Shopify's ``financial_status`` (voided, expired or
    absent: unknown)."""
    if financial_status in FINANCIAL_PAID:
        return PAID
    if financial_status in FINANCIAL_PENDING:
        return PENDING
    return UNKNOWN


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
            total += read_amount(row, "price", path, default=ZERO, strings=True)
        return total
    price_set = read_object(data, "total_shipping_price_set", required=False)
    shop_money = read_object(price_set, "shop_money", "total_shipping_price_set", required=False)
    return read_amount(
        shop_money, "amount", "total_shipping_price_set.shop_money", default=ZERO, strings=True
    )
