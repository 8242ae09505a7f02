"""Generic JSON channel: one signed POST per batch, quantities read back with a signed GET,
order statuses pushed with a signed POST per order, signed order webhooks."""

import json
import time
from urllib.parse import quote

import requests

from .. import orders
from ..errors import PermanentError
from ..idempotency import idempotency_key, iso_utc, order_status_key, utc_now
from ..inbound import timestamp_problem
from ..signing import sign_hex, verify_hex
from .base import (
    GENERIC_JSON,
    HEADER_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    Connector,
    PushResult,
    register,
)

HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"
HEADER_SIGNATURE = "X-Channel-Signature"
HEADER_TIMESTAMP = "X-Channel-Timestamp"
WRONG_SIGNATURE = "missing or wrong signature"
SKU_PARAM = "sku"
# Test connection: a signed read-back of a SKU no catalogue holds (an empty answer)
PROBE_SKU = "stock-channel-sync-connection-test"
ORDER_STATUS_PATH = "/orders/{order_id}/status"


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def _stale(payload):
    """(count, skus) of the items the receiver dropped as stale: ``"stale"`` is a count
    or a list of SKUs, ``"stale_skus"`` the list beside a count."""
    stale, skus = payload.get("stale"), payload.get("stale_skus")
    if isinstance(stale, list):
        skus = stale
    skus = tuple(str(sku) for sku in skus) if isinstance(skus, list) else ()
    if isinstance(stale, bool) or not isinstance(stale, int):
        stale = len(skus)
    return max(stale, len(skus)), skus


