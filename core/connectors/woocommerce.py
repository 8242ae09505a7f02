"""WooCommerce REST API v3: stock in batches (per item errors), read-back by id, the
catalogue for the mapping, order statuses and tracking back, signed webhooks, and a
catch-up poll of orders (WooCommerce does not retry a failed webhook)."""

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from ..customer_service import refusal
from ..errors import PermanentError, RetryableError
from ..idempotency import idempotency_key, utc_now
from ..signing import verify_b64
from ..status import CANCELLED, CLOSED, DELIVERED, SHIPPED
from . import settings
from . import woocommerce_orders as webhooks
from . import woocommerce_service as service
from .base import (
    HEADER_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    WOOCOMMERCE,
    CatalogEntry,
    Connector,
    Delivery,
    PolledMessage,
    PushResult,
    register,
)

API_PATH = "/wp-json/wc/v3"
TRACKING_PATH = "/wp-json/wc-shipment-tracking/v3/orders/{order_id}/shipment-trackings"
PER_PAGE = 100
# the product meta_data entry that carries the day the published units are all in
META_AVAILABLE_AT = "stock_channel_available_at"
MISSING_ID = "no WooCommerce product id: import the mapping, or set it on the binding"
# the unified status -> WooCommerce's (the others leave the order as it is: processing)
STATUS_MAP = {
    SHIPPED: "completed",
    DELIVERED: "completed",
    CLOSED: "completed",
    CANCELLED: "cancelled",
}
WOO_TIME = "%Y-%m-%dT%H:%M:%S"
CANCEL_NOTE = "Cancelled in Odoo: {reason}"


SETTINGS = (
    settings.webhook_secret("The secret of the shop's webhooks (empty: the API Secret)."),
    settings.Setting(
        "tracking_extension",
        "Shipment Tracking Extension",
        help="The shop has the Shipment Tracking extension; tracking numbers go there "
        "instead of into an order note.",
        kind=settings.BOOL,
        republish=True,
    ),
)


