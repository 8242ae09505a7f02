"""Customer service on a bol.com order from Odoo's status body. bol.com collects and pays
back the money itself: a seller refunds through its API only by cancelling what has not
shipped (``PUT /retailer/orders/cancellation``: every open unit of an order item at once,
bol.com then refunds the customer). A customer-service refund of the open units of a line
is therefore that line's cancellation; any other refund (a part of the open units, what
shipped, an amount alone) is refused in words, to be made on bol.com. The delivery address
is bol.com's (no seller API changes it).
https://api.bol.com/retailer/public/Retailer-API/v10/functional/retailer-api/orders-shipments/orders.html
"""

from ..errors import PermanentError
from .bol_orders import open_quantity

REASON = "REQUESTED_BY_CUSTOMER"
NO_LINE = (
    "bol.com pays the customer back itself: refund {key} names no line, so it cannot be "
    "sent through the API; make it in the bol.com seller dashboard."
)
UNKNOWN = "bol.com order {order} has no item {line} (refund {key})."
SHIPPED = (
    "bol.com order item {line} has left (refund {key}): a refund of what shipped is a "
    "return on bol.com, not a cancellation."
)
PART = (
    "bol.com cancels every open unit of an item at once: item {line} has {open} open, "
    "refund {key} asks for {quantity}; refund it in the bol.com seller dashboard."
)


def refund_cancels(order, body, refused=None):
    """[(order item id, reason code)]: the items whose open units a refund of the body
    covers, not yet cancelled on bol.com (what bol.com has cancelled is not sent again).
    A refund bol.com cannot take is a PermanentError, or, given a dict ``refused``, its
    message there under the refund's key (each refund on its own)."""
    items = {str(item.get("orderItemId")): item for item in order.get("orderItems") or []}
    cancels = []
    for refund in body.get("refunds") or []:
        try:
            cancel = _cancel(order, items, refund)
        except PermanentError as error:
            if refused is None:
                raise
            refused[refund["key"]] = error.message
            continue
        if cancel:
            cancels.append(cancel)
    return cancels


def _cancel(order, items, refund):
    """(order item id, reason code) of one refund, or None when bol.com has it."""
    words = {"key": refund["key"], "line": refund.get("line_id"), "order": order.get("orderId")}
    item = items.get(str(refund.get("line_id")))
    if not refund.get("line_id") or not refund.get("quantity"):
        raise PermanentError(NO_LINE.format(**words))
    if item is None:
        raise PermanentError(UNKNOWN.format(**words))
    quantity, left = int(refund["quantity"]), open_quantity(item)
    if left == 0 and int(item.get("quantityCancelled") or 0) >= quantity:
        return None  # cancelled already (by this refund, or before it)
    if left == 0:
        raise PermanentError(SHIPPED.format(**words))
    if quantity != left:
        raise PermanentError(PART.format(open=left, quantity=quantity, **words))
    return str(item.get("orderItemId")), REASON
