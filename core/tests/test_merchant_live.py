"""The Google Merchant Center connector against the simulator's Merchant API v1 (written
apart, from the same public pages) over HTTPS on loopback, as Google's API and token
endpoint are HTTPS only (the simulator's certificate trusted as a private authority is:
REQUESTS_CA_BUNDLE, the connector verifying it): the token google-auth fetches,
availability and local inventory processed later, an item-level issue, the read-back, the
per-minute quota, the connection check, a certificate that is not trusted."""

import json
import time
from datetime import date, datetime

import pytest
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from requests import certs

from core.connectors import ChannelConfig, PushItem, get_connector
from core.connectors.base import PENDING, SUCCESS, StoreStock
from core.connectors.merchant_api import SCOPE
from core.errors import RetryableError
from core.ratelimit import Limiter
from core.tokens import TokenStore
from simulator import start, tls

ACCOUNT = "123456"
PRIMARY, SUPPLEMENTAL = "111", "222"
WHEN = datetime(2026, 12, 7, 10, 0, 0)
DELAY = 0.1
MERCHANT = get_connector("merchant")


@pytest.fixture(scope="module")
def sim():
    """The simulator over HTTPS, its certificate trusted while the module runs."""
    simulator = start(tls=True)
    with tls.trusted(simulator.ca_file):
        yield simulator
    simulator.stop()


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.merchant.add_data_source(ACCOUNT, PRIMARY, primary=True)
    sim.merchant.add_data_source(ACCOUNT, SUPPLEMENTAL, primary=False)
    sim.configure_marketplace("merchant", ACCOUNT, processing_delay=DELAY)


@pytest.fixture
def key(sim):
    """A service account of the account, and the merchant's own products (primary)."""
    key = sim.create_merchant_service_account([ACCOUNT])
    _primary(sim, key, ("SKU-1", "SKU-2"))
    return key


def _primary(sim, key, skus):
    """The merchant's own products of ``skus`` in the primary source."""
    credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
    google = AuthorizedSession(credentials)
    url = f"{sim.merchant_url()}/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    for sku in skus:
        body = {"offerId": sku, "contentLanguage": "de", "feedLabel": "DE",
                "productAttributes": {"title": sku, "availability": "IN_STOCK"}}  # fmt: skip
        params = {"dataSource": f"accounts/{ACCOUNT}/dataSources/{PRIMARY}"}
        google.post(url, params=params, json=body, timeout=5).raise_for_status()
    time.sleep(DELAY + 0.05)


def _merchant(sim, key, **settings):
    values = {"service_account_key": json.dumps(key), "account_id": ACCOUNT,
              "data_source": SUPPLEMENTAL, "feed_label": "DE", "content_language": "de",
              "requests_per_minute": 6000, **settings}  # fmt: skip
    config = ChannelConfig("gmc", sim.merchant_url(), settings=values)
    return MERCHANT(config, limiter=Limiter(), tokens=TokenStore())


def _verdicts(connector, result):
    time.sleep(DELAY + 0.05)
    return connector.check_pushes({remote: [sku] for sku, remote in result.tracking.items()})


def test_availability_stores_and_verdicts(sim, key):
    connector = _merchant(sim, key)
    stores = (StoreStock("S1", 2, pickup=True), StoreStock("S2", 0))
    day = date(2026, 12, 20)
    backorder = PushItem("SKU-1", 3, 1, WHEN, on_hand=0, available_at=day, stores=stores)
    result = connector.push([backorder, PushItem("SKU-2", 0, 1, WHEN)])
    assert (result.item_errors, result.retry_errors) == ({}, {})
    assert {v.state for v in _verdicts(connector, result).values()} == {SUCCESS}
    product = sim.merchant.product(ACCOUNT, "de~DE~SKU-1")["productAttributes"]
    assert (product["title"], product["availability"], product["availabilityDate"]) == (
        "SKU-1", "BACKORDER", "2026-12-20T00:00:00Z")  # fmt: skip
    local = sim.merchant.local_inventory(ACCOUNT, "de~DE~SKU-1")
    assert local["S1"]["localInventoryAttributes"] == {
        "availability": "IN_STOCK", "quantity": "2", "pickupMethod": "BUY",
        "pickupSla": "SAME_DAY"}  # fmt: skip
    assert connector.read_quantities(["SKU-1", "SKU-2", "NONE"]) == {"SKU-1": 1, "SKU-2": 0}
    assert connector.read_stores(["SKU-1"]) == {"SKU-1": {"S1": 2, "S2": 0}}
    assert sim.merchant.token_requests(key["client_email"]) == 2  # the fixture's, then ours


