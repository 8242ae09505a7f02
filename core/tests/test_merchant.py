"""The Google Merchant Center connector against a fake of Google's answers (written from
the Merchant API v1 reference): availability from the quantity, the units on hand and
the future stock, the supplemental input and each store's local inventory, the service
account's token (google-auth) cached and refreshed, quotas, verdicts with item-level
issues, read-back, the connection check, Google's errors in words."""

import base64
import json
import time
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.alerts import KEEP, OPEN, RESOLVE, issue_transition
from core.allocation import Result
from core.connectors import ChannelConfig, PushItem, get_connector
from core.connectors import merchant_wire as wire
from core.connectors.base import PENDING, SUCCESS, StoreStock
from core.connectors.merchant import KEY_WAIT
from core.connectors.types import detail_key
from core.dispatch import PushBatch, VariantOnChannel
from core.errors import PermanentError, RetryableError
from core.promise import on_hand_units, store_figures
from core.ratelimit import Limiter
from core.tokens import TokenStore

MERCHANT = get_connector("merchant")
API = "https://merchantapi.googleapis.com"
TOKEN_URI = "https://oauth2.googleapis.com/token"
ACCOUNT = "123456"
SOURCE = "9876"
PLAIN = "de~DE~SKU-1"
PID = wire.product_id("de", "DE", "SKU-1")  # unpadded base64url of PLAIN
WHEN = datetime(2026, 12, 7, 10, 0, 0)
TODAY = date(2026, 12, 7)
PRIVATE_KEY = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    .decode("ascii")
)
KEY = {
    "type": "service_account",
    "project_id": "shop",
    "private_key_id": "kid-1",
    "private_key": PRIVATE_KEY,
    "client_email": "odoo@shop.iam.gserviceaccount.com",
    "client_id": "1",
    "token_uri": TOKEN_URI,
}


class FakeGoogle:
    """A requests.Session that answers as Google does: the token endpoint, the product
    inputs, local inventories, products, accounts and data sources."""

    def __init__(self):
        self.calls = []  # (method, path, params, json body or form)
        self.tokens = 0
        self.token_seconds = 3600
        self.products = {}  # plain product id -> Product
        self.source = {"displayName": "Odoo availability", "input": "API",
                       "supplementalProductDataSource": {}}  # fmt: skip
        self.inventories = {}  # pid -> {store: LocalInventory}
        self.answers = {}  # (method, path) -> [(status, body, headers)] served first
        self.headers = {}

    # requests.Session's interface, as the connector and google-auth call it
    def request(self, method, url, data=None, headers=None, params=None, timeout=None, **_kw):
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()} | dict(params or {})
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        self.calls.append((method, parts.path, query, text, dict(headers or {})))
        queued = self.answers.get((method, parts.path))
        if queued:
            return self._response(method, url, *queued.pop(0))
        if url == TOKEN_URI:
            form = parse_qs(text)
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            self.tokens += 1
            token = f"ya29.token-{self.tokens}"
            answer = {"access_token": token, "expires_in": self.token_seconds}
            return self._response(method, url, 200, {**answer, "token_type": "Bearer"})
        if (headers or {}).get("Authorization") != f"Bearer ya29.token-{self.tokens}":
            return self._response(method, url, 401, _error(401, "UNAUTHENTICATED", "bad token"))
        return self._route(method, parts.path, query, text, url)

    def _route(self, method, path, query, text, url):
        body = json.loads(text) if text else None
        products = f"/products/v1/accounts/{ACCOUNT}"
        if method == "POST" and path == f"{products}/productInputs:insert":
            pid = f"{body['contentLanguage']}~{body['feedLabel']}~{body['offerId']}"
            self.products[pid] = {
                "name": f"accounts/{ACCOUNT}/products/{pid}",
                "offerId": body["offerId"],
                "productAttributes": dict(body["productAttributes"]),
            }
            return self._response(method, url, 200, {**body, "name": f"x/productInputs/{pid}"})
        if path.startswith(f"{products}/products/"):
            pid = _plain(path.rsplit("/", 1)[1])
            if pid not in self.products:
                return self._response(method, url, 404, _error(404, "NOT_FOUND", "no product"))
            return self._response(method, url, 200, self.products[pid])
        inventories = f"/inventories/v1/accounts/{ACCOUNT}/products/"
        if path.startswith(inventories):
            pid = _plain(path[len(inventories) :].split("/")[0])
            stores = self.inventories.setdefault(pid, {})
            if method == "DELETE":
                code = path.rsplit("/", 1)[1]
                if stores.pop(code, None) is None:
                    return self._response(method, url, 404, _error(404, "NOT_FOUND", "none"))
                return self._response(method, url, 200, {})
            if method == "POST":
                stores[body["storeCode"]] = body
                return self._response(method, url, 200, body)
            return self._response(method, url, 200, {"localInventories": list(stores.values())})
        if path == f"/accounts/v1/accounts/{ACCOUNT}":
            return self._response(method, url, 200, {"accountName": "Shop GmbH"})
        if path == f"/datasources/v1/accounts/{ACCOUNT}/dataSources/{SOURCE}":
            return self._response(method, url, 200, self.source)
        return self._response(method, url, 404, _error(404, "NOT_FOUND", "nothing here"))

    @staticmethod
    def _response(method, url, status, body, headers=None):
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode("utf-8")
        response.headers.update({"Content-Type": "application/json", **(headers or {})})
        response.url = url
        response.request = requests.Request(method, url).prepare()
        return response

    def close(self):
        pass

    def api_calls(self, method=None):
        return [c for c in self.calls if c[1] != "/token" and (method is None or c[0] == method)]


