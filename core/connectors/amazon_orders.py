"""Amazon orders, without HTTP: an order of the Orders API v2026-01-01 (searchOrders /
getOrder, ``includedData`` BUYER, RECIPIENT, PROCEEDS, FULFILLMENT, CANCELLATION) read
into the core's Order, the poll's names for it, and the confirmShipment (Orders v0, not
deprecated) requests that bring Amazon to Odoo's shipments.

The v0 reads (getOrders, getOrder, getOrderItems) are deprecated: Amazon removes them
after the migration deadline of 2027-03-27; v2026-01-01 needs no Restricted Data Token
(the buyer and the recipient come with the seller's roles) and carries the items with
the order.

Totals: the lines are unit prices times quantities; ``shipping_amount`` the SHIPPING part
of ``proceeds.breakdowns``; ``adjustments`` the other parts (taxes, gift wrap, COD fee,
tip, other; discounts subtracted), taxes left out when the lines already hold them (the
lines add up to ITEM + TAX, as tax-inclusive marketplaces show it); ``total_amount`` is
``proceeds.grandTotal``, or the sum of what is there when Amazon gives none.

PENDING orders (payment not authorised) come with neither prices nor recipient: they are
imported all the same (prices 0, the address later, as Mirakl's orders awaiting
acceptance are) so that their stock is reserved early; Amazon reserves it too, and the
UNSHIPPED version that follows (a new delivery id) completes them."""

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

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
    NOT_AN_AMOUNT,
    PayloadError,
    check_unique_ids,
    load_object,
    read_amount,
    read_created_at,
    read_items,
    read_object,
    read_quantity,
    read_text,
    to_decimal,
)

API_ORDERS = "/orders/2026-01-01/orders"
API_SHIPMENT = "/orders/v0/orders/{order_id}/shipmentConfirmation"
POLL_DATA = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,CANCELLATION"
ORDER_DATA = "FULFILLMENT,PACKAGES"
MERCHANT = "MERCHANT"
PAGE_SIZE = 100
FIRST_POLL_DAYS = 1
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CANCELLED = "CANCELLED"
PENDING_STATUSES = frozenset({"PENDING", "PENDING_AVAILABILITY"})
NOT_CANCELLED = "fulfillment.fulfillmentStatus is {!r}: the order is not cancelled"
CANCELLED_REASON = "cancelled on Amazon"
CARRIER_OTHER = "Other"
NO_TRACKING = "shipment {!r} has no tracking number: Amazon confirms a shipment with one"
# proceeds.breakdowns types
ITEM, SHIPPING, TAX, DISCOUNT = "ITEM", "SHIPPING", "TAX", "DISCOUNT"
CENT = Decimal("0.01")
# currencies of marketplaces, for orders that show no amount yet (PENDING)
MARKETPLACE_CURRENCIES = {
    "A1PA6795UKMFR9": "EUR",  # DE
    "A13V1IB3VIYZZH": "EUR",  # FR
    "APJ6JRA9NG5V4": "EUR",  # IT
    "A1RKKUPIHCS9HS": "EUR",  # ES
    "A1805IZSGTT6HS": "EUR",  # NL
    "AMEN7PMS3EDWL": "EUR",  # BE
    "A1F83G8C2ARO7P": "GBP",  # UK
    "A2NODRKZP88ZB9": "SEK",  # SE
    "A1C3SOZRARQ6R3": "PLN",  # PL
    "ATVPDKIKX0DER": "USD",  # US
    "A2EUQ1WTGCTBG2": "CAD",  # CA
}


# -- the poll -----------------------------------------------------------------------


def updated_at(order):
    """The order's last change as an aware datetime (None when unreadable)."""
    try:
        return parse_iso_utc(str(order.get("lastUpdatedTime") or ""))
    except ValueError:
        return None


def newest(cursor, order):
    """The later of ``cursor`` and the order's ``lastUpdatedTime`` (Amazon's text)."""
    when = updated_at(order)
    if when is None:
        return cursor
    seen = updated_at({"lastUpdatedTime": cursor}) if cursor else None
    if seen is not None and seen >= when:
        return cursor
    return str(order["lastUpdatedTime"])


def updated_after(cursor, overlap_minutes, now=None):
    """``lastUpdatedAfter`` of a poll: the cursor less the overlap (first poll: the last
    FIRST_POLL_DAYS)."""
    since = (
        parse_iso_utc(cursor)
        if cursor
        else (now or datetime.now(UTC)) - timedelta(days=FIRST_POLL_DAYS)
    )
    return (since - timedelta(minutes=overlap_minutes)).strftime(TIME_FORMAT)


def status_of(order):
    fulfillment = order.get("fulfillment")
    return (
        str((fulfillment or {}).get("fulfillmentStatus") or "")
        if isinstance(fulfillment, dict)
        else ""
    )


def message_kind(order):
    return KIND_CANCEL if status_of(order) == CANCELLED else KIND_ORDER


