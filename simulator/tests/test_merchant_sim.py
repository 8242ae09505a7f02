"""The simulator's Google Merchant API v1 on the wire: a service account's token (with
google-auth, unchanged), product inputs and the processed product after processing,
supplemental sources, item-level issues, local inventories, quotas, Google's errors."""

import base64
import time

import pytest
import requests
from google.auth import crypt, jwt
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

SCOPE = "https://www.googleapis.com/auth/content"
ACCOUNT = "123456"
PRIMARY = f"accounts/{ACCOUNT}/dataSources/111"
SUPPLEMENTAL = f"accounts/{ACCOUNT}/dataSources/222"
DELAY = 0.3


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.merchant.add_data_source(ACCOUNT, "111", primary=True)
    sim.merchant.add_data_source(ACCOUNT, "222", primary=False)
    sim.configure_marketplace("merchant", ACCOUNT, processing_delay=DELAY)


@pytest.fixture
def key(sim):
    return sim.create_merchant_service_account([ACCOUNT])


@pytest.fixture
def session(key):
    """What a connector does: google-auth's credentials from the key file content."""
    credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
    return AuthorizedSession(credentials)


def _products(sim, path=""):
    return f"{sim.merchant_url()}/products/v1/accounts/{ACCOUNT}{path}"


def _local(sim, product_id, path=""):
    base = f"{sim.merchant_url()}/inventories/v1/accounts/{ACCOUNT}/products/{product_id}"
    return f"{base}/localInventories{path}"


def _input(offer="SKU-1", availability="IN_STOCK", **attributes):
    return {
        "offerId": offer,
        "contentLanguage": "en",
        "feedLabel": "US",
        "productAttributes": {
            "title": f"Product {offer}",
            "availability": availability,
            **attributes,
        },
    }


def _insert(sim, session, body, source=PRIMARY):
    return session.post(
        _products(sim, "/productInputs:insert"), params={"dataSource": source}, json=body, timeout=5
    )


def _processed(sim, session, product_id="en~US~SKU-1"):
    time.sleep(DELAY + 0.1)
    return session.get(_products(sim, f"/products/{product_id}"), timeout=5)


def _assertion(key, **claims):
    now = int(time.time())
    payload = {"iss": key["client_email"], "aud": key["token_uri"], "scope": SCOPE,
               "iat": now, "exp": now + 3600, **claims}  # fmt: skip
    signer = crypt.RSASigner.from_service_account_info(key)
    return jwt.encode(signer, payload).decode("ascii")


def _grant(key, assertion):
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    return requests.post(key["token_uri"], data=form, timeout=5)


# -- OAuth 2.0 for a service account -------------------------------------------------------


def test_the_key_file_is_shaped_as_the_console_gives_it(sim, key):
    assert key["type"] == "service_account"
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert key["client_email"].endswith(".iam.gserviceaccount.com")
    assert key["token_uri"] == f"{sim.url}/merchant/token"
    for name in ("project_id", "private_key_id", "client_id", "auth_uri", "client_x509_cert_url"):
        assert key[name]


def test_a_key_is_also_made_through_the_control_api(sim):
    url = f"{sim.url}/_sim/merchant/service_account"
    key = requests.post(
        url, json={"token_uri": sim.merchant_token_uri(), "accounts": [ACCOUNT]}, timeout=5
    )
    assert key.status_code == 200 and key.json()["token_uri"] == sim.merchant_token_uri()
    assert _grant(key.json(), _assertion(key.json())).status_code == 200
    assert requests.post(url, json={}, timeout=5).status_code == 400


def test_google_auth_gets_a_token_and_refreshes_it_after_expiry(sim, key, session):
    answer = session.get(f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}", timeout=5)
    assert answer.status_code == 200 and answer.json()["name"] == f"accounts/{ACCOUNT}"
    assert sim.merchant.token_requests(key["client_email"]) == 1
    assert session.credentials.token.startswith("ya29.")
    first = session.credentials.token
    sim.merchant.expire_tokens(key["client_email"])
    # the expired token is answered 401; google-auth refreshes and sends the call again
    again = session.get(f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}", timeout=5)
    assert again.status_code == 200
    assert sim.merchant.token_requests(key["client_email"]) == 2
    assert session.credentials.token != first
    statuses = [r["status"] for r in sim.received("/merchant/accounts/")]
    assert statuses == [200, 401, 200]