def _plain(segment):
    """A {product} segment as Google reads it: plain (``lang~label~offer``), else unpadded
    base64url (products.get: "automatically detected by the server")."""
    if "~" in segment:
        return segment
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8")


def _error(code, status, message, reason=""):
    info = "type.googleapis.com/google.rpc.ErrorInfo"
    details = [{"@type": info, "reason": reason, "domain": "merchantapi.googleapis.com",
                "metadata": {"REASON": reason}}]  # fmt: skip
    return {"error": {"code": code, "message": message, "status": status,
                      "details": details if reason else []}}  # fmt: skip


def _connector(google, clock=None, **settings):
    values = {
        "service_account_key": json.dumps(KEY),
        "account_id": ACCOUNT,
        "data_source": SOURCE,
        "feed_label": "DE",
        "content_language": "de",
        "requests_per_minute": 60000,  # the fake has no quota: no test waits for one
        **settings,
    }
    config = ChannelConfig("gmc", API, settings=values)
    tokens = TokenStore(clock=clock) if clock else TokenStore()
    return MERCHANT(config, session=google, limiter=Limiter(), tokens=tokens)


def _item(sku, quantity, on_hand=None, available_at=None, stores=()):
    return PushItem(sku=sku, quantity=quantity, sequence=1, computed_at=WHEN, on_hand=on_hand,
                    available_at=available_at, stores=tuple(stores))  # fmt: skip


# -- availability ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "on_hand", "available_at", "expected"),
    [
        (5, None, None, ("IN_STOCK", None)),
        (5, 2, date(2026, 12, 10), ("IN_STOCK", None)),  # 2 now, 3 more on the 10th
        (0, None, None, ("OUT_OF_STOCK", None)),
        (3, 0, date(2026, 12, 10), ("BACKORDER", date(2026, 12, 10))),  # all to come
        (4, 0, None, ("BACKORDER", date(2026, 12, 21))),  # backorder: 14 days from today
        (-2, None, None, ("OUT_OF_STOCK", None)),
    ],
)
def test_online_availability(quantity, on_hand, available_at, expected):
    item = _item("A", quantity, on_hand, available_at)
    assert wire.online_availability(item, today=TODAY) == expected


def test_future_stock_as_preorder_and_backorder_days():
    item = _item("A", 3, 0)
    expected = ("PREORDER", date(2026, 12, 14))  # 2 days on: the next Monday
    assert wire.online_availability(item, wire.PREORDER, 2, TODAY) == expected


def test_the_backorder_date_moves_once_a_week_and_stays_within_a_year():
    # 14 days from any day of a week: the same Monday, so no push a day
    days = {wire.backorder_day(date(2026, 12, d), 14) for d in range(8, 15)}
    assert days == {date(2026, 12, 28)}
    assert wire.backorder_day(date(2026, 12, 15), 14) == date(2027, 1, 4)  # a week on
    assert wire.backorder_day(TODAY, 5000) <= date(2027, 12, 7)  # "up to 1 year"
    assert MERCHANT.backorder_date({"backorder_days": None}, TODAY) == date(2026, 12, 21)
    assert MERCHANT.backorder_date({"backorder_days": 3}, TODAY) == date(2026, 12, 14)


def test_a_date_sent_is_never_past_nor_beyond_a_year():
    late = _item("A", 3, 0, available_at=date(2026, 11, 30))  # a receipt late
    assert wire.online_availability(late, today=TODAY) == ("BACKORDER", TODAY)
    far = _item("A", 3, 0, available_at=date(2028, 1, 1))
    assert wire.online_availability(far, today=TODAY) == ("BACKORDER", date(2027, 12, 7))


