"""Credentials never travel in clear: http:// is refused for a connector that sends them,
except to a loopback host (the simulator, tests)."""

from datetime import datetime

import pytest
import requests

from core import endpoints
from core.connectors import CONNECTORS, ChannelConfig, PushItem, get_connector
from core.errors import PermanentError, RetryableError

WHEN = datetime(2026, 11, 23, 10, 0, 0)


class RecordingSession(requests.Session):
    """A session that records what would leave the machine, and sends nothing."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(request.url)
        raise requests.ConnectionError("not sent in this test")


def _connector(code, url, **config):
    session = RecordingSession()
    config = ChannelConfig("c", url, api_key="ck_key", api_secret="cs_secret", **config)
    return get_connector(code)(config, session=session), session


def test_woocommerce_refuses_to_send_its_keys_over_http_to_a_remote_host():
    woo, session = _connector("woocommerce", "http://shop.example.com")
    item = PushItem("S-1", 3, 1, WHEN, external_id="12")
    with pytest.raises(PermanentError) as caught:
        woo.push([item])
    assert session.sent == []  # nothing left the machine, not even the key
    message = caught.value.message
    assert "WooCommerce" in message
    assert "Use the https:// address (https://shop.example.com)" in message
    assert "ck_key" not in message and "cs_secret" not in message


def test_a_token_url_in_clear_is_refused_before_the_client_secret_is_sent():
    bol, session = _connector(
        "bol", "https://api.bol.com", settings={"token_url": "http://login.example.com/token"}
    )
    with pytest.raises(PermanentError, match=r"address \(https://login\.example\.com\)"):
        bol.read_quantities(["S-1"], refs={"S-1": "offer-1"})
    assert session.sent == []


def test_https_and_loopback_addresses_are_sent():
    for url in (
        "https://shop.example.com",
        "http://127.0.0.1:8071/woocommerce/woo",
        "http://127.0.0.2:9000",
        "http://localhost:8071",
        "http://[::1]:8071",
    ):
        woo, session = _connector("woocommerce", url)
        with pytest.raises(RetryableError, match="ConnectionError"):
            woo._request("GET", woo._url("/products"))
        assert len(session.sent) == 1, url


@pytest.mark.parametrize(
    "url",
    ["http://shop.example.com", "HTTP://shop.example.com/", "http://10.0.0.5:8080",
     "http://127.0.0.1.example.com", "http://[::2]/", " http://shop.example.com",
     "\thttp://shop.example.com", "\nhttp://127.0.0.1.example.com "],
)  # fmt: skip
def test_every_remote_http_address_is_refused(url):
    assert endpoints.clear_text_url(["https://ok.example.com", url]) == url
    refusal = endpoints.credentials_refusal("Shopify", ["", url])
    assert "Use the https:// address" in refusal


def test_only_a_connector_that_signs_without_sending_its_secret_may_use_http():
    senders = {code for code, cls in CONNECTORS.items() if cls.sends_credentials}
    assert senders == {"shopify", "woocommerce", "bol", "mirakl", "amazon", "merchant"}
    assert get_connector("generic_json").clear_text_refusal("http://hub.example.com") is None
    assert get_connector("mirakl").clear_text_refusal("http://x.mirakl.net") is not None
    assert endpoints.credentials_refusal("X", [None, ""]) is None
