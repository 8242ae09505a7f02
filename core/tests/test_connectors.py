"""Connectors against the simulator over real HTTP on loopback (no mocked transport)."""

import ast
import hashlib
import hmac
import json
import re
import socket
import sys
from datetime import datetime
from pathlib import Path

import pytest

from core.connectors import (
    CONNECTOR_SELECTION,
    CONNECTORS,
    ChannelConfig,
    PushItem,
    generic_json,
    get_connector,
    shopify,
)
from core.errors import PermanentError, RetryableError, SyncError
from core.idempotency import idempotency_key, order_status_key

SECRET = "s3cret-web-key"
TOKEN = "shpat_token_123"
CHANNEL = "web"
SHOP = "demo"
LOCATION = "gid://shopify/Location/7"
WHEN = datetime(2026, 11, 23, 10, 0, 0)
ROOT = Path(__file__).resolve().parents[2]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_channel(CHANNEL, secret=SECRET)
    sim.configure_shop(SHOP, token=TOKEN)


@pytest.fixture
def web(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL), api_secret=SECRET)
    with generic_json.GenericJsonConnector(config) as connector:
        yield connector


@pytest.fixture
def shop(sim):
    config = ChannelConfig(
        "shop-channel",
        sim.shopify_url(SHOP),
        api_key=TOKEN,
        settings={"location_id": "7"},
        batch_size=250,
    )
    with shopify.ShopifyConnector(config) as connector:
        yield connector


def _items(*rows):
    return [PushItem(sku, quantity, sequence, WHEN) for sku, quantity, sequence in rows]


def _shop_items(count, quantity=3, sequence=1, start=1, previous=0):
    """Items of variants Odoo set before (``previous``: what it set; None: a first push,
    which reads the shop's level first)."""
    return [
        PushItem(
            f"SKU-{n}", quantity, sequence, WHEN, external_id=str(n), previous_quantity=previous
        )
        for n in range(start, start + count)
    ]


def _item_gid(n):
    return f"gid://shopify/InventoryItem/{n}"


# -- registry -------------------------------------------------------------------


def test_registry_matches_the_selection():
    assert [code for code, _label in CONNECTOR_SELECTION] == [
        "amazon",
        "bol",
        "generic_json",
        "merchant",
        "mirakl",
        "shopify",
        "woocommerce",
    ]
    assert set(CONNECTORS) == {code for code, _label in CONNECTOR_SELECTION}
    assert get_connector("generic_json") is generic_json.GenericJsonConnector
    assert get_connector("shopify") is shopify.ShopifyConnector
    with pytest.raises(KeyError):
        get_connector("nope")


@pytest.mark.parametrize(
    ("code", "addressable"),
    [
        ("shopify", {("SKU", "4711"), ("SKU", "gid://shopify/InventoryItem/4711")}),
        ("woocommerce", {("SKU", "4711")}),
        (
            "bol",
            {("SKU", "4711"), ("SKU", "a1b2-offer"), ("SKU", "gid://shopify/InventoryItem/4711")},
        ),
        *(
            (
                code,
                {
                    ("SKU", ""),
                    ("SKU", "4711"),
                    ("SKU", "a1b2-offer"),
                    ("SKU", "gid://shopify/InventoryItem/4711"),
                },
            )
            for code in ("mirakl", "amazon", "generic_json")
        ),
    ],
)
def test_a_connector_addresses_only_variants_it_has_the_platform_id_of(code, addressable):
    cases = {("SKU", ""), ("", ""), ("SKU", "4711"), ("", "4711"), ("SKU", "a1b2-offer"),
             ("SKU", "gid://shopify/InventoryItem/4711")}  # fmt: skip
    found = {case for case in cases if get_connector(code).addresses(*case)}
    assert found == addressable


def test_batches_respect_config_and_connector_limits(sim):
    items = _items(*[(f"S{n}", 1, 1) for n in range(1201)])
    small = generic_json.GenericJsonConnector(ChannelConfig(CHANNEL, "http://x", batch_size=100))
    big = generic_json.GenericJsonConnector(ChannelConfig(CHANNEL, "http://x", batch_size=10**6))
    assert [len(b) for b in small.batches(items)][:2] == [100, 100]
    assert [len(b) for b in big.batches(items)] == [500, 500, 201]
    assert [i for b in big.batches(items) for i in b] == items
    assert small.batches([]) == []