def test_product_id_always_encoded():
    # Google's example: the whole id base64url-encoded, unpadded
    assert wire.product_id("en", "US", "sku/123") == "ZW5-VVN-c2t1LzEyMw"
    # URL-reserved or Merchant API characters (migrate-v1beta-v1): . + / and the others
    for sku in ("SKU-1", "ABC.1", "A+B", "A/B", "A:B,C(1)*!&?=@#$%~"):
        pid = wire.product_id("de", "DE", sku)
        assert set(pid) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert _plain(pid) == f"de~DE~{sku}"


@pytest.mark.parametrize("sku", ["ABC.1", "A+B", "A/B"])
def test_a_sku_with_reserved_characters_is_read_back_by_its_encoded_name(sku):
    google = FakeGoogle()
    connector = _connector(google)
    result = connector.push([_item(sku, 2, stores=[StoreStock("S1", 2)])], today=TODAY)
    pid = wire.product_id("de", "DE", sku)
    assert result.tracking == {sku: f"product:{pid}|IN_STOCK|"}
    track = result.tracking[sku]
    assert connector.check_pushes({track: [sku]})[track].state == SUCCESS
    assert connector.read_quantities([sku]) == {sku: 1}
    assert connector.read_stores([sku]) == {sku: {"S1": 2}}
    paths = [call[1] for call in google.api_calls() if f"{ACCOUNT}/products/" in call[1]]
    assert paths and all(f"/products/{pid}" in path for path in paths)


def test_detail_key_says_the_units_on_hand_and_each_store():
    stores = (StoreStock("S1", 3, pickup=True), StoreStock("S2", 0))
    assert detail_key(2, stores) == "now=2;S1=3+pickup;S2=0"
    assert detail_key(None, ()) == ""


# -- push ---------------------------------------------------------------------------


def test_push_writes_availability_then_each_store():
    google = FakeGoogle()
    stores = [StoreStock("BERLIN-1", 3, pickup=True), StoreStock("HAMBURG-2", 0, pickup=True)]
    result = _connector(google).push([_item("SKU-1", 3, stores=stores)], today=TODAY)
    assert result.item_errors == {} and result.retry_errors == {}
    assert result.tracking == {"SKU-1": f"product:{PID}|IN_STOCK|"}
    (insert, berlin, hamburg) = google.api_calls("POST")
    assert insert[1] == f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    assert insert[2] == {"dataSource": f"accounts/{ACCOUNT}/dataSources/{SOURCE}"}
    # only the attributes we own: a supplemental input never overwrites the others
    assert json.loads(insert[3]) == {
        "offerId": "SKU-1",
        "contentLanguage": "de",
        "feedLabel": "DE",
        "productAttributes": {"availability": "IN_STOCK"},
    }
    path = f"/inventories/v1/accounts/{ACCOUNT}/products/{PID}/localInventories:insert"
    assert (berlin[1], hamburg[1]) == (path, path)
    assert json.loads(berlin[3]) == {
        "storeCode": "BERLIN-1",
        "localInventoryAttributes": {"availability": "IN_STOCK", "quantity": "3",
                                     "pickupMethod": "BUY", "pickupSla": "SAME_DAY"},
    }  # fmt: skip
    # nothing to collect where nothing is in stock: said, not left out
    assert json.loads(hamburg[3]) == {
        "storeCode": "HAMBURG-2",
        "localInventoryAttributes": {"availability": "OUT_OF_STOCK", "quantity": "0",
                                     "pickupMethod": "NOT_SUPPORTED"},
    }  # fmt: skip


def test_pickup_off_is_sent_as_not_supported():
    google = FakeGoogle()
    stores = [StoreStock("S1", 3, pickup=False)]
    _connector(google).push([_item("SKU-1", 3, stores=stores)], today=TODAY)
    attributes = json.loads(google.api_calls("POST")[1][3])["localInventoryAttributes"]
    assert attributes == {"availability": "IN_STOCK", "quantity": "3",
                          "pickupMethod": "NOT_SUPPORTED"}  # fmt: skip
    # the channel's Pickup Method NOT_SUPPORTED: no SLA with it
    google = FakeGoogle()
    stores = [StoreStock("S1", 3, pickup=True)]
    _connector(google, pickup_method="NOT_SUPPORTED").push([_item("SKU-1", 3, stores=stores)])
    attributes = json.loads(google.api_calls("POST")[1][3])["localInventoryAttributes"]
    assert attributes["pickupMethod"] == "NOT_SUPPORTED" and "pickupSla" not in attributes