def delivery_id(order):
    """This version of the order: its last change and its status."""
    return f"poll:{order.get('orderId')}:{order.get('lastUpdatedTime')}:{status_of(order)}"


# -- parsing ------------------------------------------------------------------------


def _money(data, name, parent, signed=False):
    """(amount, currency) of a Money object ``{"amount": "12.30", "currencyCode"}``,
    (None, "") when absent; discounts may be negative (``signed``)."""
    money = read_object(data, name, parent, required=False)
    if not money:
        return None, ""
    path = f"{parent}.{name}" if parent else name
    if signed:
        amount = to_decimal(money.get("amount"))
        if amount is None:
            raise PayloadError(NOT_AN_AMOUNT.format(f"{path}.amount"))
    else:
        amount = read_amount(money, "amount", path, strings=True)
    return amount, read_text(money, "currencyCode", path).upper()


def _breakdowns(proceeds):
    """{type: subtotal} of ``proceeds.breakdowns`` (types summed)."""
    rows = proceeds.get("breakdowns") or []
    if not isinstance(rows, list):
        raise PayloadError("proceeds.breakdowns must be a list")
    parts = {}
    for index, row in enumerate(rows):
        path = f"proceeds.breakdowns[{index}]"
        if not isinstance(row, dict):
            raise PayloadError(f"{path} must be an object")
        amount, _currency = _money(row, "subtotal", path, signed=True)
        kind = read_text(row, "type", path)
        parts[kind] = parts.get(kind, ZERO) + (amount or ZERO)
    return parts


def _line(item, path, pending):
    quantity = item.get("quantityOrdered")
    if quantity == 0:
        return None, ""  # an item cancelled within the order
    product = read_object(item, "product", path)
    price = read_object(product, "price", f"{path}.product", required=not pending)
    amount, currency = _money(price, "unitPrice", f"{path}.product.price")
    if amount is None and not pending:
        raise PayloadError(f"{path}.product.price.unitPrice is missing")
    line = OrderLine(
        id=read_text(item, "orderItemId", path, required=True),
        sku=read_text(product, "sellerSku", f"{path}.product"),
        quantity=read_quantity(item, "quantityOrdered", path),
        price_unit=amount if amount is not None else ZERO,
    )
    return line, currency


def _currency(codes, data):
    for code in codes:
        if code:
            if len(code) != 3 or not (code.isascii() and code.isalpha()):
                raise PayloadError(NOT_A_CURRENCY.format("currencyCode"))
            return code
    channel = data.get("salesChannel") if isinstance(data.get("salesChannel"), dict) else {}
    code = MARKETPLACE_CURRENCIES.get(str(channel.get("marketplaceId") or ""))
    if not code:
        raise PayloadError(NOT_A_CURRENCY.format("currencyCode"))
    return code


def _totals(data, lines):
    """(shipping, adjustments, total, currency of the total)."""
    proceeds = read_object(data, "proceeds", required=False)
    grand, currency = _money(proceeds, "grandTotal", "proceeds")
    parts = _breakdowns(proceeds)
    lines_sum = sum((line.quantity * line.price_unit for line in lines), ZERO)
    shipping = parts.pop(SHIPPING, ZERO)
    item, tax = parts.pop(ITEM, None), parts.pop(TAX, ZERO)
    discount = parts.pop(DISCOUNT, ZERO)
    others = sum(parts.values(), ZERO) - abs(discount)
    taxes_included = (
        item is not None and tax and abs(lines_sum - (item + tax)) <= CENT * max(1, len(lines))
    )
    adjustments = others + (ZERO if taxes_included else tax)
    total = grand if grand is not None else lines_sum + shipping + adjustments
    return shipping, adjustments, total, currency


def parse_order(raw):
    """The Order of a v2026-01-01 order (a polled body, or ``{"order": {...}}``)."""
    data = load_object(raw)
    if isinstance(data.get("order"), dict) and "orderId" not in data:
        data = data["order"]
    order_id = read_text(data, "orderId", required=True)
    status = read_text(read_object(data, "fulfillment", required=False), "fulfillmentStatus")
    pending = status in PENDING_STATUSES
    parsed = [_line(item, path, pending) for path, item in read_items(data, "orderItems")]
    lines = tuple(line for line, _currency in parsed if line)
    if not lines:
        raise PayloadError("orderItems: every item has quantityOrdered 0")
    check_unique_ids([line.id for line in lines], "orderItems")
    shipping, adjustments, total, total_currency = _totals(data, lines)
    buyer = read_object(data, "buyer", required=False)
    recipient = read_object(data, "recipient", required=False)
    address = read_object(recipient, "deliveryAddress", "recipient", required=False)
    where = "recipient.deliveryAddress"
    address_name = read_text(address, "name", where)
    email = read_text(buyer, "buyerEmail", "buyer")
    name = read_text(buyer, "buyerName", "buyer") or address_name or email
    if not name and pending:
        name = f"Amazon buyer of {order_id}"
    if not name:
        raise PayloadError(NO_CUSTOMER_NAME)
    street2 = [read_text(address, key, where) for key in ("addressLine2", "addressLine3")]
    return Order(
        id=order_id,
        created_at=read_created_at(data, "createdTime"),
        currency=_currency([total_currency, *(code for _line, code in parsed)], data),
        customer=Customer(name=name, email=email, phone=read_text(address, "phone", where)),
        shipping_address=make_address(
            {
                "name": address_name or name,
                "street": read_text(address, "addressLine1", where),
                "street2": ", ".join(filter(None, street2)),
                "zip": read_text(address, "postalCode", where),
                "city": read_text(address, "city", where),
                "country_code": read_text(address, "countryCode", where),
            }
        ),
        lines=lines,
        shipping_amount=shipping,
        total_amount=total,
        cancelled=status == CANCELLED,
        name=order_id,
        adjustments=adjustments,
        address_later=pending and not address,
        payment_state=payment_state(status),
    )


