"""The bol.com connector against the simulator's retailer account over real HTTP on
loopback: stock accepted then confirmed or failed later, the rate limit, tokens, orders
polled, shipments and cancellations back, read-back, the offers export."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.connectors import CONNECTORS, ChannelConfig, PushItem, get_connector, quantity_ceiling
from core.connectors.base import FAILURE, PENDING, SUCCESS, TIMEOUT
from core.connectors.bol_orders import cancel_reason_code
from core.errors import RetryableError
from core.inbound import KIND_CANCEL, KIND_ORDER
from core.orders import totals_problem
from core.payload import PayloadError
from core.ratelimit import Limiter
from core.status import Shipment, Tracking, status_body
from core.tokens import TokenStore

ACCOUNT = "retailer"
WHEN = datetime(2026, 11, 23, 10, 0, 0)
BOL = get_connector("bol")


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_marketplace("bol", ACCOUNT, processing_delay=0.05)


def _bol(sim, **settings):
    url = sim.marketplace_url("bol", ACCOUNT)
    config = ChannelConfig("bol", url, api_key="bol-client", api_secret="bol-secret",
                           settings={"token_url": f"{url}/token", **settings})  # fmt: skip
    return BOL(config, limiter=Limiter(), tokens=TokenStore())


def _item(sku, quantity, offer_id):
    return PushItem(sku, quantity, 1, WHEN, external_id=offer_id)


def _settled(bol, tracking, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        verdicts = bol.check_pushes(tracking)
        if all(v.state != PENDING for v in verdicts.values()) or time.monotonic() > deadline:
            return verdicts
        time.sleep(0.05)


# -- stock --------------------------------------------------------------------------------


def test_a_push_is_accepted_then_confirmed_and_applied_only_then(sim):
    sim.configure_marketplace("bol", ACCOUNT, processing_delay=0.3)
    a = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A", amount=1)
    b = sim.bol.add_offer(ACCOUNT, "8712345000024", "SKU-B", amount=1)
    with _bol(sim) as bol:
        result = bol.push([_item("SKU-A", 5, a), _item("SKU-B", 1200, b)])
        assert set(result.tracking) == {"SKU-A", "SKU-B"}
        assert sim.bol.amount(ACCOUNT, a) == 1, "not applied before bol processed it"
        tracking = {result.tracking["SKU-A"]: ["SKU-A"], result.tracking["SKU-B"]: ["SKU-B"]}
        assert {v.state for v in bol.check_pushes(tracking).values()} == {PENDING}
        verdicts = _settled(bol, tracking)
    assert {v.state for v in verdicts.values()} == {SUCCESS}
    assert (sim.bol.amount(ACCOUNT, a), sim.bol.amount(ACCOUNT, b)) == (5, 999)
    bodies = [json.loads(r["body"]) for r in sim.received("/bol/") if r["method"] == "PUT"]
    assert bodies[0] == {"amount": 5, "managedByRetailer": True}


def test_one_offer_fails_later_another_times_out_the_rest_succeeds(sim):
    offers = {sku: sim.bol.add_offer(ACCOUNT, f"87100{n}", sku) for n, sku in enumerate("ABC")}
    sim.configure_marketplace("bol", ACCOUNT, fail_offers=[offers["B"]],
                              timeout_offers=[offers["C"]])  # fmt: skip
    with _bol(sim) as bol:
        result = bol.push([_item(sku, 3, offer) for sku, offer in offers.items()])
        verdicts = _settled(bol, {rid: [sku] for sku, rid in result.tracking.items()})
    by_sku = {sku: verdicts[rid] for sku, rid in result.tracking.items()}
    assert [by_sku[sku].state for sku in "ABC"] == [SUCCESS, FAILURE, TIMEOUT]
    assert by_sku["B"].errors(["B"]) == {"B": f"Offer {offers['B']} cannot be updated."}
    assert sim.bol.amount(ACCOUNT, offers["A"]) == 3
    assert sim.bol.amount(ACCOUNT, offers["B"]) == 0


def test_an_unknown_offer_is_refused_at_once_a_missing_id_too(sim):
    a = sim.bol.add_offer(ACCOUNT, "1", "SKU-A")
    with _bol(sim) as bol:
        result = bol.push([_item("SKU-A", 2, a), _item("SKU-X", 2, "nope"), _item("SKU-Y", 2, "")])
    assert list(result.tracking) == ["SKU-A"]
    assert "Offer not found" in result.item_errors["SKU-X"]
    assert "mapping" in result.item_errors["SKU-Y"]


def test_the_rate_limit_is_honoured_never_a_dead_letter(sim):
    sim.configure_marketplace("bol", ACCOUNT, stock_limit=3, stock_window=60.0)
    offers = [sim.bol.add_offer(ACCOUNT, str(n), f"S{n}") for n in range(5)]
    with _bol(sim) as bol:
        result = bol.push([_item(f"S{n}", 1, offer) for n, offer in enumerate(offers)])
        assert len(result.tracking) == 3
        assert set(result.throttled) == {"S3", "S4"} and set(result.retry_errors) == {"S3", "S4"}
        assert result.throttled["S3"] == pytest.approx(60, abs=2)
        # the endpoint is held for the Retry-After: the next push waits, sends nothing
        with pytest.raises(RetryableError) as raised:
            bol.push([_item("S3", 1, offers[3])])
    assert raised.value.throttled
    assert len([r for r in sim.received("/bol/") if r["status"] == 429]) == 1


def test_the_limiter_spaces_requests_to_the_documented_rate(sim):
    offers = [sim.bol.add_offer(ACCOUNT, str(n), f"S{n}") for n in range(8)]
    with _bol(sim) as bol:
        bol.limits = {**bol.limits, "offer_stock": bol.limits["offer_stock"].__class__(20, 2)}
        started = time.monotonic()
        bol.push([_item(f"S{n}", 1, offer) for n, offer in enumerate(offers)])
    assert time.monotonic() - started >= (8 - 2) / 20 - 0.01
    # a request leaves 50 ms after the burst's first, which reaches the simulator a few
    # ms after it left (the connection is opened first): the window read allows for it
    assert sim.bol.limits.max_in_window((ACCOUNT, "offer_stock"), 0.040) <= 2


def test_a_token_is_fetched_once_reused_and_fetched_again_when_it_expired(sim):
    a = sim.bol.add_offer(ACCOUNT, "1", "SKU-A")
    tokens = TokenStore()
    url = sim.marketplace_url("bol", ACCOUNT)
    config = ChannelConfig("bol", url, api_key="bol-client", api_secret="bol-secret",
                           settings={"token_url": f"{url}/token"})  # fmt: skip

    def push():
        with BOL(config, limiter=Limiter(), tokens=tokens) as bol:
            bol.push([_item("SKU-A", 1, a)])

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.bol.token_requests == 1
    sim.bol.expire_tokens(ACCOUNT)  # bol says it expired (before our clock did)
    push()
    assert sim.bol.token_requests == 2
    assert [r["status"] for r in sim.received("/bol/")][-3:] == [401, 200, 202]
    assert not any("bol-secret" in r["body"] for r in sim.received("/bol/"))


def test_wrong_credentials_are_a_permanent_error_without_the_secret(sim):
    url = sim.marketplace_url("bol", ACCOUNT)
    config = ChannelConfig("bol", url, api_key="bol-client", api_secret="wrong",
                           settings={"token_url": f"{url}/token"})  # fmt: skip
    with (
        BOL(config, limiter=Limiter(), tokens=TokenStore()) as bol,
        pytest.raises(Exception) as raised,
    ):
        bol.push([_item("SKU-A", 1, "x")])
    assert "wrong" not in str(raised.value) and "invalid_client" in str(raised.value)


# -- read-back and the mapping --------------------------------------------------------------


def test_read_back_and_the_offers_export(sim):
    a = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A", amount=7)
    b = sim.bol.add_offer(ACCOUNT, "8712345000024", "", amount=2)
    sim.bol.add_offer(ACCOUNT, "8712345000031", "SKU-FBB", amount=9, fulfilment="FBB")
    with _bol(sim) as bol:
        assert bol.read_quantities(["SKU-A", "8712345000024", "SKU-Z"],
                                   {"SKU-A": (a, ""), "8712345000024": (b, "")}) == {
            "SKU-A": 7, "8712345000024": 2}  # fmt: skip
        catalog = sorted(bol.list_catalog(), key=lambda entry: entry.sku)
    assert [(e.sku, e.external_id, e.barcode, e.quantity) for e in catalog][:2] == [
        ("8712345000024", b, "8712345000024", 2),
        ("SKU-A", a, "8712345000017", 7),
    ]
    assert [(e.sku, e.fulfilled_by_channel) for e in catalog][1:] == [
        ("SKU-A", False),
        ("SKU-FBB", True),
    ]


# -- orders ---------------------------------------------------------------------------------


def _orders(sim, count, start=0):
    offer = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A")
    for n in range(start, start + count):
        sim.bol.add_order(ACCOUNT, f"A{n:04d}", [(f"{n}1", offer, 2, 12.5)])
    return offer


def test_orders_are_polled_every_page_with_an_overlap_and_no_duplicate(sim):
    _orders(sim, 55)
    with _bol(sim) as bol:
        messages, cursor = bol.poll_orders(None)
        assert len(messages) == 55
        assert len({m.delivery_id for m in messages}) == 55
        assert [r["query"] for r in sim.received("/bol/") if r["path"].endswith("/orders")][:2] == [
            "status=ALL&fulfilment-method=FBR&latest-change-date="
            + (datetime.now(UTC) - timedelta(days=1, minutes=10)).strftime("%Y-%m-%d")
            + "&page=1",
            "status=ALL&fulfilment-method=FBR&latest-change-date="
            + (datetime.now(UTC) - timedelta(days=1, minutes=10)).strftime("%Y-%m-%d")
            + "&page=2",
        ]
        again, _cursor = bol.poll_orders(cursor)  # the overlap reads them again
    assert {m.delivery_id for m in again} == {m.delivery_id for m in messages}
    queries = [r["query"] for r in sim.received("/bol/") if r["path"].endswith("/orders")]
    assert "change-interval-minute=11&page=1" in queries[-2]  # 10 of overlap, rounded up


def test_a_polled_order_parses_and_its_totals_add_up(sim):
    offer = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A")
    order = sim.bol.add_order(ACCOUNT, "A1", [("11", offer, 3, 12.5)])
    order["orderItems"][0]["discounts"] = [{"title": "promo", "amount": 2.5}]
    order["orderItems"][0]["totalPrice"] = 35.0
    with _bol(sim) as bol:
        [message] = bol.poll_orders(None)[0]
    assert message.kind == KIND_ORDER and message.external_id == "A1"
    parsed = BOL.parse_order(message.body)
    assert (parsed.currency, parsed.lines[0].sku, parsed.lines[0].quantity) == ("EUR", "SKU-A", 3)
    assert parsed.shipping_address.street == "Dorpstraat 1B"
    assert parsed.shipping_address.country_code == "NL"
    assert str(parsed.total_amount) == "35.0" and totals_problem(parsed) is None
    broken = dict(order, orderItems=[dict(order["orderItems"][0], quantity="three")])
    with pytest.raises(PayloadError):
        BOL.parse_order(json.dumps(broken).encode())


def test_a_customer_cancellation_request_is_a_cancellation(sim):
    offer = _orders(sim, 1)
    sim.bol.add_order(ACCOUNT, "B1", [("b1", offer, 1, 10.0)])
    sim.bol.update_order(ACCOUNT, "A0000", cancellation_request=True)
    with _bol(sim) as bol:
        messages = {m.external_id: m for m in bol.poll_orders(None)[0]}
    assert messages["A0000"].kind == KIND_CANCEL and messages["B1"].kind == KIND_ORDER
    assert BOL.parse_cancel(messages["A0000"].body) == {
        "id": "A0000", "reason": "requested by the customer"}  # fmt: skip
    assert messages["A0000"].delivery_id.endswith(":cancelled")


def test_shipments_go_back_once_with_their_tracking_and_cancellations(sim):
    offer = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A")
    sim.bol.add_order(ACCOUNT, "A1", [("11", offer, 3, 12.5), ("12", offer, 1, 12.5)])
    first = Shipment("WH/OUT/1", (("11", 2),), Tracking("3SBOL1", "TNT", "PostNL"))
    body = status_body("A1", "in_preparation", [("11", "in_preparation", 3), ("12", "accepted", 1)],
                       shipments=[first])  # fmt: skip
    with _bol(sim) as bol:
        bol.push_order_status("A1", body, 1)
        time.sleep(0.1)
        bol.push_order_status("A1", body, 1)  # bol already has it: nothing again
        [(_account, shipment)] = sim.bol.shipments
        assert shipment == {
            "orderItems": [{"orderItemId": "11", "quantity": 2}],
            "shipmentReference": "WH/OUT/1",
            "transport": {"transporterCode": "TNT", "trackAndTrace": "3SBOL1"},
        }
        bol.push_order_status("A1", status_body("A1", "cancelled", [("11", "cancelled", 3)]), 2)
    assert [c[1]["orderItems"][0]["orderItemId"] for c in sim.bol.cancellations] == ["11", "12"]
    time.sleep(0.1)
    items = sim.bol.order_detail(ACCOUNT, "A1")["orderItems"]
    assert [(i["quantityShipped"], i["quantityCancelled"]) for i in items] == [(2, 1), (0, 1)]


# -- push notifications ---------------------------------------------------------------------


def test_a_process_status_notification_is_signed_by_bols_key(sim):
    with _bol(sim) as bol:
        keys = bol.signature_keys()
    body, headers = sim.bol.event(ACCOUNT, "PROCESS_STATUS", "SUCCESS", "1000042")
    assert BOL.verify_webhook(keys, headers, body) is None
    assert BOL.verify_webhook(keys, headers, body.replace(b"SUCCESS", b"FAILURE")) == (
        "missing or wrong signature"
    )
    assert "Import mapping" in BOL.verify_webhook("", headers, body)
    delivery = BOL.webhook_kind("event", headers, body)
    assert (delivery.kind, delivery.topic, delivery.delivery_id) == (
        "verdict", "PROCESS_STATUS:SUCCESS", "1000042:SUCCESS")  # fmt: skip
    assert BOL.parse_verdict(body) == ["1000042"]
    body, headers = sim.bol.event(ACCOUNT, "SHIPMENT", "UPDATE_TRANSPORT_EVENT", "77")
    assert BOL.webhook_kind("event", headers, body).kind == "ignored"


def test_an_export_right_after_another_goes_at_once_within_bols_hourly_limit(sim):
    sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A", amount=7)
    with _bol(sim) as bol:
        bol.max_limit_wait = 5  # the export's 15 minutes are not waited for here
        for _export in range(4):  # a reconciliation's, then Import mapping's...
            assert [entry.sku for entry in bol.list_catalog()] == ["SKU-A"]
        with pytest.raises(RetryableError) as raised:
            list(bol.list_catalog())
    assert raised.value.throttled and raised.value.window == "export"
    assert raised.value.seconds > 600


def test_bol_declares_the_most_it_takes_and_the_others_no_cap():
    assert quantity_ceiling("bol").quantity == 999
    assert quantity_ceiling("bol").why == "bol.com takes at most 999"
    assert [code for code in sorted(CONNECTORS) if quantity_ceiling(code)] == ["bol"]


def test_a_bol_order_is_paid():
    """bol.com takes the customer's payment: the orders it hands over are paid."""
    order = {
        "orderId": "P1", "orderPlacedDateTime": "2026-11-23T10:00:00+01:00",
        "shipmentDetails": {"firstName": "Piet", "surname": "Bol", "streetName": "Dorpstraat",
                            "houseNumber": "1", "zipCode": "1234AB", "city": "Utrecht",
                            "countryCode": "NL", "email": "piet@example.com"},
        "orderItems": [{"orderItemId": "1", "quantity": 1, "unitPrice": 10.0,
                        "offer": {"reference": "SKU-A"}}],
    }  # fmt: skip
    assert BOL.parse_order(json.dumps(order).encode()).payment_state == "paid"


def test_a_cancellation_reason_naming_a_bol_code_is_sent_as_it(sim):
    offer = sim.bol.add_offer(ACCOUNT, "8712345000017", "SKU-A")
    sim.bol.add_order(ACCOUNT, "C1", [("21", offer, 1, 12.5)])
    body = status_body("C1", "cancelled", [("21", "cancelled", 1)], cancel_reason="ordered twice")
    with _bol(sim) as bol:
        bol.push_order_status("C1", body, 1)
    [(_account, cancel)] = sim.bol.cancellations
    assert cancel["orderItems"] == [{"orderItemId": "21", "reasonCode": "ORDERED_TWICE"}]
    assert cancel_reason_code("Rule X: fraud") is None  # no bol code: out of stock as before
