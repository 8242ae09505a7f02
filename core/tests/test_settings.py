"""Connector-declared settings: each connector says what its channels need besides the
endpoint and credentials; the values are typed from their stored text, defaults fill
what is not set, a required one left empty stops every request before it is sent."""

from datetime import datetime

import pytest

from core.connectors import (
    CONNECTOR_SELECTION,
    CONNECTORS,
    ChannelConfig,
    Connector,
    PushItem,
    get_connector,
    register,
    unregister,
)
from core.connectors.settings import BOOL, INT, URL, Setting, declared, missing, resolve
from core.errors import PermanentError
from core.tests.test_endpoints import RecordingSession

WHEN = datetime(2026, 11, 23, 10, 0, 0)


def test_values_are_typed_from_their_stored_text():
    switch = Setting("switch", "Switch", kind=BOOL)
    count = Setting("count", "Count", kind=INT, default=50)
    name = Setting("name", "Name", default="PRODUCT")
    assert (switch.parse("1"), switch.parse("0"), switch.parse(None)) == (True, False, False)
    assert (count.parse("0"), count.parse(""), count.parse(" 7 ")) == (0, 50, 7)
    assert Setting("n", "N", kind=INT).parse("") is None
    assert (name.parse(""), name.parse("LUGGAGE")) == ("PRODUCT", "LUGGAGE")
    assert (switch.store(True), switch.store(False), count.store(3), name.store(None)) == (
        "1",
        "0",
        "3",
        "",
    )
    assert (count.initial(), name.initial(), Setting("x", "X").initial()) == ("50", "PRODUCT", "")
    assert count.problem("lots") == "Count: 'lots' is not a whole number"
    assert count.problem("12") is None


def test_a_declaration_is_checked():
    with pytest.raises(ValueError, match="unknown kind"):
        Setting("x", "X", kind="date")
    with pytest.raises(ValueError, match="identifier"):
        Setting("a b", "X")


def test_resolve_fills_defaults_and_missing_names_the_required_left_empty():
    settings = (
        Setting("seller_id", "Seller Id", required=True),
        Setting("switch", "Switch", kind=BOOL, required=True),
        Setting("threshold", "Threshold", kind=INT, default=50),
    )
    values = resolve(settings, {"threshold": "3", "unknown": "x"})
    assert values == {"seller_id": "", "switch": False, "threshold": 3}
    assert missing(settings, values) == ["Seller Id"]  # a switch off is a value
    assert missing(settings, {**values, "seller_id": "A2"}) == []
    assert declared(settings, "switch").kind == BOOL
    assert declared(settings, "nope") is None


@pytest.mark.parametrize("code", sorted(CONNECTORS))
def test_every_connector_declares_well_formed_settings(code):
    cls = get_connector(code)
    names = [setting.name for setting in cls.settings]
    assert len(names) == len(set(names))
    assert all(setting.label and setting.help for setting in cls.settings)
    assert (code, cls.label) in CONNECTOR_SELECTION


def test_the_marketplaces_declare_what_they_need():
    amazon = {s.name: s for s in get_connector("amazon").settings}
    assert {name for name, s in amazon.items() if s.required} == {
        "seller_id",
        "marketplace_id",
        "refresh_token",
    }
    assert amazon["refresh_token"].secret and amazon["token_url"].kind == URL
    assert amazon["feed_threshold"].default == 50
    assert get_connector("shopify").declared("api_version").republish
    assert get_connector("woocommerce").declared("webhook_secret").secret
    assert get_connector("generic_json").settings == ()


def test_a_connector_reads_its_settings_and_their_defaults():
    amazon = get_connector("amazon")(ChannelConfig("a", "https://x", settings={"seller_id": "S"}))
    assert amazon.setting("seller_id") == "S"
    assert amazon.setting("product_type") == "PRODUCT"  # not in the config: its default
    assert amazon.setting("feed_threshold") == 50
    with pytest.raises(KeyError):
        amazon.setting("nope")


def test_a_required_setting_left_empty_stops_the_request_before_it_is_sent():
    session = RecordingSession()
    config = ChannelConfig("a", "https://sellingpartnerapi-eu.amazon.com", settings={})
    amazon = get_connector("amazon")(config, session=session)
    with pytest.raises(PermanentError, match="Amazon: the channel needs its Seller Id"):
        amazon.read_quantities(["S-1"])
    assert session.sent == []
    refusal = get_connector("amazon").settings_refusal({"seller_id": "S", "marketplace_id": "M"})
    assert refusal == "Amazon: the channel needs its Refresh Token"


def test_a_secret_setting_is_redacted_from_messages():
    config = ChannelConfig("w", "https://shop.example.com", settings={"webhook_secret": "wh-123"})
    woo = get_connector("woocommerce")(config)
    assert woo._redact("signed with wh-123") == "signed with ***"


def test_a_connector_registered_anywhere_joins_the_selection():
    @register("example_settings", "Example")
    class Example(Connector):
        settings = (Setting("shop_ref", "Shop Reference", help="Which shop.", required=True),)

        def push(self, items):
            return self.setting("shop_ref")

    try:
        assert ("example_settings", "Example") in CONNECTOR_SELECTION
        connector = Example(ChannelConfig("e", "https://x", settings={"shop_ref": "S1"}))
        assert connector.push([PushItem("SKU", 1, 1, WHEN)]) == "S1"
    finally:
        unregister("example_settings")
    assert "example_settings" not in CONNECTORS
    assert "example_settings" not in dict(CONNECTOR_SELECTION)
