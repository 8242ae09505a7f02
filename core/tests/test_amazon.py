"""The Amazon SP-API connector against the simulator's seller account over real HTTP on
loopback: patches confirmed later, feeds, usage plans, tokens, orders, shipments."""

import gzip
import json
import math
import threading
import time
from datetime import datetime
from decimal import Decimal

import pytest

from core.connectors import ChannelConfig, PushItem, get_connector
from core.connectors.amazon_feeds import decode_document, report_verdict
from core.connectors.amazon_orders import package_reference
from core.connectors.base import FAILURE, PENDING, SUCCESS, TIMEOUT
from core.errors import PermanentError, RetryableError
from core.inbound import KIND_CANCEL, KIND_ORDER
from core.orders import totals_problem
from core.payload import PayloadError
from core.ratelimit import Limiter
from core.status import Shipment, Tracking, status_body
from core.tokens import TokenStore
from simulator.amazon import USAGE_PLANS, UsagePlans

ACCOUNT = "seller"
SELLER = "A2SELLER"
DE = "A1PA6795UKMFR9"
CLIENT, SECRET, REFRESH = "amzn1.application-oa2-client.test", "lwa-secret", "Atzr|refresh-me"
WHEN = datetime(2026, 11, 23, 10, 0, 0)
DELAY = 0.3
AMAZON = get_connector("amazon")
LISTINGS = f"/amazon/{ACCOUNT}/listings/2021-08-01/items/{SELLER}"

ORDER = {
    "orderId": "302-1234567-7654321",
    "createdTime": "2026-11-23T09:00:00Z",
    "salesChannel": {"channelName": "AMAZON", "marketplaceId": DE},
    "buyer": {"buyerName": "Berta Buyer", "buyerEmail": "xyz@marketplace.amazon.de"},
    "recipient": {"deliveryAddress": {
        "name": "Berta Buyer", "addressLine1": "Hauptstr. 1", "addressLine2": "Hof",
        "city": "Berlin", "postalCode": "10115", "countryCode": "de", "phone": "+49 30 1"}},
    "proceeds": {"grandTotal": {"amount": "31.48", "currencyCode": "EUR"}, "breakdowns": [
        {"type": "ITEM", "subtotal": {"amount": "27.50", "currencyCode": "EUR"}},
        {"type": "SHIPPING", "subtotal": {"amount": "3.99", "currencyCode": "EUR"}},
        {"type": "TAX", "subtotal": {"amount": "1.99", "currencyCode": "EUR"}},
        {"type": "DISCOUNT", "subtotal": {"amount": "-2.00", "currencyCode": "EUR"}}]},
    "orderItems": [
        {"orderItemId": "11111111111111", "quantityOrdered": 2,
         "product": {"asin": "B0A", "sellerSku": "A-1",
                     "price": {"unitPrice": {"amount": "10.00", "currencyCode": "EUR"}}}},
        {"orderItemId": "22222222222222", "quantityOrdered": 1,
         "product": {"asin": "B0B", "sellerSku": "B-2",
                     "price": {"unitPrice": {"amount": "7.50", "currencyCode": "EUR"}}}}],
}  # fmt: skip


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_marketplace(
        "amazon", ACCOUNT, client_id=CLIENT, client_secret=SECRET, refresh_token=REFRESH,
        seller_id=SELLER, marketplace_id=DE, processing_delay=DELAY,
    )  # fmt: skip


def _amazon(sim, tokens=None, **settings):
    base = sim.marketplace_url("amazon", ACCOUNT)
    config = ChannelConfig(
        "amz", base, api_key=CLIENT, api_secret=SECRET,
        settings={"token_url": f"{base}/auth/o2/token", "seller_id": SELLER,
                  "marketplace_id": DE, "refresh_token": REFRESH, **settings},
    )  # fmt: skip
    return AMAZON(config, limiter=Limiter(), tokens=tokens or TokenStore())


def _item(sku, quantity):
    return PushItem(sku, quantity, 1, WHEN)


def _requests(sim, path, method=None):
    return [r for r in sim.received(path) if method in (None, r["method"])]


# -- stock, confirmed later -----------------------------------------------------------