def test_push_refuses_oversized_and_empty_batches(web, shop):
    with pytest.raises(ValueError, match="batches"):
        web.push(_items(*[(f"S{n}", 1, 1) for n in range(501)]))
    with pytest.raises(ValueError, match="batches"):
        shop.push(_shop_items(251))
    with pytest.raises(ValueError):
        web.push([])


def test_secrets_are_not_in_repr():
    config = ChannelConfig(CHANNEL, "http://x", api_key=TOKEN, api_secret=SECRET)
    assert TOKEN not in repr(config)
    assert SECRET not in repr(config)


def test_every_connector_names_itself_in_the_user_agent(sim, web, shop):
    """Every request says which app, version, Python and Odoo it comes from, in the form
    Amazon asks for (AppId/AppVersion (Language=...; Platform=...))."""
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
    python = ".".join(map(str, sys.version_info[:2]))
    expected = (
        f"stock_channel_sync/{manifest['version']} (Language=Python/{python}; Platform=Odoo/19.0)"
    )
    web.push(_items(("SKU-1", 5, 1)))
    shop.read_quantities(["SKU-1"])
    for code in CONNECTORS:
        cls = get_connector(code)
        required = {setting.name: "set" for setting in cls.settings if setting.required}
        config = ChannelConfig(
            code, sim.generic_url(CHANNEL), api_key=TOKEN, api_secret=SECRET, settings=required
        )
        with cls(config) as connector:
            connector._request("GET", f"{sim.generic_url(CHANNEL)}/levels?from={code}")
    agents = [request["headers"].get("User-Agent") for request in sim.received()]
    assert len(agents) == 2 + len(CONNECTORS)
    assert set(agents) == {expected}


# -- generic JSON ---------------------------------------------------------------


def test_generic_push_is_accepted_recorded_and_signed(sim, web):
    items = _items(("SKU-1", 5, 10), ("SKU-2", 0, 11))
    result = web.push(items)

    assert result.status == 200
    assert json.loads(result.body) == {"accepted": 2, "stale": 0, "stale_skus": []}
    assert result.item_errors == {}
    assert result.idempotency_key == idempotency_key(CHANNEL, items)
    assert sim.generic_levels(CHANNEL) == {"SKU-1": 5, "SKU-2": 0}

    [request] = sim.received(f"/generic/{CHANNEL}")
    headers, raw = request["headers"], request["body"].encode()
    assert request["method"] == "POST"
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == result.idempotency_key
    expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Channel-Signature"] == "sha256=" + expected
    body = json.loads(raw)
    assert list(body) == ["channel", "sent_at", "items"]
    assert body["channel"] == CHANNEL
    assert ISO_Z.match(body["sent_at"])
    at = "2026-11-23T10:00:00Z"
    assert body["items"] == [
        {"sku": "SKU-1", "quantity": 5, "sequence": 10, "computed_at": at, "available_at": None},
        {"sku": "SKU-2", "quantity": 0, "sequence": 11, "computed_at": at, "available_at": None},
    ]
    assert result.request_body == request["body"]


def test_wrong_secret_is_permanent_401_without_leaking_it(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL), api_secret="not-the-secret")
    with pytest.raises(PermanentError) as caught:
        generic_json.GenericJsonConnector(config).push(_items(("A", 1, 1)))
    error = caught.value
    assert error.status == 401
    assert "not-the-secret" not in f"{error} {error.body} {error.request}"
    assert sim.generic_levels(CHANNEL) == {}


def test_missing_secret_is_refused_before_sending(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL))
    with pytest.raises(PermanentError, match="no API secret"):
        generic_json.GenericJsonConnector(config).push(_items(("A", 1, 1)))
    assert sim.received() == []


