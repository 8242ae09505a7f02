"""Channel connectors: one module per wire format, registered by connector code."""

from . import amazon, bol, generic_json, mirakl, shopify, woocommerce
from .base import (
    CONNECTOR_SELECTION,
    CONNECTORS,
    GENERIC_JSON,
    SHOPIFY,
    ChannelConfig,
    Connector,
    PushItem,
    PushResult,
    get_connector,
    register,
)


def implements(code, method):
    """Whether the connector `code` does `method` (overrides the base's refusal)."""
    cls = CONNECTORS.get(code or "")
    return bool(cls) and getattr(cls, method, None) is not getattr(Connector, method)


def order_status_connectors():
    """Codes of the connectors that can push an order's status to their channel."""
    return sorted(code for code in CONNECTORS if implements(code, "push_order_status"))


__all__ = [
    "CONNECTORS",
    "CONNECTOR_SELECTION",
    "GENERIC_JSON",
    "SHOPIFY",
    "ChannelConfig",
    "Connector",
    "PushItem",
    "PushResult",
    "amazon",
    "bol",
    "generic_json",
    "get_connector",
    "implements",
    "mirakl",
    "order_status_connectors",
    "register",
    "shopify",
    "woocommerce",
]
