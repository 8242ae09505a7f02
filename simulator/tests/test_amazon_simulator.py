"""The simulator's Amazon account on the wire: Login with Amazon, usage plans, listings,
presigned documents, searchOrders and confirmShipment checks."""

import pytest
import requests

ACCOUNT = "wire"
SELLER = "A3SIMULATOR"
DE = "A1PA6795UKMFR9"


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()


@pytest.fixture
def base(sim):
    return sim.marketplace_url("amazon", ACCOUNT)


def _token(base, **form):
    settings = {"grant_type": "refresh_token", "refresh_token": "Atzr|simulator-refresh-token",
                "client_id": "amzn1.application-oa2-client.simulator",
                "client_secret": "simulator-lwa-secret", **form}  # fmt: skip
    return requests.post(f"{base}/auth/o2/token", data=settings, timeout=5)


def _headers(base):
    return {"x-amz-access-token": _token(base).json()["access_token"]}


def test_tokens_are_given_for_the_refresh_token_and_checked_on_every_call(sim, base):
    answer = _token(base)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer" and answer.json()["expires_in"] == 3600
    assert _token(base, refresh_token="Atzr|nope").json()["error"] == "invalid_grant"
    assert _token(base, client_secret="x").status_code == 401
    url = f"{base}/listings/2021-08-01/items/{SELLER}/X?marketplaceIds={DE}"
    missing = requests.get(url, timeout=5).json()["errors"][0]
    assert missing["code"] == "Unauthorized" and "missing" in missing["details"]
    headers = {"x-amz-access-token": answer.json()["access_token"]}
    assert requests.get(url, headers=headers, timeout=5).status_code == 404
    sim.amazon.expire_tokens(ACCOUNT)
    expired = requests.get(url, headers=headers, timeout=5)
    assert expired.status_code == 403 and "expired" in expired.json()["errors"][0]["details"]


def test_usage_plans_answer_429_without_retry_after(sim, base):
    sim.configure_marketplace("amazon", ACCOUNT, rate_limits={"getListingsItem": [0.5, 1]})
    sim.amazon.add_listing(ACCOUNT, "L", 2)
    headers = _headers(base)
    url = f"{base}/listings/2021-08-01/items/{SELLER}/L"
    params = {"marketplaceIds": DE, "includedData": "fulfillmentAvailability"}
    served = requests.get(url, headers=headers, params=params, timeout=5)
    assert served.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert served.json()["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 2}]  # fmt: skip
    refused = requests.get(url, headers=headers, params=params, timeout=5)
    assert refused.status_code == 429 and "Retry-After" not in refused.headers
    assert refused.json()["errors"][0]["code"] == "QuotaExceeded"


def test_patches_are_checked(sim, base):
    sim.amazon.add_listing(ACCOUNT, "P", 2)
    headers = _headers(base)
    url = f"{base}/listings/2021-08-01/items/{SELLER}/P"
    bad = requests.patch(url, json={"patches": []}, headers=headers,
                         params={"marketplaceIds": DE}, timeout=5)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "BAD_REQUEST"
    body = {"productType": "PRODUCT", "patches": [{"op": "merge", "path": "/attributes/x"}]}
    invalid = requests.patch(url, json=body, headers=headers, params={"marketplaceIds": DE},
                             timeout=5).json()  # fmt: skip
    assert invalid["status"] == "INVALID" and invalid["issues"][0]["severity"] == "ERROR"


def test_presigned_urls_need_their_signature(sim, base):
    headers = _headers(base)
    created = requests.post(f"{base}/feeds/2021-06-30/documents", headers=headers,
                            json={"contentType": "application/json"}, timeout=5)  # fmt: skip
    assert created.status_code == 201
    url = created.json()["url"]
    assert requests.put(url.split("?")[0], data=b"{}", timeout=5).status_code == 403
    assert requests.put(url, data=b'{"header": {}}', timeout=5).status_code == 200
    feed = {"feedType": "POST_INVENTORY_AVAILABILITY_DATA", "marketplaceIds": [DE],
            "inputFeedDocumentId": created.json()["feedDocumentId"]}  # fmt: skip
    refused = requests.post(f"{base}/feeds/2021-06-30/feeds", json=feed, headers=headers, timeout=5)
    assert refused.status_code == 400


def test_search_orders_needs_one_time_and_confirm_shipment_refuses_a_package_twice(sim, base):
    order = sim.amazon.add_order(ACCOUNT, {"orderItems": [
        {"orderItemId": "1", "quantityOrdered": 2, "product": {"sellerSku": "S"}}]})  # fmt: skip
    headers = _headers(base)
    search = f"{base}/orders/2026-01-01/orders"
    assert requests.get(search, headers=headers, timeout=5).status_code == 400
    found = requests.get(search, headers=headers, timeout=5,
                         params={"createdAfter": "2020-01-01T00:00:00Z"}).json()  # fmt: skip
    assert [o["orderId"] for o in found["orders"]] == [order["orderId"]]
    assert "buyer" not in found["orders"][0] and "fulfillment" not in found["orders"][0]
    url = f"{base}/orders/v0/orders/{order['orderId']}/shipmentConfirmation"
    package = {"packageReferenceId": "1", "carrierCode": "Other", "carrierName": "Van",
               "trackingNumber": "T1", "shipDate": "2026-11-23T10:00:00.000Z",
               "orderItems": [{"orderItemId": "1", "quantity": 1}]}  # fmt: skip
    with requests.Session() as session:
        first = session.post(url, json={"marketplaceId": DE, "packageDetail": package},
                             headers=headers, timeout=5)  # fmt: skip
        assert first.status_code == 204
        again = session.post(url, json={"marketplaceId": DE, "packageDetail": package},
                             headers=headers, timeout=5)  # fmt: skip
        assert again.status_code == 400 and "already exists" in again.json()["errors"][0]["details"]
        package = {**package, "packageReferenceId": "2", "shipDate": "23/11/2026"}
        dated = session.post(url, json={"marketplaceId": DE, "packageDetail": package},
                             headers=headers, timeout=5)  # fmt: skip
        assert dated.status_code == 400
    shipped = sim.amazon.order(ACCOUNT, order["orderId"])
    assert shipped["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
