"""The per-process connector pool (no Odoo)."""

from dataclasses import replace

from core.connectors import ChannelConfig
from core.connectors.pool import ConnectorPool

CONFIG = ChannelConfig(code="web", endpoint_url="http://127.0.0.1:9/generic/web")


def test_the_same_channel_keeps_its_connector_and_session():
    pool = ConnectorPool()
    with pool.connector(("db", 1), "generic_json", CONFIG) as first:
        pass
    with pool.connector(("db", 1), "generic_json", CONFIG) as second:
        assert second is first
        assert second.session is first.session


def test_a_concurrent_user_gets_a_connector_of_its_own():
    pool = ConnectorPool()
    with pool.connector(("db", 1), "generic_json", CONFIG) as first:
        with pool.connector(("db", 1), "generic_json", CONFIG) as concurrent:
            assert concurrent is not first
    with pool.connector(("db", 1), "generic_json", CONFIG) as again:
        assert again is first


def test_new_settings_or_another_channel_give_a_new_connector():
    pool = ConnectorPool()
    with pool.connector(("db", 1), "generic_json", CONFIG) as first:
        pass
    changed = replace(CONFIG, read_timeout=3)
    with pool.connector(("db", 1), "generic_json", changed) as second:
        assert second is not first
        assert second.config.read_timeout == 3
    with pool.connector(("db", 2), "generic_json", CONFIG) as other:
        assert other is not second
    with pool.connector(("other-db", 1), "shopify", CONFIG) as shop:
        assert shop.code == "shopify"
