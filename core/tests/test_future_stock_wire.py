"""Future stock on the wire, against the simulator over real HTTP on loopback: the
availability date of a push (PushItem.available_at) as each platform takes it, generic
JSON ``available_at``, Amazon ``restock_date`` (merge patch and listings feed),
WooCommerce a meta_data entry; the simulator stores, validates and shows them."""

import json
import time
from datetime import date, datetime

import pytest
import requests

from core.connectors import ChannelConfig, PushItem, get_connector
from core.connectors.woocommerce import META_AVAILABLE_AT
from core.ratelimit import Limiter
from core.signing import sign_hex
from core.tokens import TokenStore

WHEN = datetime(2026, 12, 7, 10, 0, 0)
DAY, LATER = date(2026, 12, 10), date(2026, 12, 12)
ACCOUNT, SELLER, DE = "seller", "A2SELLER", "A1PA6795UKMFR9"
CLIENT, SECRET, REFRESH = "amzn1.application-oa2-client.test", "lwa-secret", "Atzr|refresh-me"
SHOP, KEY, WOO_SECRET = "woo", "ck_test", "cs_test"


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_channel("market", secret="s3cret")
    sim.configure_marketplace(
        "amazon", ACCOUNT, client_id=CLIENT, client_secret=SECRET, refresh_token=REFRESH,
        seller_id=SELLER, marketplace_id=DE, processing_delay=0.05,
    )  # fmt: skip
    sim.configure_woocommerce(SHOP, consumer_key=KEY, consumer_secret=WOO_SECRET)


def _item(sku, quantity, sequence=1, day=None, before=None, **extra):
    return PushItem(
        sku, quantity, sequence, WHEN, available_at=day, previous_available_at=before, **extra
    )


def _generic(sim):
    config = ChannelConfig("market", sim.generic_url("market"), api_secret="s3cret")
    return get_connector("generic_json")(config)


def _amazon(sim, **settings):
    base = sim.marketplace_url("amazon", ACCOUNT)
    config = ChannelConfig(
        "amz", base, api_key=CLIENT, api_secret=SECRET,
        settings={"token_url": f"{base}/auth/o2/token", "seller_id": SELLER,
                  "marketplace_id": DE, "refresh_token": REFRESH, **settings},
    )  # fmt: skip
    return get_connector("amazon")(config, limiter=Limiter(), tokens=TokenStore())


def test_generic_json_carries_available_at_and_the_simulator_shows_it(sim):
    with _generic(sim) as generic:
        generic.push([_item("A", 5, 1, DAY), _item("B", 2, 1)])
        assert sim.generic.available_at("market", "A") == "2026-12-10"
        assert sim.generic.available_at("market", "B") is None
        stock = sim.stock()["generic"]["market"]
        assert (stock["A"]["quantity"], stock["A"]["available_at"]) == (5, "2026-12-10")
        assert generic.read_quantities(["A", "B"]) == {"A": 5, "B": 2}
        generic.push([_item("A", 5, 2, None, DAY)])  # all on hand now: the date goes
        assert sim.generic.available_at("market", "A") is None


def test_the_generic_receiver_refuses_a_date_that_is_not_one(sim):
    body = {"channel": "market", "sent_at": "2026-12-07T10:00:00Z", "items": [
        {"sku": "A", "quantity": 1, "sequence": 1, "computed_at": "2026-12-07T10:00:00Z",
         "available_at": "10/12/2026"}]}  # fmt: skip
    raw = json.dumps(body).encode()
    answer = requests.post(
        sim.generic_url("market"), data=raw, timeout=5,
        headers={"X-Channel-Signature": sign_hex("s3cret", raw),
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert answer.status_code == 400
    assert "available_at" in answer.json()["error"]


def test_amazon_gets_the_restock_date_and_a_later_push_deletes_it(sim):
    sim.amazon.add_listing(ACCOUNT, "A", 0)
    with _amazon(sim) as amazon:
        amazon.push([_item("A", 5, 1, DAY)])
        [patch] = [r for r in sim.received("/amazon/") if r["method"] == "PATCH"]
        [value] = json.loads(patch["body"])["patches"][0]["value"]
        assert value == {"fulfillment_channel_code": "DEFAULT", "quantity": 5,
                         "restock_date": "2026-12-10"}  # fmt: skip
        time.sleep(0.1)
        assert sim.amazon.restock_date(ACCOUNT, "A") == "2026-12-10"
        assert sim.stock()["amazon_restock_dates"][ACCOUNT] == {"A": "2026-12-10"}
        # read back: the listing's attributes hold it
        _response, listing = amazon._listing("A", "attributes")
        [availability] = listing["attributes"]["fulfillment_availability"]
        assert availability["restock_date"] == "2026-12-10"
        amazon.push([_item("A", 5, 2, None, DAY)])
        time.sleep(0.1)
        assert sim.amazon.restock_date(ACCOUNT, "A") is None
        assert sim.amazon.quantity(ACCOUNT, "A") == 5
        amazon.push([_item("A", 3, 3)])  # no date now or before: merge keeps, none sent
        patches = [r for r in sim.received("/amazon/") if r["method"] == "PATCH"]
        [value] = json.loads(patches[-1]["body"])["patches"][0]["value"]
        assert "restock_date" not in value


def test_amazon_refuses_a_restock_date_that_is_not_a_date(sim):
    sim.amazon.add_listing(ACCOUNT, "A", 0)
    with _amazon(sim) as amazon:
        answer = amazon._call(
            "PATCH", amazon._listing_path("A"), "listings", {"marketplaceIds": DE},
            {"productType": "PRODUCT", "patches": [{
                "op": "merge", "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1,
                           "restock_date": "next week"}]}]},
        ).json()  # fmt: skip
    assert answer["status"] == "INVALID"
    assert "restock_date" in answer["issues"][0]["message"]


def test_an_amazon_feed_carries_the_restock_dates(sim):
    for sku in ("A", "B"):
        sim.amazon.add_listing(ACCOUNT, sku, 0)
    with _amazon(sim, feed_threshold=1) as amazon:
        amazon.push([_item("A", 5, 1, DAY), _item("B", 2, 1, LATER)])
    deadline = time.monotonic() + 5
    while sim.amazon.restock_date(ACCOUNT, "B") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim.amazon.restock_date(ACCOUNT, "A") == "2026-12-10"
    assert sim.amazon.restock_date(ACCOUNT, "B") == "2026-12-12"


def test_woocommerce_gets_the_date_as_a_meta_entry(sim):
    shop = sim.woocommerce
    product = shop.add_product(SHOP, "W-1", 0)
    config = ChannelConfig("woo", sim.woocommerce_url(SHOP), api_key=KEY, api_secret=WOO_SECRET)
    with get_connector("woocommerce")(config) as woo:
        woo.push([_item("W-1", 5, 1, DAY, external_id=str(product))])
        assert shop.quantity(SHOP, product) == 5
        assert shop.meta(SHOP, META_AVAILABLE_AT, product) == "2026-12-10"
        update = json.loads(sim.received("/woocommerce/")[-1]["body"])["update"][0]
        assert "backorders" not in update, "WooCommerce's backorders have no cap"
        woo.push([_item("W-1", 5, 2, None, DAY, external_id=str(product))])
        assert shop.meta(SHOP, META_AVAILABLE_AT, product) == ""
