"""HMAC-SHA256 request signatures, compared in constant time.

``sign_hex``: ``sha256=<hex>`` (X-Channel-Signature of the generic JSON channel);
``sign_b64``: base64 of the raw digest (Shopify's X-Shopify-Hmac-Sha256, WooCommerce).
"""

import base64
import hashlib
import hmac

HEX_PREFIX = "sha256="


def _to_bytes(value):
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def _digest(secret, body):
    return hmac.new(_to_bytes(secret), _to_bytes(body), hashlib.sha256).digest()


def sign_hex(secret, body):
    """``sha256=<hex HMAC-SHA256 of body keyed with secret>``."""
    return HEX_PREFIX + _digest(secret, body).hex()


def sign_b64(secret, body):
    """Base64 of the raw HMAC-SHA256 of body keyed with secret."""
    return base64.b64encode(_digest(secret, body)).decode("ascii")


def verify_hex(secret, body, header):
    """True when ``header`` is ``sign_hex(secret, body)`` (hex case-insensitive)."""
    if not secret or not header:
        return False
    received = _to_bytes(header).strip().lower()
    return hmac.compare_digest(sign_hex(secret, body).encode("ascii"), received)


def verify_b64(secret, body, header):
    """True when ``header`` is ``sign_b64(secret, body)``."""
    if not secret or not header:
        return False
    received = _to_bytes(header).strip()
    return hmac.compare_digest(sign_b64(secret, body).encode("ascii"), received)