def test_credentials_echoed_by_the_server_are_redacted(sim, web):
    sim.add_fault("status", f"/generic/{CHANNEL}", status=400, body={"echo": SECRET}, count=1)
    with pytest.raises(PermanentError) as caught:
        web.push(_items(("A", 1, 1)))
    assert SECRET not in f"{caught.value} {caught.value.body}"
    assert "***" in caught.value.body


def test_same_idempotency_key_is_not_applied_twice(sim, web):
    first = web.push(_items(("A", 5, 1)))
    web.push(_items(("A", 7, 2)))
    replay = web.push(_items(("A", 5, 1)))

    assert replay.idempotency_key == first.idempotency_key
    assert replay.body == first.body
    assert sim.generic_level(CHANNEL, "A") == 7
    assert sim.stale_count(CHANNEL) == 0
    assert [r["replayed"] for r in sim.received()] == [False, False, True]


def test_stale_sequence_is_dropped_and_counted(sim, web):
    web.push(_items(("A", 10, 5), ("B", 1, 5)))
    result = web.push(_items(("A", 3, 4), ("B", 2, 5), ("C", 4, 1)))

    assert json.loads(result.body) == {"accepted": 1, "stale": 2, "stale_skus": ["A", "B"]}
    assert (result.stale, result.stale_skus) == (2, ("A", "B"))
    assert result.split(["A", "B", "C"]) == (["C"], {}, {"A", "B"})
    assert sim.generic_levels(CHANNEL) == {"A": 10, "B": 1, "C": 4}
    assert sim.stale_count(CHANNEL) == 2


def test_rejected_items_come_back_as_item_errors(sim, web):
    result = web.push(_items(("A", 4, 1), ("B", -2, 1)))
    assert set(result.item_errors) == {"B"}
    assert sim.generic_levels(CHANNEL) == {"A": 4}


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_statuses_are_retryable_with_seconds(sim, web, status):
    sim.add_fault("status", f"/generic/{CHANNEL}", status=status, retry_after=2, count=1)
    with pytest.raises(RetryableError) as caught:
        web.push(_items(("A", 1, 1)))
    assert caught.value.status == status
    assert caught.value.seconds == 2.0
    assert sim.generic_levels(CHANNEL) == {}
    assert web.push(_items(("A", 1, 1))).status == 200


@pytest.mark.parametrize("status", [500, 502, 504, 408])
def test_server_errors_and_408_are_retryable(sim, web, status):
    sim.add_fault("status", f"/generic/{CHANNEL}", status=status, count=1)
    with pytest.raises(RetryableError) as caught:
        web.push(_items(("A", 1, 1)))
    assert caught.value.status == status
    assert caught.value.seconds is None


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_client_errors_are_permanent(sim, web, status):
    sim.add_fault("status", f"/generic/{CHANNEL}", status=status, count=1)
    with pytest.raises(PermanentError) as caught:
        web.push(_items(("A", 1, 1)))
    assert caught.value.status == status
    assert not caught.value.retryable


def test_channel_mismatch_is_a_real_400(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url("other"), api_secret="simulator-secret")
    with pytest.raises(PermanentError) as caught:
        generic_json.GenericJsonConnector(config).push(_items(("A", 1, 1)))
    assert caught.value.status == 400
    assert "does not match" in caught.value.body


def test_too_many_items_for_the_receiver_is_permanent_413(sim, web):
    sim.configure_channel(CHANNEL, max_items=2)
    with pytest.raises(PermanentError) as caught:
        web.push(_items(("A", 1, 1), ("B", 1, 1), ("C", 1, 1)))
    assert caught.value.status == 413


def test_timeout_is_retryable_and_the_retry_is_not_applied_twice(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL), api_secret=SECRET, read_timeout=0.5)
    connector = generic_json.GenericJsonConnector(config)
    sim.add_fault("timeout", f"/generic/{CHANNEL}", seconds=2, count=1)
    with pytest.raises(RetryableError) as caught:
        connector.push(_items(("A", 5, 1)))
    assert caught.value.status is None
    assert sim.generic_level(CHANNEL, "A") == 5  # the channel did apply it

    result = connector.push(_items(("A", 5, 1)))
    assert json.loads(result.body) == {"accepted": 1, "stale": 0, "stale_skus": []}
    assert [r["replayed"] for r in sim.received()] == [False, True]
    assert sim.stale_count(CHANNEL) == 0