def test_a_store_no_longer_the_channels_is_deleted_on_google():
    google = FakeGoogle()
    connector = _connector(google)
    stores = [StoreStock("BERLIN-1", 3), StoreStock("HAMBURG-2", 1)]
    connector.push([_item("SKU-1", 4, stores=stores)], today=TODAY)
    assert set(google.inventories[PLAIN]) == {"BERLIN-1", "HAMBURG-2"}
    # HAMBURG-2's store code cleared on the channel: its inventory goes, not left on Google
    item = PushItem(sku="SKU-1", quantity=3, sequence=2, computed_at=WHEN,
                    stores=(StoreStock("BERLIN-1", 3),),
                    previous_detail="BERLIN-1=3;HAMBURG-2=1")  # fmt: skip
    result = connector.push([item], today=TODAY)
    assert result.item_errors == {} and set(google.inventories[PLAIN]) == {"BERLIN-1"}
    delete = google.api_calls("DELETE")
    assert [call[1] for call in delete] == [
        f"/inventories/v1/accounts/{ACCOUNT}/products/{PID}/localInventories/HAMBURG-2"
    ]
    # deleted already (404): done; nothing known before: nothing deleted, nothing listed
    connector.push([item], today=TODAY)
    assert len(google.api_calls("DELETE")) == 2
    calls = len(google.api_calls("GET"))
    connector.push([_item("SKU-1", 3, stores=[StoreStock("BERLIN-1", 3)])], today=TODAY)
    assert len(google.api_calls("DELETE")) == 2 and len(google.api_calls("GET")) == calls
    assert wire.detail_stores("now=2;S1=3+pickup;S=2=0") == ["S1", "S=2"]


def test_a_primary_data_source_is_never_pushed_into():
    google = FakeGoogle()
    google.source = {"displayName": "Shop feed", "input": "API", "primaryProductDataSource": {}}
    with pytest.raises(RetryableError) as caught:
        _connector(google).push([_item("SKU-1", 1)], today=TODAY)
    assert "is not a supplemental product data source" in str(caught.value)
    assert caught.value.seconds == 600.0 and not caught.value.throttled
    assert google.api_calls("POST") == []  # nothing inserted: the product's data is kept


def test_the_data_source_is_checked_once_in_a_while():
    google, now = FakeGoogle(), [1000.0]
    connector = _connector(google, clock=lambda: now[0])
    for _ in range(3):
        connector.push([_item("SKU-1", 1)], today=TODAY)
    sources = [c for c in google.api_calls("GET") if c[1].startswith("/datasources/")]
    assert len(sources) == 1
    now[0] += 601  # the source may have changed since: asked again
    google.source = {**google.source, "supplementalProductDataSource": {
        "feedLabel": "AT", "contentLanguage": "de"}}  # fmt: skip
    with pytest.raises(RetryableError, match="only takes products of the feedLabel 'AT'"):
        connector.push([_item("SKU-1", 1)], today=TODAY)


def test_a_supplemental_source_of_another_feed_label_is_refused_by_the_check():
    google = FakeGoogle()
    google.source = {"input": "API", "supplementalProductDataSource": {
        "feedLabel": "DE", "contentLanguage": "en"}}  # fmt: skip
    check = _connector(google).test_connection()
    assert not check.ok and "contentLanguage 'en', not the channel's 'de'" in check.message
    google.source = {"input": "API", "supplementalProductDataSource": {
        "feedLabel": "DE", "contentLanguage": "de"}}  # fmt: skip
    assert _connector(google).test_connection().ok
    google.source = {"input": "API"}  # neither primary nor supplemental: refused
    check = _connector(google).test_connection()
    assert not check.ok and "is not a supplemental product data source" in check.message


def test_a_key_naming_another_token_endpoint_is_refused():
    google = FakeGoogle()
    key = {**KEY, "token_uri": "https://attacker.example/token"}
    check = _connector(google, service_account_key=json.dumps(key)).test_connection()
    assert not check.ok and "not Google's https://oauth2.googleapis.com/token" in check.message
    with pytest.raises(RetryableError, match="token_uri"):  # waits for a corrected key
        _connector(google, service_account_key=json.dumps(key)).push([_item("SKU-1", 1)])
    assert google.calls == []  # no assertion left for another endpoint
    assert wire.token_uri_refusal("http://127.0.0.1:8069/token") is None
    assert wire.token_uri_refusal("http://localhost:8117/merchant/token") is None
    assert wire.token_uri_refusal("https://oauth2.googleapis.com.example/token")


def test_backorder_with_its_date():
    google = FakeGoogle()
    item = _item("SKU-1", 3, on_hand=0, available_at=date(2026, 12, 10))
    result = _connector(google).push([item], today=TODAY)
    body = json.loads(google.api_calls("POST")[0][3])
    assert body["productAttributes"] == {
        "availability": "BACKORDER",
        "availabilityDate": "2026-12-10T00:00:00Z",
    }
    assert result.tracking == {"SKU-1": f"product:{PID}|BACKORDER|2026-12-10"}


