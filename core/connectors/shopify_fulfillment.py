"""Shopify orders back from Odoo: fulfilments through the order's fulfillment orders
(with tracking, partial deliveries fulfilling only what left), tracking updates,
cancellation, refunds of returned lines, and customer service (a changed delivery
address, refunds: core.connectors.shopify_service). Pure planning: ``plan(order, body)`` turns the
order as Shopify holds it and Odoo's status body into the mutations to send.
"""

from collections import defaultdict

from ..errors import PermanentError
from ..status import CANCELLED
from . import shopify_service as service

ORDER_QUERY = """\
query StockChannelSyncOrder($id: ID!) {
  order(id: $id) {
    id
    cancelledAt
    shippingAddress { firstName lastName address1 address2 zip city countryCodeV2 phone }
    transactions(first: 50) { id kind status gateway }
    fulfillmentOrders(first: 50) {
      nodes {
        id
        status
        lineItems(first: 250) {
          nodes { id totalQuantity remainingQuantity lineItem { id } }
        }
      }
    }
    fulfillments(first: 50) { id trackingInfo { number company url } }
    refunds(first: 50) {
      note
      refundLineItems(first: 250) { nodes { quantity lineItem { id } } }
    }
  }
}"""

FULFILL_MUTATION = """\
mutation StockChannelSyncFulfill($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id }
    userErrors { field message }
  }
}"""

TRACKING_MUTATION = """\
mutation StockChannelSyncTracking($fulfillmentId: ID!,
                                  $trackingInfoInput: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $fulfillmentId,
                                trackingInfoInput: $trackingInfoInput) {
    fulfillment { id }
    userErrors { field message }
  }
}"""

CANCEL_MUTATION = """\
mutation StockChannelSyncCancel($orderId: ID!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: OTHER, refund: true, restock: false,
              notifyCustomer: false, staffNote: $staffNote) {
    job { id }
    orderCancelUserErrors { code field message }
  }
}"""

OPEN_STATUSES = frozenset({"OPEN", "IN_PROGRESS"})
CANCEL_NOTE = "Cancelled in Odoo (the source of truth for stock): not restocked on Shopify."
REFUND_NOTE = "Returned to the warehouse (Odoo)."


def numeric_id(value):
    """The number of a Shopify id: ``gid://shopify/LineItem/7`` and ``7`` are ``"7"``."""
    return str(value or "").rsplit("/", 1)[-1]


def plan(order, body, refund_returns=False, refused=None):
    """[(name, mutation, variables)] to bring ``order`` (the ORDER_QUERY answer) to Odoo's
    status ``body`` (core.status.status_body); [] when Shopify already has it all. What
    customer service asks and Shopify cannot take is a PermanentError, or, given a dict
    ``refused``, its message there under its item (refund key or "address"): each on its
    own, the rest planned all the same."""
    if order.get("cancelledAt"):
        return []
    if body["status"] == CANCELLED:
        if _fulfilled(order):
            return []  # something left already: a return, not a cancellation
        # the reason Odoo cancelled it (an order rule's), else the default note
        variables = {"orderId": order["id"], "staffNote": body.get("cancel_reason") or CANCEL_NOTE}
        return [("orderCancel", CANCEL_MUTATION, variables)]
    actions = _address(order, body, refused)
    actions += _fulfilments(order, body)
    if refund_returns:
        actions += _refunds(order, body)
    return actions + service.refund_actions(order, body, refused)


def _address(order, body, refused):
    try:
        return service.address_actions(order, body)
    except PermanentError as error:
        if refused is None:
            raise
        refused["address"] = error.message
        return []


def _fulfilled(order):
    """{line number: quantity fulfilled on Shopify}."""
    done = defaultdict(int)
    for fulfillment_order in (order.get("fulfillmentOrders") or {}).get("nodes") or []:
        for line in (fulfillment_order.get("lineItems") or {}).get("nodes") or []:
            line_id = numeric_id((line.get("lineItem") or {}).get("id"))
            done[line_id] += int(line["totalQuantity"]) - int(line["remainingQuantity"])
    return {line_id: qty for line_id, qty in done.items() if qty}


def _delivered(body):
    """{line number: quantity delivered by Odoo} and the latest tracked parcel."""
    delivered, parcel = defaultdict(int), None
    for shipment in body.get("shipments") or []:
        for line in shipment.get("lines") or []:
            delivered[numeric_id(line["id"])] += int(line["quantity"])
        if shipment.get("tracking"):
            parcel = shipment["tracking"]
    return delivered, parcel


def _tracking_info(parcel):
    company = parcel.get("service") or parcel.get("carrier_code") or ""
    info = {"number": parcel["number"], "company": company}
    if parcel.get("url"):
        info["url"] = parcel["url"]
    return info


def _fulfilments(order, body):
    delivered, parcel = _delivered(body)
    fulfilled = _fulfilled(order)
    wanted = {line: qty - fulfilled.get(line, 0) for line, qty in delivered.items()}
    by_order = []
    for fulfillment_order in (order.get("fulfillmentOrders") or {}).get("nodes") or []:
        if fulfillment_order.get("status") not in OPEN_STATUSES:
            continue
        lines = []
        for line in (fulfillment_order.get("lineItems") or {}).get("nodes") or []:
            line_id = numeric_id((line.get("lineItem") or {}).get("id"))
            quantity = min(wanted.get(line_id, 0), int(line["remainingQuantity"]))
            if quantity > 0:
                lines.append({"id": line["id"], "quantity": quantity})
                wanted[line_id] -= quantity
        if lines:
            by_order.append(
                {"fulfillmentOrderId": fulfillment_order["id"], "fulfillmentOrderLineItems": lines}
            )
    if by_order:
        fulfillment = {"lineItemsByFulfillmentOrder": by_order, "notifyCustomer": True}
        if parcel:
            fulfillment["trackingInfo"] = _tracking_info(parcel)
        return [("fulfillmentCreate", FULFILL_MUTATION, {"fulfillment": fulfillment})]
    return _tracking_update(order, parcel)


def _tracking_update(order, parcel):
    """The latest parcel's tracking, when Shopify's fulfilments do not have it yet."""
    fulfillments = order.get("fulfillments") or []
    if not parcel or not fulfillments:
        return []
    known = {info.get("number") for f in fulfillments for info in f.get("trackingInfo") or []}
    if parcel["number"] in known:
        return []
    variables = {
        "fulfillmentId": fulfillments[-1]["id"],
        "trackingInfoInput": _tracking_info(parcel),
    }
    return [("fulfillmentTrackingInfoUpdate", TRACKING_MUTATION, variables)]


def _refunds(order, body):
    refunded = defaultdict(int)
    for refund in order.get("refunds") or []:
        for line in (refund.get("refundLineItems") or {}).get("nodes") or []:
            refunded[numeric_id((line.get("lineItem") or {}).get("id"))] += int(line["quantity"])
    lines = []
    for line in body.get("lines") or []:
        line_id = numeric_id(line["id"])
        quantity = int(line.get("returned") or 0) - refunded.get(line_id, 0)
        if quantity > 0:
            lines.append(
                {
                    "lineItemId": f"gid://shopify/LineItem/{line_id}",
                    "quantity": quantity,
                    "restockType": "NO_RESTOCK",
                }
            )
    if not lines:
        return []
    refund = {
        "orderId": order["id"],
        "refundLineItems": lines,
        "notify": False,
        "note": REFUND_NOTE,
    }
    return [("refundCreate", service.REFUND_MUTATION, {"input": refund})]