@register(GENERIC_JSON, "Generic JSON")
class GenericJsonConnector(Connector):
    """``POST <endpoint_url>`` signed with X-Channel-Signature, keyed by Idempotency-Key."""

    max_batch_size = 500
    kept_headers = (*Connector.kept_headers, HEADER_TIMESTAMP, HEADER_IDEMPOTENCY_KEY)
    # the secret signs the body (HMAC); it never travels
    sends_credentials = False
    refused_hint = (
        "the signature is refused: paste in API Secret the shared secret the receiving "
        "side uses to check X-Channel-Signature."
    )
    endpoint_hint = "the address the receiving side takes the stock pushes at"
    webhook_route = "orders"
    webhook_secret_pasted = True

    # -- webhooks -------------------------------------------------------------

    @classmethod
    def verify_webhook(cls, secret, headers, raw_body, now=None):
        """X-Channel-Signature: the HMAC of the body, or of "<timestamp>.<body>" when
        X-Channel-Timestamp is sent (then within TIMESTAMP_TOLERANCE_SECONDS)."""
        signature = headers.get(HEADER_SIGNATURE)
        timestamp = headers.get(HEADER_TIMESTAMP)
        if timestamp is None:
            return None if verify_hex(secret, raw_body, signature) else WRONG_SIGNATURE
        signed = timestamp.encode("utf-8", "replace") + b"." + raw_body
        if not verify_hex(secret, signed, signature):
            return WRONG_SIGNATURE
        return timestamp_problem(timestamp, time.time() if now is None else now)

    @classmethod
    def parse_order(cls, raw):
        return orders.parse_generic_order(raw)

    @classmethod
    def parse_cancel(cls, raw):
        return orders.parse_cancel(raw)

    @classmethod
    def parse_return(cls, raw):
        return orders.parse_return(raw)

    # -- stock ----------------------------------------------------------------

    def build_body(self, items, sent_at=None):
        """The raw request body (bytes) for ``items``."""
        payload = {
            "channel": self.config.code,
            "sent_at": iso_utc(sent_at or utc_now()),
            "items": [
                {
                    "sku": item.sku,
                    "quantity": int(item.quantity),
                    "sequence": int(item.sequence),
                    "computed_at": iso_utc(item.computed_at),
                    # future stock: the day its units are all in (null: on hand now)
                    "available_at": item.available_at and item.available_at.isoformat(),
                }
                for item in items
            ],
        }
        return json.dumps(payload).encode("utf-8")

    def _signature(self, body):
        if not self.config.api_secret:
            raise PermanentError(f"{self.code}: channel {self.config.code!r} has no API secret")
        return sign_hex(self.config.api_secret, body)

    def push(self, items):
        items = self._check_batch(items)
        key = idempotency_key(self.config.code, items)
        body = self.build_body(items)
        headers = {
            HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE,
            HEADER_IDEMPOTENCY_KEY: key,
            HEADER_SIGNATURE: self._signature(body),
        }
        response = self._request("POST", self.config.endpoint_url, body=body, headers=headers)
        self.classify(response)
        payload = _json_or_none(response)
        payload = payload if isinstance(payload, dict) else {}
        errors = payload.get("errors")
        item_errors = (
            {str(sku): str(message) for sku, message in errors.items()}
            if isinstance(errors, dict)
            else {}
        )
        stale, stale_skus = _stale(payload)
        return PushResult(
            status=response.status_code,
            body=self._redact(response.text),
            request_body=self._redact(body.decode("utf-8")),
            idempotency_key=key,
            accepted_at=utc_now(),
            item_errors=item_errors,
            stale=stale,
            stale_skus=stale_skus,
        )

    def read_quantities(self, skus, refs=None):
        """What the channel holds: {sku: quantity} (unknown SKUs left out), one signed
        ``GET <endpoint_url>?sku=a&sku=b`` per batch (docs/marketplaces/generic-json.md,
        read-back)."""
        skus = list(dict.fromkeys(str(sku) for sku in skus))
        quantities = {}
        for chunk in self.batches(skus):
            response = self._signed_get(
                self.config.endpoint_url, [(SKU_PARAM, sku) for sku in chunk]
            )
            self.classify(response)
            payload = _json_or_none(response)
            rows = payload.get("items") if isinstance(payload, dict) else None
            if not isinstance(rows, list):
                raise PermanentError(
                    self._error_message(response, "unexpected read-back payload"),
                    **self._error_fields(response),
                )
            wanted = set(chunk)
            for row in rows:
                if isinstance(row, dict) and row.get("sku") in wanted:
                    quantities[row["sku"]] = int(row["quantity"])
        return quantities

    def _signed_get(self, url, params):
        """GET signed over "<timestamp>.<path>?<query>" as it goes on the request line."""
        prepared = requests.Request("GET", url, params=params).prepare()
        timestamp = str(int(time.time()))
        signed = f"{timestamp}.{prepared.path_url}".encode()
        headers = {HEADER_TIMESTAMP: timestamp, HEADER_SIGNATURE: self._signature(signed)}
        return self._request("GET", prepared.url, headers=headers)

    def probe(self):
        """A signed read-back of one SKU (docs/marketplaces/generic-json.md)."""
        response = self._signed_get(self.config.endpoint_url, [(SKU_PARAM, PROBE_SKU)])
        self.classify(response)
        return "a signed read-back answered"

    def order_status_url(self, external_order_id):
        """``<endpoint_url>/orders/<quoted id>/status`` (a "/" in the id is quoted too)."""
        order_id = quote(str(external_order_id), safe="")
        return self.config.endpoint_url.rstrip("/") + ORDER_STATUS_PATH.format(order_id=order_id)

    def push_order_status(self, external_order_id, body, sequence=None):
        """Signed ``POST`` of ``body`` to order_status_url, keyed by order_status_key
        (``sequence``: the same for the retries of one push, new for the next one)."""
        key = order_status_key(self.config.code, external_order_id, body, sequence)
        raw = json.dumps(body).encode("utf-8")
        headers = {
            HEADER_CONTENT_TYPE: JSON_CONTENT_TYPE,
            HEADER_IDEMPOTENCY_KEY: key,
            HEADER_SIGNATURE: self._signature(raw),
        }
        url = self.order_status_url(external_order_id)
        response = self._request("POST", url, body=raw, headers=headers)
        self.classify(response)
        return PushResult(
            status=response.status_code,
            body=self._redact(response.text),
            request_body=self._redact(raw.decode("utf-8")),
            idempotency_key=key,
            accepted_at=utc_now(),
        )
