"""Customer service on a Shopify order, planned from Odoo's status body: the delivery
address (``orderUpdate`` with a ``shippingAddress``, sent when Shopify's differs; refused
in words once everything was fulfilled) and each refund Shopify does not have yet
(``refundCreate``: its key at the start of the note, the refunded line not restocked,
the money refunded on the order's paid transaction). Pure planning, as
core.connectors.shopify_fulfillment.
"""

import re
from decimal import Decimal

from ..errors import PermanentError

UPDATE_MUTATION = """\
mutation StockChannelSyncAddress($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id }
    userErrors { field message }
  }
}"""

REFUND_MUTATION = """\
mutation StockChannelSyncRefund($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}"""

# a refund's note starts with its key in brackets: "[cs-12] damaged on arrival"
NOTE_KEY_RE = re.compile(r"^\[([^\]]+)\]")
PAID_KINDS = frozenset({"SALE", "CAPTURE"})
FULFILLED = (
    "Shopify order {order}: everything was fulfilled, its delivery address cannot be "
    "changed any more (the parcel left for the address Shopify has)."
)
NOT_PAID = (
    "Shopify order {order}: no paid transaction to refund {amount} {currency} on "
    "(refund {key}); refund it in Shopify."
)


def note(key, reason):
    return f"[{key}] {reason}".strip()


def known_keys(order):
    """The keys of the refunds Shopify has (read from their notes)."""
    keys = set()
    for refund in order.get("refunds") or []:
        match = NOTE_KEY_RE.match(str(refund.get("note") or ""))
        if match:
            keys.add(match.group(1))
    return keys


def _mailing_address(address):
    first, _space, last = address["name"].strip().partition(" ")
    if not last:
        first, last = "", first
    values = {
        "firstName": first,
        "lastName": last,
        "address1": address["street"],
        "address2": address["street2"],
        "zip": address["zip"],
        "city": address["city"],
        "countryCode": address["country_code"],
        "phone": address["phone"],
    }
    return values


def _same_address(shopify, wanted):
    """Whether Shopify's shippingAddress already is the one Odoo wants."""
    if not shopify:
        return False
    have = {
        "firstName": shopify.get("firstName"),
        "lastName": shopify.get("lastName"),
        "address1": shopify.get("address1"),
        "address2": shopify.get("address2"),
        "zip": shopify.get("zip"),
        "city": shopify.get("city"),
        "countryCode": shopify.get("countryCodeV2"),
        "phone": shopify.get("phone"),
    }
    return all((have[key] or "") == (value or "") for key, value in wanted.items())


def _fully_fulfilled(order):
    lines = [
        line
        for fulfillment_order in (order.get("fulfillmentOrders") or {}).get("nodes") or []
        for line in (fulfillment_order.get("lineItems") or {}).get("nodes") or []
    ]
    return bool(lines) and all(int(line["remainingQuantity"]) == 0 for line in lines)


def address_actions(order, body):
    """[orderUpdate] when the body carries an address Shopify does not have."""
    address = body.get("address")
    if not address:
        return []
    wanted = _mailing_address(address)
    if _same_address(order.get("shippingAddress"), wanted):
        return []
    if _fully_fulfilled(order):
        raise PermanentError(FULFILLED.format(order=_name(order)))
    variables = {"input": {"id": order["id"], "shippingAddress": wanted}}
    return [("orderUpdate", UPDATE_MUTATION, variables)]


def _paid_transaction(order):
    for transaction in order.get("transactions") or []:
        if transaction.get("kind") in PAID_KINDS and transaction.get("status") == "SUCCESS":
            return transaction
    return None


def item_of(name, variables):
    """The customer-service item (refund key or "address") a planned mutation sends, or
    None."""
    if name == "orderUpdate":
        return "address"
    if name == "refundCreate":
        match = NOTE_KEY_RE.match(str(variables["input"].get("note") or ""))
        return match.group(1) if match else None
    return None


def refund_actions(order, body, refused=None):
    """[refundCreate] for each refund of the body whose key Shopify does not have. A
    refund Shopify cannot take is a PermanentError, or, given a dict ``refused``, its
    message there under the refund's key (each refund on its own)."""
    known = known_keys(order)
    actions = []
    for refund in body.get("refunds") or []:
        if refund["key"] in known:
            continue
        try:
            actions.append(_refund_action(order, refund))
        except PermanentError as error:
            if refused is None:
                raise
            refused[refund["key"]] = error.message
    return actions


def _refund_action(order, refund):
    data = {"orderId": order["id"], "note": note(refund["key"], refund["reason"])}
    data["notify"] = False
    if refund.get("line_id") and refund.get("quantity"):
        line_id = str(refund["line_id"]).rsplit("/", 1)[-1]
        data["refundLineItems"] = [
            {
                "lineItemId": f"gid://shopify/LineItem/{line_id}",
                "quantity": int(refund["quantity"]),
                "restockType": "NO_RESTOCK",
            }
        ]
    if Decimal(refund["amount"]) > 0:
        data["transactions"] = [_transaction(order, refund)]
    return ("refundCreate", REFUND_MUTATION, {"input": data})


def _name(order):
    return str(order.get("id") or "").rsplit("/", 1)[-1]


def _transaction(order, refund):
    parent = _paid_transaction(order)
    if not parent:
        raise PermanentError(
            NOT_PAID.format(
                order=_name(order),
                amount=refund["amount"],
                currency=refund["currency"],
                key=refund["key"],
            )
        )
    return {
        "orderId": order["id"],
        "parentId": parent["id"],
        "gateway": parent.get("gateway"),
        "kind": "REFUND",
        "amount": refund["amount"],
    }