def test_a_disapproval_for_mismatched_availability(sim, key):
    connector = _merchant(sim, key)
    sim.merchant.set_crawled_availability(ACCOUNT, "de~DE~SKU-2", "IN_STOCK")
    result = connector.push([PushItem("SKU-2", 0, 1, WHEN)])
    verdict = next(iter(_verdicts(connector, result).values()))
    assert verdict.state == SUCCESS and verdict.errors(["SKU-2"]) == {}
    assert verdict.issues["SKU-2"].startswith(
        "DISAPPROVED (SHOPPING_ADS): Mismatched value (page crawl) [availability] "
        "(landing_page_availability_mismatch)"
    )


def test_not_processed_yet_is_pending(sim, key):
    sim.configure_marketplace("merchant", ACCOUNT, processing_delay=5)
    connector = _merchant(sim, key)
    result = connector.push([PushItem("SKU-1", 0, 1, WHEN)])
    tracking = {remote: [sku] for sku, remote in result.tracking.items()}
    assert {verdict.state for verdict in connector.check_pushes(tracking).values()} == {PENDING}


def test_the_per_minute_quota(sim, key):
    sim.merchant.set_quota(ACCOUNT, "productInputs.insert", 3)  # the fixture's 2 and 1
    connector = _merchant(sim, key)
    connector.push([PushItem("SKU-1", 1, 1, WHEN)])
    with pytest.raises(RetryableError) as caught:
        connector.push([PushItem("SKU-2", 1, 1, WHEN)])
    assert caught.value.throttled and "RESOURCE_EXHAUSTED" in caught.value.message


def test_connection_checks(sim, key):
    assert _merchant(sim, key).test_connection().ok
    assert "cannot read Merchant Center account 999" in (
        _merchant(sim, key, account_id="999").test_connection().message
    )
    primary = _merchant(sim, key, data_source=PRIMARY).test_connection()
    assert "is not a supplemental product data source" in primary.message
    missing = _merchant(sim, key, data_source="333").test_connection()
    assert "does not exist in account 123456" in missing.message


def test_a_project_not_registered_with_the_account(sim):
    key = sim.create_merchant_service_account([ACCOUNT], registered=False)
    check = _merchant(sim, key).test_connection()
    assert not check.ok
    assert f"is not registered with Merchant Center account {ACCOUNT}" in check.message


def test_a_primary_data_source_is_never_written(sim, key):
    connector = _merchant(sim, key, data_source=PRIMARY)
    with pytest.raises(RetryableError, match="is not a supplemental product data source"):
        connector.push([PushItem("SKU-1", 0, 1, WHEN)])
    time.sleep(DELAY + 0.05)
    product = sim.merchant.product(ACCOUNT, "de~DE~SKU-1")["productAttributes"]
    assert (product["title"], product["availability"]) == ("SKU-1", "IN_STOCK")


@pytest.mark.parametrize("sku", ["ABC.1", "A+B", "A/B"])
def test_skus_with_reserved_characters(sim, key, sku):
    _primary(sim, key, (sku,))
    connector = _merchant(sim, key)
    item = PushItem(sku, 2, 1, WHEN, stores=(StoreStock("S1", 2), StoreStock("S2", 1)))
    result = connector.push([item])
    assert (result.item_errors, result.retry_errors) == ({}, {})
    assert {v.state for v in _verdicts(connector, result).values()} == {SUCCESS}
    assert connector.read_stores([sku]) == {sku: {"S1": 2, "S2": 1}}
    # S2 no longer the channel's: deleted on Google
    gone = PushItem(sku, 2, 2, WHEN, stores=(StoreStock("S1", 2),), previous_detail="S1=2;S2=1")
    assert connector.push([gone]).item_errors == {}
    assert connector.read_stores([sku]) == {sku: {"S1": 2}}


def test_a_certificate_not_trusted_is_refused(sim, key, monkeypatch):
    assert sim.merchant_url().startswith("https://") and key["token_uri"].startswith("https://")
    connector = _merchant(sim, key)
    # the public CAs only: the simulator's certificate is no one's (the token endpoint's)
    monkeypatch.setenv(tls.CA_BUNDLE_VARIABLE, certs.where())
    with pytest.raises(RetryableError) as caught:
        connector.push([PushItem("SKU-1", 0, 1, WHEN)])
    message = caught.value.message
    assert "the certificate of https://127.0.0.1:" in message and "is not trusted" in message
    assert "Traceback" not in message and not caught.value.unreachable
    assert sim.merchant.token_requests(key["client_email"]) == 1  # the fixture's only
    # a token held, the API's own certificate is refused the same way (a new session: a
    # connection kept alive was verified when it was made)
    monkeypatch.undo()
    assert connector.test_connection().ok
    monkeypatch.setenv(tls.CA_BUNDLE_VARIABLE, certs.where())
    fresh = MERCHANT(connector.config, limiter=Limiter(), tokens=connector.tokens)
    with pytest.raises(RetryableError, match="is not trusted") as caught:
        fresh.push([PushItem("SKU-1", 0, 1, WHEN)])
    assert not caught.value.unreachable
    assert sim.merchant.product_input(ACCOUNT, "de~DE~SKU-1", SUPPLEMENTAL) is None
