"""A Shopify shop's orders, for the simulator: placed (``add_order``, from the REST-like
JSON its webhooks carry), delivered to Odoo as signed webhooks, read by GraphQL with their
fulfillment orders, and changed by ``fulfillmentCreate``, ``fulfillmentTrackingInfoUpdate``,
``orderCancel`` and ``refundCreate`` as Shopify's Admin GraphQL API does."""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request

from .common import now_iso

WEBHOOK_TIMEOUT = 10


def _gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def _user_errors(*messages):
    return [{"field": None, "message": message} for message in messages]


class ShopifyOrders:
    """Mixed into the Shopify marketplace (its lock, accounts and next ids)."""

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
                "cancelledAt": None,
                "cancel": None,
                "json": order,
                "fulfillmentOrders": {"nodes": [fulfillment_order]},
                "fulfillments": [],
                "refunds": [],
            }
            self.orders[(shop, gid)] = state
            return state

    def order_state(self, shop, order_id):
        with self.lock:
            return self.orders.get((shop, _gid("Order", order_id)))

    def delivery(self, shop, topic, order, webhook_id, secret=None):
        """(body, headers) of a webhook delivery as Shopify sends it."""
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
        }

    def deliver(self, url, shop, topic, order, webhook_id, secret=None):
        """POST a webhook delivery to Odoo at ``url``: (status, answer text)."""
        body, headers = self.delivery(shop, topic, order, webhook_id, secret)
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
        order = {
            key: state[key]
            for key in ("id", "cancelledAt", "fulfillmentOrders", "fulfillments", "refunds")
        }
        return {"data": {"order": json.loads(json.dumps(order))}}

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
        state["cancelledAt"] = now_iso()
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

    def _refund_create(self, name, settings, query, variables, version):
        refund = variables.get("input") or {}
        state = self.orders.get((name, refund.get("orderId")))
        if not state:
            return _payload("refundCreate", None, _user_errors("Order does not exist."))
        lines = [
            {
                "quantity": int(line["quantity"]),
                "lineItem": {"id": line["lineItemId"]},
                "restockType": line.get("restockType"),
            }
            for line in refund.get("refundLineItems") or []
        ]
        state["refunds"].append({"refundLineItems": {"nodes": lines}, "note": refund.get("note")})
        return _payload("refundCreate", {"refund": {"id": _gid("Refund", self.sim.next_id())}}, [])


def _payload(name, result, user_errors):
    return {"data": {name: {**(result or {}), "userErrors": user_errors}}}


def _cancel_payload(message):
    errors = [{"code": "INVALID", "field": None, "message": message}]
    return {"data": {"orderCancel": {"job": None, "orderCancelUserErrors": errors}}}