def test_a_patch_is_accepted_then_confirmed_when_the_listing_shows_it(sim):
    sim.amazon.add_listing(ACCOUNT, "A/1", 1, product_type="SHIRT")
    sim.amazon.add_listing(ACCOUNT, "B", 2)
    with _amazon(sim, product_type="SHIRT") as amazon:
        result = amazon.push([_item("A/1", 7), _item("B", 3)])
        assert not result.item_errors and not result.retry_errors
        assert result.tracking["A/1"].startswith("listing:A/1:7:")
        patch = _requests(sim, f"{LISTINGS}/A%2F1", "PATCH")[0]
        assert patch["query"] == f"marketplaceIds={DE}"
        assert patch["headers"]["x-amz-access-token"].startswith("Atza|")
        assert "Authorization" not in patch["headers"]
        assert json.loads(patch["body"]) == {
            "productType": "SHIRT",
            "patches": [{"op": "merge", "path": "/attributes/fulfillment_availability",
                         "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 7}]}],
        }  # fmt: skip
        tracking = {remote_id: [sku] for sku, remote_id in result.tracking.items()}
        assert {v.state for v in amazon.check_pushes(tracking).values()} == {PENDING}
        assert sim.amazon.quantity(ACCOUNT, "A/1") == 1, "nothing applied at the answer"
        time.sleep(DELAY + 0.1)
        assert {v.state for v in amazon.check_pushes(tracking).values()} == {SUCCESS}
    assert sim.stock()["amazon"][ACCOUNT] == {"A/1": 7, "B": 3}


def test_an_unknown_sku_is_refused_at_once_and_a_failed_patch_fails_later(sim):
    sim.amazon.add_listing(ACCOUNT, "OK", 1)
    sim.amazon.add_listing(ACCOUNT, "BAD", 1)
    sim.configure_marketplace("amazon", ACCOUNT, fail_skus=["BAD"])
    with _amazon(sim) as amazon:
        result = amazon.push([_item("OK", 4), _item("NOPE", 2), _item("BAD", 9)])
        assert set(result.item_errors) == {"NOPE"}
        assert "does not exist" in result.item_errors["NOPE"]
        assert set(result.tracking) == {"OK", "BAD"}
        time.sleep(DELAY + 0.1)
        verdicts = amazon.check_pushes({result.tracking[s]: [s] for s in ("OK", "BAD")})
    bad = verdicts[result.tracking["BAD"]]
    assert verdicts[result.tracking["OK"]].state == SUCCESS
    assert bad.state == FAILURE and "could not be applied" in bad.errors(["BAD"])["BAD"]
    assert sim.amazon.quantity(ACCOUNT, "BAD") == 1


def test_a_large_push_goes_as_one_listings_feed_and_its_report_names_the_failures(sim):
    for sku in ("F-1", "F-2", "F-3", "F-BAD"):
        sim.amazon.add_listing(ACCOUNT, sku, 0)
    sim.configure_marketplace("amazon", ACCOUNT, fail_skus=["F-BAD"])
    items = [_item("F-3", 3), _item("F-1", 1), _item("F-BAD", 5), _item("F-2", 2), _item("F-0", 9)]
    with _amazon(sim, feed_threshold=3) as amazon:
        result = amazon.push(items)
        feed = result.tracking["F-1"]
        assert feed.startswith("feed:") and set(result.tracking.values()) == {feed}
        calls = sim.received("/amazon/")
        assert [r["method"] for r in calls] == ["POST", "POST", "PUT", "POST"]
        assert calls[1]["path"].endswith("/feeds/2021-06-30/documents")
        assert "/_documents/" in calls[2]["path"], "the presigned URL"
        assert "x-amz-access-token" not in calls[2]["headers"]
        assert calls[3]["path"].endswith("/feeds/2021-06-30/feeds")
        messages = sim.amazon.feed_messages(ACCOUNT)
        assert [(m["messageId"], m["sku"]) for m in messages] == [
            (1, "F-0"), (2, "F-1"), (3, "F-2"), (4, "F-3"), (5, "F-BAD")]  # fmt: skip
        assert messages[0]["operationType"] == "PATCH" and messages[0]["productType"] == "PRODUCT"
        document = json.loads(result.request_body)
        assert document["header"] == {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"}
        skus = [item.sku for item in items]
        assert amazon.check_pushes({feed: skus})[feed].state == PENDING
        time.sleep(DELAY + 0.1)
        verdict = amazon.check_pushes({feed: skus})[feed]
    assert verdict.state == SUCCESS
    assert set(verdict.errors(skus)) == {"F-0", "F-BAD"}
    assert sim.stock()["amazon"][ACCOUNT] == {"F-1": 1, "F-2": 2, "F-3": 3, "F-BAD": 0}


def test_a_cancelled_feed_is_sent_again_and_a_fatal_one_fails(sim):
    sim.amazon.add_listing(ACCOUNT, "C-1", 0)
    sim.configure_marketplace("amazon", ACCOUNT, feed_outcome="CANCELLED")
    with _amazon(sim, feed_threshold=0) as amazon:
        cancelled = amazon.push([_item("C-1", 1)]).tracking["C-1"]
        sim.configure_marketplace("amazon", ACCOUNT, feed_outcome="FATAL")
        amazon.limiter = Limiter()  # two minutes later: createFeed's next token
        fatal = amazon.push([_item("C-1", 2)]).tracking["C-1"]
        time.sleep(DELAY + 0.1)
        verdicts = amazon.check_pushes({cancelled: ["C-1"], fatal: ["C-1"]})
    assert verdicts[cancelled].state == TIMEOUT
    assert verdicts[fatal].state == FAILURE
    assert "FATAL" in verdicts[fatal].reason and "could not be processed" in verdicts[fatal].reason
    assert sim.amazon.quantity(ACCOUNT, "C-1") == 0


def test_report_issues_naming_only_their_message_come_back_to_their_sku():
    report = {"issues": [{"messageId": 2, "severity": "ERROR", "code": "1", "message": "no"},
                         {"messageId": 1, "severity": "WARNING", "message": "meh"}]}  # fmt: skip
    verdict = report_verdict(report, ["Z", "A"])
    assert verdict.state == SUCCESS and verdict.item_errors == {"Z": "1: no"}
    assert decode_document(gzip.compress(b'{"a": 1}'), "GZIP") == {"a": 1}


# -- usage plans and tokens ----------------------------------------------------------------


def test_feeds_sent_back_to_back_for_hours_stay_within_createfeeds_usage_plan():
    """createFeed refills 0.0083 a second (burst 15) and a JSON_LISTINGS_FEED counts in 5
    per 5 minutes as well (the simulator's plans, from Amazon's documentation): feeds
    sent as fast as the connector lets them, for 3 hours, are never refused."""
    now = [0.0]
    limiter = Limiter(
        clock=lambda: now[0], sleep=lambda seconds: now.__setitem__(0, now[0] + seconds)
    )
    amazon_side = UsagePlans(clock=lambda: now[0])
    plans = [(("seller", op), *USAGE_PLANS[op]) for op in ("createFeed", "JSON_LISTINGS_FEED")]
    sent = 0
    while now[0] < 3 * 3600:
        limiter.wait_for(("amz", "feeds"), AMAZON.limits["feeds"], max_wait=math.inf)
        assert amazon_side.take_all(plans), f"feed {sent + 1} refused at {now[0]:.0f} s"
        sent += 1
    assert 5 + 0.0083 * 3 * 3600 - 1 <= sent <= 15 + 0.0083 * 3 * 3600


def test_a_429_rests_the_endpoint_and_the_skus_not_sent_are_throttled(sim):
    for sku in "ABCD":
        sim.amazon.add_listing(ACCOUNT, sku, 0)
    sim.configure_marketplace("amazon", ACCOUNT, rate_limits={"patchListingsItem": [1, 2]})
    with _amazon(sim) as amazon:
        result = amazon.push([_item(sku, 5) for sku in "ABCD"])
        assert set(result.tracking) == {"A", "B"}
        assert set(result.throttled) == {"C", "D"} and set(result.retry_errors) == {"C", "D"}
        assert result.throttled["C"] >= 1.0
        assert len(_requests(sim, LISTINGS, "PATCH")) == 3, "D was not sent after the 429"
        assert result.split(list("ABCD"))[0] == ["A", "B"]
        started = time.monotonic()
        again = amazon.push([_item("C", 5)])  # the endpoint rests first
        assert time.monotonic() - started >= 0.9
        assert set(again.tracking) == {"C"}
    with _amazon(sim) as fresh, pytest.raises(RetryableError) as raised:
        fresh.push([_item("D", 5)])  # nothing went through: the push failed, throttled
    assert raised.value.throttled and raised.value.seconds >= 1.0


def test_the_limiter_keeps_patches_within_amazons_usage_plan(sim):
    skus = [f"S{n}" for n in range(8)]
    for sku in skus:
        sim.amazon.add_listing(ACCOUNT, sku, 0)
    with _amazon(sim) as amazon:
        started = time.monotonic()
        result = amazon.push([_item(sku, 1) for sku in skus])
        elapsed = time.monotonic() - started
    assert set(result.tracking) == set(skus), "no 429: the burst of 5, then 5 a second"
    assert elapsed >= 0.55
    assert all(r["status"] == 200 for r in _requests(sim, LISTINGS, "PATCH"))
    assert _requests(sim, LISTINGS, "PATCH")[0]["headers"]["x-amz-access-token"]


def test_an_expired_token_is_refreshed_once_and_concurrent_callers_share_one(sim):
    sim.amazon.add_listing(ACCOUNT, "T", 4)
    tokens = TokenStore()
    connectors = [_amazon(sim, tokens=tokens) for _ in range(4)]
    threads = [threading.Thread(target=c.read_quantities, args=(["T"],)) for c in connectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.amazon.token_requests(ACCOUNT) == 1
    sim.amazon.expire_tokens(ACCOUNT)
    assert connectors[0].read_quantities(["T"]) == {"T": 4}
    assert sim.amazon.token_requests(ACCOUNT) == 2
    statuses = [r["status"] for r in _requests(sim, f"{LISTINGS}/T")]
    assert statuses[-2:] == [403, 200]
    for connector in connectors:
        connector.close()


def test_a_refused_refresh_token_fails_without_showing_the_secrets(sim):
    sim.configure_marketplace("amazon", ACCOUNT, refresh_token="Atzr|another")
    sim.amazon.add_listing(ACCOUNT, "T", 4)
    with _amazon(sim) as amazon, pytest.raises(PermanentError) as raised:
        amazon.push([_item("T", 1)])
    text = f"{raised.value} {raised.value.body} {raised.value.request}"
    assert "invalid_grant" in text
    assert SECRET not in text and REFRESH not in text and "refresh-me" not in text


# -- orders -------------------------------------------------------------------------------


def _order(sim, number, **values):
    order = json.loads(json.dumps(ORDER))
    order["orderId"] = f"302-0000000-000000{number}"
    order.update(values)
    return sim.amazon.add_order(ACCOUNT, order)


def test_orders_are_polled_page_by_page_with_an_overlap_and_a_cancellation(sim):
    sim.configure_marketplace("amazon", ACCOUNT, max_page_size=2)
    first, second, third = (_order(sim, n) for n in (1, 2, 3))
    _order(sim, 4, fulfillment={"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "AMAZON"})
    with _amazon(sim) as amazon:
        messages, cursor = amazon.poll_orders(None)
        ids = [m.external_id for m in messages]
        assert sorted(ids) == sorted(o["orderId"] for o in (first, second, third))
        assert len({m.delivery_id for m in messages}) == 3
        assert {m.kind for m in messages} == {KIND_ORDER}
        assert cursor == max(o["lastUpdatedTime"] for o in (first, second, third))
        searches = _requests(sim, f"/amazon/{ACCOUNT}/orders/2026-01-01/orders")
        assert len(searches) == 2 and "paginationToken=" in searches[1]["query"]
        assert "fulfilledBy=MERCHANT" in searches[0]["query"]
        again, _cursor = amazon.poll_orders(cursor)  # the overlap reads them again
        assert {m.delivery_id for m in again} == {m.delivery_id for m in messages}
        sim.amazon.update_order(ACCOUNT, second["orderId"], status="CANCELLED",
                                cancel_reason="Ordered by mistake")  # fmt: skip
        later, newest = amazon.poll_orders(cursor)
    cancel = next(m for m in later if m.external_id == second["orderId"])
    assert cancel.kind == KIND_CANCEL and cancel.delivery_id.endswith(":CANCELLED")
    assert cancel.delivery_id not in {m.delivery_id for m in messages}
    assert newest > cursor
    assert AMAZON.parse_cancel(cancel.body) == {
        "id": second["orderId"], "reason": "Ordered by mistake"}  # fmt: skip
    assert AMAZON.parse_order(messages[0].body).lines[0].sku == "A-1"


def test_an_order_is_read_with_its_lines_totals_and_address():
    order = AMAZON.parse_order(json.dumps(ORDER).encode())
    assert order.id == order.name == "302-1234567-7654321"
    assert order.currency == "EUR" and order.created_at == datetime(2026, 11, 23, 9, 0)
    assert [(line.id, line.sku, line.quantity, line.price_unit) for line in order.lines] == [
        ("11111111111111", "A-1", 2, Decimal("10.00")),
        ("22222222222222", "B-2", 1, Decimal("7.50"))]  # fmt: skip
    assert order.shipping_amount == Decimal("3.99")
    assert order.adjustments == Decimal("-0.01"), "tax 1.99 less discount 2.00"
    assert order.total_amount == Decimal("31.48") and totals_problem(order) is None
    assert order.customer.name == "Berta Buyer" and order.customer.email.endswith("amazon.de")
    address = order.shipping_address
    assert (address.street, address.street2, address.zip, address.city, address.country_code) == (
        "Hauptstr. 1", "Hof", "10115", "Berlin", "DE")  # fmt: skip
    assert not order.cancelled and not order.address_later


def test_prices_holding_their_tax_are_not_taxed_twice():
    data = json.loads(json.dumps(ORDER))
    data["proceeds"] = {"grandTotal": {"amount": "31.49", "currencyCode": "EUR"}, "breakdowns": [
        {"type": "ITEM", "subtotal": {"amount": "23.11", "currencyCode": "EUR"}},
        {"type": "TAX", "subtotal": {"amount": "4.39", "currencyCode": "EUR"}},
        {"type": "SHIPPING", "subtotal": {"amount": "3.99", "currencyCode": "EUR"}}]}  # fmt: skip
    order = AMAZON.parse_order(json.dumps(data))
    assert order.adjustments == 0 and totals_problem(order) is None


def test_a_pending_order_is_imported_without_prices_and_its_address_later():
    data = json.loads(json.dumps(ORDER))
    data["fulfillment"] = {"fulfillmentStatus": "PENDING", "fulfilledBy": "MERCHANT"}
    for key in ("proceeds", "recipient", "buyer"):
        data.pop(key)
    for item in data["orderItems"]:
        item["product"].pop("price")
    order = AMAZON.parse_order(json.dumps(data))
    assert order.address_later and order.currency == "EUR"
    assert {line.price_unit for line in order.lines} == {0} and order.total_amount == 0
    assert totals_problem(order) is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: o.pop("orderId"), "orderId"),
        (lambda o: o.update(orderItems=[]), "orderItems"),
        (lambda o: o["orderItems"][0]["product"].pop("price"), "orderItems[0].product.price"),
        (lambda o: o["orderItems"][1].update(quantityOrdered=1.5), "orderItems[1].quantityOrdered"),
        (lambda o: o["proceeds"]["grandTotal"].update(amount="lots"), "proceeds.grandTotal"),
        (lambda o: o["proceeds"]["grandTotal"].update(currencyCode="EURO"), "currencyCode"),
        (lambda o: o.update(createdTime="yesterday"), "createdTime"),
    ],
)
def test_an_unusable_order_names_its_field(change, field):
    data = json.loads(json.dumps(ORDER))
    change(data)
    with pytest.raises(PayloadError, match=field.replace("[", r"\[").replace("]", r"\]")):
        AMAZON.parse_order(json.dumps(data))


def test_an_order_not_cancelled_is_no_cancellation():
    with pytest.raises(PayloadError, match="not cancelled"):
        AMAZON.parse_cancel(json.dumps(ORDER))


# -- shipments back ------------------------------------------------------------------------


def test_shipments_are_confirmed_once_each_with_their_carrier(sim):
    order = _order(sim, 5)
    first, second = (item["orderItemId"] for item in order["orderItems"])
    ups = Shipment("WH/OUT/00012", ((first, 2),), Tracking("1Z9", "UPS", "UPS Ground"))
    courier = Shipment("WH/OUT/00013", ((second, 1),), Tracking("LC-7", "", "Kurier"))
    lines = [(first, "shipped", 2), (second, "shipped", 1)]
    body = status_body(order["orderId"], "shipped", lines, shipments=[ups, courier])
    with _amazon(sim) as amazon:
        result = amazon.push_order_status(order["orderId"], body, sequence=1)
        assert result.status == 204
        amazon.push_order_status(order["orderId"], body, sequence=2)  # Amazon has them both
    sent = sim.amazon.shipment_confirmations(ACCOUNT)
    assert len(sent) == 2 and sent[0]["marketplaceId"] == DE
    ups, other = sent[0]["packageDetail"], sent[1]["packageDetail"]
    assert ups["packageReferenceId"] == package_reference("WH/OUT/00012")
    assert ups["packageReferenceId"].isdigit()
    assert (ups["carrierCode"], ups["shippingMethod"], ups["trackingNumber"]) == (
        "UPS", "UPS Ground", "1Z9")  # fmt: skip
    assert ups["orderItems"] == [{"orderItemId": first, "quantity": 2}]
    assert ups["shipDate"].endswith("Z")
    assert (other["carrierCode"], other["carrierName"]) == ("Other", "Kurier")
    shipped = sim.amazon.order(ACCOUNT, order["orderId"])
    assert shipped["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert len(shipped["packages"]) == 2


def test_a_cancellation_sends_nothing_and_a_shipment_without_tracking_is_refused(sim):
    order = _order(sim, 6)
    first, second = (item["orderItemId"] for item in order["orderItems"])
    cancelled = status_body(order["orderId"], "cancelled", [(first, "cancelled", 2)])
    partial = status_body(order["orderId"], "shipped", [(first, "shipped", 2)],
                          shipments=[Shipment("7", ((first, 2),), Tracking("T-1", "DHL")),
                                     Shipment("8", ((second, 1),), None)])  # fmt: skip
    with _amazon(sim) as amazon:
        amazon.push_order_status(order["orderId"], cancelled)
        assert sim.amazon.shipment_confirmations(ACCOUNT) == []
        with pytest.raises(PermanentError, match="'8' has no tracking number"):
            amazon.push_order_status(order["orderId"], partial)
    sent = sim.amazon.shipment_confirmations(ACCOUNT)
    assert [s["packageDetail"]["packageReferenceId"] for s in sent] == ["7"]
    status = sim.amazon.order(ACCOUNT, order["orderId"])["fulfillment"]["fulfillmentStatus"]
    assert status == "PARTIALLY_SHIPPED"


# -- read-back and catalogue ------------------------------------------------------------------


def test_quantities_are_read_back_per_sku(sim):
    sim.amazon.add_listing(ACCOUNT, "R-1", 3)
    sim.amazon.add_listing(ACCOUNT, "R-2", 0)
    with _amazon(sim) as amazon:
        assert amazon.read_quantities(["R-1", "R-2", "GONE"]) == {"R-1": 3, "R-2": 0}
    query = _requests(sim, f"{LISTINGS}/R-1")[0]["query"]
    assert "includedData=fulfillmentAvailability" in query


def test_the_catalogue_is_read_page_by_page_fba_listings_marked(sim):
    skus = [f"K{n:02d}" for n in range(23)]
    asins = {sku: sim.amazon.add_listing(ACCOUNT, sku, 1)["asin"] for sku in skus}
    sim.amazon.add_listing(ACCOUNT, "FBA-1", 5, fulfillment="AMAZON_EU")
    with _amazon(sim) as amazon:
        entries = sorted(amazon.list_catalog(), key=lambda entry: entry.sku)  # by SKU there
    assert [entry.sku for entry in entries] == ["FBA-1", *skus]
    assert all(entry.external_id == asins[entry.sku] for entry in entries[1:])
    assert [entry.fulfilled_by_channel for entry in entries] == [True] + [False] * 23
    assert len(_requests(sim, LISTINGS, "GET")) == 2


def test_the_connector_declares_amazons_limits():
    assert AMAZON.confirms_async and AMAZON.polls_orders
    # the documented usage plans, each with a token spare (BUCKET_SPARE)
    assert AMAZON.limits["listings"].rate == 5 and AMAZON.limits["orders"].burst == 19
    assert (AMAZON.limits["feeds"].rate, AMAZON.limits["feeds"].burst) == (0.0083, 4)
    assert AMAZON.poll_interval_minutes == 5 and AMAZON.check_interval == 30


@pytest.mark.parametrize(
    ("status", "state"),
    [("PENDING", "pending"), ("UNSHIPPED", "paid"), ("SHIPPED", "paid"), (None, "unknown")],
)
def test_a_pending_order_is_not_paid_yet_and_the_others_are(status, state):
    data = json.loads(json.dumps(ORDER))
    if status:
        data["fulfillment"] = {"fulfillmentStatus": status, "fulfilledBy": "MERCHANT"}
    assert AMAZON.parse_order(json.dumps(data)).payment_state == state
