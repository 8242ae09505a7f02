"""A Shopify-like Admin GraphQL endpoint: ``inventorySetQuantities`` (with
``@idempotent`` and ``changeFromQuantity``), an ``inventoryItems`` levels query and the
``shop { name }`` query, behind the shop's access token and a leaky-bucket cost limit.

``POST /shopify/<shop>/admin/api/<version>/graphql.json``
"""

import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from .clients import HEADER_SHOPIFY_API_VERSION as HEADER_API_VERSION
from .common import (
    DEFAULT_TOKEN,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    Marketplace,
    Reply,
    error,
    fingerprint,
    is_int,
    same,
)
from .shopify_orders import ShopifyOrders

HEADER_SHOPIFY_TOKEN = "X-Shopify-Access-Token"
SHOPIFY_MAX_INPUT = 250
QUANTITY_NAMES = ("available", "on_hand")
QUANTITY_LIMIT = 1_000_000_000
THROTTLED = "THROTTLED"
THROTTLE_DOC = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
ITEM_GID_RE = re.compile(r"^gid://shopify/InventoryItem/\d+$")
LOCATION_GID_RE = re.compile(r"^gid://shopify/Location/\d+$")
SET_QUANTITIES_RE = re.compile(r"inventorySetQuantities\s*\(\s*input\s*:\s*\$(\w+)\s*\)")
IDEMPOTENT_RE = re.compile(r'@idempotent\s*\(\s*key\s*:\s*"([^"]*)"\s*\)')
SKU_TERM_RE = re.compile(r"""sku:(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s()]+))""")
UNESCAPE_RE = re.compile(r"\\(.)")
INVALID_VARIABLE = "INVALID_VARIABLE"
# inventorySetQuantities by API version: changeFromQuantity from 2026-01, required with
# @idempotent from 2026-04; before 2026-01, compareQuantity or ignoreCompareQuantity
CAS_VERSION = "2026-01"
CAS_REQUIRED_VERSION = "2026-04"
LATEST_VERSION = "2026-10"
# every answer names the version that served it; a request for a version older than the
# oldest supported one is served in that one ("falls forward"); a request using what is
# deprecated says so (shopify.dev/docs/api/usage/versioning)
HEADER_DEPRECATED_REASON = "X-Shopify-API-Deprecated-Reason"
OP_SET_QUANTITIES = "inventorySetQuantities"
OP_INVENTORY_ITEMS = "inventoryItems"


@dataclass
class ShopSettings:
    """Shopify shop settings; ``catalog`` maps SKU -> inventory item gid."""

    token: str = DEFAULT_TOKEN
    maximum_available: float = 1000.0
    restore_rate: float = 50.0
    mutation_cost: int = 10
    query_cost: int = 2
    throttle_status: int = 200
    webhook_secret: str = "shopify-webhook-secret"
    catalog: dict = field(default_factory=dict)
    locations: list = field(default_factory=list)
    # the oldest API version the shop still serves (older requests fall forward to it),
    # and, when set, the deprecations every answer reports
    oldest_version: str = "2025-01"
    deprecated_reason: str = ""