def test_an_item_google_refuses_is_its_error_the_others_go():
    google = FakeGoogle()
    path = f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    invalid = _error(400, "INVALID_ARGUMENT", "offerId too long", "INVALID_OFFER_ID")
    google.answers[("POST", path)] = [(400, invalid)]
    result = _connector(google).push([_item("BAD", 1), _item("SKU-1", 1)], today=TODAY)
    assert set(result.tracking) == {"SKU-1"}
    assert "INVALID_ARGUMENT (INVALID_OFFER_ID): offerId too long" in result.item_errors["BAD"]


# -- token --------------------------------------------------------------------------


def test_token_is_fetched_once_cached_then_refreshed_when_expired():
    google = FakeGoogle()
    now = [time.time()]
    connector = _connector(google, clock=lambda: now[0])
    connector.push([_item("SKU-1", 1)], today=TODAY)
    connector.push([_item("SKU-1", 0)], today=TODAY)
    assert google.tokens == 1  # the second push used the cached token
    now[0] += 3600  # past its expiry (less the margin)
    connector.read_quantities(["SKU-1"])  # one call (google-auth's expiry is real time)
    assert google.tokens == 2
    assert google.api_calls()[-1][4]["Authorization"] == "Bearer ya29.token-2"


def test_a_new_key_is_not_given_the_old_keys_token():
    google, tokens = FakeGoogle(), TokenStore()
    first = _connector(google)
    first.tokens = tokens
    first.push([_item("SKU-1", 1)], today=TODAY)
    second = _connector(google, service_account_key=json.dumps({**KEY, "private_key_id": "k2"}))
    second.tokens = tokens  # the channel's store, the key pasted again
    second.push([_item("SKU-1", 0)], today=TODAY)
    assert google.tokens == 2
    assert google.api_calls()[-1][4]["Authorization"] == "Bearer ya29.token-2"


def test_a_token_google_no_longer_takes_is_fetched_again_once():
    google = FakeGoogle()
    connector = _connector(google)
    connector.push([_item("SKU-1", 1)], today=TODAY)
    path = f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    google.answers[("POST", path)] = [(401, _error(401, "UNAUTHENTICATED", "expired"))]
    result = connector.push([_item("SKU-1", 0)], today=TODAY)  # 401: token-2, sent again
    assert google.tokens == 2 and result.tracking
    inserts = [c for c in google.api_calls("POST") if c[1].endswith("productInputs:insert")]
    assert [c[4]["Authorization"] for c in inserts] == [
        "Bearer ya29.token-1", "Bearer ya29.token-1", "Bearer ya29.token-2"]  # fmt: skip


def test_a_refused_key_says_what_to_do_and_never_shows_it():
    google = FakeGoogle()
    refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    google.answers[("POST", "/token")] = [(400, refused)]
    check = _connector(google).test_connection()
    assert not check.ok
    refusal = "Google Merchant Center: Google refuses the service account key"
    assert check.message.startswith(refusal)
    assert "invalid_grant" in check.message and PRIVATE_KEY[40:80] not in check.message


def test_a_key_that_is_no_json_key():
    check = _connector(FakeGoogle(), service_account_key="not json").test_connection()
    assert check.message == (
        "Google Merchant Center: the Service Account Key is not a JSON key: paste the whole "
        "file Google Cloud gave (IAM > Service accounts > Keys > Add key > JSON)."
    )


def test_a_key_that_is_not_rsa_is_refused_without_showing_it():
    ec_key = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
    google = FakeGoogle()
    key = json.dumps({**KEY, "private_key": ec_key})
    check = _connector(google, service_account_key=key).test_connection()
    assert not check.ok
    assert check.message.startswith(
        "Google Merchant Center: the Service Account Key's private key cannot be used"
    )
    assert ec_key[40:80] not in check.message and google.tokens == 0


def test_a_refused_key_makes_the_pushes_wait_then_a_corrected_key_sends_them():
    google = FakeGoogle()
    refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    google.answers[("POST", "/token")] = [(400, refused)]
    with pytest.raises(RetryableError) as caught:  # never a dead letter
        _connector(google).push([_item("SKU-1", 1), _item("SKU-2", 2)], today=TODAY)
    assert caught.value.seconds == KEY_WAIT and not caught.value.throttled
    assert "Google refuses the service account key" in caught.value.message
    with pytest.raises(RetryableError) as caught:  # a key that is no JSON key waits too
        _connector(google, service_account_key="not json").push([_item("SKU-1", 1)])
    assert caught.value.seconds == KEY_WAIT
    result = _connector(google).push([_item("SKU-1", 1), _item("SKU-2", 2)], today=TODAY)
    assert sorted(result.tracking) == ["SKU-1", "SKU-2"] and not result.item_errors


@pytest.mark.parametrize("status", [401, 403])
def test_an_account_refusing_the_service_account_makes_the_pushes_wait(status):
    google = FakeGoogle()
    insert = f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    denied = _error(status, "PERMISSION_DENIED", "The caller does not have access.")
    google.answers[("POST", insert)] = [(status, denied)] * 2
    with pytest.raises(RetryableError) as caught:
        _connector(google).push([_item("SKU-1", 1)], today=TODAY)
    assert caught.value.seconds == KEY_WAIT and caught.value.status == status


