"""Channel connectors: one module per wire format, registered by connector code."""

from ..allocation import Ceiling
from . import amazon, bol, generic_json, merchant, mirakl, settings, shopify, woocommerce
from .base import (
    CONNECTOR_SELECTION,
    CONNECTORS,
    GENERIC_JSON,
    SHOPIFY,
    ChannelConfig,
    Connector,
    PushItem,
    PushResult,
    Setting,
    get_connector,
    register,
    unregister,
)


def implements(code, method):
    """Whether the connector `code` does `method` (overrides the base's refusal)."""
    cls = CONNECTORS.get(code or "")
    return bool(cls) and getattr(cls, method, None) is not getattr(Connector, method)


def quantity_ceiling(code):
    """The Ceiling of the connector `code` (the most its platform takes), None: no cap."""
    cls = CONNECTORS.get(code or "")
    if not cls or cls.max_quantity is None:
        return None
    return Ceiling(cls.max_quantity, f"{cls.label} takes at most {cls.max_quantity}", who=cls.label)


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
    "Setting",
    "amazon",
    "bol",
    "generic_json",
    "get_connector",
    "implements",
    "merchant",
    "mirakl",
    "order_status_connectors",
    "quantity_ceiling",
    "register",
    "settings",
    "shopify",
    "unregister",
    "woocommerce",
]