@register(WOOCOMMERCE, "WooCommerce")
class WooCommerceConnector(Connector):
    """``endpoint_url`` is the site's base URL; ``api_key`` / ``api_secret`` the REST
    consumer key and secret (HTTP Basic: HTTPS only in production); its settings:
    SETTINGS."""

    order_format = webhooks
    settings = SETTINGS

    max_batch_size = 100
    kept_headers = (
        *Connector.kept_headers,
        webhooks.HEADER_TOPIC,
        webhooks.HEADER_RESOURCE,
        webhooks.HEADER_EVENT,
        webhooks.HEADER_SOURCE,
        webhooks.HEADER_WEBHOOK_ID,
        webhooks.HEADER_DELIVERY_ID,
    )
    # WooCommerce disables a webhook after 5 non-2xx answers in a row, and does not retry
    webhook_always_ok = True
    polls_orders = True  # the catch-up poll: what the webhooks missed
    refused_hint = (
        "the keys are refused: create a REST API key (WooCommerce > Settings > Advanced > "
        "REST API, permissions Read/Write) and paste the consumer key (ck_…) as the API Key "
        "and the consumer secret (cs_…) as the API Secret."
    )
    scope_hint = "give the key Read/Write permissions, for a user who manages the shop."
    endpoint_hint = "the site's address, https://shop.example.com"
    webhook_route = "orders"
    # customer service (core.connectors.woocommerce_service): shipping, order refunds
    supports_address_change = True
    supports_refund = True
    webhook_secret_pasted = True

    @classmethod
    def addresses(cls, sku, external_id):
        """WooCommerce updates a product or variation by its numeric id."""
        return bool(sku) and str(external_id or "").isdigit()

    def __init__(self, config, session=None):
        super().__init__(config, session)
        self.session.auth = (config.api_key, config.api_secret)

    def _url(self, path):
        return f"{self.config.endpoint_url.rstrip('/')}{API_PATH}{path}"

    def _call(self, method, path, payload=None, params=None, url=None):
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE} if body is not None else None
        response = self._request(
            method, url or self._url(path), body=body, headers=headers, params=params
        )
        self.classify(response)
        return response

    # -- webhooks -------------------------------------------------------------

    @classmethod
    def verify_webhook(cls, secret, headers, raw_body, now=None):
        if verify_b64(secret, raw_body, headers.get(webhooks.HEADER_SIGNATURE)):
            return None
        return "missing or wrong signature"

    @classmethod
    def is_ping(cls, headers, form):
        """The unsigned creation ping: a form body ``webhook_id=<id>``."""
        return not headers.get(webhooks.HEADER_SIGNATURE) and webhooks.PING_FIELD in form

    @classmethod
    def webhook_kind(cls, route_kind, headers, body=b""):
        topic = headers.get(webhooks.HEADER_TOPIC) or ""
        delivery_id = headers.get(webhooks.HEADER_DELIVERY_ID) or ""
        kind = webhooks.topic_kind(topic, body)
        reason = f"webhook topic {topic!r} is not handled" if kind == "ignored" else ""
        return Delivery(kind=kind, topic=topic, delivery_id=delivery_id, ignored_reason=reason)

    def poll_orders(self, cursor):
        """Orders modified since ``cursor`` (less the overlap), every page: (messages,
        the newest modification seen)."""
        if cursor:
            since = datetime.strptime(cursor[:19], WOO_TIME)
        else:
            since = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
        since -= timedelta(minutes=self.poll_overlap_minutes)
        params = {"modified_after": since.strftime(WOO_TIME), "orderby": "modified", "order": "asc"}
        messages, newest = [], cursor or ""
        for order in self._pages("/orders", params):
            modified = str(order.get("date_modified_gmt") or "")
            newest = max(newest, modified)
            messages.append(
                PolledMessage(
                    kind=webhooks.order_kind(order.get("status")),
                    body=json.dumps(order).encode(),
                    # this version of the order: its last change, and its status (a change
                    # within the same second as the one before is still another version)
                    delivery_id=f"poll:{order.get('id')}:{modified}:{order.get('status')}",
                    external_id=str(order.get("id", "")),
                )
            )
        return messages, newest

    def probe(self):
        """One product of the shop (``GET /products?per_page=1``)."""
        count = self._call("GET", "/products", params={"per_page": 1}).headers.get("X-WP-Total")
        return f"{count} product(s) in the shop" if count else "the products list answered"

    def _pages(self, path, params=None):
        """Every object of a paged list (X-WP-TotalPages)."""
        page = 1
        while True:
            response = self._call(
                "GET", path, params={**(params or {}), "per_page": PER_PAGE, "page": page}
            )
            rows = response.json()
            if not isinstance(rows, list):
                raise PermanentError(self._error_message(response, "not a list"))
            yield from rows
            pages = int(response.headers.get("X-WP-TotalPages") or 1)
            if page >= pages or not rows:
                return
            page += 1

    # -- stock ------------------------------------------------------------------

    def push(self, items):
        """One batch request per parent product (variations) and one for the simple
        products; WooCommerce answers per item, so a request can partly succeed."""
        items = self._check_batch(items)
        result = PushResult(
            status=0, body="", request_body="", idempotency_key="", accepted_at=None
        )
        groups = defaultdict(list)
        for item in items:
            if not str(item.external_id).isdigit():
                result.item_errors[item.sku] = MISSING_ID
            else:
                groups[item.external_parent_id or ""].append(item)
        if not groups:
            raise PermanentError(
                f"{self.code}: nothing can be sent", item_errors=result.item_errors
            )
        failures = [self._push_group(parent, group, result) for parent, group in groups.items()]
        if all(failures):
            raise failures[0]  # nothing went through: the push failed as a whole
        result.idempotency_key = idempotency_key(self.config.code, items)
        result.accepted_at = utc_now()
        return result

    def _push_group(self, parent, group, result):
        """Send one batch; per item outcomes into ``result``; the error when it failed."""
        path = f"/products/{parent}/variations/batch" if parent else "/products/batch"
        payload = {"update": [_stock_update(item) for item in group]}
        try:
            response = self._call("POST", path, payload)
        except (RetryableError, PermanentError) as error:
            if _answer_lost(error):
                return self._read_back_lost(group, result, error)
            target = result.retry_errors if error.retryable else result.item_errors
            target.update({item.sku: str(error) for item in group})
            return error
        result.status = response.status_code
        result.body += self._redact(response.text)[:1000]
        result.request_body += json.dumps(payload)
        answers = {}
        for row in (response.json() or {}).get("update") or []:
            if isinstance(row, dict):
                answers[str(row.get("id"))] = row
        for item in group:
            row = answers.get(str(item.external_id))
            if row is None:
                result.retry_errors[item.sku] = "no answer for this item"
            elif row.get("error"):
                error = row["error"]
                result.item_errors[item.sku] = f"{error.get('code')}: {error.get('message')}"
        return None

    def _read_back_lost(self, group, result, error):
        """The batch left but its answer was lost (the shop may have applied it): read
        the items back; those the shop holds at the quantity sent are applied, the others
        are sent again. The error when nothing could be read (the batch is sent again)."""
        refs = {item.sku: (item.external_id, item.external_parent_id) for item in group}
        try:
            held = self.read_quantities(list(refs), refs)
        except (RetryableError, PermanentError):
            result.retry_errors.update({item.sku: str(error) for item in group})
            return error
        result.body += f"(answer lost: {error}; the items were read back from the shop)"
        for item in group:
            if held.get(item.sku) != int(item.quantity):
                result.retry_errors[item.sku] = f"{error} (answer lost; read back: not applied)"
        return None

    def read_quantities(self, skus, refs=None):
        """``stock_quantity`` of products and variations, read by id (``include=``)."""
        refs = refs or {}
        by_parent = defaultdict(dict)  # parent id ("" = simple) -> {product id: sku}
        for sku in dict.fromkeys(skus):
            external_id, parent = refs.get(sku, ("", ""))
            if str(external_id).isdigit():
                by_parent[parent or ""][str(external_id)] = sku
        quantities = {}
        for parent, ids in by_parent.items():
            path = f"/products/{parent}/variations" if parent else "/products"
            chunk_ids = list(ids)
            for start in range(0, len(chunk_ids), PER_PAGE):
                include = ",".join(chunk_ids[start : start + PER_PAGE])
                for row in self._pages(path, {"include": include}):
                    sku = ids.get(str(row.get("id")))
                    if sku and row.get("stock_quantity") is not None:
                        quantities[sku] = int(row["stock_quantity"])
        return quantities

    def list_catalog(self):
        for product in self._pages("/products"):
            if product.get("type") == "variable":
                for variation in self._pages(f"/products/{product['id']}/variations"):
                    yield CatalogEntry(
                        sku=variation.get("sku") or "",
                        external_id=str(variation["id"]),
                        external_parent_id=str(product["id"]),
                        quantity=variation.get("stock_quantity"),
                    )
            else:
                yield CatalogEntry(
                    sku=product.get("sku") or "",
                    external_id=str(product["id"]),
                    quantity=product.get("stock_quantity"),
                )

    # -- order statuses and tracking back ----------------------------------------

    def push_order_status(self, external_order_id, body, sequence=None):
        """A changed delivery address, the order's status (completed when shipped,
        cancelled), each parcel's tracking (through the Shipment Tracking extension when
        the shop has it, else as an order note to the customer), then customer-service
        refunds. What the shop already has is not sent again; what it refuses (or
        cannot take) does not keep the rest from being sent, then fails the push."""
        order_id = str(external_order_id)
        order = self._call("GET", f"/orders/{order_id}").json()
        sent, refused = [], {}
        try:
            update = service.address_update(order, body)
        except PermanentError as error:
            update = None
            refused["address"] = error.message
        if update:
            self._call("PUT", f"/orders/{order_id}", update)
            sent.append(update)
        target = STATUS_MAP.get(body["status"])
        if target and order.get("status") != target:
            self._call("PUT", f"/orders/{order_id}", {"status": target})
            sent.append({"status": target})
        sent += self._push_tracking(order_id, body.get("tracking") or [])
        sent += self._push_cancel_reason(order_id, body.get("cancel_reason"))
        sent += self._push_refunds(order_id, body.get("refunds") or [], refused)
        if refused:  # what could be sent was: the rest is refused for good, in words
            raise refusal(refused)
        return PushResult(
            status=200,
            body=json.dumps(sent),
            request_body=json.dumps(sent),
            idempotency_key=f"{self.config.code}:{order_id}:{sequence}",
            accepted_at=utc_now(),
        )

    def _push_refunds(self, order_id, refunds, refused):
        """Each refund whose key the shop does not have yet (read first); the shop's
        refusals go to ``refused`` {refund key: message}."""
        if not refunds:
            return []
        path = f"/orders/{order_id}/refunds"
        known = service.known_keys(self._call("GET", path, params={"per_page": 100}).json())
        sent = []
        for refund in refunds:
            if refund["key"] in known:
                continue
            payload = service.refund_payload(refund)
            try:
                self._call("POST", path, payload)
            except RetryableError as error:
                permanent = service.refused(error)
                if not permanent:
                    raise
                refused[refund["key"]] = permanent.message
                continue
            sent.append(payload)
        return sent

    def _push_cancel_reason(self, order_id, reason):
        """Why Odoo cancelled the order, as a private order note (once)."""
        if not reason:
            return []
        note = {"note": CANCEL_NOTE.format(reason=reason), "customer_note": False}
        notes = self._call("GET", f"/orders/{order_id}/notes").json()
        if any(n.get("note") == note["note"] for n in notes):
            return []
        self._call("POST", f"/orders/{order_id}/notes", note)
        return [note]

    def _push_tracking(self, order_id, parcels):
        if not parcels:
            return []
        if self.setting("tracking_extension"):
            url = self.config.endpoint_url.rstrip("/") + TRACKING_PATH.format(order_id=order_id)
            known = {t.get("tracking_number") for t in self._call("GET", "", url=url).json()}
            sent = []
            for parcel in parcels:
                if parcel["number"] not in known:
                    tracking = {
                        "tracking_provider": parcel["service"] or parcel["carrier_code"],
                        "tracking_number": parcel["number"],
                        "custom_tracking_link": parcel["url"],
                    }
                    self._call("POST", "", tracking, url=url)
                    sent.append(tracking)
            return sent
        notes = " ".join(
            n.get("note", "") for n in self._call("GET", f"/orders/{order_id}/notes").json()
        )
        sent = []
        for parcel in parcels:
            if parcel["number"] not in notes:
                note = {"note": _tracking_note(parcel), "customer_note": True}
                self._call("POST", f"/orders/{order_id}/notes", note)
                sent.append(note)
        return sent


def _stock_update(item):
    """The batch update of one item: its stock quantity, and its availability date as a
    meta_data entry (META_AVAILABLE_AT) when the quantity counts incoming units ("" clears
    a date sent before); backorders are left as the shop has them (docs/promise-future-
    stock.md: WooCommerce's backorders have no cap)."""
    update = {"id": int(item.external_id), "manage_stock": True}
    update["stock_quantity"] = int(item.quantity)
    if item.available_at or item.previous_available_at:
        day = item.available_at.isoformat() if item.available_at else ""
        update["meta_data"] = [{"key": META_AVAILABLE_AT, "value": day}]
    return update


def _tracking_note(parcel):
    carrier = parcel.get("service") or parcel.get("carrier_code") or ""
    text = f"Shipped{f' with {carrier}' if carrier else ''}: tracking number {parcel['number']}"
    return f"{text} ({parcel['url']})" if parcel.get("url") else text


def _answer_lost(error):
    """A request that reached the shop and got no answer (dropped, read timed out): it
    may have been applied. Not a connection never made, nor an answer with a status."""
    return error.retryable and error.status is None and not error.unreachable
