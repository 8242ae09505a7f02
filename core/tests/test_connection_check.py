"""Test connection: each connector's cheap authenticated read against the simulator over
real HTTP on loopback; a wrong credential is a sentence naming what to fix, the right one
is OK; an unreachable address, a 404 and a timeout are sentences too."""

import socket

import pytest

from core.connectors import ChannelConfig, get_connector
from core.ratelimit import Limiter
from core.tokens import TokenStore

RIGHT, WRONG = "right-credential", "wrong-credential"


@pytest.fixture(autouse=True)
def _clean(sim):
    sim.reset()
    sim.configure_channel("market", secret=RIGHT)
    sim.configure_shop("demo", token=RIGHT)
    sim.configure_woocommerce("woo", consumer_key="ck_" + RIGHT, consumer_secret="cs_" + RIGHT)
    sim.configure_marketplace("bol", "retailer", client_id=RIGHT, client_secret=RIGHT)
    sim.configure_marketplace("mirakl", "shop", api_key=RIGHT)
    sim.configure_marketplace(
        "amazon", "seller", client_id=RIGHT, client_secret=RIGHT, refresh_token=RIGHT
    )


def _check(code, url, key="", secret="", **settings):
    config = ChannelConfig(code, url, api_key=key, api_secret=secret, settings=settings)
    connector = get_connector(code)
    kwargs = {"limiter": Limiter(), "tokens": TokenStore()} if connector.fetches_tokens else {}
    with connector(config, **kwargs) as channel:
        return channel.test_connection()


def _generic(sim, secret):
    return _check("generic_json", sim.generic_url("market"), secret=secret)


def _shopify(sim, token):
    return _check("shopify", sim.shopify_url("demo"), key=token, location_id="1")


def _woo(sim, key):
    return _check("woocommerce", sim.woocommerce_url("woo"), "ck_" + key, "cs_" + key)


def _bol(sim, secret):
    url = sim.marketplace_url("bol", "retailer")
    return _check("bol", url, RIGHT, secret, token_url=f"{url}/token")


def _mirakl(sim, key):
    return _check("mirakl", sim.marketplace_url("mirakl", "shop"), key=key)


def _amazon(sim, secret, refresh=RIGHT, marketplace="A1PA6795UKMFR9"):
    url = sim.marketplace_url("amazon", "seller")
    return _check(
        "amazon", url, RIGHT, secret, token_url=f"{url}/auth/o2/token", seller_id="A3SIMULATOR",
        marketplace_id=marketplace, refresh_token=refresh,
    )  # fmt: skip


CASES = {
    "generic_json": (_generic, "the signature is refused: paste in API Secret"),
    "shopify": (_shopify, "the token is refused: create an Admin API access token"),
    "woocommerce": (_woo, "the keys are refused: create a REST API key"),
    "bol": (_bol, "the client id and secret are refused"),
    "mirakl": (_mirakl, "the API key is refused"),
    "amazon": (_amazon, "Login with Amazon refuses the client id and secret"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_a_wrong_credential_is_a_sentence_and_the_right_one_is_ok(sim, code):
    probe, sentence = CASES[code]
    wrong = probe(sim, WRONG)
    assert not wrong.ok
    assert sentence in wrong.message
    assert "401" not in wrong.message and WRONG not in wrong.message
    right = probe(sim, RIGHT)
    assert right.ok, right.message
    assert "connected" in right.message


def test_the_shopify_sentence_names_the_scope_to_create_the_token_with(sim):
    message = _shopify(sim, WRONG).message
    assert message.startswith("Shopify: the token is refused")
    assert "write_inventory" in message


def test_amazon_names_the_refresh_token_and_a_marketplace_the_seller_does_not_sell_on(sim):
    assert "Refresh Token" in _amazon(sim, RIGHT, refresh=WRONG).message
    check = _amazon(sim, RIGHT, marketplace="A13V1IB3VIYZZH")
    assert not check.ok
    assert "does not sell on marketplace A13V1IB3VIYZZH" in check.message


def test_a_wrong_address_is_a_404_sentence_naming_the_endpoint_url(sim):
    check = _check("mirakl", sim.url + "/nowhere", key=RIGHT)
    assert not check.ok
    assert "check the Endpoint URL" in check.message
    assert "mirakl.net" in check.message


def test_an_unreachable_server_says_so():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the test reads it: nobody listens
    check = _check("generic_json", f"http://127.0.0.1:{port}/x", secret=RIGHT)
    assert not check.ok
    assert "cannot be reached at 127.0.0.1" in check.message


def test_a_server_that_does_not_answer_in_time_says_so(sim):
    sim.add_fault("timeout", "/generic/", seconds=1)
    config = ChannelConfig("generic_json", sim.generic_url("market"), api_secret=RIGHT,
                           read_timeout=0.3)  # fmt: skip
    with get_connector("generic_json")(config) as channel:
        check = channel.test_connection()
    assert not check.ok
    assert "did not answer within 0.3 s" in check.message


def test_a_key_refused_for_the_shop_named_says_to_set_the_shop_id(sim):
    sim.configure_marketplace("mirakl", "shop", api_key=RIGHT, shop_id="2001")
    check = _check("mirakl", sim.marketplace_url("mirakl", "shop"), key=RIGHT, seller_id="999")
    assert not check.ok
    assert "accepted but not allowed to read" in check.message
    assert "set Shop Id" in check.message


def test_a_tls_failure_says_the_certificate_is_refused(sim):
    url = sim.generic_url("market").replace("http://", "https://")  # plain HTTP answers
    check = _check("generic_json", url, secret=RIGHT)
    assert not check.ok
    assert "the TLS certificate of 127.0.0.1" in check.message
