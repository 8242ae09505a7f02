"""Customer service on a Shopify order, for the simulator, as Shopify's Admin GraphQL API
documents it:

* ``orderUpdate(input: OrderInput!)`` with ``shippingAddress`` (a MailingAddressInput:
  firstName, lastName, address1, address2, zip, city, countryCode, phone...) replaces the
  order's shipping address; userErrors for an order that does not exist, is cancelled or
  fully fulfilled, or a country code that is not one.
  https://shopify.dev/docs/api/admin-graphql/latest/mutations/orderUpdate
  https://shopify.dev/docs/api/admin-graphql/2024-07/input-objects/OrderInput
* ``refundCreate(input: RefundInput!)``: ``refundLineItems`` (lineItemId, quantity,
  restockType), ``note``, ``transactions`` (orderId, parentId, gateway, kind: REFUND,
  amount); the refund is kept on the order (``refunds``: note, refundLineItems,
  totalRefundedSet, transactions) and refused (userErrors) above what was purchased or
  above what the parent transaction has left to refund.
  https://shopify.dev/docs/api/admin-graphql/latest/mutations/refundCreate
  https://shopify.dev/docs/api/admin-graphql/latest/input-objects/RefundInput
* every order is paid by one SALE transaction of its total (``transactions``).
"""

import re
from decimal import Decimal, InvalidOperation

COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
# MailingAddressInput field -> the order JSON's shipping_address key (REST names)
ADDRESS_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "address1": "address1",
    "address2": "address2",
    "zip": "zip",
    "city": "city",
    "countryCode": "country_code",
    "phone": "phone",
    "company": "company",
    "provinceCode": "province_code",
}
MORE_THAN_PURCHASED = "Quantity cannot refund more items than were purchased."
ABOVE_REFUNDABLE = "Amount cannot exceed the refundable amount of the parent transaction."
UNKNOWN_PARENT = "Parent transaction does not exist."
UNKNOWN_LINE = "Line item does not exist."
FULFILLED = "Order is fulfilled: its shipping address cannot be changed."
CANCELLED = "Order is cancelled: it cannot be updated."
BAD_COUNTRY = "Country code is invalid."
CENT = Decimal("0.01")


def _gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def _errors(*pairs):
    return [{"field": field, "message": message} for field, message in pairs]


def _amount(value):
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        return None


def _money(transaction):
    return Decimal(transaction["amountSet"]["shopMoney"]["amount"])


