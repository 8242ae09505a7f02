"""What the Merchant API modules share about JSON: bodies, field names, timestamps, pages
(protobuf JSON mapping: developers.google.com/protocol-buffers/docs/proto3#json)."""

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
