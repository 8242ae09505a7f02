"""Shopify Admin GraphQL: ``inventorySetQuantities`` with ``@idempotent``, throttle-aware."""

import json
import time

from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, utc_now
from ..inbound import KIND_IGNORED
from ..signing import verify_b64
from . import shopify_orders as webhooks
from .base import (
    HEADER_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    SHOPIFY,
    Connector,
    Delivery,
    PushResult,
    register,
)

HEADER_ACCESS_TOKEN = "X-Shopify-Access-Token"
GID_INVENTORY_ITEM = "InventoryItem"
GID_LOCATION = "Location"
QUANTITY_NAME = "available"
REASON = "correction"
REFERENCE_URI = "gid://stock-channel-sync/SyncJob/{key}"
THROTTLED = "THROTTLED"
# GraphQL error codes worth retrying besides THROTTLED.
RETRYABLE_GRAPHQL_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
# Seconds to wait when a THROTTLED answer does not say how long.
DEFAULT_THROTTLE_SECONDS = 1.0
# SKUs per inventoryItems search (keeps the search string short).
LEVELS_CHUNK = 50
READ_ATTEMPTS = 5
MAX_READ_WAIT = 10.0  # seconds a read waits for the bucket to refill, at most
MISSING_ITEM_ID = "no Shopify inventory item id"
MISSING_LOCATION_ID = "no Shopify location id"

SET_QUANTITIES_MUTATION = """\
mutation StockChannelSync($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: "%s") {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""

LEVELS_QUERY = """\
query StockChannelSyncLevels($query: String!, $first: Int!, $locationId: ID!) {
  inventoryItems(first: $first, query: $query) {
    nodes {
      id
      sku
      inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
    }
  }
}"""


def to_gid(kind, value):
    """``gid://shopify/<kind>/<id>`` from a numeric id or a gid; None when unusable."""
    text = str(value or "").strip()
    if text.startswith("gid://"):
        return text
    if text.isdigit():
        return f"gid://shopify/{kind}/{text}"
    return None