def test_google_auth_refreshes_a_token_given_for_a_short_time(sim, key):
    sim.merchant.set_token_seconds(key["client_email"], 1)
    credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
    credentials.refresh(Request())
    # google-auth refreshes this early (its threshold is minutes): the token is not valid
    assert credentials.valid is False
    time.sleep(1.1)
    url = f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}"
    stale = requests.get(url, headers={"Authorization": f"Bearer {credentials.token}"}, timeout=5)
    assert stale.status_code == 401
    assert AuthorizedSession(credentials).get(url, timeout=5).status_code == 200


def test_the_token_endpoint_checks_the_assertion(sim, key):
    token = _grant(key, _assertion(key))
    assert token.status_code == 200
    assert set(token.json()) == {"access_token", "expires_in", "token_type"}
    assert token.json()["token_type"] == "Bearer" and token.json()["expires_in"] == 3600
    # google-auth signs for Google's endpoint whatever token_uri says: accepted too
    assert (
        _grant(key, _assertion(key, aud="https://oauth2.googleapis.com/token")).status_code == 200
    )
    other = sim.create_merchant_service_account([ACCOUNT])
    forged = _assertion({**other, "client_email": key["client_email"]})
    refused = _grant(key, forged)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    now = int(time.time())
    too_long = _grant(key, _assertion(key, iat=now, exp=now + 7200))
    assert (
        too_long.json()["error"] == "invalid_grant"
        and "short-lived" in too_long.json()["error_description"]
    )
    assert (
        _grant(key, _assertion(key, aud="https://example.com/token")).json()["error"]
        == "invalid_grant"
    )
    assert (
        _grant(key, _assertion(key, iat=now - 7200, exp=now - 3600)).json()["error"]
        == "invalid_grant"
    )
    assert _grant(key, _assertion(key, scope="")).json()["error"] == "invalid_scope"
    wrong_grant = requests.post(key["token_uri"], data={"grant_type": "password"}, timeout=5)
    assert wrong_grant.json()["error"] == "unsupported_grant_type"


