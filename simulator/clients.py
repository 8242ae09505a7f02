"""What a marketplace sends to Odoo: signed webhook requests, for tests, benches and the
simulator's order generator. Standard library only (independent of ``core``: a client
built from the documentation, not from the code it tests)."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

JSON_CONTENT_TYPE = "application/json"
HEADER_SIGNATURE = "X-Channel-Signature"
HEADER_TIMESTAMP = "X-Channel-Timestamp"
HEADER_SHOPIFY_HMAC = "X-Shopify-Hmac-Sha256"
HEADER_SHOPIFY_TOPIC = "X-Shopify-Topic"
HEADER_SHOPIFY_WEBHOOK_ID = "X-Shopify-Webhook-Id"
HEADER_SHOPIFY_SHOP_DOMAIN = "X-Shopify-Shop-Domain"
HEADER_SHOPIFY_API_VERSION = "X-Shopify-API-Version"
HEADER_SHOPIFY_TRIGGERED_AT = "X-Shopify-Triggered-At"
SHOPIFY_API_VERSION = "2026-10"
TEST_SHOP_DOMAIN = "test.myshopify.com"


def _digest(secret, data):
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).digest()


def signed_order_request(secret, payload, timestamp=None):
    """(raw body, headers) of a generic JSON webhook signed with ``secret``; with a
    ``timestamp`` (unix seconds, or True for now) the signature covers "<timestamp>.<body>"
    and the timestamp is sent in X-Channel-Timestamp (the recommended mode)."""
    body = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": JSON_CONTENT_TYPE}
    signed = body
    if timestamp is not None:
        timestamp = int(time.time()) if timestamp is True else timestamp
        headers[HEADER_TIMESTAMP] = str(timestamp)
        signed = f"{timestamp}.".encode() + body
    headers[HEADER_SIGNATURE] = "sha256=" + _digest(secret, signed).hex()
    return body, headers


def shopify_webhook_request(secret, payload, topic, webhook_id):
    """(raw body, headers) of a Shopify webhook delivery signed with ``secret``."""
    body = json.dumps(payload).encode("utf-8")
    triggered = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return body, {
        "Content-Type": JSON_CONTENT_TYPE,
        HEADER_SHOPIFY_HMAC: base64.b64encode(_digest(secret, body)).decode("ascii"),
        HEADER_SHOPIFY_TOPIC: topic,
        HEADER_SHOPIFY_WEBHOOK_ID: str(webhook_id),
        HEADER_SHOPIFY_SHOP_DOMAIN: TEST_SHOP_DOMAIN,
        HEADER_SHOPIFY_API_VERSION: SHOPIFY_API_VERSION,
        HEADER_SHOPIFY_TRIGGERED_AT: triggered,
    }
