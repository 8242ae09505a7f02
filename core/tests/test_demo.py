"""Demo mode: which channels are the simulator on this machine, and what *Generate
orders* asks the simulator for (accepted by the simulator's own validation)."""

import pytest

from core import demo
from simulator.generator import parse_request
from simulator.state import SimulatorState


@pytest.mark.parametrize(
    ("connector", "url", "expected"),
    [
        ("generic_json", "http://127.0.0.1:8071/generic/demo_market",
         ("http://127.0.0.1:8071", "generic", "channel", "demo_market")),
        ("generic_json", "http://localhost:8071/generic/demo_market/",
         ("http://localhost:8071", "generic", "channel", "demo_market")),
        ("shopify", "http://[::1]:8071/shopify/demo",
         ("http://[::1]:8071", "shopify", "shop", "demo")),
        ("shopify", "http://127.0.0.2:9000/shopify/demo",
         ("http://127.0.0.2:9000", "shopify", "shop", "demo")),
    ],
)  # fmt: skip
def test_the_simulator_on_this_machine_is_demo_mode(connector, url, expected):
    target = demo.simulator_target(connector, url)
    assert (target.base_url, target.marketplace, target.account_field, target.account) == expected
    assert target.generate_url == expected[0] + "/_sim/orders/generate"


@pytest.mark.parametrize(
    ("connector", "url"),
    [
        ("generic_json", "https://shop.example.com/generic/demo_market"),  # not this machine
        ("generic_json", "http://10.0.0.5:8071/generic/demo_market"),
        ("generic_json", "https://127.0.0.1:8071/generic/demo_market"),  # not the simulator
        ("generic_json", "http://127.0.0.1:8071/shopify/demo"),  # another marketplace
        ("generic_json", "http://127.0.0.1:8071/generic/"),
        ("generic_json", "http://127.0.0.1:8071/generic/a/orders"),
        ("generic_json", "http://127.0.0.1:notaport/generic/a"),
        ("generic_json", "http://[::1/generic/a"),
        ("woocommerce", "http://127.0.0.1:8071/woocommerce/demo"),  # no generator for it
        ("generic_json", ""),
        (None, "http://127.0.0.1:8071/generic/a"),
    ],
)
def test_anything_else_is_not(connector, url):
    assert demo.simulator_target(connector, url) is None


def test_odoo_is_reached_on_the_interface_it_listens_on():
    assert demo.odoo_url("", 8069) == "http://127.0.0.1:8069"
    assert demo.odoo_url("0.0.0.0", 8069) == "http://127.0.0.1:8069"
    assert demo.odoo_url(None, 8069) == "http://127.0.0.1:8069"
    assert demo.odoo_url("192.168.1.5", 8069) == "http://192.168.1.5:8069"
    assert demo.odoo_url("::1", 8069) == "http://[::1]:8069"


def test_the_generation_asked_is_one_the_simulator_accepts():
    target = demo.simulator_target("shopify", "http://127.0.0.1:8071/shopify/demo")
    prices = {f"SKU-{n:03}": float(n) for n in range(demo.MAX_SKUS + 5)}
    body = demo.generation(target, "http://127.0.0.1:8069", "demo_shopify", "s3", prices, "USD")
    assert body["url"] == "http://127.0.0.1:8069/stock_channel_sync/demo_shopify/orders"
    assert len(body["skus"]) == demo.MAX_SKUS and set(body["prices"]) == set(body["skus"])
    state = SimulatorState()
    generation = parse_request(body, state.marketplaces)
    assert (generation.marketplace, generation.account) == ("shopify", "demo")
    assert generation.secret == "s3"
    assert (generation.count, generation.rate_per_minute) == (20, 60)


@pytest.mark.parametrize(
    ("connector", "url", "port", "expected"),
    [
        ("generic_json", "http://127.0.0.1:8071/generic/demo_market", 8099,
         "http://127.0.0.1:8099/generic/demo_market"),
        ("shopify", "http://[::1]:8071/shopify/demo", 9000, "http://[::1]:9000/shopify/demo"),
        ("shopify", "http://localhost/shopify/demo", 8071, "http://localhost:8071/shopify/demo"),
        ("shopify", "http://127.0.0.1:8071/shopify/demo", 8071, None),
        ("shopify", "https://demo.myshopify.com", 8099, None),
        ("woocommerce", "http://127.0.0.1:8071/woocommerce/demo", 8099, None),
    ],
)  # fmt: skip
def test_a_demo_channel_follows_the_simulator_to_its_port(connector, url, port, expected):
    assert demo.at_port(connector, url, port) == expected