def test_dropped_connection_is_retryable(sim, web):
    sim.add_fault("drop", f"/generic/{CHANNEL}", count=1)
    with pytest.raises(RetryableError) as caught:
        web.push(_items(("A", 1, 1)))
    assert caught.value.status is None
    assert sim.generic_levels(CHANNEL) == {}
    assert web.push(_items(("A", 1, 1))).status == 200


def test_refused_connection_is_retryable(sim):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = ChannelConfig(CHANNEL, f"http://127.0.0.1:{port}/generic/web", api_secret=SECRET)
    with pytest.raises(RetryableError):
        generic_json.GenericJsonConnector(config).push(_items(("A", 1, 1)))


def test_a_channel_that_cannot_be_reached_is_told_apart_from_a_failed_request(sim, web):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = ChannelConfig(CHANNEL, f"http://127.0.0.1:{port}/generic/web", api_secret=SECRET)
    with pytest.raises(RetryableError) as refused:
        generic_json.GenericJsonConnector(config).push(_items(("A", 1, 1)))
    assert refused.value.unreachable
    assert "cannot be reached" in str(refused.value)
    # reached, then failed: the request's failure, not the channel's absence
    sim.add_fault("drop", f"/generic/{CHANNEL}", count=1)
    sim.add_fault("status", f"/generic/{CHANNEL}", status=503, count=1)
    for _fault in range(2):
        with pytest.raises(RetryableError) as reached:
            web.push(_items(("A", 1, 1)))
        assert not reached.value.unreachable


def test_invalid_url_is_permanent():
    config = ChannelConfig(CHANNEL, "not a url", api_secret=SECRET)
    with pytest.raises(PermanentError):
        generic_json.GenericJsonConnector(config).push(_items(("A", 1, 1)))


def test_rate_limit_and_down_faults(sim, web):
    sim.add_fault("rate_limit", f"/generic/{CHANNEL}", limit=1, window=30)
    web.push(_items(("A", 1, 1)))
    with pytest.raises(RetryableError) as caught:
        web.push(_items(("A", 2, 2)))
    assert caught.value.status == 429
    assert 1 <= caught.value.seconds <= 30

    sim.clear_faults()
    sim.add_fault("down")
    with pytest.raises(RetryableError) as caught:
        web.push(_items(("A", 2, 2)))
    assert caught.value.status == 503
    sim.clear_faults()
    assert web.push(_items(("A", 2, 2))).status == 200


def test_slow_answer_within_the_timeout_succeeds(sim, web):
    sim.add_fault("slow", f"/generic/{CHANNEL}", seconds=0.2, count=1)
    assert web.push(_items(("A", 1, 1))).status == 200


def test_generic_read_quantities(sim, web):
    web.push(_items(("A", 5, 1), ("B", 0, 1), ("C", 9, 1), ("D E/F", 2, 1)))
    assert web.read_quantities(["A", "B", "missing", "D E/F"]) == {"A": 5, "B": 0, "D E/F": 2}
    [request] = sim.received(f"/generic/{CHANNEL}")[-1:]
    assert request["method"] == "GET"
    assert request["query"] == "sku=A&sku=B&sku=missing&sku=D+E%2FF"
    assert request["headers"]["X-Channel-Timestamp"]


def test_generic_read_quantities_in_batches(sim, web):
    web.config.batch_size = 2
    web.push(_items(("A", 5, 1), ("B", 0, 1), ("C", 9, 1)))
    assert web.read_quantities(["A", "B", "C"]) == {"A": 5, "B": 0, "C": 9}
    reads = [r for r in sim.received(f"/generic/{CHANNEL}") if r["method"] == "GET"]
    assert [r["query"] for r in reads] == ["sku=A&sku=B", "sku=C"]


# -- generic JSON: order statuses -------------------------------------------------

ORDER_ID = "SO/42 #1"
ORDER_PATH = f"/generic/{CHANNEL}/orders/SO%2F42%20%231/status"
ORDERS_PREFIX = f"/generic/{CHANNEL}/orders/"