class Shopify(ShopifyOrders, Marketplace):
    name = "shopify"
    prefix = "/shopify/"
    config_key = "shops"
    settings_class = ShopSettings

    def _reset(self):
        self.levels = {}  # (shop, inventory item gid, location gid) -> quantity
        self.replies = {}  # (shop, idempotency key) -> (fingerprint, payload)
        self.buckets = {}  # shop -> (available points, when)
        self._reset_orders()

    def _configured(self, name):
        self.buckets.pop(name, None)

    def stock(self):
        with self.lock:
            shopify = {}
            for (shop, item, location), quantity in sorted(self.levels.items()):
                shopify.setdefault(shop, {}).setdefault(location, {})[item] = quantity
            return {"shopify": shopify}

    def route(self, method, parts, query, headers, body):
        if len(parts) == 5 and parts[0] and parts[1:3] == ["admin", "api"]:
            if parts[4] != "graphql.json":
                return error(404, NOT_FOUND)
            if method != "POST":
                return Reply(405, {"errors": METHOD_NOT_ALLOWED})
            return self._versioned(unquote(parts[0]), headers, body, parts[3])
        return error(404, NOT_FOUND)

    def _versioned(self, name, headers, body, requested):
        """The answer in the version that serves `requested`, saying which."""
        settings = self.account(name)
        served = max(requested, settings.oldest_version)
        reply = self.graphql(name, headers, body, version=served)
        reply.headers[HEADER_API_VERSION] = served
        if settings.deprecated_reason:
            reply.headers[HEADER_DEPRECATED_REASON] = settings.deprecated_reason
        return reply

    def _bucket(self, name, settings):
        """Currently available points of the shop's leaky bucket (refilled up to now)."""
        now = time.monotonic()
        available, since = self.buckets.get(name, (float(settings.maximum_available), now))
        available = min(
            float(settings.maximum_available), available + (now - since) * settings.restore_rate
        )
        self.buckets[name] = (available, now)
        return available

    @staticmethod
    def _cost(settings, requested, actual, available):
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(settings.maximum_available),
                "currentlyAvailable": int(available),
                "restoreRate": float(settings.restore_rate),
            },
        }

    def graphql(self, name, headers, body, version=LATEST_VERSION):
        settings = self.account(name)
        if not same(settings.token, headers.get(HEADER_SHOPIFY_TOKEN)):
            return Reply(401, {"errors": INVALID_TOKEN})
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            return Reply(400, {"errors": {"query": "Required parameter missing or invalid"}})
        query, variables = data["query"], data.get("variables") or {}
        found = self._operation(query, settings)
        if not found:
            return Reply(200, _graphql_error("simulator: unsupported operation", "UNSUPPORTED"))
        cost, operation = found
        with self.lock:
            available = self._bucket(name, settings)
            if available < cost:
                payload = _graphql_error("Throttled", THROTTLED, documentation=THROTTLE_DOC)
                payload["extensions"] = {"cost": self._cost(settings, cost, None, available)}
                return Reply(settings.throttle_status, payload)
            available -= cost
            self.buckets[name] = (available, time.monotonic())
            payload = operation(name, settings, query, variables, version)
            payload["extensions"] = {"cost": self._cost(settings, cost, cost, available)}
            return Reply(200, payload)

    def _operation(self, query, settings):
        """(cost, handler) of the operation a query holds; mutations first."""
        mutations = {
            OP_SET_QUANTITIES: self._set_quantities,
            "fulfillmentCreate": self._fulfillment_create,
            "fulfillmentTrackingInfoUpdate": self._tracking_update,
            "orderCancel": self._order_cancel,
            "refundCreate": self._refund_create,
            "orderUpdate": self._order_update,
        }
        for name, handler in mutations.items():
            if f"{name}(" in query:
                return settings.mutation_cost, handler
        queries = {
            OP_INVENTORY_ITEMS: self._inventory_items,
            "productVariants": self._product_variants,
            "nodes": self._nodes,
            "orders": self._orders_query,
            "order": self._order_query,
        }
        for name, handler in queries.items():
            if re.search(rf"\b{name}\s*\(", query):
                return settings.query_cost, handler
        if re.search(r"\bshop\s*\{", query):
            return settings.query_cost, self._shop_query
        return None

    @staticmethod
    def _shop_query(name, settings, query, variables, version):
        """``shop { name myshopifyDomain }``: the shop any valid token reads (no scope)."""
        return {"data": {"shop": {"name": name, "myshopifyDomain": f"{name}.myshopify.com"}}}

    def _set_quantities(self, name, settings, query, variables, version):
        match = SET_QUANTITIES_RE.search(query)
        if not match:
            return _graphql_error("simulator: pass the input as a variable", "BAD_REQUEST")
        data = variables.get(match.group(1))
        quantities = data.get("quantities") if isinstance(data, dict) else None
        if not isinstance(quantities, list):
            return _graphql_error("Variable $input was provided an invalid value", INVALID_VARIABLE)
        if len(quantities) > SHOPIFY_MAX_INPUT:
            return _graphql_error(
                f"The input array size of {len(quantities)} is greater than the maximum "
                f"allowed of {SHOPIFY_MAX_INPUT}.",
                "MAX_INPUT_SIZE_EXCEEDED",
                path=["inventorySetQuantities", "input", "quantities"],
            )
        key_match = IDEMPOTENT_RE.search(query)
        key = key_match.group(1) if key_match else None
        if not key and version >= CAS_REQUIRED_VERSION:
            return _graphql_error("The @idempotent directive is required", "BAD_REQUEST")
        shape = _shape_problem(data, quantities, version)
        if shape:
            return shape
        print_ = fingerprint(data)
        if key and (name, key) in self.replies:
            stored_fingerprint, stored = self.replies[(name, key)]
            if stored_fingerprint == print_:
                return json.loads(json.dumps(stored))
            return _set_result(
                None,
                [_user_error("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", ["input"], "key reused")],
            )
        errors = self._quantity_errors(name, settings, data, quantities, version)
        if errors:
            payload = _set_result(None, errors)
        else:
            for row in quantities:
                level_key = (name, row["inventoryItemId"], row["locationId"])
                self.levels[level_key] = row["quantity"]
            group = f"gid://shopify/InventoryAdjustmentGroup/{self.sim.next_id()}"
            payload = _set_result({"id": group}, [])
        if key:
            self.replies[(name, key)] = (print_, payload)
        return json.loads(json.dumps(payload))

    def _quantity_errors(self, name, settings, data, quantities, version):
        errors = []
        if data.get("name") not in QUANTITY_NAMES:
            errors.append(_user_error("INVALID_NAME", ["input", "name"], "invalid name"))
        if not data.get("reason"):
            errors.append(_user_error("INVALID_REASON", ["input", "reason"], "reason required"))
        items = set(settings.catalog.values())
        for index, row in enumerate(quantities):
            where = ["input", "quantities", str(index)]
            errors += self._row_errors(name, settings, items, row, where, version)
        return errors

    def _row_errors(self, name, settings, items, row, where, version):
        if not isinstance(row, dict):
            return [_user_error("INVALID_QUANTITY", where, "quantity must be an object")]
        errors = []
        item, location = row.get("inventoryItemId"), row.get("locationId")
        quantity = row.get("quantity")
        if not (isinstance(item, str) and ITEM_GID_RE.match(item)) or (items and item not in items):
            errors.append(
                _user_error(
                    "INVALID_INVENTORY_ITEM",
                    [*where, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                )
            )
        if not (isinstance(location, str) and LOCATION_GID_RE.match(location)) or (
            settings.locations and location not in settings.locations
        ):
            errors.append(
                _user_error(
                    "INVALID_LOCATION",
                    [*where, "locationId"],
                    "The specified location could not be found.",
                )
            )
        if not is_int(quantity) or abs(quantity) > QUANTITY_LIMIT:
            errors.append(_user_error("INVALID_QUANTITY", [*where, "quantity"], "invalid quantity"))
        return errors + self._compare_errors(name, row, where, version)

    def _compare_errors(self, name, row, where, version):
        """changeFromQuantity: required from 2026-04 (null skips the check), else
        compared with the current level."""
        if "changeFromQuantity" not in row:
            if version < CAS_REQUIRED_VERSION:
                return []
            return [
                _user_error(
                    "CHANGE_FROM_QUANTITY_REQUIRED",
                    [*where, "changeFromQuantity"],
                    "changeFromQuantity is required; pass null to skip the check.",
                )
            ]
        expected = row["changeFromQuantity"]
        current = self.levels.get((name, row.get("inventoryItemId"), row.get("locationId")), 0)
        if expected is None or expected == current:
            return []
        return [
            _user_error(
                "CHANGE_FROM_QUANTITY_STALE",
                [*where, "changeFromQuantity"],
                "The quantity has changed since changeFromQuantity was read.",
            )
        ]

    def _inventory_items(self, name, settings, query, variables, version):
        search = variables.get("query")
        location = variables.get("locationId")
        if not isinstance(search, str):
            return _graphql_error("Variable $query was provided an invalid value", INVALID_VARIABLE)
        skus = [
            UNESCAPE_RE.sub(r"\1", quoted) if quoted else single or bare
            for quoted, single, bare in SKU_TERM_RE.findall(search)
        ]
        first = variables.get("first")
        nodes = []
        for sku in dict.fromkeys(skus):
            item = settings.catalog.get(sku)
            if not item:
                continue
            level = self.levels.get((name, item, location))
            nodes.append(
                {
                    "id": item,
                    "sku": sku,
                    "inventoryLevel": None
                    if level is None
                    else {"quantities": [{"name": QUANTITY_NAMES[0], "quantity": level}]},
                }
            )
        if is_int(first):
            nodes = nodes[:first]
        return {"data": {OP_INVENTORY_ITEMS: {"nodes": nodes}}}

    def _product_variants(self, name, settings, query, variables, version):
        """The catalogue (``catalog``: SKU -> inventory item), paged by ``first``/``after``."""
        rows = sorted(settings.catalog.items())
        start = int(variables.get("after") or 0)
        first = variables.get("first") if is_int(variables.get("first")) else 50
        page = rows[start : start + first]
        nodes = [
            {
                "sku": sku,
                "inventoryItem": {"id": item},
                "inventoryQuantity": sum(
                    q for (shop, i, _l), q in self.levels.items() if shop == name and i == item
                ),
            }
            for sku, item in page
        ]
        more = start + first < len(rows)
        info = {"hasNextPage": more, "endCursor": str(start + first) if more else None}
        return {"data": {"productVariants": {"pageInfo": info, "nodes": nodes}}}

    def _nodes(self, name, settings, query, variables, version):
        """``nodes(ids:)`` of inventory items, with their level at ``locationId``."""
        location = variables.get("locationId")
        nodes = []
        for item in variables.get("ids") or []:
            level = self.levels.get((name, item, location))
            quantities = [] if level is None else [{"name": QUANTITY_NAMES[0], "quantity": level}]
            nodes.append({"id": item, "inventoryLevel": {"quantities": quantities}})
        return {"data": {"nodes": nodes}}

    def level(self, shop, item, location):
        with self.lock:
            return self.levels.get((shop, item, location))


def _shape_problem(data, quantities, version):
    """The errors of a request shaped for another API version, or None."""
    has_change_from = any(
        isinstance(row, dict) and "changeFromQuantity" in row for row in quantities
    )
    if version < CAS_VERSION:
        if has_change_from:
            return _graphql_error(
                "Variable $input: field 'changeFromQuantity' is not defined on "
                f"'InventoryQuantityInput' in API version {version}",
                INVALID_VARIABLE,
            )
        compared = all(isinstance(row, dict) and "compareQuantity" in row for row in quantities)
        if not (data.get("ignoreCompareQuantity") is True or compared):
            return _set_result(
                None,
                [
                    _user_error(
                        "COMPARE_QUANTITY_REQUIRED",
                        ["input", "ignoreCompareQuantity"],
                        "Pass compareQuantity, or ignoreCompareQuantity: true.",
                    )
                ],
            )
    return None


def _graphql_error(message, code, **extra):
    error = {"message": message, "extensions": {"code": code}}
    if "documentation" in extra:
        error["extensions"]["documentation"] = extra.pop("documentation")
    error.update(extra)
    return {"errors": [error]}


def _user_error(code, field_path, message):
    return {"code": code, "field": field_path, "message": message}


def _set_result(group, user_errors):
    return {
        "data": {OP_SET_QUANTITIES: {"inventoryAdjustmentGroup": group, "userErrors": user_errors}}
    }
