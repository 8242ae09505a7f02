"""Shopify beyond quantities: compare-and-set per API version, the catalogue, and orders
back (fulfilments with tracking, tracking updates, cancellation, refunds), against the
simulator's shop over real HTTP on loopback."""

import json
from datetime import datetime

import pytest
import requests

from core.connectors import ChannelConfig, PushItem, get_connector
from core.connectors.shopify_fulfillment import plan
from core.connectors.shopify_graphql import next_version, version_notice
from core.errors import RetryableError
from core.inbound import KIND_CANCEL, KIND_IGNORED, KIND_ORDER
from core.payload import PayloadError
from core.status import Shipment, Tracking, status_body
from core.tests.samples import encoded, shopify

SHOP = "demo"
TOKEN = "shpat_sync"
LOCATION = "gid://shopify/Location/7"
WHEN = datetime(2026, 11, 23, 10, 0, 0)
SHOPIFY = get_connector("shopify")
ORDER = {"id": 5001, "line_items": [{"id": 11, "sku": "A", "quantity": 2},
                                    {"id": 12, "sku": "B", "quantity": 1}]}  # fmt: skip


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_shop(SHOP, token=TOKEN)


def _shop(sim, version="2026-10", **settings):
    settings = {"location_id": "7", "api_version": version, **settings}
    config = ChannelConfig("shop", sim.shopify_url(SHOP), api_key=TOKEN, settings=settings)
    return SHOPIFY(config)


def _item(sku, quantity, item, previous=None):
    return PushItem(sku, quantity, 1, WHEN, external_id=str(item), previous_quantity=previous)


def _level(sim, item):
    return sim.shopify_level(SHOP, f"gid://shopify/InventoryItem/{item}", LOCATION)


# -- compare and set ---------------------------------------------------------------


def test_a_quantity_changed_on_shopify_is_read_recorded_and_set_once(sim):
    with _shop(sim) as shop:
        shop.push([_item("A", 5, 1), _item("B", 2, 2)])
        sim.shopify.levels[(SHOP, "gid://shopify/InventoryItem/1", LOCATION)] = 9  # edited there
        result = shop.push([_item("A", 4, 1, previous=5), _item("B", 1, 2, previous=2)])
    assert (_level(sim, 1), _level(sim, 2)) == (4, 1)
    assert result.drift == {"A": (5, 9)}
    bodies = [json.loads(r["body"])["variables"]["input"]["quantities"] for r in sim.received()
              if "inventorySetQuantities" in r["body"]]  # fmt: skip
    assert [row["changeFromQuantity"] for row in bodies[-1]] == [9, 2]


def test_a_first_push_reads_and_keeps_the_level_it_replaces(sim):
    sim.shopify.levels[(SHOP, "gid://shopify/InventoryItem/1", LOCATION)] = 7  # the shop's own
    sim.shopify.levels[(SHOP, "gid://shopify/InventoryItem/3", LOCATION)] = 4  # Odoo's
    with _shop(sim) as shop:
        result = shop.push([_item("A", 5, 1), _item("B", 2, 2), _item("C", 3, 3, previous=4)])
    assert (_level(sim, 1), _level(sim, 2)) == (5, 2)  # Odoo stays the truth
    assert result.replaced == {"A": 7, "B": None}  # B had no level at the location
    assert result.drift == {}
    [read, mutation] = [json.loads(r["body"]) for r in sim.received()]
    assert read["variables"]["ids"] == [
        "gid://shopify/InventoryItem/1", "gid://shopify/InventoryItem/2"
    ]  # fmt: skip
    rows = mutation["variables"]["input"]["quantities"]
    assert [row["changeFromQuantity"] for row in rows] == [7, None, 4]


def test_a_first_push_that_races_an_edit_keeps_the_newer_level_not_a_drift(sim):
    sim.shopify.levels[(SHOP, "gid://shopify/InventoryItem/1", LOCATION)] = 7
    with _shop(sim) as shop:
        read = shop._levels_of

        def edited_meanwhile(items):
            levels = read(items)
            sim.shopify.levels[(SHOP, "gid://shopify/InventoryItem/1", LOCATION)] = 6
            return levels

        shop._levels_of = edited_meanwhile
        result = shop.push([_item("A", 5, 1)])
    assert _level(sim, 1) == 5
    assert (result.replaced, result.drift) == ({"A": 6}, {})


# -- API versions -------------------------------------------------------------------