def test_a_corrected_key_or_account_republishes():
    republish = {s.name for s in MERCHANT.settings if s.republish}
    assert {"service_account_key", "account_id"} <= republish


# -- limits -------------------------------------------------------------------------


def test_resource_exhausted_rests_the_endpoint_for_the_minute():
    google = FakeGoogle()
    path = f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    quota = _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "quota/request_rate_too_high")
    google.answers[("POST", path)] = [(429, quota)]
    connector = _connector(google)
    with pytest.raises(RetryableError) as caught:
        connector.push([_item("SKU-1", 1)], today=TODAY)
    error = caught.value
    assert error.throttled and error.seconds == 60.0 and error.window == "product_inputs"
    assert "RESOURCE_EXHAUSTED (quota/request_rate_too_high): Quota exceeded" in error.message
    # the endpoint rests: the next push waits past max_limit_wait, so it comes back later
    with pytest.raises(RetryableError) as again:
        connector.push([_item("SKU-1", 1)], today=TODAY)
    assert again.value.throttled
    assert len(google.api_calls("POST")) == 1


def test_a_quota_midway_leaves_the_rest_for_later():
    google = FakeGoogle()
    path = f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    quota = _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded")
    google.answers[("POST", path)] = [(200, {"offerId": "A"}), (429, quota)]
    result = _connector(google).push([_item("A", 1), _item("B", 1), _item("C", 1)], today=TODAY)
    assert set(result.tracking) == {"A"}
    assert set(result.retry_errors) == {"B", "C"} and result.throttled == {"B": 60.0, "C": 60.0}


def test_requests_per_minute_is_the_limit_of_each_sub_api():
    connector = _connector(FakeGoogle(), requests_per_minute=120)
    assert connector.limits["product_inputs"].rate == pytest.approx(120 / 60 * 0.9)


# -- verdicts -----------------------------------------------------------------------


def test_verdict_pending_until_processed_then_success():
    google = FakeGoogle()
    connector = _connector(google)
    track = f"product:{PID}|IN_STOCK|"
    assert connector.check_pushes({track: ["SKU-1"]})[track].state == PENDING  # 404
    google.products[PLAIN] = {"productAttributes": {"availability": "OUT_OF_STOCK"}}
    assert connector.check_pushes({track: ["SKU-1"]})[track].state == PENDING  # older
    google.products[PLAIN] = {"productAttributes": {"availability": "IN_STOCK"}}
    verdict = connector.check_pushes({track: ["SKU-1"]})[track]
    assert (verdict.state, verdict.issues, verdict.errors(["SKU-1"])) == (SUCCESS, {}, {})


def test_one_products_refusal_spoils_no_other_verdict():
    google = FakeGoogle()
    connector = _connector(google)
    bad_pid = wire.product_id("de", "DE", "BAD")
    refused = _error(400, "INVALID_ARGUMENT", "bad product name")
    google.answers[("GET", f"/products/v1/accounts/{ACCOUNT}/products/{bad_pid}")] = [
        (400, refused)
    ]
    google.products[PLAIN] = {"productAttributes": {"availability": "IN_STOCK"}}
    bad, good = f"product:{bad_pid}|IN_STOCK|", f"product:{PID}|IN_STOCK|"
    verdicts = connector.check_pushes({bad: ["BAD"], good: ["SKU-1"]})
    assert verdicts[good].state == SUCCESS
    assert verdicts[bad].state == "failure"
    assert "INVALID_ARGUMENT: bad product name" in verdicts[bad].reason


def test_an_item_level_disapproval_is_said_with_the_verdict():
    google = FakeGoogle()
    google.products[PLAIN] = {
        "productAttributes": {"availability": "IN_STOCK"},
        "productStatus": {"itemLevelIssues": [
            {"code": "availability_mismatch", "severity": "DISAPPROVED",
             "attribute": "availability", "reportingContext": "SHOPPING_ADS",
             "description": "Mismatched availability (page crawl)"},
            {"code": "image_too_small", "severity": "NOT_IMPACTED", "description": "Small"},
        ]},
    }  # fmt: skip
    track = f"product:{PID}|IN_STOCK|"
    verdict = _connector(google).check_pushes({track: ["SKU-1"]})[track]
    assert verdict.state == SUCCESS and verdict.errors(["SKU-1"]) == {}
    assert verdict.issues == {
        "SKU-1": "DISAPPROVED (SHOPPING_ADS): Mismatched availability (page crawl) "
        "[availability] (availability_mismatch)"
    }


# -- read-back ----------------------------------------------------------------------


