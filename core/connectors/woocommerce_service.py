"""Customer service on a WooCommerce order from Odoo's status body: the delivery address
(``PUT /orders/<id>`` with ``shipping``, sent when the shop's differs; refused in words
for a completed order) and each refund the shop does not have yet (``POST
/orders/<id>/refunds``: its key at the start of the reason, ``api_refund`` false: the
refund is recorded, the money goes back through the payment provider as the merchant
decides, the line not restocked), read first so that a replay sends nothing twice.
https://developer.woocommerce.com/docs/apis/rest-api/v3/order-refunds/
"""

import json
import re

from ..errors import PermanentError, RetryableError

# a refund's reason starts with its key in brackets: "[cs-12] damaged on arrival"
REASON_KEY_RE = re.compile(r"^\[([^\]]+)\]")
# statuses past the shipment: the address is no longer the order's to change
CLOSED_STATUSES = frozenset({"completed", "cancelled", "refunded", "failed", "trash"})
CANNOT_REFUND = "woocommerce_rest_cannot_create_order_refund"
TRY_AGAIN = "try again"
CLOSED = (
    "WooCommerce order {order} is {status}: its delivery address cannot be changed any "
    "more (the parcel left for the address the shop has)."
)


def shipping(address):
    """WooCommerce's ``shipping`` object of an address of the status body."""
    first, _space, last = address["name"].strip().partition(" ")
    if not last:
        first, last = "", first
    return {
        "first_name": first,
        "last_name": last,
        "address_1": address["street"],
        "address_2": address["street2"],
        "postcode": address["zip"],
        "city": address["city"],
        "country": address["country_code"],
        "phone": address["phone"],
    }


def address_update(order, body):
    """The ``PUT /orders/<id>`` payload that sets the body's address, or None (no address
    in the body, or the shop has it already)."""
    address = body.get("address")
    if not address:
        return None
    wanted = shipping(address)
    have = order.get("shipping") or {}
    if all((have.get(key) or "") == value for key, value in wanted.items()):
        return None
    status = order.get("status")
    if status in CLOSED_STATUSES:
        raise PermanentError(CLOSED.format(order=order.get("id"), status=status))
    return {"shipping": wanted}


def reason(key, text):
    return f"[{key}] {text}".strip()


def known_keys(refunds):
    keys = set()
    for refund in refunds:
        match = REASON_KEY_RE.match(str(refund.get("reason") or ""))
        if match:
            keys.add(match.group(1))
    return keys


def refund_payload(refund):
    payload = {
        "amount": refund["amount"],
        "reason": reason(refund["key"], refund["reason"]),
        "api_refund": False,
        "api_restock": False,
    }
    if refund.get("line_id") and refund.get("quantity"):
        payload["line_items"] = [
            {
                "id": int(str(refund["line_id"]).rsplit("/", 1)[-1]),
                "quantity": int(refund["quantity"]),
                "refund_total": refund["amount"],
            }
        ]
    return payload


def refused(error):
    """A PermanentError in WooCommerce's words for a refund it cannot create (its 500
    ``woocommerce_rest_cannot_create_order_refund``: an amount above what is left, a
    gateway that cannot refund), or None (a genuine failure worth a retry)."""
    if not isinstance(error, RetryableError) or error.status != 500:
        return None
    try:
        answer = json.loads(error.body or "")
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("code") != CANNOT_REFUND:
        return None
    message = str(answer.get("message") or "")
    if TRY_AGAIN in message.lower():
        return None
    return PermanentError(
        f"WooCommerce refused the refund: {message}", status=error.status, body=error.body
    )
