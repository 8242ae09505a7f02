"""What the Merchant API modules share about JSON: bodies, field names, timestamps, pages
(protobuf JSON mapping: developers.google.com/protocol-buffers/docs/proto3#json)."""

import base64
import json
import re
from datetime import datetime

from .merchant_auth import invalid

CAMEL_RE = re.compile(r"_([a-z0-9])")


def body_object(body, what):
    """(the JSON object of ``body``, None) or (None, Google's 400)."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return None, invalid(
            "Invalid JSON payload received. Unexpected token.", "INVALID_JSON_PAYLOAD"
        )
    if not isinstance(data, dict):
        return None, invalid(
            f"Invalid JSON payload received. Expected an object for '{what}'.",
            "INVALID_JSON_PAYLOAD",
        )
    return data, None


def camel(name):
    """``availability_date`` -> ``availabilityDate`` (protobuf JSON accepts both)."""
    return CAMEL_RE.sub(lambda match: match.group(1).upper(), name)


def is_timestamp(value):
    """An RFC 3339 timestamp such as ``2026-12-24T00:00:00Z``."""
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def page_of(rows, params, default_size, max_size):
    """((rows of the page, next page token or ""), None) or (None, Google's 400):
    ``pageSize`` (0 or absent: ``default_size``; above ``max_size``: coerced to it) and
    ``pageToken`` (the one a previous page gave)."""
    try:
        size = int((params.get("pageSize") or ["0"])[0] or 0)
        start = int((params.get("pageToken") or ["0"])[0] or 0)
    except ValueError:
        return None, invalid("Invalid pageSize or pageToken.", "INVALID_PAGE_TOKEN")
    if size < 0 or start < 0:
        return None, invalid("pageSize and pageToken must not be negative.", "INVALID_PAGE_SIZE")
    size = min(size or default_size, max_size)
    token = str(start + size) if start + size < len(rows) else ""
    return (rows[start : start + size], token), None


def compact(mapping):
    """``mapping`` without the fields at their default value, as ProtoJSON leaves them out
    (developers.google.com/protocol-buffers/docs/proto3#json: false, "", 0, empty lists);
    an empty message (``{}``) is kept: it is set."""
    return {
        key: value
        for key, value in mapping.items()
        if not (
            value is None
            or value is False
            or (isinstance(value, str | list) and not value)
            or (type(value) in (int, float) and value == 0)
        )
    }


def encoded(product_id):
    """The unpadded base64url form of a product id (RFC 4648 section 5)."""
    return base64.urlsafe_b64encode(product_id.encode("utf-8")).rstrip(b"=").decode("ascii")


def product_key(segment):
    """(product id, None) or (None, Google's 400) for a {product} / {productinput} path
    segment (reference/rest/products_v1/accounts.products/get, "name"): the plain form
    ``contentLanguage~feedLabel~offerId`` (legacy local: ``local~contentLanguage~
    feedLabel~offerId``), "suitable only when [they] do not contain URL-problematic
    characters like /, %, or ~", or the unpadded base64url encoding of it, which "MUST be
    used if any part of the product identifier (like offerId) contains characters such as
    /, %, or ~"."""
    if "~" in segment:
        text, plain = segment, True
    else:
        plain = False
        try:
            text = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            text = ""
    local = text.startswith("local~")
    body = text[len("local~") :] if local else text
    parts = body.split("~") if plain else body.split("~", 2)
    problem = None
    if len(parts) != 3 or not all(parts):
        problem = "it must be contentLanguage~feedLabel~offerId"
        if plain and len(parts) > 3:
            problem = "an offerId with ~ must be sent in the unpadded base64url form"
    elif plain and ("/" in segment or "%" in segment):
        problem = "an offerId with / or % must be sent in the unpadded base64url form"
    if problem:
        return None, invalid(
            f"[name] Invalid product name `{segment}`: {problem}.",
            "INVALID_NAME",
            field="name",
            value=segment,
        )
    return ("local~" if local else "") + "~".join(parts), None
