"""The signed webhook clients: what a marketplace sends to Odoo."""

from datetime import UTC, datetime

from core.connectors import shopify_orders
from core.orders import parse_generic_order
from core.signing import verify_b64, verify_hex
from core.tests.samples import GENERIC, SECRET, SHOPIFY
from simulator.clients import shopify_webhook_request, signed_order_request


def test_signed_order_request_is_signed_and_parses():
    body, headers = signed_order_request(SECRET, GENERIC)
    assert headers["Content-Type"] == "application/json"
    assert verify_hex(SECRET, body, headers["X-Channel-Signature"])
    assert parse_generic_order(body).id == "M-1"


def test_shopify_webhook_request_has_shopify_headers():
    before = datetime.now(UTC).replace(microsecond=0)
    body, headers = shopify_webhook_request(SECRET, SHOPIFY, "orders/create", "wh-1")
    assert verify_b64(SECRET, body, headers["X-Shopify-Hmac-Sha256"])
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Webhook-Id"] == "wh-1"
    assert headers["X-Shopify-Shop-Domain"] == "test.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2026-10"
    triggered = datetime.fromisoformat(headers["X-Shopify-Triggered-At"])
    assert before <= triggered <= datetime.now(UTC)
    assert shopify_orders.parse_order(body).name == "#1001"
