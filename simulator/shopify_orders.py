"""A Shopify shop's orders, for the simulator: placed (``add_order``, from the REST-like
JSON its webhooks carry), changed in the shop (``update_order``), delivered to Odoo as
signed webhooks, read by GraphQL (``order`` with its fulfillment orders; ``orders``
changed since a time, page by page, as the catch-up poll reads them), and changed by
``fulfillmentCreate``, ``fulfillmentTrackingInfoUpdate`` and ``orderCancel`` as Shopify's
Admin GraphQL API does (``orderUpdate`` and ``refundCreate``: simulator.shopify_service)."""

import base64
import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

from .common import now_iso
from .shopify_service import ShopifyService, graphql_address

WEBHOOK_TIMEOUT = 10


def _gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def _now():
    """Shopify's DateTime: UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UPDATED_SINCE_RE = re.compile(r"updated_at:>=?'?\"?([0-9T:\-]+Z)")


def _money(amount):
    return {"shopMoney": {"amount": None if amount is None else str(amount)}}


def _graphql_order(state):
    """The ``orders`` node of an order, from the JSON it was placed with."""
    order = state["json"]
    customer = order.get("customer") or {}
    address = order.get("shipping_address") or {}
    shipping = sum(float(line.get("price") or 0) for line in order.get("shipping_lines") or [])
    return {
        "id": state["id"],
        "legacyResourceId": str(order["id"]),
        "name": order.get("name"),
        "createdAt": order.get("created_at"),
        "updatedAt": state["updatedAt"],
        "cancelledAt": state["cancelledAt"],
        "email": order.get("email"),
        "phone": order.get("phone"),
        "currencyCode": order.get("currency"),
        "taxesIncluded": bool(order.get("taxes_included")),
        "displayFinancialStatus": (order.get("financial_status") or "").upper() or None,
        "totalPriceSet": _money(order.get("total_price")),
        "totalDiscountsSet": _money(order.get("total_discounts") or "0.00"),
        "totalTaxSet": _money(order.get("total_tax") or "0.00"),
        "totalShippingPriceSet": _money(f"{shipping:.2f}"),
        "customer": {
            "firstName": customer.get("first_name"),
            "lastName": customer.get("last_name"),
            "defaultEmailAddress": {"emailAddress": customer["email"]}
            if customer.get("email")
            else None,
            "defaultPhoneNumber": {"phoneNumber": customer["phone"]}
            if customer.get("phone")
            else None,
        }
        if customer
        else None,
        "shippingAddress": graphql_address(address),
        "lineItems": {
            "nodes": [
                {
                    "id": _gid("LineItem", line["id"]),
                    "sku": line.get("sku"),
                    "quantity": int(line["quantity"]),
                    "originalUnitPriceSet": _money(line.get("price")),
                }
                for line in order.get("line_items") or []
            ]
        },
    }


def _user_errors(*messages):
    return [{"field": None, "message": message} for message in messages]


class ShopifyOrders(ShopifyService):
    """Mixed into the Shopify marketplace (its lock, accounts and next ids)."""

    @staticmethod
    def _stamp():
        return _now()

    def _reset_orders(self):
        self.orders = {}  # (shop, order gid) -> order state
        self.jobs = []

    def add_order(self, shop, order):
        """Place an order (the webhook JSON: numeric ids, line_items) with one open
        fulfillment order of all its lines; returns the order's state."""
        with self.lock:
            gid = _gid("Order", order["id"])
            fulfillment_order = {
                "id": _gid("FulfillmentOrder", self.sim.next_id()),
                "status": "OPEN",
                "lineItems": {
                    "nodes": [
                        {
                            "id": _gid("FulfillmentOrderLineItem", self.sim.next_id()),
                            "totalQuantity": int(line["quantity"]),
                            "remainingQuantity": int(line["quantity"]),
                            "lineItem": {"id": _gid("LineItem", line["id"])},
                        }
                        for line in order["line_items"]
                    ]
                },
            }
            state = {
                "id": gid,
                "updatedAt": _now(),
                "cancelledAt": order.get("cancelled_at") or None,
                "cancel": None,
                "json": order,
                "fulfillmentOrders": {"nodes": [fulfillment_order]},
                "fulfillments": [],
                "refunds": [],
                "transactions": [self._sale_transaction(order)],
            }
            self.orders[(shop, gid)] = state
            return state

    def update_order(self, shop, order_id, **changes):
        """Change an order in the shop (its JSON's fields; ``cancelled_at`` cancels it),
        as a merchant or a customer does: its ``updatedAt`` moves, no webhook is sent."""
        with self.lock:
            state = self.orders[(shop, _gid("Order", order_id))]
            state["json"].update(changes)
            if changes.get("cancelled_at"):
                state["cancelledAt"] = changes["cancelled_at"]
            state["updatedAt"] = _now()
            return state

    def order_state(self, shop, order_id):
        with self.lock:
            return self.orders.get((shop, _gid("Order", order_id)))

    def delivery(self, shop, topic, order, webhook_id, secret=None, event_id=None):
        """(body, headers) of a webhook delivery as Shopify sends it: ``event_id`` names
        the event (the same in its delivery to each subscription of the topic)."""
        secret = secret or self.account(shop).webhook_secret
        body = json.dumps(order).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        return body, {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": str(webhook_id),
            "X-Shopify-Shop-Domain": f"{shop}.myshopify.com",
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Triggered-At": now_iso(),
            "X-Shopify-Event-Id": str(event_id or f"event-{webhook_id}"),
        }

    def deliver(self, url, shop, topic, order, webhook_id, secret=None, event_id=None):
        """POST a webhook delivery to Odoo at ``url``: (status, answer text)."""
        body, headers = self.delivery(shop, topic, order, webhook_id, secret, event_id)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as failure:
            return failure.code, failure.read().decode("utf-8", "replace")

    # -- GraphQL ---------------------------------------------------------------------

    def _order_query(self, name, settings, query, variables, version):
        state = self.orders.get((name, variables.get("id")))
        if not state:
            return {"data": {"order": None}}
        keys = ("id", "cancelledAt", "fulfillmentOrders", "fulfillments", "refunds", "transactions")
        order = {key: state[key] for key in keys}
        order["shippingAddress"] = self._shipping_address(state)
        return {"data": {"order": json.loads(json.dumps(order))}}

    def _orders_query(self, name, settings, query, variables, version):
        """``orders(first, after, sortKey: UPDATED_AT, query: "updated_at:>='…'")``."""
        match = UPDATED_SINCE_RE.search(str(variables.get("query") or ""))
        since = match.group(1) if match else ""
        states = sorted(
            (state for (shop, _gid_), state in self.orders.items() if shop == name),
            key=lambda state: (state["updatedAt"], state["id"]),
        )
        states = [state for state in states if state["updatedAt"] >= since]
        start = int(str(variables.get("after") or "cursor:0").split(":")[-1])
        first = int(variables.get("first") or 50)
        page = states[start : start + first]
        end = start + len(page)
        return {
            "data": {
                "orders": {
                    "pageInfo": {"hasNextPage": end < len(states), "endCursor": f"cursor:{end}"},
                    "nodes": [json.loads(json.dumps(_graphql_order(s))) for s in page],
                }
            }
        }

    def _fulfillment_create(self, name, settings, query, variables, version):
        fulfillment = variables.get("fulfillment") or {}
        errors, moves = [], []
        for group in fulfillment.get("lineItemsByFulfillmentOrder") or []:
            found = self._fulfillment_order(name, group.get("fulfillmentOrderId"))
            if not found:
                errors.append("Fulfillment order does not exist.")
                continue
            state, fulfillment_order = found
            if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
                errors.append("Fulfillment order is not open.")
                continue
            lines = {line["id"]: line for line in fulfillment_order["lineItems"]["nodes"]}
            for item in group.get("fulfillmentOrderLineItems") or []:
                line = lines.get(item.get("id"))
                if not line or not 0 < int(item.get("quantity", 0)) <= line["remainingQuantity"]:
                    errors.append("Invalid fulfillment order line item quantity requested.")
                else:
                    moves.append((state, fulfillment_order, line, int(item["quantity"])))
        if errors or not moves:
            return _payload("fulfillmentCreate", None, _user_errors(*(errors or ["Nothing."])))
        for _state, _fo, line, quantity in moves:
            line["remainingQuantity"] -= quantity
        for _state, fulfillment_order, _line, _quantity in moves:
            lines = fulfillment_order["lineItems"]["nodes"]
            remaining = sum(line["remainingQuantity"] for line in lines)
            fulfillment_order["status"] = "CLOSED" if remaining == 0 else "IN_PROGRESS"
        state = moves[0][0]
        tracking = fulfillment.get("trackingInfo")
        created = {
            "id": _gid("Fulfillment", self.sim.next_id()),
            "trackingInfo": [tracking] if tracking else [],
            "lineItems": [(line["lineItem"]["id"], quantity) for _s, _f, line, quantity in moves],
            "notifyCustomer": bool(fulfillment.get("notifyCustomer")),
        }
        state["fulfillments"].append(created)
        state["updatedAt"] = _now()
        return _payload("fulfillmentCreate", {"fulfillment": {"id": created["id"]}}, [])

    def _fulfillment_order(self, name, fulfillment_order_id):
        for (shop, _order), state in self.orders.items():
            if shop != name:
                continue
            for fulfillment_order in state["fulfillmentOrders"]["nodes"]:
                if fulfillment_order["id"] == fulfillment_order_id:
                    return state, fulfillment_order
        return None

    def _tracking_update(self, name, settings, query, variables, version):
        for (shop, _order), state in self.orders.items():
            for fulfillment in state["fulfillments"] if shop == name else []:
                if fulfillment["id"] == variables.get("fulfillmentId"):
                    fulfillment["trackingInfo"] = [variables.get("trackingInfoInput") or {}]
                    return _payload(
                        "fulfillmentTrackingInfoUpdate",
                        {"fulfillment": {"id": fulfillment["id"]}},
                        [],
                    )
        return _payload(
            "fulfillmentTrackingInfoUpdate", None, _user_errors("Fulfillment does not exist.")
        )

    def _order_cancel(self, name, settings, query, variables, version):
        state = self.orders.get((name, variables.get("orderId")))
        if not state:
            return _cancel_payload("Order does not exist.")
        if state["cancelledAt"]:
            return _cancel_payload("Order has already been cancelled.")
        if state["fulfillments"]:
            return _cancel_payload("Order has fulfillments: it cannot be cancelled.")
        state["cancelledAt"] = state["updatedAt"] = _now()
        state["cancel"] = {
            "refund": "refund: true" in query,
            "restock": "restock: true" in query,
            "staffNote": variables.get("staffNote"),
        }
        for fulfillment_order in state["fulfillmentOrders"]["nodes"]:
            fulfillment_order["status"] = "CANCELLED"
        job = {"id": _gid("Job", self.sim.next_id())}
        self.jobs.append(job)
        return {"data": {"orderCancel": {"job": job, "orderCancelUserErrors": []}}}


def _payload(name, result, user_errors):
    return {"data": {name: {**(result or {}), "userErrors": user_errors}}}


def _cancel_payload(message):
    errors = [{"code": "INVALID", "field": None, "message": message}]
    return {"data": {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}}
