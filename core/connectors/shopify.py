"""Shopify Admin GraphQL: ``inventorySetQuantities`` with ``@idempotent``, throttle-aware."""

import json
import time
from dataclasses import replace

from ..customer_service import refusal
from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, utc_now
from ..inbound import KIND_IGNORED
from ..signing import verify_b64
from . import settings
from . import shopify_fulfillment as fulfillment
from . import shopify_orders as webhooks
from . import shopify_poll as poll
from . import shopify_service as service
from .base import (
    HEADER_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    SHOPIFY,
    CatalogEntry,
    Connector,
    Delivery,
    PolledMessage,
    PushResult,
    register,
)
from .shopify_graphql import (
    CAS_VERSION,
    CATALOG_PAGE,
    CATALOG_QUERY,
    DEFAULT_THROTTLE_SECONDS,
    GID_INVENTORY_ITEM,
    GID_LOCATION,
    GID_ORDER,
    HEADER_ACCESS_TOKEN,
    HEADER_API_VERSION,
    ITEM_LEVELS_QUERY,
    LEVELS_CHUNK,
    LEVELS_QUERY,
    MAX_THROTTLE_WAIT,
    MISSING_ITEM_ID,
    MISSING_LOCATION_ID,
    QUANTITY_NAME,
    REASON,
    REFERENCE_URI,
    RETRYABLE_GRAPHQL_CODES,
    SET_QUANTITIES_MUTATION,
    THROTTLE_ATTEMPTS,
    THROTTLED,
    error_code,
    escape,
    graphql_errors,
    quantity_index,
    stale_indexes,
    throttle_seconds,
    to_gid,
    version_notice,
)
from .types import DEFAULT_API_VERSION, rebased_quantity

SETTINGS = (
    settings.Setting(
        "api_version",
        "API Version",
        help="The Admin API version, e.g. 2026-10 (each is supported for 12 months: keep "
        "it current).",
        default=DEFAULT_API_VERSION,
        republish=True,
    ),
    settings.Setting(
        "location_id",
        "Default External Location",
        help="The location id stock is set at (a binding may name another one).",
        republish=True,
    ),
    settings.Setting(
        "refund_returns",
        "Refund Returns",
        help="A return received in quarantine creates a refund of its lines on the channel.",
        kind=settings.BOOL,
    ),
)


SHOP_QUERY = "query { shop { name } }"