def test_a_version_shopify_no_longer_serves_falls_forward_and_names_the_one_to_use(sim):
    sim.configure_shop(SHOP, oldest_version="2026-01")
    with _shop(sim, "2025-10") as shop:
        shop.read_quantities(["A"])
        notice = shop.take_api_notice()
        assert shop.take_api_notice() is None, "taken once"
    assert "no longer serves API version 2025-10" in notice
    assert "answered in 2026-01" in notice
    assert notice.endswith("Set the channel's API Version to 2026-10.")


def test_a_deprecation_shopify_reports_is_kept_with_the_version_to_move_to(sim):
    sim.configure_shop(SHOP, deprecated_reason="InventoryLevel.available")
    with _shop(sim, "2026-04") as shop:
        shop.push([_item("A", 5, 1)])
        notice = shop.take_api_notice()
    assert "(InventoryLevel.available)" in notice
    assert notice.endswith("Move the channel's API Version to 2026-10.")
    with _shop(sim, "2026-10") as shop:
        shop.read_quantities(["A"])
        assert shop.take_api_notice().endswith("API Version to 2027-01.")


def test_an_answer_in_the_version_asked_for_is_fine(sim):
    with _shop(sim, "2026-10") as shop:
        shop.read_quantities(["A"])
        assert shop.take_api_notice() == ""


def test_a_warning_is_not_forgotten_for_a_later_clean_answer(sim):
    sim.configure_shop(SHOP, deprecated_reason="Shop.products")
    with _shop(sim, "2026-10") as shop:
        shop.read_quantities(["A"])
        sim.configure_shop(SHOP, deprecated_reason="")
        shop.read_quantities(["A"])
        assert "(Shop.products)" in shop.take_api_notice()


def test_the_version_notice_of_answers_that_say_nothing_or_all_is_well():
    headers = {"X-Shopify-API-Version": "2026-10"}
    assert version_notice("2026-10", headers) == ""
    assert version_notice("2026-10", {}) is None
    assert [next_version(v) for v in ("2026-01", "2026-04", "2026-07", "2026-10")] == [
        "2026-04", "2026-07", "2026-10", "2027-01",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("version", "change_from"),
    [("2025-10", False), ("2026-01", True), ("2026-04", True), ("2026-10", True)],
)
def test_the_request_has_the_shape_of_its_api_version(sim, version, change_from):
    with _shop(sim, version) as shop:
        shop.push([_item("A", 5, 1, previous=None)])
    assert _level(sim, 1) == 5
    [request] = [r for r in sim.received() if "inventorySetQuantities" in r["body"]]
    assert request["path"] == f"/shopify/{SHOP}/admin/api/{version}/graphql.json"
    payload = json.loads(request["body"])["variables"]["input"]
    assert ("changeFromQuantity" in payload["quantities"][0]) is change_from
    assert payload.get("ignoreCompareQuantity", False) is (not change_from)


def _raw_set(sim, version, row, idempotent=True):
    key = f' @idempotent(key: "{version}-{sorted(row)}")' if idempotent else ""
    query = ("mutation M($input: InventorySetQuantitiesInput!) { inventorySetQuantities("
             f"input: $input){key} {{ userErrors {{ code field message }} }} }}")  # fmt: skip
    row = {"inventoryItemId": "gid://shopify/InventoryItem/1", "locationId": LOCATION,
           "quantity": 3, **row}  # fmt: skip
    body = {"query": query, "variables": {"input": {"name": "available", "reason": "correction",
                                                     "quantities": [row]}}}  # fmt: skip
    url = f"{sim.shopify_url(SHOP)}/admin/api/{version}/graphql.json"
    return requests.post(
        url, json=body, headers={"X-Shopify-Access-Token": TOKEN}, timeout=5
    ).json()


