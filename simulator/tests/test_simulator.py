"""The simulator over raw HTTP: receiver rules, control API, faults, command line."""

import hashlib
import hmac
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from simulator import server

ROOT = Path(__file__).resolve().parents[2]
SECRET = server.DEFAULT_SECRET
TOKEN = server.DEFAULT_TOKEN
ITEM = "gid://shopify/InventoryItem/1"
LOCATION = "gid://shopify/Location/1"
SET_QUANTITIES = (
    "mutation M($input: InventorySetQuantitiesInput!) {"
    ' inventorySetQuantities(input: $input) @idempotent(key: "%s") {'
    " inventoryAdjustmentGroup { id } userErrors { code field message } } }"
)


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def _sign(body, secret=SECRET):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _push(http, sim, items, channel="web", key=None, secret=SECRET, body=None):
    if body is None:
        payload = {"channel": channel, "sent_at": "2026-11-23T10:00:00Z", "items": items}
        body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Channel-Signature": _sign(body, secret)}
    if key:
        headers["Idempotency-Key"] = key
    return http.post(sim.generic_url(channel), data=body, headers=headers, timeout=5)


def _item(sku, quantity, sequence):
    return {
        "sku": sku,
        "quantity": quantity,
        "sequence": sequence,
        "computed_at": "2026-11-23T10:00:00Z",
    }


def _quantity(item=ITEM, quantity=5, **extra):
    row = {"inventoryItemId": item, "locationId": LOCATION, "quantity": quantity}
    row.update(extra)
    return row


def _graphql(http, sim, quantities, key="k1", shop="demo", token=TOKEN, query=None):
    payload = {
        "query": query or SET_QUANTITIES % key,
        "variables": {
            "input": {"name": "available", "reason": "correction", "quantities": quantities}
        },
    }
    return http.post(
        f"{sim.shopify_url(shop)}/admin/api/2026-04/graphql.json",
        json=payload,
        headers={"X-Shopify-Access-Token": token},
        timeout=5,
    )


# -- control API ----------------------------------------------------------------


def test_health_and_unknown_paths(sim, http):
    assert http.get(f"{sim.url}/_sim/health").json()["status"] == "ok"
    assert http.get(f"{sim.url}/nowhere").status_code == 404
    assert http.get(f"{sim.url}/_sim/nothing").status_code == 404


def test_config_is_merged_and_unknown_settings_refused(sim, http):
    answer = http.post(f"{sim.url}/_sim/config", json={"channels": {"web": {"secret": "x"}}})
    assert answer.json()["channels"]["web"]["secret"] == "x"
    answer = http.post(f"{sim.url}/_sim/config", json={"shops": {"s": {"tokn": "x"}}})
    assert answer.status_code == 400
    assert "tokn" in answer.json()["error"]
    answer = http.post(f"{sim.url}/_sim/config", json={"shops": {"s": {"restore_rate": "x"}}})
    assert answer.status_code == 400
    answer = http.post(f"{sim.url}/_sim/config", json={"shops": {"s": {"restore_rate": 5}}})
    assert answer.json()["shops"]["s"]["restore_rate"] == 5


def test_control_requests_are_not_recorded_and_received_filters(sim, http):
    _push(http, sim, [_item("A", 1, 1)])
    _push(http, sim, [_item("A", 1, 1)], channel="other")
    http.get(f"{sim.url}/_sim/health")
    requests_web = http.get(
        f"{sim.url}/_sim/received", params={"path_prefix": "/generic/web"}
    ).json()["requests"]
    assert [r["path"] for r in requests_web] == ["/generic/web"]
    assert len(http.get(f"{sim.url}/_sim/received").json()["requests"]) == 2


def test_reset_forgets_everything(sim, http):
    _push(http, sim, [_item("A", 1, 1)])
    sim.add_fault("down", "/nowhere")
    assert http.post(f"{sim.url}/_sim/reset").json() == {"ok": True}
    assert sim.received() == []
    assert sim.faults() == []
    assert http.get(f"{sim.url}/_sim/stock").json() == {
        "generic": {},
        "shopify": {},
        "stale": {},
        "woocommerce": {},
        "bol": {},
        "mirakl": {},
        "amazon": {},
        "amazon_restock_dates": {},
        "merchant": {},
        "merchant_local": {},
    }


# -- generic JSON receiver ------------------------------------------------------