def _status_body(status="shipped", order_id=ORDER_ID):
    return {
        "id": order_id,
        "status": status,
        "lines": [{"id": "L1", "status": status, "quantity": 2}],
        "tracking": [
            {"number": "JD0001", "carrier_code": "DHL", "service": "DHL Parcel", "url": ""}
        ],
    }


def test_order_status_is_pushed_signed_and_recorded(sim, web):
    body = _status_body()
    result = web.push_order_status(ORDER_ID, body)

    assert result.status == 200
    assert json.loads(result.body) == {"ok": True}
    assert result.item_errors == {}
    assert result.idempotency_key == order_status_key(CHANNEL, ORDER_ID, body)
    assert json.loads(result.request_body) == body
    [recorded] = sim.order_statuses(CHANNEL)
    assert recorded["external_id"] == ORDER_ID
    assert recorded["payload"] == body
    assert recorded["idempotency_key"] == result.idempotency_key

    [request] = sim.received(ORDERS_PREFIX)
    headers, raw = request["headers"], request["body"].encode()
    assert (request["method"], request["path"]) == ("POST", ORDER_PATH)
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == result.idempotency_key
    expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Channel-Signature"] == "sha256=" + expected


def test_order_status_url_quotes_the_id_and_ignores_a_trailing_slash(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL) + "/", api_secret=SECRET)
    with generic_json.GenericJsonConnector(config) as connector:
        assert connector.order_status_url(ORDER_ID) == sim.url + ORDER_PATH
        assert connector.order_status_url(1001).endswith(f"/{CHANNEL}/orders/1001/status")
        connector.push_order_status(ORDER_ID, _status_body())
    assert [s["external_id"] for s in sim.order_statuses(CHANNEL)] == [ORDER_ID]


def test_the_same_status_is_recorded_once_a_new_one_again(sim, web):
    first = web.push_order_status(ORDER_ID, _status_body())
    replay = web.push_order_status(ORDER_ID, _status_body())
    delivered = web.push_order_status(ORDER_ID, _status_body("delivered"))

    assert replay.idempotency_key == first.idempotency_key != delivered.idempotency_key
    assert [s["payload"]["status"] for s in sim.order_statuses(CHANNEL)] == [
        "shipped",
        "delivered",
    ]
    assert [r["replayed"] for r in sim.received(ORDERS_PREFIX)] == [False, True, False]


def test_order_status_with_a_wrong_secret_is_permanent_401(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL), api_secret="not-the-secret")
    with pytest.raises(PermanentError) as caught:
        generic_json.GenericJsonConnector(config).push_order_status(ORDER_ID, _status_body())
    error = caught.value
    assert error.status == 401
    assert "signature" in error.body
    assert "not-the-secret" not in f"{error} {error.body} {error.request}"
    assert sim.order_statuses() == []


def test_order_status_without_a_secret_is_refused_before_sending(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL))
    with pytest.raises(PermanentError, match="no API secret"):
        generic_json.GenericJsonConnector(config).push_order_status(ORDER_ID, _status_body())
    assert sim.received() == []


@pytest.mark.parametrize("status", [429, 503])
def test_order_status_retry_after_statuses_are_retryable(sim, web, status):
    sim.add_fault("status", ORDERS_PREFIX, status=status, retry_after=3, count=1)
    with pytest.raises(RetryableError) as caught:
        web.push_order_status(ORDER_ID, _status_body())
    assert caught.value.status == status
    assert caught.value.seconds == 3.0
    assert sim.order_statuses() == []
    assert web.push_order_status(ORDER_ID, _status_body()).status == 200
    assert len(sim.order_statuses(CHANNEL)) == 1


@pytest.mark.parametrize("status", [400, 404, 422])
def test_order_status_client_errors_are_permanent(sim, web, status):
    sim.add_fault("status", ORDERS_PREFIX, status=status, body={"error": "no"}, count=1)
    with pytest.raises(PermanentError) as caught:
        web.push_order_status(ORDER_ID, _status_body())
    assert caught.value.status == status
    assert not caught.value.retryable
    assert sim.order_statuses() == []