def test_the_simulator_checks_the_shape_per_version(sim):
    assert (
        "not defined"
        in _raw_set(sim, "2025-10", {"changeFromQuantity": None})["errors"][0]["message"]
    )
    errors = _raw_set(sim, "2025-10", {})["data"]["inventorySetQuantities"]["userErrors"]
    assert errors[0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    assert _raw_set(sim, "2026-01", {})["data"]["inventorySetQuantities"]["userErrors"] == []
    errors = _raw_set(sim, "2026-04", {})["data"]["inventorySetQuantities"]["userErrors"]
    assert errors[0]["code"] == "CHANGE_FROM_QUANTITY_REQUIRED"
    answer = _raw_set(sim, "2026-04", {"changeFromQuantity": None}, idempotent=False)
    assert "@idempotent" in answer["errors"][0]["message"]


def test_the_catalogue_is_read_page_by_page(sim):
    catalog = {f"SKU-{n:03d}": f"gid://shopify/InventoryItem/{n}" for n in range(300)}
    sim.configure_shop(SHOP, catalog=catalog)
    with _shop(sim) as shop:
        entries = list(shop.list_catalog())
    assert len(entries) == 300
    assert entries[0].sku == "SKU-000" and entries[-1].external_id == "299"


# -- orders back ---------------------------------------------------------------------


def _body(status, shipments=(), returned=None):
    lines = [("11", status, 2, (returned or {}).get("11", 0)), ("12", status, 1, 0)]
    return status_body("5001", status, lines, shipments=shipments)


def _shipment(name, lines, number=None):
    return Shipment(
        name, tuple(lines), Tracking(number, "DHL", "DHL Parcel", "") if number else None
    )


def test_a_partial_delivery_fulfils_only_its_lines_then_the_rest(sim):
    state = sim.shopify.add_order(SHOP, ORDER)
    first = _shipment("WH/OUT/1", [("11", 1)], "T-1")
    with _shop(sim) as shop:
        shop.push_order_status("5001", _body("in_preparation", [first]))
        [fulfillment] = state["fulfillments"]
        assert fulfillment["lineItems"] == [("gid://shopify/LineItem/11", 1)]
        assert fulfillment["trackingInfo"] == [{"number": "T-1", "company": "DHL Parcel"}]
        second = _shipment("WH/OUT/2", [("11", 1), ("12", 1)], "T-2")
        shop.push_order_status("5001", _body("shipped", [first, second]))
        shop.push_order_status("5001", _body("shipped", [first, second]))  # again: nothing
    assert len(state["fulfillments"]) == 2
    assert sorted(state["fulfillments"][1]["lineItems"]) == [
        ("gid://shopify/LineItem/11", 1),
        ("gid://shopify/LineItem/12", 1),
    ]
    assert state["fulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"


def test_a_changed_tracking_number_updates_the_fulfilment(sim):
    state = sim.shopify.add_order(SHOP, ORDER)
    with _shop(sim) as shop:
        shop.push_order_status(
            "5001", _body("shipped", [_shipment("D", [("11", 2), ("12", 1)], "T-1")])
        )
        shop.push_order_status(
            "5001", _body("shipped", [_shipment("D", [("11", 2), ("12", 1)], "T-9")])
        )
    [fulfillment] = state["fulfillments"]
    assert fulfillment["trackingInfo"][0]["number"] == "T-9"


def test_a_cancellation_in_odoo_cancels_on_shopify_without_restocking(sim):
    state = sim.shopify.add_order(SHOP, ORDER)
    with _shop(sim) as shop:
        shop.push_order_status("5001", _body("cancelled"))
        shop.push_order_status("5001", _body("cancelled"))  # already cancelled: nothing
    assert state["cancelledAt"]
    assert state["cancel"]["restock"] is False
    assert sum("orderCancel(" in r["body"] for r in sim.received()) == 1


def test_returns_are_refunded_only_when_the_channel_says_so(sim):
    state = sim.shopify.add_order(SHOP, ORDER)
    shipped = [_shipment("D", [("11", 2), ("12", 1)], "T-1")]
    with _shop(sim) as shop:
        shop.push_order_status("5001", _body("shipped", shipped, returned={"11": 1}))
    assert state["refunds"] == []
    with _shop(sim, refund_returns=True) as shop:
        shop.push_order_status("5001", _body("shipped", shipped, returned={"11": 1}))
        shop.push_order_status("5001", _body("shipped", shipped, returned={"11": 1}))
    [refund] = state["refunds"]
    assert refund["refundLineItems"]["nodes"][0]["quantity"] == 1


def test_the_plan_of_a_cancelled_or_shipped_order_is_nothing():
    order = {"id": "gid://shopify/Order/1", "cancelledAt": "2026-11-23T10:00:00Z"}
    assert plan(order, _body("shipped")) == []


# -- orders in: webhook topics and the catch-up poll ---------------------------------


def _stamp(sim, order_id, when):
    sim.shopify.order_state(SHOP, order_id)["updatedAt"] = when


def test_the_catch_up_poll_reads_every_page_since_the_cursor_with_an_overlap(sim):
    for n in range(120):
        sim.shopify.add_order(SHOP, dict(ORDER, id=1000 + n))
        _stamp(sim, 1000 + n, "2026-11-23T10:00:00Z")
    sim.shopify.add_order(SHOP, dict(ORDER, id=2000))
    sim.shopify.update_order(SHOP, 2000, cancelled_at="2026-11-23T10:05:00Z")
    _stamp(sim, 2000, "2026-11-23T10:05:00Z")
    sim.shopify.add_order(SHOP, dict(ORDER, id=3000))
    _stamp(sim, 3000, "2026-11-23T09:00:00Z")
    with _shop(sim) as shop:
        messages, cursor = shop.poll_orders("2026-11-23T10:08:00Z")  # 10 minutes back
        assert len(messages) == 121
        assert cursor == "2026-11-23T10:08:00Z"
        assert len([r for r in sim.received() if "orders(" in r["body"]]) == 3  # 50 a page
        cancel = next(m for m in messages if m.external_id == "2000")
        assert (cancel.kind, cancel.delivery_id) == (
            KIND_CANCEL,
            "poll:2000:2026-11-23T10:05:00Z:cancelled",
        )
        _messages, newest = shop.poll_orders("2026-11-23T09:00:00Z")
        assert newest == "2026-11-23T10:05:00Z"
        sim.add_fault("status", "/shopify/", status=500)
        with pytest.raises(RetryableError):
            shop.poll_orders(cursor)


def test_a_polled_order_is_judged_as_its_webhook_is(sim):
    webhook = shopify(total_discounts="10.00", total_tax="10.40", taxes_included=False,
                      total_price="67.90")  # fmt: skip
    sim.shopify.add_order(SHOP, webhook)
    with _shop(sim) as shop:
        [message] = shop.poll_orders(None)[0]
    assert message.kind == KIND_ORDER
    assert SHOPIFY.parse_order(message.body) == SHOPIFY.parse_order(encoded(webhook))
    assert SHOPIFY.parse_order(message.body).customer.email == "bob@example.com"
    broken = dict(json.loads(message.body), lineItems={"nodes": [{"id": "x", "quantity": "two"}]})
    with pytest.raises(PayloadError):
        SHOPIFY.parse_order(json.dumps(broken).encode())


@pytest.mark.parametrize(
    ("topic", "cancelled_at", "kind"),
    [
        ("orders/create", None, KIND_ORDER),
        ("orders/updated", None, KIND_ORDER),
        ("orders/updated", "2026-11-23T11:00:00Z", KIND_CANCEL),
        ("orders/cancelled", "2026-11-23T11:00:00Z", KIND_CANCEL),
        ("products/update", None, KIND_IGNORED),
    ],
)
def test_webhook_topics(sim, topic, cancelled_at, kind):
    body, headers = sim.shopify.delivery(SHOP, topic, dict(ORDER, cancelled_at=cancelled_at),
                                         "wh-1", secret="s")  # fmt: skip
    assert SHOPIFY.verify_webhook("s", headers, body) is None
    delivery = SHOPIFY.webhook_kind("orders", headers, body)
    assert (delivery.kind, delivery.topic, delivery.delivery_id) == (kind, topic, "wh-1")
    assert bool(delivery.ignored_reason) is (kind == KIND_IGNORED)


def test_a_delivery_names_its_event_the_same_for_every_subscription(sim):
    deliveries = [
        SHOPIFY.webhook_kind(
            "orders", sim.shopify.delivery(SHOP, "orders/create", ORDER, webhook, "s", "ev-7")[1]
        )
        for webhook in ("wh-1", "wh-2")
    ]
    assert [(d.delivery_id, d.event_id) for d in deliveries] == [("wh-1", "ev-7"), ("wh-2", "ev-7")]


def test_an_order_rules_cancellation_reason_is_shopifys_staff_note(sim):
    state = sim.shopify.add_order(SHOP, ORDER)
    lines = [("11", "cancelled", 2, 0), ("12", "cancelled", 1, 0)]
    body = status_body("5001", "cancelled", lines, cancel_reason="Rule Fraud: blocked country")
    with _shop(sim) as shop:
        shop.push_order_status("5001", body)
    assert state["cancel"]["staffNote"] == "Rule Fraud: blocked country"