def test_generic_push_applies_and_reports(sim, http):
    answer = _push(http, sim, [_item("A", 5, 1), _item("B", 2, 1)], key="k1")
    assert answer.status_code == 200
    assert answer.json() == {"accepted": 2, "stale": 0, "stale_skus": []}
    stock = http.get(f"{sim.url}/_sim/stock").json()
    assert stock["generic"]["web"]["A"]["quantity"] == 5
    assert stock["generic"]["web"]["A"]["sequence"] == 1


@pytest.mark.parametrize("signature", [None, "", "sha256=00", "garbage"])
def test_generic_bad_or_missing_signature_is_401(sim, http, signature):
    body = json.dumps({"channel": "web", "sent_at": "x", "items": []}).encode()
    headers = {} if signature is None else {"X-Channel-Signature": signature}
    answer = http.post(sim.generic_url("web"), data=body, headers=headers)
    assert answer.status_code == 401
    assert "error" in answer.json()


def test_generic_uses_the_configured_secret(sim, http):
    sim.configure_channel("web", secret="other")
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 401
    assert _push(http, sim, [_item("A", 1, 1)], secret="other").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        json.dumps({"channel": "web", "items": []}).encode(),
        json.dumps({"channel": "web", "sent_at": "x", "items": [{"sku": "A"}]}).encode(),
        json.dumps({"channel": "web", "sent_at": "x", "items": [_item("A", "5", 1)]}).encode(),
        json.dumps(
            {
                "channel": "web",
                "sent_at": "x",
                "items": [{**_item("A", 5, 1), "computed_at": "yesterday"}],
            }
        ).encode(),
        # each item's time is read, not only the first one's; a time that is no text
        json.dumps(
            {
                "channel": "web",
                "sent_at": "x",
                "items": [_item("A", 5, 1), {**_item("B", 5, 1), "computed_at": "yesterday"}],
            }
        ).encode(),
        json.dumps(
            {"channel": "web", "sent_at": "x", "items": [{**_item("A", 5, 1), "computed_at": []}]}
        ).encode(),
        json.dumps(
            {
                "channel": "web",
                "sent_at": "x",
                "items": [_item("A", 5, 1), {**_item("B", 5, 1), "available_at": "soon"}],
            }
        ).encode(),
    ],
)
def test_generic_malformed_body_is_400(sim, http, body):
    answer = _push(http, sim, None, body=body)
    assert answer.status_code == 400
    assert sim.generic_levels("web") == {}


def test_generic_idempotency_key_replays_and_refuses_other_content(sim, http):
    first = _push(http, sim, [_item("A", 5, 1)], key="k1")
    _push(http, sim, [_item("A", 6, 2)], key="k2")
    replay = _push(http, sim, [_item("A", 5, 1)], key="k1")
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert sim.generic_level("web", "A") == 6
    assert _push(http, sim, [_item("A", 9, 3)], key="k1").status_code == 422


def test_generic_key_can_be_required(sim, http):
    sim.configure_channel("web", require_idempotency_key=True)
    assert _push(http, sim, [_item("A", 5, 1)]).status_code == 400
    assert _push(http, sim, [_item("A", 5, 1)], key="k").status_code == 200


def test_generic_sequences_keep_the_highest(sim, http):
    _push(http, sim, [_item("A", 5, 3)])
    answer = _push(http, sim, [_item("A", 1, 2), _item("A", 2, 3), _item("A", 8, 4)])
    assert answer.json() == {"accepted": 1, "stale": 2, "stale_skus": ["A", "A"]}
    assert sim.generic_level("web", "A") == 8
    assert sim.stale_count("web") == 2


def test_generic_levels_are_read_back_signed_with_a_timestamp(sim, http):
    _push(http, sim, [_item("A", 5, 1), _item("B", 0, 1)])
    query = "sku=A&sku=B&sku=Z"
    url = f"{sim.generic_url('web')}?{query}"
    now = str(int(time.time()))
    signed = f"{now}./generic/web?{query}".encode()
    headers = {"X-Channel-Timestamp": now, "X-Channel-Signature": _sign(signed)}
    answer = http.get(url, headers=headers)
    assert answer.json() == {"items": [{"sku": "A", "quantity": 5}, {"sku": "B", "quantity": 0}]}
    assert http.get(url).status_code == 401
    old = str(int(time.time()) - 400)
    stale = {"X-Channel-Timestamp": old,
             "X-Channel-Signature": _sign(f"{old}./generic/web?{query}".encode())}  # fmt: skip
    assert http.get(url, headers=stale).status_code == 401