def test_order_status_timeout_is_retryable_and_the_retry_is_not_recorded_twice(sim):
    config = ChannelConfig(CHANNEL, sim.generic_url(CHANNEL), api_secret=SECRET, read_timeout=0.5)
    connector = generic_json.GenericJsonConnector(config)
    sim.add_fault("timeout", ORDERS_PREFIX, seconds=2, count=1)
    with pytest.raises(RetryableError):
        connector.push_order_status(ORDER_ID, _status_body())
    assert connector.push_order_status(ORDER_ID, _status_body()).status == 200
    assert len(sim.order_statuses(CHANNEL)) == 1
    assert [r["replayed"] for r in sim.received(ORDERS_PREFIX)] == [False, True]


def test_shopify_order_status_of_an_unknown_order_is_refused(shop):
    with pytest.raises(PermanentError, match="not found on Shopify"):
        shop.push_order_status("1", _status_body())


# -- Shopify --------------------------------------------------------------------


def test_shopify_push_is_applied(sim, shop):
    other = PushItem("SKU-X", 9, 1, WHEN, external_id=_item_gid(99), external_location_id="8",
                     previous_quantity=0)  # fmt: skip
    items = [*_shop_items(2, quantity=4), other]
    result = shop.push(items)

    assert result.status == 200
    assert result.remote_id.startswith("gid://shopify/InventoryAdjustmentGroup/")
    assert sim.shopify_level(SHOP, _item_gid(1), LOCATION) == 4
    assert sim.shopify_level(SHOP, _item_gid(99), "gid://shopify/Location/8") == 9

    [request] = sim.received("/shopify/")
    assert request["path"] == f"/shopify/{SHOP}/admin/api/2026-10/graphql.json"
    assert request["headers"]["X-Shopify-Access-Token"] == TOKEN
    body = json.loads(request["body"])
    assert f'@idempotent(key: "{result.idempotency_key}")' in body["query"]
    payload = body["variables"]["input"]
    assert payload["name"] == "available"
    assert payload["reason"] == "correction"
    assert payload["referenceDocumentUri"] == (
        f"gid://stock-channel-sync/SyncJob/{result.idempotency_key}"
    )
    assert payload["quantities"][0] == {
        "inventoryItemId": _item_gid(1),
        "locationId": LOCATION,
        "quantity": 4,
        "changeFromQuantity": 0,
    }


def test_shopify_large_push_is_split_in_batches_of_250(sim, shop):
    items = _shop_items(600)
    batches = shop.batches(items)
    assert [len(b) for b in batches] == [250, 250, 100]
    for batch in batches:
        shop.push(batch)
    assert len(sim.stock()["shopify"][SHOP][LOCATION]) == 600
    sizes = [len(json.loads(r["body"])["variables"]["input"]["quantities"]) for r in sim.received()]
    assert sizes == [250, 250, 100]


def test_shopify_same_key_returns_the_original_result(sim, shop):
    first = shop.push(_shop_items(1, quantity=5, sequence=1))
    shop.push(_shop_items(1, quantity=7, sequence=2))
    replay = shop.push(_shop_items(1, quantity=5, sequence=1))
    assert replay.remote_id == first.remote_id
    assert sim.shopify_level(SHOP, _item_gid(1), LOCATION) == 7


def test_shopify_user_errors_map_to_items_and_nothing_is_applied(sim, shop):
    sim.configure_shop(SHOP, catalog={"SKU-1": _item_gid(1), "SKU-3": _item_gid(3)})
    with pytest.raises(PermanentError) as caught:
        shop.push(_shop_items(3))
    assert set(caught.value.item_errors) == {"SKU-2"}
    assert "INVALID_INVENTORY_ITEM" in caught.value.item_errors["SKU-2"]
    assert caught.value.status == 200
    assert sim.stock()["shopify"] == {}