def test_calls_without_a_valid_token_or_scope_or_access_are_refused(sim, key):
    url = f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}"
    missing = requests.get(url, timeout=5)
    assert missing.status_code == 401
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"
    assert missing.json()["error"]["code"] == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    unknown = requests.get(url, headers={"Authorization": "Bearer ya29.nope"}, timeout=5)
    assert unknown.status_code == 401
    other_scope = _grant(key, _assertion(key, scope="https://www.googleapis.com/auth/drive")).json()
    headers = {"Authorization": f"Bearer {other_scope['access_token']}"}
    scoped = requests.get(url, headers=headers, timeout=5).json()["error"]
    assert scoped["status"] == "PERMISSION_DENIED"
    assert scoped["details"][0]["metadata"]["REASON"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    headers = {"Authorization": f"Bearer {_grant(key, _assertion(key)).json()['access_token']}"}
    elsewhere = requests.get(
        f"{sim.merchant_url()}/accounts/v1/accounts/999", headers=headers, timeout=5
    )
    assert elsewhere.status_code == 403


# -- products --------------------------------------------------------------------------------


def test_an_insert_shows_in_the_processed_product_after_processing(sim, session):
    inserted = _insert(sim, session, _input(availabilityDate="2026-12-24T00:00:00Z"))
    assert inserted.status_code == 200
    assert inserted.json()["name"] == f"accounts/{ACCOUNT}/productInputs/en~US~SKU-1"
    assert inserted.json()["product"] == f"accounts/{ACCOUNT}/products/en~US~SKU-1"
    soon = session.get(_products(sim, "/products/en~US~SKU-1"), timeout=5)
    assert soon.status_code == 404 and soon.json()["error"]["status"] == "NOT_FOUND"
    product = _processed(sim, session).json()
    assert product["name"] == f"accounts/{ACCOUNT}/products/en~US~SKU-1"
    assert product["productAttributes"]["availability"] == "IN_STOCK"
    assert product["dataSource"] == PRIMARY
    status = product["productStatus"]
    # ProtoJSON leaves out what is at its default value: no issue, no "itemLevelIssues"
    assert "itemLevelIssues" not in status
    assert "legacyLocal" not in product and "customAttributes" not in product
    assert product["base64EncodedName"] == f"accounts/{ACCOUNT}/products/ZW5-VVN-U0tVLTE"
    assert status["destinationStatuses"][0]["approvedCountries"] == ["US"]
    # the product id may be sent base64url encoded, unpadded
    encoded = "ZW5-VVN-U0tVLTE"  # en~US~SKU-1
    assert session.get(_products(sim, f"/products/{encoded}"), timeout=5).status_code == 200
    listed = session.get(_products(sim, "/products"), params={"pageSize": 1}, timeout=5).json()
    assert [p["offerId"] for p in listed["products"]] == ["SKU-1"] and "nextPageToken" not in listed
    assert sim.merchant.product(ACCOUNT, "en~US~SKU-1")["offerId"] == "SKU-1"
    assert sim.stock()["merchant"][ACCOUNT]["en~US~SKU-1"]["availability"] == "IN_STOCK"


def test_product_inputs_are_checked_as_v1_reads_them(sim, session):
    legacy = _insert(sim, session, _input(availability="in stock"))
    assert legacy.status_code == 400
    assert legacy.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "Availability" in legacy.json()["error"]["message"]
    v1beta = {**_input(), "attributes": {"availability": "in stock"}}
    assert "Unknown name" in _insert(sim, session, v1beta).json()["error"]["message"]
    assert _insert(sim, session, {**_input(), "offerId": ""}).status_code == 400
    bad_date = _insert(sim, session, _input(availabilityDate="2026-12-24"))
    assert bad_date.status_code == 400
    unknown_source = _insert(sim, session, _input(), source=f"accounts/{ACCOUNT}/dataSources/9")
    assert unknown_source.status_code == 404
    no_source = session.post(_products(sim, "/productInputs:insert"), json=_input(), timeout=5)
    assert no_source.status_code == 400


def test_a_supplemental_source_overrides_only_what_it_carries(sim, session):
    _insert(sim, session, _input(price={"amountMicros": "9990000", "currencyCode": "EUR"}))
    supplement = {**_input(availability="BACKORDER", availabilityDate="2027-01-10T00:00:00Z")}
    supplement["productAttributes"].pop("title")
    assert _insert(sim, session, supplement, source=SUPPLEMENTAL).status_code == 200
    attributes = _processed(sim, session).json()["productAttributes"]
    assert attributes["availability"] == "BACKORDER"
    assert attributes["availabilityDate"] == "2027-01-10T00:00:00Z"
    assert (
        attributes["title"] == "Product SKU-1" and attributes["price"]["amountMicros"] == "9990000"
    )
    deleted = session.delete(
        _products(sim, "/productInputs/en~US~SKU-1"), params={"dataSource": SUPPLEMENTAL}, timeout=5
    )
    assert deleted.status_code == 200 and deleted.json() == {}
    assert _processed(sim, session).json()["productAttributes"]["availability"] == "IN_STOCK"
    # a supplemental input alone makes no product
    _insert(sim, session, _input(offer="ONLY-SUPP"), source=SUPPLEMENTAL)
    assert _processed(sim, session, "en~US~ONLY-SUPP").status_code == 404


def test_patch_with_an_update_mask_sets_and_deletes_attributes(sim, session):
    _insert(sim, session, _input(availabilityDate="2026-12-24T00:00:00Z"))
    url = _products(sim, "/productInputs/en~US~SKU-1")
    body = {"productAttributes": {"availability": "OUT_OF_STOCK"}}
    params = {"dataSource": PRIMARY, "updateMask": "availability,availability_date"}
    patched = session.patch(url, params=params, json=body, timeout=5)
    assert patched.status_code == 200
    attributes = _processed(sim, session).json()["productAttributes"]
    assert attributes["availability"] == "OUT_OF_STOCK" and "availabilityDate" not in attributes
    assert attributes["title"] == "Product SKU-1"
    missing = session.patch(
        _products(sim, "/productInputs/en~US~NOPE"), params=params, json=body, timeout=5
    )
    assert missing.status_code == 404


def test_a_version_number_keeps_the_latest_insert(sim, session):
    assert _insert(sim, session, {**_input(), "versionNumber": "7"}).status_code == 200
    late = _insert(sim, session, {**_input(availability="OUT_OF_STOCK"), "versionNumber": "6"})
    assert late.status_code == 409 and late.json()["error"]["status"] == "ABORTED"
    assert _insert(sim, session, {**_input(), "versionNumber": "7"}).status_code == 200
    supplemental = _insert(sim, session, {**_input(), "versionNumber": "8"}, source=SUPPLEMENTAL)
    assert supplemental.status_code == 400
    product = _processed(sim, session).json()
    assert product["versionNumber"] == "7"
    assert product["productAttributes"]["availability"] == "IN_STOCK"


def test_deleting_the_primary_input_removes_the_product_after_processing(sim, session):
    _insert(sim, session, _input())
    assert _processed(sim, session).status_code == 200
    url = _products(sim, "/productInputs/en~US~SKU-1")
    assert session.delete(url, params={"dataSource": PRIMARY}, timeout=5).status_code == 200
    assert session.get(_products(sim, "/products/en~US~SKU-1"), timeout=5).status_code == 200
    assert _processed(sim, session).status_code == 404
    assert session.delete(url, params={"dataSource": PRIMARY}, timeout=5).status_code == 404


# -- item-level issues ----------------------------------------------------------------------


def test_issues_attached_by_a_test_or_raised_by_the_crawl(sim, session):
    _insert(sim, session, _input(availability="IN_STOCK"))
    sim.merchant.set_crawled_availability(ACCOUNT, "en~US~SKU-1", "OUT_OF_STOCK")
    status = _processed(sim, session).json()["productStatus"]
    issue = status["itemLevelIssues"][0]
    assert issue["code"] == "landing_page_availability_mismatch"
    assert issue["severity"] == "DISAPPROVED" and issue["attribute"] == "availability"
    assert issue["reportingContext"] == "SHOPPING_ADS" and issue["applicableCountries"] == ["US"]
    assert status["destinationStatuses"][0]["disapprovedCountries"] == ["US"]
    sim.merchant.set_crawled_availability(ACCOUNT, "en~US~SKU-1", None)
    sim.merchant.add_issue(
        ACCOUNT, "en~US~SKU-1", "image_too_small", severity="DEMOTED", attribute="image_link"
    )
    status = _processed(sim, session).json()["productStatus"]
    assert [i["code"] for i in status["itemLevelIssues"]] == ["image_too_small"]
    assert status["destinationStatuses"][0]["approvedCountries"] == ["US"]
    _insert(sim, session, _input(offer="LATE", availability="BACKORDER"))
    late = _processed(sim, session, "en~US~LATE").json()["productStatus"]["itemLevelIssues"]
    assert [i["attribute"] for i in late] == ["availability_date"]


# -- local inventories --------------------------------------------------------------------


def test_local_inventories_per_store(sim, session):
    attributes = {"availability": "IN_STOCK", "quantity": 4}
    body = {"storeCode": "PARIS-1", "localInventoryAttributes": {
        **attributes, "pickupMethod": "RESERVE", "pickupSla": "SAME_DAY"}}  # fmt: skip
    unknown = session.post(_local(sim, "en~US~SKU-1", ":insert"), json=body, timeout=5)
    assert unknown.status_code == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
    _insert(sim, session, _input())
    time.sleep(DELAY + 0.1)
    inserted = session.post(_local(sim, "en~US~SKU-1", ":insert"), json=body, timeout=5)
    assert inserted.status_code == 200
    assert (
        inserted.json()["name"]
        == f"accounts/{ACCOUNT}/products/en~US~SKU-1/localInventories/PARIS-1"
    )
    assert inserted.json()["localInventoryAttributes"]["quantity"] == "4"
    other = {
        "storeCode": "LYON-2",
        "localInventoryAttributes": {"availability": "OUT_OF_STOCK", "quantity": "0"},
    }
    assert (
        session.post(_local(sim, "en~US~SKU-1", ":insert"), json=other, timeout=5).status_code
        == 200
    )
    listed = session.get(_local(sim, "en~US~SKU-1"), params={"pageSize": 1}, timeout=5).json()
    assert [r["storeCode"] for r in listed["localInventories"]] == ["LYON-2"]
    rest = session.get(
        _local(sim, "en~US~SKU-1"), params={"pageToken": listed["nextPageToken"]}, timeout=5
    )
    assert [r["storeCode"] for r in rest.json()["localInventories"]] == ["PARIS-1"]
    assert session.delete(_local(sim, "en~US~SKU-1", "/LYON-2"), timeout=5).json() == {}
    assert session.delete(_local(sim, "en~US~SKU-1", "/LYON-2"), timeout=5).status_code == 404
    assert set(sim.merchant.local_inventory(ACCOUNT, "en~US~SKU-1")) == {"PARIS-1"}
    assert sim.stock()["merchant_local"][ACCOUNT]["en~US~SKU-1"]["PARIS-1"]["quantity"] == "4"


def test_regional_inventories_per_region(sim, session):
    _insert(sim, session, _input())
    time.sleep(DELAY + 0.1)
    base = _local(sim, "en~US~SKU-1").replace("localInventories", "regionalInventories")
    body = {"region": "north", "regionalInventoryAttributes": {"availability": "OUT_OF_STOCK"}}
    inserted = session.post(f"{base}:insert", json=body, timeout=5)
    assert inserted.status_code == 200
    assert inserted.json()["name"].endswith("/products/en~US~SKU-1/regionalInventories/north")
    local_only = {"region": "south", "regionalInventoryAttributes": {"quantity": 3}}
    assert session.post(f"{base}:insert", json=local_only, timeout=5).status_code == 400
    listed = session.get(base, timeout=5).json()["regionalInventories"]
    assert [r["region"] for r in listed] == ["north"]
    assert session.delete(f"{base}/north", timeout=5).status_code == 200
    assert sim.merchant.regional_inventory(ACCOUNT, "en~US~SKU-1") == {}


@pytest.mark.parametrize(
    "attributes",
    [
        {"availability": "in stock"},
        {"availability": "BACKORDER"},  # not a local inventory availability
        {"quantity": -1},
        {"pickupMethod": "BUY"},  # without pickupSla
        {"pickupMethod": "BUY", "pickupSla": "2-day"},
        {"instoreProductLocation": "x" * 21},
        {"storeCode": "X"},  # not an attribute: v1 wraps attributes only
    ],
)
def test_local_inventories_are_checked(sim, session, attributes):
    _insert(sim, session, _input())
    time.sleep(DELAY + 0.1)
    body = {"storeCode": "PARIS-1", "localInventoryAttributes": attributes}
    refused = session.post(_local(sim, "en~US~SKU-1", ":insert"), json=body, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"]["status"] == "INVALID_ARGUMENT"


# -- limits and faults --------------------------------------------------------------------


def test_a_method_over_its_per_minute_quota_is_answered_429(sim, session):
    sim.merchant.set_quota(ACCOUNT, "products.get", 2)
    url = _products(sim, "/products/en~US~SKU-1")
    assert [session.get(url, timeout=5).status_code for _ in range(2)] == [404, 404]
    refused = session.get(url, timeout=5)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert (
        error["status"] == "RESOURCE_EXHAUSTED"
        and "quota/request_rate_too_high" in error["message"]
    )
    # quotas are per method
    assert _insert(sim, session, _input()).status_code == 200
    assert sim.merchant.max_calls_in_window(ACCOUNT, "products.get") == 2


def test_faults_answer_in_googles_format(sim, session):
    sim.add_fault("status", "/merchant/products/", status=503, count=1)
    failed = _insert(sim, session, _input())
    assert failed.status_code == 503 and failed.json()["error"]["status"] == "UNAVAILABLE"
    assert _insert(sim, session, _input()).status_code == 200
    sim.add_fault("rate_limit", "/merchant/inventories/", limit=1, window=60, count=1)
    assert session.get(_local(sim, "en~US~SKU-1"), timeout=5).status_code in (200, 404)
    limited = session.get(_local(sim, "en~US~SKU-1"), timeout=5)
    assert limited.status_code == 429 and limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    sim.add_fault("status", "/merchant/products/", status=500, count=1, body={"own": "body"})
    assert _insert(sim, session, _input()).json() == {"own": "body"}


# -- review fixes (issue 23) --------------------------------------------------------------


def _b64(text):
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def test_an_unregistered_gcp_project_is_refused_until_register_gcp(sim):
    key = sim.create_merchant_service_account(
        [ACCOUNT], project_id="fresh-project", registered=False
    )
    credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
    session = AuthorizedSession(credentials)
    refused = _insert(sim, session, _input())
    assert refused.status_code == 401
    error = refused.json()["error"]
    assert error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("GCP project with id fresh-project and number ")
    assert error["message"].endswith("is not registered with the merchant account.")
    accounts = f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}"
    assert session.get(accounts, timeout=5).status_code == 401
    registration = f"{accounts}/developerRegistration"
    assert session.get(registration, timeout=5).json() == {
        "name": f"accounts/{ACCOUNT}/developerRegistration"
    }
    registered = session.post(
        f"{registration}:registerGcp", json={"developerEmail": "dev@example.com"}, timeout=5
    )
    assert registered.status_code == 200
    assert registered.json()["name"] == f"accounts/{ACCOUNT}/developerRegistration"
    assert len(registered.json()["gcpIds"]) == 1
    assert session.get(registration, timeout=5).json() == registered.json()
    assert _insert(sim, session, _input()).status_code == 200
    assert session.get(accounts, timeout=5).status_code == 200
    # registerGcp is for a user of the account only
    elsewhere = f"{sim.merchant_url()}/accounts/v1/accounts/999/developerRegistration:registerGcp"
    assert session.post(elsewhere, json={}, timeout=5).status_code == 403
    assert session.post(f"{registration}:unregisterGcp", timeout=5).json() == {}
    assert session.get(accounts, timeout=5).status_code == 401


def test_empty_lists_false_and_empty_strings_are_left_out(sim, session):
    assert session.get(_products(sim, "/products"), timeout=5).json() == {}
    inserted = _insert(sim, session, _input()).json()
    assert "legacyLocal" not in inserted and "customAttributes" not in inserted
    assert inserted["base64EncodedProduct"] == f"accounts/{ACCOUNT}/products/ZW5-VVN-U0tVLTE"
    time.sleep(DELAY + 0.1)
    assert session.get(_local(sim, "en~US~SKU-1"), timeout=5).json() == {}
    sim.merchant.add_issue(ACCOUNT, "en~US~SKU-1", "image_too_small", severity="DEMOTED")
    issue = _processed(sim, session).json()["productStatus"]["itemLevelIssues"][0]
    assert "attribute" not in issue  # an empty string is left out
    sources = session.get(
        f"{sim.merchant_url()}/datasources/v1/accounts/{ACCOUNT}/dataSources", timeout=5
    ).json()["dataSources"]
    assert sources[0]["primaryProductDataSource"] == {}
    assert (
        "adultContent"
        not in session.get(f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}", timeout=5).json()
    )


@pytest.mark.parametrize("segment", ["en~US~a~b", "en~US~sku%2F1", "en~US~50%25"])
def test_a_plain_product_id_with_tilde_slash_or_percent_is_refused(sim, session, segment):
    refused = session.get(_products(sim, f"/products/{segment}"), timeout=5)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["metadata"]["REASON"] == "INVALID_NAME"


def test_special_offer_ids_go_by_the_encoded_form_and_legacy_local_ids_parse(sim, session):
    _insert(sim, session, _input(offer="sku/1~b%"))
    _insert(sim, session, {**_input(offer="SHOP"), "legacyLocal": True})
    product = _processed(sim, session, _b64("en~US~sku/1~b%"))
    assert product.status_code == 200
    assert product.json()["name"] == f"accounts/{ACCOUNT}/products/en~US~sku/1~b%"
    assert product.json()["base64EncodedName"].endswith(_b64("en~US~sku/1~b%"))
    local = session.get(_products(sim, "/products/local~en~US~SHOP"), timeout=5).json()
    assert local["legacyLocal"] is True and local["offerId"] == "SHOP"
    assert session.get(_products(sim, "/products/en~US~SHOP"), timeout=5).status_code == 404
    body = {"storeCode": "S1", "localInventoryAttributes": {"quantity": 2}}
    row = session.post(_local(sim, _b64("en~US~sku/1~b%"), ":insert"), json=body, timeout=5).json()
    assert row["base64EncodedName"] == (
        f"accounts/{ACCOUNT}/products/{_b64('en~US~sku/1~b%')}/localInventories/S1"
    )


def test_inventory_lists_default_to_25000(sim, session):
    _insert(sim, session, _input())
    time.sleep(DELAY + 0.1)
    for store in range(30):
        body = {"storeCode": f"S{store:02d}", "localInventoryAttributes": {"quantity": 1}}
        session.post(_local(sim, "en~US~SKU-1", ":insert"), json=body, timeout=5)
        body = {
            "region": f"R{store:02d}",
            "regionalInventoryAttributes": {"availability": "IN_STOCK"},
        }
        base = _local(sim, "en~US~SKU-1").replace("localInventories", "regionalInventories")
        session.post(f"{base}:insert", json=body, timeout=5)
    local = session.get(_local(sim, "en~US~SKU-1"), timeout=5).json()
    assert len(local["localInventories"]) == 30 and "nextPageToken" not in local
    regional = session.get(base, timeout=5).json()
    assert len(regional["regionalInventories"]) == 30 and "nextPageToken" not in regional


def test_documented_inventory_fields_and_echoed_output_fields_are_accepted(sim, session):
    _insert(sim, session, _input())
    time.sleep(DELAY + 0.1)
    url = _local(sim, "en~US~SKU-1", ":insert")
    body = {"storeCode": "PARIS-1", "localInventoryAttributes": {
        "quantity": 3, "loyaltyPrograms": [{"programLabel": "club"}],
        "customAttributes": [{"name": "aisle", "value": "7"}]}}  # fmt: skip
    row = session.post(url, json=body, timeout=5)
    assert row.status_code == 200
    assert session.post(url, json=row.json(), timeout=5).status_code == 200
    again = _insert(sim, session, _insert(sim, session, _input()).json())
    assert again.status_code == 200


def test_patching_a_supplemental_input_needs_only_the_primary(sim, session):
    _insert(sim, session, _input())
    url = _products(sim, "/productInputs/en~US~SKU-1")
    body = {"productAttributes": {"availability": "OUT_OF_STOCK"}}
    patched = session.patch(url, params={"dataSource": SUPPLEMENTAL}, json=body, timeout=5)
    assert patched.status_code == 200
    assert _processed(sim, session).json()["productAttributes"]["availability"] == "OUT_OF_STOCK"
    missing = session.patch(
        _products(sim, "/productInputs/en~US~NOPE"),
        params={"dataSource": SUPPLEMENTAL},
        json=body,
        timeout=5,
    )
    assert missing.status_code == 404


def test_error_info_reason_is_generic_and_the_code_in_metadata(sim, session):
    refused = _insert(sim, session, {**_input(), "offerId": ""}).json()["error"]["details"][0]
    assert refused["reason"] == "invalid"
    assert refused["metadata"]["REASON"] == "REQUIRED_FIELD"
    assert refused["metadata"]["FIELD_LOCATION"] == "offerId"
    missing = session.get(_products(sim, "/products/en~US~NOPE"), timeout=5).json()["error"]
    assert missing["details"][0]["reason"] == "notFound"
    assert missing["details"][0]["metadata"]["REASON"] == "NOT_FOUND"


@pytest.mark.parametrize("label", ["us", "U S", "X" * 21, "US!"])
def test_a_feed_label_outside_its_alphabet_is_refused(sim, session, label):
    refused = _insert(sim, session, {**_input(), "feedLabel": label})
    assert refused.status_code == 400
    assert refused.json()["error"]["details"][0]["metadata"]["REASON"] == "INVALID_FEED_LABEL"


def test_offer_id_whitespace_is_normalised(sim, session):
    inserted = _insert(sim, session, _input(offer="  SKU   with\tspaces "))
    assert inserted.json()["offerId"] == "SKU with spaces"
    assert inserted.json()["name"] == f"accounts/{ACCOUNT}/productInputs/en~US~SKU with spaces"


def test_a_key_for_every_account_is_registered_until_unregistered(sim):
    key = sim.create_merchant_service_account()
    session = AuthorizedSession(
        service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
    )
    accounts = f"{sim.merchant_url()}/accounts/v1/accounts/{ACCOUNT}"
    assert session.get(accounts, timeout=5).status_code == 200
    assert session.post(f"{accounts}/developerRegistration:unregisterGcp", timeout=5).json() == {}
    assert session.get(accounts, timeout=5).status_code == 401
    url = f"{sim.url}/_sim/merchant/service_account"
    body = {"token_uri": sim.merchant_token_uri(), "accounts": [ACCOUNT], "registered": False}
    other = requests.post(url, json={**body, "project_id": "other-project"}, timeout=5).json()
    assert other["project_id"] == "other-project"
    other_session = AuthorizedSession(
        service_account.Credentials.from_service_account_info(other, scopes=[SCOPE])
    )
    assert other_session.get(accounts, timeout=5).status_code == 401