def test_read_back_in_stock_or_not_and_the_stores():
    google = FakeGoogle()
    connector = _connector(google)
    stores = [StoreStock("BERLIN-1", 3), StoreStock("HAMBURG-2", 1)]
    connector.push([_item("SKU-1", 4, stores=stores), _item("SKU-2", 0)], today=TODAY)
    assert connector.read_quantities(["SKU-1", "SKU-2", "UNKNOWN"]) == {"SKU-1": 1, "SKU-2": 0}
    assert (MERCHANT.read_form(4), MERCHANT.read_form(0)) == (1, 0)
    assert connector.read_stores(["SKU-1", "SKU-2"]) == {"SKU-1": {"BERLIN-1": 3, "HAMBURG-2": 1}}


# -- test connection -------------------------------------------------------------------


def test_connection_ok_names_the_account_and_data_source():
    check = _connector(FakeGoogle()).test_connection()
    assert check.ok, check.message
    assert check.message == (
        "Google Merchant Center: connected (account Shop GmbH, data source Odoo availability)."
    )


def test_connection_wrong_account():
    check = _connector(FakeGoogle(), account_id="999").test_connection()
    assert check.message == (
        "Google Merchant Center: the service account odoo@shop.iam.gserviceaccount.com cannot "
        "read Merchant Center account 999: check the Merchant Center Account Id, and add the "
        "service account's e-mail as a user (Settings > People and access)."
    )


def test_connection_data_source_missing():
    check = _connector(FakeGoogle(), data_source="1111").test_connection()
    assert check.message == (
        f"Google Merchant Center: the data source accounts/{ACCOUNT}/dataSources/1111 does not "
        f"exist in account {ACCOUNT}: create a supplemental data source of the Merchant API "
        "and paste its id as the Data Source."
    )


def test_connection_refuses_a_primary_data_source():
    google = FakeGoogle()
    path = f"/datasources/v1/accounts/{ACCOUNT}/dataSources/{SOURCE}"
    google.answers[("GET", path)] = [(200, {"input": "API", "primaryProductDataSource": {}})]
    check = _connector(google).test_connection()
    assert not check.ok and "is not a supplemental product data source" in check.message


def test_connection_names_a_pickup_sla_google_does_not_take():
    check = _connector(FakeGoogle(), pickup_sla="2 hours").test_connection()
    assert not check.ok
    assert check.message.startswith(
        "Google Merchant Center: Pickup SLA '2 HOURS' is none of SAME_DAY, NEXT_DAY"
    )
    assert check.message.endswith("MULTI_WEEK: correct it on the channel.")


UNREGISTERED = (
    "GCP project with id shop and number 1234 is not registered with the merchant account. "
    "Follow these steps https://developers.google.com/merchant/api/guides/quickstart"
    "#register_as_a_developer to register the GCP project with the merchant account then try "
    "calling the API again in 5 minutes."
)


def test_a_project_not_registered_says_to_register_it_and_pushes_wait():
    google = FakeGoogle()
    path = f"/accounts/v1/accounts/{ACCOUNT}"
    google.answers[("GET", path)] = [(401, _error(401, "UNAUTHENTICATED", UNREGISTERED))] * 2
    check = _connector(google).test_connection()
    assert check.message == (
        f"Google Merchant Center: the Google Cloud project shop is not registered with "
        f"Merchant Center account {ACCOUNT}: an admin of the account registers it once "
        "(Merchant API registerGcp, with a developer's e-mail; see "
        "developers.google.com/merchant/api/guides/quickstart/registration), then test "
        "again in 5 minutes."
    )
    insert = f"/products/v1/accounts/{ACCOUNT}/productInputs:insert"
    google.answers[("POST", insert)] = [(401, _error(401, "UNAUTHENTICATED", UNREGISTERED))] * 2
    with pytest.raises(RetryableError) as caught:  # sent again later, never a dead letter
        _connector(google).push([_item("SKU-1", 1)], today=TODAY)
    assert caught.value.seconds == 300.0 and not caught.value.throttled


def test_a_required_setting_left_empty_sends_nothing():
    google = FakeGoogle()
    with pytest.raises(PermanentError, match="needs its Data Source"):
        _connector(google, data_source="").push([_item("SKU-1", 1)], today=TODAY)
    assert google.calls == []


def test_error_words():
    body = json.dumps(_error(403, "PERMISSION_DENIED", "No access", "PERMISSION_DENIED_ACCOUNTS"))
    words = "PERMISSION_DENIED (PERMISSION_DENIED_ACCOUNTS): No access"
    assert wire.error_words(body, "x") == words
    assert wire.error_words("<html>", "fallback") == "fallback"


# -- what Odoo computes for the connector (core) ----------------------------------------


