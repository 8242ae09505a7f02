"""Channel connectors: one module per wire format, registered by connector code."""

from . import generic_json, shopify
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

__all__ = [
    "CONNECTORS",
    "CONNECTOR_SELECTION",
    "GENERIC_JSON",
    "SHOPIFY",
    "ChannelConfig",
    "Connector",
    "PushItem",
    "PushResult",
    "generic_json",
    "get_connector",
    "register",
    "shopify",
]