def test_order_status_is_recorded_once(sim, http):
    url = f"{sim.generic_url('web')}/orders/SO%2F42/status"
    body = json.dumps({"status": "shipped"}).encode()
    headers = {"X-Channel-Signature": _sign(body), "Idempotency-Key": "o1"}
    assert http.post(url, data=body, headers=headers).json() == {"ok": True}
    assert http.post(url, data=body, headers=headers).status_code == 200
    assert http.post(url, data=body).status_code == 401
    [status] = sim.order_statuses("web")
    assert status["external_id"] == "SO/42"
    assert status["payload"] == {"status": "shipped"}
    assert http.get(f"{sim.url}/_sim/orders").json()["statuses"][0]["channel"] == "web"


# -- Shopify receiver -----------------------------------------------------------


def test_shopify_applies_quantities(sim, http):
    answer = _graphql(http, sim, [_quantity(changeFromQuantity=None)])
    payload = answer.json()
    result = payload["data"]["inventorySetQuantities"]
    assert result["userErrors"] == []
    assert result["inventoryAdjustmentGroup"]["id"].startswith("gid://shopify/")
    assert payload["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 990
    assert sim.shopify_level("demo", ITEM, LOCATION) == 5


def test_shopify_bad_token_is_401(sim, http):
    answer = _graphql(http, sim, [_quantity(changeFromQuantity=None)], token="nope")
    assert answer.status_code == 401
    assert "errors" in answer.json()


def test_shopify_refuses_more_than_250_quantities(sim, http):
    rows = [
        _quantity(f"gid://shopify/InventoryItem/{n}", changeFromQuantity=None) for n in range(251)
    ]
    payload = _graphql(http, sim, rows).json()
    assert payload["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert sim.stock()["shopify"] == {}


def test_shopify_requires_change_from_quantity(sim, http):
    rows = [_quantity(changeFromQuantity=None), _quantity("gid://shopify/InventoryItem/2")]
    result = _graphql(http, sim, rows).json()["data"]["inventorySetQuantities"]
    [error] = result["userErrors"]
    assert error["field"] == ["input", "quantities", "1", "changeFromQuantity"]
    assert result["inventoryAdjustmentGroup"] is None
    assert sim.stock()["shopify"] == {}


def test_shopify_change_from_quantity_must_match(sim, http):
    _graphql(http, sim, [_quantity(quantity=5, changeFromQuantity=None)], key="a")
    stale = _graphql(http, sim, [_quantity(quantity=9, changeFromQuantity=4)], key="b")
    [error] = stale.json()["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "CHANGE_FROM_QUANTITY_STALE"
    _graphql(http, sim, [_quantity(quantity=9, changeFromQuantity=5)], key="c")
    assert sim.shopify_level("demo", ITEM, LOCATION) == 9


def test_shopify_idempotent_key_returns_the_original_result(sim, http):
    first = _graphql(http, sim, [_quantity(quantity=5, changeFromQuantity=None)], key="same")
    _graphql(http, sim, [_quantity(quantity=7, changeFromQuantity=None)], key="other")
    again = _graphql(http, sim, [_quantity(quantity=5, changeFromQuantity=None)], key="same")
    assert again.json()["data"] == first.json()["data"]
    assert sim.shopify_level("demo", ITEM, LOCATION) == 7


def test_shopify_input_must_be_a_variable(sim, http):
    query = (
        'mutation { inventorySetQuantities(input: {name: "available"}) { userErrors { code } } }'
    )
    payload = _graphql(http, sim, [], query=query).json()
    assert payload["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("throttle_status", [200, 429])
def test_shopify_leaky_bucket_throttles_then_refills(sim, http, throttle_status):
    # 25 points, 10 per call, 10 back per second: the third call (within 0.5 s) is throttled.
    sim.configure_shop(
        "demo", maximum_available=25, restore_rate=10, throttle_status=throttle_status
    )
    quantity = [_quantity(changeFromQuantity=None)]
    assert _graphql(http, sim, quantity, key="1").status_code == 200
    assert _graphql(http, sim, quantity, key="2").status_code == 200
    throttled = _graphql(http, sim, quantity, key="3")
    assert throttled.status_code == throttle_status
    payload = throttled.json()
    assert payload["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = payload["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 10
    assert cost["actualQueryCost"] is None
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}
    time.sleep(0.6)
    assert "errors" not in _graphql(http, sim, quantity, key="3").json()


# -- faults ---------------------------------------------------------------------


def test_fault_count_and_path_prefix(sim, http):
    sim.add_fault("status", "/generic/web", status=500, count=2)
    assert _push(http, sim, [_item("A", 1, 1)], channel="other").status_code == 200
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 500
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 500
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 200
    assert [r["fault"] for r in sim.received("/generic/web")] == ["status", "status", None]


def test_faults_over_http_until_deleted(sim, http):
    fault = {"path_prefix": "/generic/web", "kind": "status", "status": 429, "retry_after": 1}
    ids = http.post(f"{sim.url}/_sim/faults", json=fault).json()["ids"]
    assert http.get(f"{sim.url}/_sim/faults").json()["faults"][0]["id"] == ids[0]
    for _ in range(3):
        answer = _push(http, sim, [_item("A", 1, 1)])
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "1"
    http.delete(f"{sim.url}/_sim/faults")
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 200


def test_unknown_fault_is_refused(sim, http):
    assert http.post(f"{sim.url}/_sim/faults", json={"kind": "explode"}).status_code == 400
    assert http.post(f"{sim.url}/_sim/faults", json={"kind": "drop", "x": 1}).status_code == 400


def test_rate_limit_fault_counts_requests_per_window(sim, http):
    sim.add_fault("rate_limit", "/generic/", limit=2, window=1.0)
    answers = [_push(http, sim, [_item("A", 1, n)]) for n in range(1, 4)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].headers["Retry-After"] == "1"
    time.sleep(1.1)
    assert _push(http, sim, [_item("A", 1, 9)]).status_code == 200


def test_rate_limit_fault_of_no_request_refuses_the_first_one(sim, http):
    sim.add_fault("rate_limit", "/generic/", limit=0, window=2.0)
    answer = _push(http, sim, [_item("A", 1, 1)])
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "2"


def test_down_fault_refuses_everything_until_cleared(sim, http):
    sim.add_fault("down")
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 503
    assert _graphql(http, sim, [_quantity(changeFromQuantity=None)]).status_code == 503
    assert http.get(f"{sim.url}/_sim/health").status_code == 200
    sim.clear_faults()
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 200


def test_drop_fault_closes_without_answer(sim, http):
    sim.add_fault("drop", "/generic/web", count=1)
    with pytest.raises(requests.ConnectionError):
        _push(http, sim, [_item("A", 1, 1)])
    assert sim.generic_levels("web") == {}
    sim.add_fault("drop", "/generic/web", count=1, apply=True)
    with pytest.raises(requests.ConnectionError):
        _push(http, sim, [_item("A", 1, 1)])
    assert sim.generic_levels("web") == {"A": 1}


def test_timeout_fault_holds_the_answer(sim, http):
    sim.add_fault("timeout", "/generic/web", seconds=1, count=1)
    with pytest.raises(requests.ReadTimeout):
        http.post(sim.generic_url("web"), data=b"{}", timeout=(1, 0.3))


def test_slow_fault_delays_the_answer(sim, http):
    sim.add_fault("slow", "/generic/web", seconds=0.3, count=1)
    started = time.monotonic()
    assert _push(http, sim, [_item("A", 1, 1)]).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_quiet_unless_verbose(sim, http, capfd):
    _push(http, sim, [_item("A", 1, 1)])
    assert capfd.readouterr().err == ""


def test_chunked_body_is_refused(sim, http):
    answer = http.post(sim.generic_url("web"), data=iter([b"{}"]))
    assert answer.status_code == 411


def test_stop_releases_the_port():
    simulator = server.start(port=0)
    port = simulator.port
    simulator.stop()
    server.start(port=port).stop()


def test_command_line_serves_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--verbose"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert banner.startswith("simulator listening on http://127.0.0.1:")
        url = banner.split()[-1]
        assert requests.get(f"{url}/_sim/health", timeout=5).json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert "/_sim/health" in process.stderr.read()


def test_webhook_deliveries_are_sent_signed_to_a_url(sim, http):
    """The simulator delivers WooCommerce and Shopify webhooks itself (to Odoo; here to its
    own generic receiver, which answers 401: the delivery went out and the answer came
    back)."""
    for marketplace, topic in (("woocommerce", "order.created"), ("shopify", "orders/create")):
        answer = http.post(
            f"{sim.url}/_sim/deliver",
            json={"marketplace": marketplace, "shop": "s", "topic": topic, "order": {"id": 1},
                  "delivery_id": "d-1", "url": sim.generic_url("web")},
            timeout=10,
        )  # fmt: skip
        assert answer.json()["status"] == 401
    woo, shop = (
        {k.lower(): v for k, v in r["headers"].items()} for r in sim.received("/generic/web")
    )
    assert woo["x-wc-webhook-delivery-id"] == "d-1"
    assert woo["x-wc-webhook-signature"]
    assert shop["x-shopify-webhook-id"] == "d-1"
    assert http.post(f"{sim.url}/_sim/deliver", json={"marketplace": "generic"}).status_code == 400