def test_shopify_items_without_ids_are_reported_and_the_rest_sent(sim, shop):
    items = [*_shop_items(1), PushItem("NO-ID", 1, 1, WHEN)]
    result = shop.push(items)
    assert set(result.item_errors) == {"NO-ID"}
    assert sim.shopify_level(SHOP, _item_gid(1), LOCATION) == 3

    with pytest.raises(PermanentError) as caught:
        shop.push([PushItem("NO-ID", 1, 1, WHEN), PushItem("BAD", 1, 1, WHEN, external_id="x")])
    assert set(caught.value.item_errors) == {"NO-ID", "BAD"}
    assert len(sim.received()) == 1


@pytest.mark.parametrize("throttle_status", [200, 429])
def test_shopify_throttled_is_retryable_after_the_computed_delay(sim, shop, throttle_status):
    sim.configure_shop(
        SHOP,
        maximum_available=10,
        restore_rate=0.5,
        mutation_cost=10,
        throttle_status=throttle_status,
    )
    shop.push(_shop_items(1))
    with pytest.raises(RetryableError) as caught:
        shop.push(_shop_items(1, sequence=2))

    error = caught.value
    assert error.status == throttle_status
    cost = json.loads(error.body)["extensions"]["cost"]
    status = cost["throttleStatus"]
    expected = (cost["requestedQueryCost"] - status["currentlyAvailable"]) / status["restoreRate"]
    assert error.seconds == pytest.approx(expected)
    assert error.seconds == pytest.approx(20.0)
    assert error.throttled
    assert sim.shopify_level(SHOP, _item_gid(1), LOCATION) == 3


def test_shopify_a_short_throttle_is_waited_out_not_failed(sim, shop):
    sim.configure_shop(SHOP, maximum_available=10, restore_rate=40, mutation_cost=10)
    shop.push(_shop_items(1))
    shop.push(_shop_items(1, quantity=5, sequence=2, previous=3))  # waits ~0.25 s for the bucket
    assert sim.shopify_level(SHOP, _item_gid(1), LOCATION) == 5
    assert len(sim.received()) == 3, "the set, the throttled one, the same again"


def test_shopify_throttle_without_cost_waits_one_second():
    assert shopify.throttle_seconds({"errors": [{"extensions": {"code": "THROTTLED"}}]}) == 1.0


def test_shopify_wrong_token_is_permanent_401(sim):
    config = ChannelConfig(
        "c", sim.shopify_url(SHOP), api_key="wrong-token", settings={"location_id": "7"}
    )
    with pytest.raises(PermanentError) as caught:
        shopify.ShopifyConnector(config).push(_shop_items(1))
    assert caught.value.status == 401
    assert "wrong-token" not in f"{caught.value} {caught.value.body} {caught.value.request}"


def test_shopify_server_error_and_timeout_are_retryable(sim):
    config = ChannelConfig(
        "c", sim.shopify_url(SHOP), api_key=TOKEN, settings={"location_id": "7"}, read_timeout=0.5
    )
    connector = shopify.ShopifyConnector(config)
    sim.add_fault("status", "/shopify/", status=502, count=1)
    with pytest.raises(RetryableError):
        connector.push(_shop_items(1))
    sim.add_fault("timeout", "/shopify/", seconds=2, count=1)
    with pytest.raises(RetryableError):
        connector.push(_shop_items(1))


def test_shopify_read_quantities(sim, shop):
    sim.configure_shop(SHOP, catalog={"SKU-1": _item_gid(1), 'ODD "SKU"': _item_gid(2)})
    shop.push([*_shop_items(1, quantity=6), PushItem('ODD "SKU"', 2, 1, WHEN, external_id="2")])
    assert shop.read_quantities(["SKU-1", 'ODD "SKU"', "SKU-404"]) == {
        "SKU-1": 6,
        'ODD "SKU"': 2,
    }


def test_gid_normalisation():
    assert shopify.to_gid("Location", "7") == LOCATION
    assert shopify.to_gid("Location", LOCATION) == LOCATION
    assert shopify.to_gid("Location", "") is None
    assert shopify.to_gid("Location", "seven") is None


def test_every_sync_error_is_one_of_two_kinds():
    assert issubclass(RetryableError, SyncError)
    assert issubclass(PermanentError, SyncError)
    assert RetryableError("x", seconds=3).seconds == 3
    assert PermanentError("x").seconds is None