def throttle_seconds(payload):
    """(requestedQueryCost - currentlyAvailable) / restoreRate from a THROTTLED answer."""
    cost = (payload.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        seconds = missing / float(status["restoreRate"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return DEFAULT_THROTTLE_SECONDS
    return seconds if seconds > 0 else DEFAULT_THROTTLE_SECONDS


def _graphql_errors(payload):
    errors = payload.get("errors")
    if not errors:
        return []
    if isinstance(errors, list):
        return [error if isinstance(error, dict) else {"message": str(error)} for error in errors]
    return [{"message": str(errors)}]


def _error_code(error):
    return (error.get("extensions") or {}).get("code")


def _quantity_index(field_path):
    """Index into ``input.quantities`` named by a userError's ``field``, or None."""
    if (
        isinstance(field_path, list)
        and len(field_path) >= 3
        and field_path[:2] == ["input", "quantities"]
        and str(field_path[2]).isdigit()
    ):
        return int(field_path[2])
    return None


@register(SHOPIFY)
class ShopifyConnector(Connector):
    """``endpoint_url`` is the shop's base URL, e.g. ``https://<shop>.myshopify.com``."""

    max_batch_size = 250
    kept_headers = (
        *Connector.kept_headers,
        webhooks.HEADER_TOPIC,
        webhooks.HEADER_WEBHOOK_ID,
        webhooks.HEADER_SHOP_DOMAIN,
        webhooks.HEADER_API_VERSION,
        webhooks.HEADER_TRIGGERED_AT,
        webhooks.HEADER_EVENT_ID,
    )
    # Shopify retries non-2xx answers, removes subscriptions that keep failing, and
    # gives up on an answer after 5 s.
    webhook_always_ok = True
    webhook_deadline = 3.5

    # -- webhooks -------------------------------------------------------------

    @classmethod
    def verify_webhook(cls, secret, headers, raw_body, now=None):
        if verify_b64(secret, raw_body, headers.get(webhooks.HEADER_HMAC)):
            return None
        return "missing or wrong signature"

    @classmethod
    def webhook_kind(cls, route_kind, headers, body=b""):
        """Every topic comes to the orders route: the topic says what it is (a
        cancellation is then checked in the payload itself, the header being unsigned)."""
        topic = headers.get(webhooks.HEADER_TOPIC) or ""
        delivery_id = headers.get(webhooks.HEADER_WEBHOOK_ID) or ""
        kind = webhooks.TOPICS.get(topic)
        if not kind:
            return Delivery(
                kind=KIND_IGNORED,
                topic=topic,
                delivery_id=delivery_id,
                ignored_reason=f"webhook topic {topic!r} is not handled",
            )
        return Delivery(kind=kind, topic=topic, delivery_id=delivery_id)

    @classmethod
    def parse_order(cls, raw):
        return webhooks.parse_order(raw)

    @classmethod
    def parse_cancel(cls, raw):
        return {"id": webhooks.parse_cancel(raw), "reason": ""}

    # -- stock ----------------------------------------------------------------

    @property
    def graphql_url(self):
        base = self.config.endpoint_url.rstrip("/")
        return f"{base}/admin/api/{self.config.api_version}/graphql.json"

    def _location_gid(self, item=None):
        location = (item.external_location_id if item else "") or self.config.location_id
        return to_gid(GID_LOCATION, location)

    def _quantity_row(self, item):
        """(row, None) or (None, error message) for one item."""
        item_gid = to_gid(GID_INVENTORY_ITEM, item.external_id)
        if not item_gid:
            return None, MISSING_ITEM_ID
        location_gid = self._location_gid(item)
        if not location_gid:
            return None, MISSING_LOCATION_ID
        row = {
            "inventoryItemId": item_gid,
            "locationId": location_gid,
            "quantity": int(item.quantity),
            "changeFromQuantity": None,
        }
        return row, None

    def build_payload(self, items, key):
        """The GraphQL request ({"query", "variables"}) setting ``items`` (all valid)."""
        quantities = [self._quantity_row(item)[0] for item in items]
        return {
            "query": SET_QUANTITIES_MUTATION % key,
            "variables": {
                "input": {
                    "name": QUANTITY_NAME,
                    "reason": REASON,
                    "referenceDocumentUri": REFERENCE_URI.format(key=key),
                    "quantities": quantities,
                }
            },
        }

    def _graphql(self, payload):
        """POST a GraphQL request -> (response, data); throttling and errors raise."""
        body = json.dumps(payload).encode("utf-8")
        headers = {
            HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE,
            HEADER_ACCESS_TOKEN: self.config.api_key,
        }
        response = self._request("POST", self.graphql_url, body=body, headers=headers)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        errors = _graphql_errors(answer) if isinstance(answer, dict) else []
        if any(_error_code(error) == THROTTLED for error in errors):
            raise RetryableError(
                self._error_message(response, THROTTLED),
                seconds=throttle_seconds(answer),
                throttled=True,
                **self._error_fields(response),
            )
        self.classify(response)
        if not isinstance(answer, dict):
            # 2xx but unreadable: the idempotency key makes a retry safe.
            raise RetryableError(
                self._error_message(response, "unreadable answer"), **self._error_fields(response)
            )
        if errors:
            error_class = (
                RetryableError
                if all(_error_code(error) in RETRYABLE_GRAPHQL_CODES for error in errors)
                else PermanentError
            )
            summary = "; ".join(
                f"{_error_code(error) or 'ERROR'}: {error.get('message', '')}" for error in errors
            )
            raise error_class(
                self._redact(f"{self.code}: GraphQL errors: {summary}"),
                **self._error_fields(response),
            )
        return response, answer.get("data") or {}

    def _graphql_read(self, payload, attempts=READ_ATTEMPTS):
        """A read-only query, tried again after a throttle's wait (safe to repeat)."""
        for attempt in range(attempts):
            try:
                return self._graphql(payload)
            except RetryableError as error:
                if attempt == attempts - 1 or error.seconds is None:
                    raise
                time.sleep(min(error.seconds, MAX_READ_WAIT))
        raise AssertionError("unreachable")

    def push(self, items):
        items = self._check_batch(items)
        local_errors, sendable = {}, []
        for item in items:
            error = self._quantity_row(item)[1]
            if error:
                local_errors[item.sku] = error
            else:
                sendable.append(item)
        if not sendable:
            raise PermanentError(
                f"{self.code}: no item can be sent to channel {self.config.code!r}",
                item_errors=local_errors,
            )
        key = idempotency_key(self.config.code, sendable)
        response, data = self._graphql(self.build_payload(sendable, key))
        result = data.get("inventorySetQuantities")
        if not isinstance(result, dict):
            raise PermanentError(
                self._error_message(response, "no inventorySetQuantities payload"),
                **self._error_fields(response),
            )
        user_errors = result.get("userErrors") or []
        if user_errors:
            item_errors, lines = {}, []
            for error in user_errors:
                line = f"{error.get('code') or 'ERROR'}: {error.get('message', '')}"
                lines.append(f"{line} ({'.'.join(map(str, error.get('field') or []))})")
                index = _quantity_index(error.get("field"))
                if index is not None and index < len(sendable):
                    sku = sendable[index].sku
                    item_errors[sku] = "; ".join(filter(None, [item_errors.get(sku), line]))
            raise PermanentError(
                self._redact(f"{self.code}: user errors: {'; '.join(lines)}"),
                item_errors=item_errors,
                **self._error_fields(response),
            )
        group = result.get("inventoryAdjustmentGroup") or {}
        return PushResult(
            status=response.status_code,
            body=self._redact(response.text),
            request_body=self._redact(self._text(response.request.body)),
            idempotency_key=key,
            accepted_at=utc_now(),
            item_errors=local_errors,
            remote_id=str(group.get("id") or ""),
        )

    def read_quantities(self, skus, refs=None):
        """``available`` at ``config.location_id`` per SKU (``inventoryLevel`` of an
        ``inventoryItems`` search), LEVELS_CHUNK SKUs per query: a read waits out a
        throttle (query cost) and tries again."""
        location_gid = self._location_gid()
        if not location_gid:
            raise PermanentError(f"{self.code}: reading quantities needs a location id")
        skus = list(dict.fromkeys(str(sku) for sku in skus))
        levels = {}
        for start in range(0, len(skus), LEVELS_CHUNK):
            chunk = skus[start : start + LEVELS_CHUNK]
            search = " OR ".join(f'sku:"{_escape(sku)}"' for sku in chunk)
            variables = {"query": search, "first": len(chunk), "locationId": location_gid}
            _response, data = self._graphql_read({"query": LEVELS_QUERY, "variables": variables})
            nodes = (data.get("inventoryItems") or {}).get("nodes") or []
            wanted = set(chunk)
            for node in nodes:
                level = node.get("inventoryLevel") or {}
                for quantity in level.get("quantities") or []:
                    if node.get("sku") in wanted and quantity.get("name") == QUANTITY_NAME:
                        levels[node["sku"]] = int(quantity["quantity"])
        return levels


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')
