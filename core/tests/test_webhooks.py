"""Webhooks as each connector reads them: authentication, what a delivery is, parsing;
and the checks on what arrives before it is trusted (no Odoo)."""

import pytest

from core.connectors import get_connector, shopify_orders
from core.inbound import (
    KIND_CANCEL,
    KIND_IGNORED,
    KIND_ORDER,
    clean_text,
    form_fields,
    is_webhook_request,
    judged_inline,
    raw_body_problem,
    sqlstate_unreachable,
    text_problem,
    timestamp_problem,
    too_many_lines,
)
from core.payload import PayloadError
from core.tests.samples import GENERIC, SECRET, SHOPIFY, encoded, shopify
from simulator.clients import shopify_webhook_request, signed_order_request

NOW = 1_800_000_000
GENERIC_JSON = get_connector("generic_json")
SHOPIFY_CONNECTOR = get_connector("shopify")


def test_generic_signature_of_the_body():
    body, headers = signed_order_request(SECRET, GENERIC)
    assert GENERIC_JSON.verify_webhook(SECRET, headers, body, NOW) is None
    assert GENERIC_JSON.verify_webhook("other", headers, body, NOW) == "missing or wrong signature"
    assert GENERIC_JSON.verify_webhook(SECRET, {}, body, NOW) == "missing or wrong signature"


def test_generic_signed_timestamp_within_five_minutes():
    body, headers = signed_order_request(SECRET, GENERIC, timestamp=NOW - 299)
    assert GENERIC_JSON.verify_webhook(SECRET, headers, body, NOW) is None
    late = GENERIC_JSON.verify_webhook(SECRET, headers, body, NOW + 2)
    assert "more than 300 s away" in late
    # the header sent with a signature of the body alone: refused
    _body, plain = signed_order_request(SECRET, GENERIC)
    mixed = {**headers, "X-Channel-Signature": plain["X-Channel-Signature"]}
    assert GENERIC_JSON.verify_webhook(SECRET, mixed, body, NOW) == "missing or wrong signature"
    # a timestamp changed after signing
    moved = {**headers, "X-Channel-Timestamp": str(NOW)}
    assert GENERIC_JSON.verify_webhook(SECRET, moved, body, NOW) == "missing or wrong signature"


@pytest.mark.parametrize("value", ["soon", "", "nan", "inf", None])
def test_a_timestamp_that_is_no_time_is_refused(value):
    assert timestamp_problem(value, NOW) == "X-Channel-Timestamp must be unix seconds"


def test_generic_deliveries_are_what_their_route_says():
    assert GENERIC_JSON.webhook_kind(KIND_CANCEL, {}).kind == KIND_CANCEL


def test_shopify_signature_and_topics():
    body, headers = shopify_webhook_request(SECRET, SHOPIFY, "orders/create", "wh-1")
    assert SHOPIFY_CONNECTOR.verify_webhook(SECRET, headers, body) is None
    assert SHOPIFY_CONNECTOR.verify_webhook("x", headers, body) == "missing or wrong signature"
    delivery = SHOPIFY_CONNECTOR.webhook_kind(KIND_CANCEL, headers)
    assert (delivery.kind, delivery.topic, delivery.delivery_id) == (
        KIND_ORDER,
        "orders/create",
        "wh-1",
    )
    _body, headers = shopify_webhook_request(SECRET, SHOPIFY, "orders/paid", "wh-2")
    ignored = SHOPIFY_CONNECTOR.webhook_kind(KIND_ORDER, headers)
    assert ignored.kind == KIND_IGNORED
    assert "orders/paid" in ignored.ignored_reason
    assert SHOPIFY_CONNECTOR.kept_headers and "X-Shopify-Hmac-Sha256" not in (
        SHOPIFY_CONNECTOR.kept_headers
    )
    assert "X-Channel-Signature" not in GENERIC_JSON.kept_headers


def test_a_shopify_cancellation_is_a_cancelled_order():
    with pytest.raises(PayloadError, match="cancelled_at is not set"):
        SHOPIFY_CONNECTOR.parse_cancel(encoded(SHOPIFY))
    cancelled = shopify(cancelled_at="2026-11-23T12:00:00+01:00")
    assert SHOPIFY_CONNECTOR.parse_cancel(encoded(cancelled)) == {
        "id": "820982911946154508",
        "reason": "",
    }
    assert SHOPIFY_CONNECTOR.parse_order(encoded(SHOPIFY)) == shopify_orders.parse_order(
        encoded(SHOPIFY)
    )
    with pytest.raises(NotImplementedError):
        SHOPIFY_CONNECTOR.parse_return(encoded(SHOPIFY))


def test_text_that_postgresql_cannot_store():
    assert text_problem("plain") is None
    assert text_problem("a\x00b") == "contains a NUL character"
    assert text_problem("a\ud800b") == "contains an unpaired surrogate"
    assert clean_text("a\x00b\ud800c").startswith("a\ufffdb\ufffd")
    assert raw_body_problem(b'{"a": 1}') is None
    assert "NUL byte" in raw_body_problem(b'{"a": "\x00"}')
    assert "not UTF-8" in raw_body_problem(b'{"a": "\xff"}')


def test_a_form_is_read_from_the_bounded_body_only_when_url_encoded():
    form = "application/x-www-form-urlencoded"
    assert form_fields(form, b"webhook_id=7&a=1&a=2") == {"webhook_id": "7", "a": "1"}
    assert form_fields("application/json", b"webhook_id=7") == {}
    assert form_fields("multipart/form-data", b"webhook_id=7") == {}
    assert form_fields(form, "webhook_id=\u00e9".encode()) == {}
    assert form_fields(form, b"") == {}


def test_an_order_above_the_channel_s_lines_is_refused_naming_the_limit():
    assert too_many_lines(500, 500) is None
    assert "501 lines" in too_many_lines(501, 500)
    assert "at most 500" in too_many_lines(501, 500)


def test_an_order_is_judged_while_its_sender_waits_only_if_its_lines_fit_the_budget():
    assert judged_inline(87, 3.5)  # Shopify: judged within 3.5 s
    assert not judged_inline(88, 3.5)
    assert judged_inline(500, 20.0)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/stock_channel_sync/market/orders", True),
        ("POST", "/stock_channel_sync/market/orders/", True),
        ("POST", "/stock_channel_sync/market/orders/K-1/cancel", True),
        ("POST", "/stock_channel_sync/market/orders/K-1/returns", True),
        ("POST", "/stock_channel_sync/bol/events", True),
        ("GET", "/stock_channel_sync/market/orders", False),
        ("POST", "/stock_channel_sync/market/other", False),
        ("POST", "/web/login", False),
        ("POST", "/stock_channel_sync/a/b/orders", False),
        ("POST", "/stock_channel_sync/bol/events/K-1/cancel", False),
        ("POST", "/stock_channel_sync/market/orders/K-1", False),
    ],
)
def test_the_webhook_routes_are_known_without_a_database(method, path, expected):
    assert is_webhook_request(method, path) is expected


@pytest.mark.parametrize(
    ("pgcode", "expected"),
    [(None, True), ("08006", True), ("57P01", True), ("57P03", True), ("53300", True),
     ("40001", False), ("40P01", False), ("55P03", False), ("57014", False), ("23505", False)],
)  # fmt: skip
def test_only_a_database_that_cannot_be_reached_is_a_503(pgcode, expected):
    assert sqlstate_unreachable(pgcode) is expected
