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


def order_status_connectors():
    """Codes of the connectors that can push an order's status to their channel."""
    return sorted(
        code
        for code, cls in CONNECTORS.items()
        if getattr(cls, "push_order_status", None) is not Connector.push_order_status
    )


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
    "mirakl",
    "order_status_connectors",
    "register",
    "shopify",
    "woocommerce",
]