def graphql_address(address):
    """The ``shippingAddress`` node of an order from its JSON's shipping_address."""
    if not address:
        return None
    names = [address.get("first_name"), address.get("last_name")]
    return {
        "name": address.get("name") or " ".join(n for n in names if n) or None,
        "firstName": address.get("first_name"),
        "lastName": address.get("last_name"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "zip": address.get("zip"),
        "city": address.get("city"),
        "countryCodeV2": address.get("country_code"),
        "phone": address.get("phone"),
    }


def _fully_fulfilled(state):
    lines = [
        line
        for fulfillment_order in state["fulfillmentOrders"]["nodes"]
        for line in fulfillment_order["lineItems"]["nodes"]
    ]
    return bool(lines) and all(line["remainingQuantity"] == 0 for line in lines)


class ShopifyService:
    """Mixed into the Shopify marketplace with ShopifyOrders (its orders and ids)."""

    def _sale_transaction(self, order):
        total = _amount(order.get("total_price") or "0") or Decimal(0)
        return {
            "id": _gid("OrderTransaction", self.sim.next_id()),
            "kind": "SALE",
            "status": "SUCCESS",
            "gateway": order.get("gateway") or "bogus",
            "amountSet": {"shopMoney": {"amount": str(total)}},
        }

    def _order_update(self, name, settings, query, variables, version):
        data = variables.get("input") or {}
        state = self.orders.get((name, data.get("id")))
        if not state:
            return _update_payload(None, _errors((["id"], "Order does not exist.")))
        address = data.get("shippingAddress")
        if address is not None:
            errors = self._address_errors(state, address)
            if errors:
                return _update_payload(None, errors)
            state["json"]["shipping_address"] = {
                key: address.get(field)
                for field, key in ADDRESS_FIELDS.items()
                if address.get(field) is not None
            }
        if "note" in data:
            state["json"]["note"] = data["note"]
        state["updatedAt"] = self._stamp()
        order = {"id": state["id"], "shippingAddress": self._shipping_address(state)}
        return _update_payload(order, [])

    def _address_errors(self, state, address):
        if state["cancelledAt"]:
            return _errors((["id"], CANCELLED))
        if _fully_fulfilled(state):
            return _errors((["shippingAddress"], FULFILLED))
        if not COUNTRY_RE.match(str(address.get("countryCode") or "")):
            return _errors((["shippingAddress", "countryCode"], BAD_COUNTRY))
        return []

    @staticmethod
    def _shipping_address(state):
        return graphql_address(state["json"].get("shipping_address"))

    def _refund_create(self, name, settings, query, variables, version):
        refund = variables.get("input") or {}
        state = self.orders.get((name, refund.get("orderId")))
        if not state:
            return _refund_payload(None, _errors((["orderId"], "Order does not exist.")))
        lines, errors = self._refund_lines(state, refund.get("refundLineItems") or [])
        transactions, more = self._refund_transactions(state, refund.get("transactions") or [])
        errors += more
        if errors:
            return _refund_payload(None, errors)
        total = sum((_money(t) for t in transactions), Decimal("0.00"))
        created = {
            "id": _gid("Refund", self.sim.next_id()),
            "note": refund.get("note"),
            "refundLineItems": {"nodes": lines},
            "totalRefundedSet": {"shopMoney": {"amount": str(total)}},
            "transactions": {"nodes": transactions},
        }
        state["refunds"].append(created)
        state["transactions"].extend(transactions)
        state["updatedAt"] = self._stamp()
        return _refund_payload({"id": created["id"], "note": created["note"]}, [])

    def _refund_lines(self, state, items):
        ordered = {
            _gid("LineItem", line["id"]): int(line["quantity"])
            for line in state["json"].get("line_items") or []
        }
        refunded = {}
        for done in state["refunds"]:
            for line in done["refundLineItems"]["nodes"]:
                key = line["lineItem"]["id"]
                refunded[key] = refunded.get(key, 0) + line["quantity"]
        lines, errors = [], []
        for item in items:
            key, quantity = item.get("lineItemId"), int(item.get("quantity") or 0)
            if key not in ordered:
                errors += _errors((["refundLineItems", "lineItemId"], UNKNOWN_LINE))
                continue
            refunded[key] = refunded.get(key, 0) + quantity
            if quantity < 0 or refunded[key] > ordered[key]:
                errors += _errors((["refundLineItems", "quantity"], MORE_THAN_PURCHASED))
                continue
            restock = item.get("restockType")
            lines.append({"quantity": quantity, "lineItem": {"id": key}, "restockType": restock})
        return lines, errors

    def _refund_transactions(self, state, items):
        by_id = {t["id"]: t for t in state["transactions"]}
        transactions, errors = [], []
        for item in items:
            parent, amount = by_id.get(item.get("parentId")), _amount(item.get("amount"))
            if not parent or parent["kind"] not in ("SALE", "CAPTURE"):
                errors += _errors((["transactions", "parentId"], UNKNOWN_PARENT))
                continue
            paid = _money(parent)
            refunded = sum(
                (
                    _money(t)
                    for t in state["transactions"] + transactions
                    if t.get("parentId") == parent["id"]
                ),
                Decimal(0),
            )
            if amount is None or amount <= 0 or amount > paid - refunded:
                errors += _errors((["transactions", "amount"], ABOVE_REFUNDABLE))
                continue
            transactions.append(
                {
                    "id": _gid("OrderTransaction", self.sim.next_id()),
                    "kind": "REFUND",
                    "status": "SUCCESS",
                    "gateway": item.get("gateway") or parent["gateway"],
                    "parentId": parent["id"],
                    "amountSet": {"shopMoney": {"amount": str(amount)}},
                }
            )
        return transactions, errors


def _update_payload(order, user_errors):
    return {"data": {"orderUpdate": {"order": order, "userErrors": user_errors}}}


def _refund_payload(refund, user_errors):
    return {"data": {"refundCreate": {"refund": refund, "userErrors": user_errors}}}