@register(SHOPIFY, "Shopify")
class ShopifyConnector(Connector):
    """``endpoint_url`` is the shop's base URL, e.g. ``https://<shop>.myshopify.com``;
    its settings: SETTINGS."""

    settings = SETTINGS
    max_batch_size = 250
    kept_headers = (
        *Connector.kept_headers,
        webhooks.HEADER_TOPIC,
        webhooks.HEADER_WEBHOOK_ID,
        webhooks.HEADER_SHOP_DOMAIN,
        HEADER_API_VERSION,
        webhooks.HEADER_TRIGGERED_AT,
        webhooks.HEADER_EVENT_ID,
    )
    # Shopify retries non-2xx answers, removes subscriptions that keep failing, and
    # gives up on an answer after 5 s.
    webhook_always_ok = True
    webhook_deadline = 3.5
    # webhooks are not guaranteed (a subscription failing for long is removed): a
    # catch-up poll reads what was missed
    polls_orders = True
    # customer service (core.connectors.shopify_service): orderUpdate, refundCreate
    supports_address_change = True
    supports_refund = True
    refused_hint = (
        "the token is refused: create an Admin API access token (Settings > Apps and sales "
        "channels > Develop apps) with the write_inventory scope and paste it as the API Key."
    )
    scope_hint = (
        "give the app the scopes write_inventory, read_products, read_orders, write_orders "
        "and write_merchant_managed_fulfillment_orders, then paste its new token as the API Key."
    )
    endpoint_hint = "https://<shop>.myshopify.com"
    webhook_route = "orders"

    # -- webhooks -------------------------------------------------------------

    @classmethod
    def addresses(cls, sku, external_id):
        """Shopify sets a level by inventory item id (Import mapping binds it)."""
        return bool(sku) and bool(to_gid(GID_INVENTORY_ITEM, external_id))

    @classmethod
    def verify_webhook(cls, secret, headers, raw_body, now=None):
        if verify_b64(secret, raw_body, headers.get(webhooks.HEADER_HMAC)):
            return None
        return "missing or wrong signature"

    @classmethod
    def webhook_kind(cls, route_kind, headers, body=b""):
        """Every topic comes to the orders route: the topic says what it is (a
        cancellation is then checked in the payload itself, the header being unsigned).
        Duplicates are known by the delivery id, and by the event id (one event is
        delivered once per subscription of its topic)."""
        topic = headers.get(webhooks.HEADER_TOPIC) or ""
        delivery_id = headers.get(webhooks.HEADER_WEBHOOK_ID) or ""
        kind = webhooks.topic_kind(topic, body)
        reason = f"webhook topic {topic!r} is not handled" if kind == KIND_IGNORED else ""
        return Delivery(
            kind=kind,
            topic=topic,
            delivery_id=delivery_id,
            ignored_reason=reason,
            event_id=headers.get(webhooks.HEADER_EVENT_ID) or "",
        )

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
        version = self.setting("api_version")
        return f"{base}/admin/api/{version}/graphql.json"

    def _location_gid(self, item=None):
        location = (item.external_location_id if item else "") or self.setting("location_id")
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
        }
        if self.setting("api_version") >= CAS_VERSION:
            # compare and set: the quantity Shopify last accepted from us (None: unknown)
            row["changeFromQuantity"] = item.previous_quantity
        return row, None

    def build_payload(self, items, key):
        """The GraphQL request ({"query", "variables"}) setting ``items`` (all valid)."""
        quantities = [self._quantity_row(item)[0] for item in items]
        payload = {
            "name": QUANTITY_NAME,
            "reason": REASON,
            "referenceDocumentUri": REFERENCE_URI.format(key=key),
            "quantities": quantities,
        }
        if self.setting("api_version") < CAS_VERSION:
            payload["ignoreCompareQuantity"] = True
        return {"query": SET_QUANTITIES_MUTATION % key, "variables": {"input": payload}}

    def _graphql(self, payload):
        """POST a GraphQL request -> (response, data); throttling and errors raise."""
        body = json.dumps(payload).encode("utf-8")
        headers = {
            HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE,
            HEADER_ACCESS_TOKEN: self.config.api_key,
        }
        response = self._request("POST", self.graphql_url, body=body, headers=headers)
        notice = version_notice(self.setting("api_version"), response.headers)
        if notice or (notice is not None and self.api_notice is None):
            self.api_notice = notice  # a warning is kept over a later clean answer
        try:
            answer = response.json()
        except ValueError:
            answer = None
        errors = graphql_errors(answer) if isinstance(answer, dict) else []
        if any(error_code(error) == THROTTLED for error in errors):
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
                if all(error_code(error) in RETRYABLE_GRAPHQL_CODES for error in errors)
                else PermanentError
            )
            summary = "; ".join(
                f"{error_code(error) or 'ERROR'}: {error.get('message', '')}" for error in errors
            )
            raise error_class(
                self._redact(f"{self.code}: GraphQL errors: {summary}"),
                **self._error_fields(response),
            )
        return response, answer.get("data") or {}

    def _graphql_patient(self, payload):
        """A call that waits out a throttle (the bucket's restore rate) and tries again,
        rather than failing: safe, reads and @idempotent mutations being repeatable. A
        wait longer than MAX_THROTTLE_WAIT, or past THROTTLE_ATTEMPTS waits, is raised (a
        rate limit: the dispatcher comes back then, never a dead letter)."""
        for attempt in range(THROTTLE_ATTEMPTS):
            try:
                return self._graphql(payload)
            except RetryableError as error:
                wait = error.seconds or DEFAULT_THROTTLE_SECONDS
                last = attempt == THROTTLE_ATTEMPTS - 1
                if not error.throttled or wait > MAX_THROTTLE_WAIT or last:
                    raise  # longer than a short wait: the dispatcher comes back then
                time.sleep(wait)
        raise AssertionError("unreachable")

    def push(self, items):
        """One ``inventorySetQuantities``; a compare-and-set that finds the quantity changed
        on Shopify reads the level, records the drift, and sets again from what it read,
        once (never a loop). A first push (Odoo never set the level) reads what the shop
        holds first: it is set all the same, and what it held is kept (``replaced``)."""
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
        replaced, sendable = self._read_first(sendable)
        response, result, key = self._set(sendable)
        drift, rebased = {}, {}
        if stale_indexes(result):
            response, result, key, drift, rebased = self._set_stale_again(
                sendable, result, replaced
            )
        self._raise_user_errors(response, result, sendable)
        group = result.get("inventoryAdjustmentGroup") or {}
        return PushResult(
            status=response.status_code,
            body=self._redact(response.text),
            request_body=self._redact(self._text(response.request.body)),
            idempotency_key=key,
            accepted_at=utc_now(),
            item_errors=local_errors,
            remote_id=str(group.get("id") or ""),
            drift=drift,
            quantities=rebased,
            replaced=replaced,
        )

    def _read_first(self, sendable):
        """({sku: level held, None: none} of the items Odoo never set, the items with
        that level as their compare-and-set base)."""
        first = [item for item in sendable if item.previous_quantity is None]
        levels = self._levels_of(first)
        replaced = {item.sku: levels.get(item.sku) for item in first}
        return replaced, [
            replace(item, previous_quantity=replaced[item.sku]) if item.sku in replaced else item
            for item in sendable
        ]

    def _set_stale_again(self, sendable, result, replaced):
        """The items found changed: read, recorded as drift (a first push: as what it
        replaced), set again from what was read; (response, result, key, drift, rebased)."""
        stale = stale_indexes(result)
        stale_items = [sendable[index] for index in stale]
        found = self._levels_of(stale_items)
        drift = {
            item.sku: (item.previous_quantity, found.get(item.sku))
            for item in stale_items
            if item.sku not in replaced
        }
        replaced.update(
            {item.sku: found.get(item.sku) for item in stale_items if item.sku in replaced}
        )
        sendable[:] = [
            _rebased(item, found.get(item.sku)) if index in stale else item
            for index, item in enumerate(sendable)
        ]
        rebased = {item.sku: item.quantity for item in sendable if item.correction}
        response, result, key = self._set(sendable)
        if stale_indexes(result):  # changed again meanwhile: later, not in a loop
            raise RetryableError(
                f"{self.code}: the quantity changed on Shopify while it was set",
                **self._error_fields(response),
            )
        return response, result, key, drift, rebased

    def _set(self, items):
        """(response, the inventorySetQuantities payload, its idempotency key)."""
        # the compare-and-set values are part of what makes the request the same
        compared = json.dumps(sorted((item.sku, item.previous_quantity) for item in items))
        key = idempotency_key(f"{self.config.code}|{compared}", items)
        response, data = self._graphql_patient(self.build_payload(items, key))
        result = data.get("inventorySetQuantities")
        if not isinstance(result, dict):
            raise PermanentError(
                self._error_message(response, "no inventorySetQuantities payload"),
                **self._error_fields(response),
            )
        return response, result, key

    def _raise_user_errors(self, response, result, sendable):
        user_errors = result.get("userErrors") or []
        if not user_errors:
            return
        item_errors, lines = {}, []
        for error in user_errors:
            line = f"{error.get('code') or 'ERROR'}: {error.get('message', '')}"
            lines.append(f"{line} ({'.'.join(map(str, error.get('field') or []))})")
            index = quantity_index(error.get("field"))
            if index is not None and index < len(sendable):
                sku = sendable[index].sku
                item_errors[sku] = "; ".join(filter(None, [item_errors.get(sku), line]))
        raise PermanentError(
            self._redact(f"{self.code}: user errors: {'; '.join(lines)}"),
            item_errors=item_errors,
            **self._error_fields(response),
        )

    def _levels_of(self, items):
        """{sku: available} of ``items`` at their locations (a SKU without a level there
        left out), read by inventory item id, one query per location."""
        by_location = {}
        for item in items:
            by_location.setdefault(self._location_gid(item), []).append(item)
        levels = {}
        for location, located in by_location.items():
            levels.update(self._levels_at(location, located))
        return levels

    def _levels_at(self, location, items):
        by_gid = {to_gid(GID_INVENTORY_ITEM, item.external_id): item for item in items}
        variables = {"ids": list(by_gid), "locationId": location}
        _response, data = self._graphql_patient(
            {"query": ITEM_LEVELS_QUERY, "variables": variables}
        )
        levels = {}
        for node in data.get("nodes") or []:
            item = by_gid.get((node or {}).get("id"))
            for quantity in (
                ((node.get("inventoryLevel") or {}).get("quantities") or []) if item else []
            ):
                if quantity.get("name") == QUANTITY_NAME:
                    levels[item.sku] = int(quantity["quantity"])
        return levels

    # -- orders back ----------------------------------------------------------

    def probe(self):
        """The shop's name (GraphQL ``shop { name }``): any valid token reads it."""
        _response, data = self._graphql_patient({"query": SHOP_QUERY})
        shop = data.get("shop") or {}
        return f"shop {shop.get('name') or '?'}"

    def push_order_status(self, external_order_id, body, sequence=None):
        """Bring the Shopify order to Odoo's status: a changed delivery address,
        fulfilments with tracking (only what left), a tracking update, the cancellation,
        refunds of returned lines when the channel wants them, customer-service refunds.
        What Shopify already has is read first and not sent again; what it refuses (or
        cannot take) does not keep the rest from being sent, then fails the push."""
        order_gid = to_gid(GID_ORDER, external_order_id)
        _response, data = self._graphql_patient(
            {"query": fulfillment.ORDER_QUERY, "variables": {"id": order_gid}}
        )
        order = data.get("order")
        if not order:
            raise PermanentError(f"{self.code}: order {external_order_id} not found on Shopify")
        done, problems, refused = [], [], {}
        for name, mutation, variables in fulfillment.plan(
            order, body, refund_returns=self.setting("refund_returns"), refused=refused
        ):
            _response, data = self._graphql_patient({"query": mutation, "variables": variables})
            answer = data.get(name) or {}
            errors = answer.get("userErrors") or answer.get("orderCancelUserErrors") or []
            if errors:
                messages = "; ".join(str(error.get("message")) for error in errors)
                item = service.item_of(name, variables)
                if item:
                    refused[item] = self._redact(f"{self.code}: {name}: {messages}")
                else:
                    problems.append(f"{self.code}: {name}: {messages}")
            else:
                done.append({name: variables})
        if problems or refused:  # what could be sent was: the rest is refused for good
            raise refusal(refused, [self._redact(problem) for problem in problems])
        return PushResult(
            status=200,
            body=json.dumps(done),
            request_body=json.dumps(done),
            idempotency_key=f"{self.config.code}:{external_order_id}:{sequence}",
            accepted_at=utc_now(),
        )

    def poll_orders(self, cursor):
        """Orders changed since ``cursor`` (less the overlap), every page, oldest change
        first: (messages, the newest change seen)."""
        variables = {
            "first": poll.ORDERS_PAGE,
            "after": None,
            "query": poll.since_query(cursor, self.poll_overlap_minutes),
        }
        messages, newest = [], cursor or ""
        while True:
            _response, data = self._graphql_patient(
                {"query": poll.ORDERS_QUERY, "variables": variables}
            )
            orders = data.get("orders") or {}
            for node in orders.get("nodes") or []:
                newest = max(newest, str(node.get("updatedAt") or ""))
                messages.append(
                    PolledMessage(
                        kind=poll.message_kind(node),
                        body=json.dumps(node).encode(),
                        delivery_id=poll.delivery_id(node),
                        external_id=str(node.get("legacyResourceId") or ""),
                    )
                )
            page = orders.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return messages, newest
            variables["after"] = page.get("endCursor")

    def list_catalog(self):
        """Every variant with its inventory item (the id quantities are set by)."""
        after = None
        while True:
            variables = {"first": CATALOG_PAGE, "after": after}
            _response, data = self._graphql_patient(
                {"query": CATALOG_QUERY, "variables": variables}
            )
            variants = data.get("productVariants") or {}
            for node in variants.get("nodes") or []:
                item = (node.get("inventoryItem") or {}).get("id")
                if item:
                    yield CatalogEntry(
                        sku=node.get("sku") or "",
                        external_id=str(item).rsplit("/", 1)[-1],
                        quantity=node.get("inventoryQuantity"),
                    )
            page = variants.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return
            after = page.get("endCursor")

    def read_quantities(self, skus, refs=None):
        """``available`` at the ``location_id`` setting per SKU (``inventoryLevel`` of an
        ``inventoryItems`` search), LEVELS_CHUNK SKUs per query: a read waits out a
        throttle (query cost) and tries again."""
        location_gid = self._location_gid()
        if not location_gid:
            raise PermanentError(f"{self.code}: reading quantities needs a location id")
        skus = list(dict.fromkeys(str(sku) for sku in skus))
        levels = {}
        for start in range(0, len(skus), LEVELS_CHUNK):
            chunk = skus[start : start + LEVELS_CHUNK]
            search = " OR ".join(f'sku:"{escape(sku)}"' for sku in chunk)
            variables = {"query": search, "first": len(chunk), "locationId": location_gid}
            _response, data = self._graphql_patient({"query": LEVELS_QUERY, "variables": variables})
            nodes = (data.get("inventoryItems") or {}).get("nodes") or []
            wanted = set(chunk)
            for node in nodes:
                level = node.get("inventoryLevel") or {}
                for quantity in level.get("quantities") or []:
                    if node.get("sku") in wanted and quantity.get("name") == QUANTITY_NAME:
                        levels[node["sku"]] = int(quantity["quantity"])
        return levels


def _rebased(item, found):
    """A stale item set again from the level read: a correction keeps the channel's
    sales since its read (rebased_quantity); a push sets Odoo's quantity."""
    if item.correction:
        return replace(item, quantity=rebased_quantity(item, found), previous_quantity=found)
    return replace(item, previous_quantity=found)