def payment_state(status):
    """PENDING (payment not authorised yet): pending; a cancelled or unknown status:
    unknown; any other (unshipped, shipped...: Amazon authorised the payment): paid."""
    if status in PENDING_STATUSES:
        return PENDING
    if status == CANCELLED or not status:
        return UNKNOWN
    return PAID


def parse_cancel(raw):
    """{"id", "reason"} of a CANCELLED order (the buyer's or Amazon's reason if given)."""
    data = load_object(raw)
    if isinstance(data.get("order"), dict) and "orderId" not in data:
        data = data["order"]
    status = read_text(read_object(data, "fulfillment", required=False), "fulfillmentStatus")
    if status != CANCELLED:
        raise PayloadError(NOT_CANCELLED.format(status))
    reason = ""
    for item in data.get("orderItems") or []:
        cancellation = (item.get("cancellation") or {}) if isinstance(item, dict) else {}
        for part in ("cancellationRequest", "cancellationExecution"):
            reason = reason or str((cancellation.get(part) or {}).get("cancelReason") or "")
    return {"id": read_text(data, "orderId", required=True), "reason": reason or CANCELLED_REASON}


# -- shipments back -----------------------------------------------------------------


def package_reference(shipment_id):
    """confirmShipment's ``packageReferenceId`` (a positive number, unique within the
    order) of an Odoo shipment: its number when it is one, else a stable number of it."""
    text = str(shipment_id).strip()
    if text.isdigit() and int(text) > 0:
        return str(int(text))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return str(int(digest[:12], 16) % 10**12 or 1)


def _unfulfilled(order):
    """{orderItemId: quantity still to ship} where Amazon says it."""
    left = {}
    for item in order.get("orderItems") or []:
        fulfillment = item.get("fulfillment") if isinstance(item, dict) else None
        if isinstance(fulfillment, dict) and fulfillment.get("quantityUnfulfilled") is not None:
            left[str(item.get("orderItemId"))] = int(fulfillment["quantityUnfulfilled"])
    return left


def _package_detail(reference, shipment, items, ship_date):
    parcel = shipment["tracking"]
    detail = {
        "packageReferenceId": reference,
        "carrierCode": parcel.get("carrier_code") or CARRIER_OTHER,
        "trackingNumber": parcel["number"],
        "shipDate": ship_date,
        "orderItems": items,
    }
    if detail["carrierCode"] == CARRIER_OTHER:
        detail["carrierName"] = parcel.get("service") or CARRIER_OTHER
    elif parcel.get("service"):
        detail["shippingMethod"] = parcel["service"]
    return detail


def plan_shipments(order, body, marketplace_id, ship_date):
    """(confirmShipment bodies, problems) that bring Amazon's ``order`` (getOrder with
    FULFILLMENT and PACKAGES) to Odoo's shipments: each one not yet among the order's
    packages (by reference or tracking number), for what Amazon still has to ship."""
    if status_of(order) == CANCELLED:
        return [], []
    packages = [p for p in order.get("packages") or [] if isinstance(p, dict)]
    known = {str(p.get("packageReferenceId")) for p in packages}
    numbers = {str(p.get("trackingNumber")) for p in packages if p.get("trackingNumber")}
    left = _unfulfilled(order)
    requests, problems = [], []
    for shipment in body.get("shipments") or []:
        reference = package_reference(shipment["id"])
        parcel = shipment.get("tracking") or {}
        if reference in known or parcel.get("number") in numbers:
            continue
        items = []
        for line in shipment.get("lines") or []:
            item_id, quantity = str(line["id"]), round(float(line["quantity"]))
            quantity = min(quantity, left.get(item_id, quantity))
            if quantity > 0:
                items.append({"orderItemId": item_id, "quantity": quantity})
                if item_id in left:
                    left[item_id] -= quantity
        if not items:
            continue
        if not parcel.get("number"):
            problems.append(NO_TRACKING.format(shipment["id"]))
            continue
        detail = _package_detail(reference, shipment, items, ship_date)
        requests.append({"marketplaceId": marketplace_id, "packageDetail": detail})
    return requests, problems
