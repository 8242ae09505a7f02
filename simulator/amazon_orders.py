"""Amazon's orders for the simulator: placed (``add_order``, a v2026-01-01 order with
defaults filled in), changed (``update_order``: a buyer's cancellation, a status; the
``lastUpdatedTime`` moves), read by Orders v2026-01-01 (``searchOrders`` since a time,
paged with ``paginationToken``; ``getOrder``; only the ``includedData`` asked for; no
prices nor recipient while PENDING), and shipped by v0 ``confirmShipment`` (checked as
the model says; the package kept, a duplicate ``packageReferenceId`` refused)."""

import copy
import json
import re
import secrets
from datetime import UTC, datetime, timedelta

from .common import Reply

# includedData -> the order's key it adds (and the item's, when items have it too)
DATASETS = {
    "BUYER": ("buyer", None),
    "RECIPIENT": ("recipient", None),
    "PROCEEDS": ("proceeds", "proceeds"),
    "FULFILLMENT": ("fulfillment", "fulfillment"),
    "PACKAGES": ("packages", None),
    "CANCELLATION": (None, "cancellation"),
}
PENDING = frozenset({"PENDING", "PENDING_AVAILABILITY"})
NUMBER_RE = re.compile(r"^[1-9][0-9]*$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def sp_error(status, code, message, details=""):
    """SP-API's error body ``{"errors": [{"code", "message", "details"}]}``."""
    return Reply(status, {"errors": [{"code": code, "message": message, "details": details}]})


def _parse_time(text):
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _later_than(previous):
    """Now, to the second, strictly after ``previous`` (each change is another time)."""
    now = datetime.now(UTC).replace(microsecond=0)
    if previous:
        now = max(now, _parse_time(previous) + timedelta(seconds=1))
    return now.strftime(TIME_FORMAT)


class AmazonOrders:
    """Mixed into the Amazon marketplace (its lock, accounts and limits)."""

    def _reset_orders(self):
        self.orders = {}  # account -> {order id: order}
        self.confirmations = []  # (account, order id, confirmShipment body)
        self.page_tokens = {}  # token -> (account, [order ids], next offset)

    # -- helpers for tests -----------------------------------------------------------

    def add_order(self, account, order):
        """Place an order (a v2026-01-01 order; ids, times, sales channel and
        fulfillment MERCHANT/UNSHIPPED filled in when absent); returns a copy."""
        with self.lock:
            order = copy.deepcopy(order)
            order.setdefault(
                "orderId",
                f"{secrets.randbelow(900) + 100}-"
                f"{secrets.randbelow(9000000) + 1000000}-"
                f"{secrets.randbelow(9000000) + 1000000}",
            )
            now = _later_than(None)
            order.setdefault("createdTime", now)
            order.setdefault("lastUpdatedTime", now)  # it comes to the seller now
            marketplace = self.account(account).marketplace_id
            order.setdefault(
                "salesChannel", {"channelName": "AMAZON", "marketplaceId": marketplace}
            )
            fulfillment = order.setdefault("fulfillment", {})
            fulfillment.setdefault("fulfillmentStatus", "UNSHIPPED")
            fulfillment.setdefault("fulfilledBy", "MERCHANT")
            for item in order.setdefault("orderItems", []):
                item.setdefault("orderItemId", str(10**13 + secrets.randbelow(10**13)))
                item.setdefault(
                    "fulfillment",
                    {"quantityFulfilled": 0, "quantityUnfulfilled": item["quantityOrdered"]},
                )
            order.setdefault("packages", [])
            self.orders.setdefault(account, {})[order["orderId"]] = order
            return copy.deepcopy(order)

    def update_order(self, account, order_id, status=None, cancel_reason=None, **values):
        """Change an order as Amazon or the buyer does: ``status`` (CANCELLED with the
        buyer's ``cancel_reason``), other top-level ``values``; its lastUpdatedTime moves."""
        with self.lock:
            order = self.orders[account][order_id]
            order.update(copy.deepcopy(values))
            if status:
                order["fulfillment"]["fulfillmentStatus"] = status
            if cancel_reason:
                for item in order["orderItems"]:
                    item["cancellation"] = {
                        "cancellationRequest": {"requester": "BUYER", "cancelReason": cancel_reason}
                    }
            order["lastUpdatedTime"] = _later_than(order["lastUpdatedTime"])
            return copy.deepcopy(order)

    def order(self, account, order_id):
        with self.lock:
            return copy.deepcopy(self.orders.get(account, {}).get(order_id))

    def shipment_confirmations(self, account, order_id=None):
        """The confirmShipment bodies received, oldest first."""
        with self.lock:
            return [
                copy.deepcopy(body)
                for owner, order, body in self.confirmations
                if owner == account and order_id in (None, order)
            ]

    # -- HTTP ------------------------------------------------------------------------------

    def _orders(self, account, method, rest, params, body):
        if rest == ["2026-01-01", "orders"] and method == "GET":
            return self.limited(account, "searchOrders") or self._search_orders(account, params)
        if rest[:2] == ["2026-01-01", "orders"] and len(rest) == 3 and method == "GET":
            return self.limited(account, "getOrder") or self._get_order(account, rest[2], params)
        if (
            rest[:2] == ["v0", "orders"]
            and len(rest) == 4
            and rest[3] == "shipmentConfirmation"
            and method == "POST"
        ):
            return self.limited(account, "confirmShipment") or self._confirm(account, rest[2], body)
        return sp_error(404, "NotFound", "Resource not found")

    def _search_orders(self, account, params):
        def one(name):
            return (params.get(name) or [""])[0]

        size = int(one("maxResultsPerPage") or 100)
        if not 1 <= size <= 100:
            return sp_error(400, "InvalidInput", "maxResultsPerPage must be 1 to 100")
        size = min(size, self.account(account).max_page_size)
        token = one("paginationToken")
        if token:
            if token not in self.page_tokens:
                return sp_error(400, "InvalidInput", "Invalid paginationToken")
            owner, ids, start = self.page_tokens.pop(token)
            if owner != account:
                return sp_error(400, "InvalidInput", "Invalid paginationToken")
        else:
            if bool(one("createdAfter")) == bool(one("lastUpdatedAfter")):
                message = "Exactly one of createdAfter and lastUpdatedAfter is required"
                return sp_error(400, "InvalidInput", message)
            ids, start = self._matching(account, params), 0
        orders = self.orders.get(account, {})
        included = _included(params)
        page = [_view(orders[i], included) for i in ids[start : start + size] if i in orders]
        answer = {"orders": page}
        if start + size < len(ids):
            token = secrets.token_urlsafe(16)
            self.page_tokens[token] = (account, ids, start + size)
            answer["pagination"] = {"nextToken": token}
        return self.ok(200, answer)

    def _matching(self, account, params):
        """Ids of the orders a search finds, oldest change first."""
        field, since = "lastUpdatedTime", (params.get("lastUpdatedAfter") or [""])[0]
        if not since:
            field, since = "createdTime", params["createdAfter"][0]
        since = _parse_time(since)
        wanted_by = set(",".join(params.get("fulfilledBy") or []).split(",")) - {""}
        statuses = set(",".join(params.get("fulfillmentStatuses") or []).split(",")) - {""}
        markets = set(",".join(params.get("marketplaceIds") or []).split(",")) - {""}
        rows = []
        for order in self.orders.get(account, {}).values():
            fulfillment = order["fulfillment"]
            if _parse_time(order[field]) < since:
                continue
            if wanted_by and fulfillment.get("fulfilledBy") not in wanted_by:
                continue
            if statuses and fulfillment.get("fulfillmentStatus") not in statuses:
                continue
            if markets and order["salesChannel"].get("marketplaceId") not in markets:
                continue
            rows.append(order)
        rows.sort(key=lambda row: (_parse_time(row[field]), row["orderId"]))
        return [row["orderId"] for row in rows]

    def _get_order(self, account, order_id, params):
        order = self.orders.get(account, {}).get(order_id)
        if not order:
            return sp_error(404, "NotFound", f"Order {order_id} not found")
        return self.ok(200, {"order": _view(order, _included(params))})

    def _confirm(self, account, order_id, body):
        order = self.orders.get(account, {}).get(order_id)
        if not order:
            return sp_error(404, "NotFound", f"Order {order_id} not found")
        try:
            data = json.loads(body)
        except ValueError:
            return sp_error(400, "InvalidInput", "Invalid Input")
        problem = _shipment_problem(order, data)
        if problem:
            return sp_error(400, "InvalidInput", "Invalid Input", problem)
        detail = data["packageDetail"]
        left = {item["orderItemId"]: item for item in order["orderItems"]}
        for row in detail["orderItems"]:
            fulfillment = left[row["orderItemId"]]["fulfillment"]
            fulfillment["quantityFulfilled"] += row["quantity"]
            fulfillment["quantityUnfulfilled"] -= row["quantity"]
        order["packages"].append(_package(detail))
        done = all(item["fulfillment"]["quantityUnfulfilled"] <= 0 for item in left.values())
        order["fulfillment"]["fulfillmentStatus"] = "SHIPPED" if done else "PARTIALLY_SHIPPED"
        order["lastUpdatedTime"] = _later_than(order["lastUpdatedTime"])
        self.confirmations.append((account, order_id, copy.deepcopy(data)))
        # 204 has no body: the connection is closed after it (the server writes one)
        return Reply(204, None, dict(self.served_headers))


def _included(params):
    return set(",".join(params.get("includedData") or []).split(",")) - {""}


def _view(order, included):
    """The order as searchOrders/getOrder answer it with ``included`` data sets."""
    keep_order = {key for name, (key, _item) in DATASETS.items() if name in included and key}
    keep_item = {item for name, (_key, item) in DATASETS.items() if name in included and item}
    optional_order = {key for key, _item in DATASETS.values() if key}
    optional_item = {item for _key, item in DATASETS.values() if item}
    view = {k: copy.deepcopy(v) for k, v in order.items() if k not in optional_order - keep_order}
    view["orderItems"] = [
        {k: copy.deepcopy(v) for k, v in item.items() if k not in optional_item - keep_item}
        for item in order["orderItems"]
    ]
    if order["fulfillment"]["fulfillmentStatus"] in PENDING:
        view.pop("recipient", None)
        view.pop("proceeds", None)
        for item in view["orderItems"]:
            item.pop("proceeds", None)
            item.get("product", {}).pop("price", None)
    return view


def _shipment_problem(order, data):
    """Why confirmShipment refuses ``data`` (None: it takes it)."""
    if not isinstance(data, dict) or not data.get("marketplaceId"):
        return "marketplaceId is required"
    detail = data.get("packageDetail")
    required = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
    if not isinstance(detail, dict) or any(not detail.get(name) for name in required):
        return f"packageDetail needs {', '.join(required)}"
    if order["fulfillment"]["fulfillmentStatus"] in PENDING | {"CANCELLED"}:
        return "The order cannot be shipped in its status"
    reference = str(detail["packageReferenceId"])
    if not NUMBER_RE.match(reference):
        return "packageReferenceId must be a positive number"
    if any(str(p.get("packageReferenceId")) == reference for p in order["packages"]):
        return f"packageReferenceId {reference} already exists for the order"
    if not ISO_RE.match(str(detail["shipDate"])):
        return "shipDate must be ISO 8601"
    if detail["carrierCode"] == "Other" and not detail.get("carrierName"):
        return "carrierName is required when carrierCode is Other"
    items = {item["orderItemId"]: item for item in order["orderItems"]}
    for row in detail["orderItems"]:
        item = items.get(str(row.get("orderItemId"))) if isinstance(row, dict) else None
        quantity = row.get("quantity") if item else None
        if not isinstance(quantity, int) or quantity < 1:
            return "each orderItems entry needs a known orderItemId and a quantity"
        if quantity > item["fulfillment"]["quantityUnfulfilled"]:
            return f"quantity of {row['orderItemId']} is more than is left to ship"
    return None


def _package(detail):
    other = detail["carrierCode"] == "Other"
    return {
        "packageReferenceId": str(detail["packageReferenceId"]),
        "createdTime": _later_than(None),
        "packageStatus": {"status": "IN_TRANSIT"},
        "carrier": detail.get("carrierName") if other else detail["carrierCode"],
        "shippingService": detail.get("shippingMethod") or detail.get("carrierName") or "",
        "shipTime": detail["shipDate"],
        "trackingNumber": detail["trackingNumber"],
        "packageItems": [
            {"orderItemId": row["orderItemId"], "quantity": row["quantity"]}
            for row in detail["orderItems"]
        ],
    }