def test_units_on_hand_leave_out_future_stock_and_backorders():
    assert on_hand_units(Result(publishable=5, sellable=5)) == 5
    assert on_hand_units(Result(publishable=5, sellable=2, future=3)) == 2  # 3 to come
    assert on_hand_units(Result(publishable=3, sellable=0, future=3)) == 0
    assert on_hand_units(Result(publishable=4, sellable=0)) == 0  # the backorder quantity
    assert on_hand_units(Result(publishable=0, sellable=-2)) == 0


def test_store_figures_per_store_and_pickup():
    stores = [(1, "BERLIN-1", True), (2, "HAMBURG-2", False), (3, "MUNICH-3", True)]
    assert store_figures(stores, {1: 3, 2: 4, 3: 0}) == (
        StoreStock("BERLIN-1", 3, pickup=True),
        StoreStock("HAMBURG-2", 4),
        StoreStock("MUNICH-3", 0),  # nothing on the shelf: not collectable
    )
    blocked = store_figures(stores, {1: 3}, blocked=True)  # No Pickup on this channel
    assert blocked[0] == StoreStock("BERLIN-1", 3) and blocked[1] == StoreStock("HAMBURG-2", 0)


def test_a_store_change_alone_is_no_longer_in_sync():
    before = (StoreStock("S1", 3), StoreStock("S2", 1))
    after = (StoreStock("S1", 2), StoreStock("S2", 2))  # the same total, 4
    published = detail_key(4, before)
    same = VariantOnChannel("A", 4, published=4, on_hand=4, stores=before,
                            published_detail=published)  # fmt: skip
    moved = VariantOnChannel("A", 4, published=4, on_hand=4, stores=after,
                             published_detail=published)  # fmt: skip
    assert same.in_sync and not moved.in_sync
    # a backorder: the same quantity, none on hand any more
    backorder = VariantOnChannel("A", 4, published=4, on_hand=0, stores=before,
                                 published_detail=published)  # fmt: skip
    assert not backorder.in_sync
    # connectors without details: nothing more than before
    assert VariantOnChannel("A", 4, published=4).in_sync


def test_the_log_keeps_the_detail_sent():
    item = _item("A", 3, on_hand=3, stores=[StoreStock("S1", 3, pickup=True)])
    batch = PushBatch(rows=[(1, 0, 0, WHEN)], items=[item], products=[7])
    (logged,) = batch.log_vals(type("Channel", (), {"id": 1})())["items"]
    assert logged["detail"] == "now=3;S1=3+pickup"
    plain = PushBatch(rows=[(1, 0, 0, WHEN)], items=[_item("B", 1)], products=[8])
    assert "detail" not in plain.log_vals(type("Channel", (), {"id": 1})())["items"][0]


def test_issue_transition():
    assert issue_transition("DISAPPROVED: x", None) == OPEN
    assert issue_transition("DISAPPROVED: y", "DISAPPROVED: x") == KEEP
    assert issue_transition("DISAPPROVED: x", "DISAPPROVED: x") is None
    assert issue_transition("", "DISAPPROVED: x") == RESOLVE
    assert issue_transition("", None) is None


def test_register_the_keys_project_or_say_what_it_needs():
    google = FakeGoogle()
    path = f"/accounts/v1/accounts/{ACCOUNT}/developerRegistration:registerGcp"
    registration = {"name": f"accounts/{ACCOUNT}/developerRegistration", "gcpIds": ["1234"]}
    google.answers[("POST", path)] = [
        (200, registration),
        (403, _error(403, "PERMISSION_DENIED", "The caller does not have permission")),
    ]
    connector = _connector(google)
    assert connector.register_developer(" dev@shop.example ") == registration
    assert json.loads(google.api_calls("POST")[0][3]) == {"developerEmail": "dev@shop.example"}
    with pytest.raises(PermanentError) as caught:
        connector.register_developer("dev@shop.example")
    assert "PERMISSION_DENIED: The caller does not have permission: registering needs" in (
        caught.value.message
    )
    assert f"ADMIN access to Merchant Center account {ACCOUNT}" in caught.value.message


def test_register_says_the_developer_email_must_be_a_google_accounts():
    google = FakeGoogle()
    path = f"/accounts/v1/accounts/{ACCOUNT}/developerRegistration:registerGcp"
    refusal = _error(400, "INVALID_ARGUMENT", "Invalid developer email.")
    google.answers[("POST", path)] = [(400, refusal)]
    with pytest.raises(PermanentError) as caught:
        _connector(google).register_developer("dev@shop.example")
    assert caught.value.message.endswith(
        ": the developer e-mail dev@shop.example must be the e-mail of a Google account "
        "(Gmail or Google Workspace), not a service account's: set such an e-mail in your "
        "preferences and register again."
    )
    assert "INVALID_ARGUMENT" in caught.value.message
