"""Idempotency keys of stock and order status pushes, and UTC ISO-8601 timestamps."""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

# Part of the hashed payload: bump it only to change every key on purpose.
KEY_VERSION = "v1"


def _item_row(item):
    if isinstance(item, Mapping):
        sku, quantity, sequence = item["sku"], item["quantity"], item["sequence"]
    elif hasattr(item, "sku"):
        sku, quantity, sequence = item.sku, item.quantity, item.sequence
    else:
        sku, quantity, sequence = item
    return str(sku), int(quantity), int(sequence)


def idempotency_key(channel_code, items):
    """Stable key (64 hex chars) of a push: channel code + sorted (sku, quantity, sequence).

    ``items``: objects with ``sku``/``quantity``/``sequence`` attributes, mappings
    with those keys, or (sku, quantity, sequence) tuples; their order does not matter.
    """
    rows = sorted(_item_row(item) for item in items)
    payload = json.dumps([KEY_VERSION, str(channel_code), rows], separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def order_status_key(channel_code, order_id, body, sequence=None):
    """Stable key (64 hex chars) of an order status push: channel code, order id, the
    JSON body (``body`` is a JSON-serialisable dict; its key order does not matter) and,
    when given, the push's sequence, so that a status that comes back (A -> B -> A) is a
    new push and not the replay of the first one."""
    parts = [KEY_VERSION, str(channel_code), str(order_id), body]
    if sequence is not None:
        parts.append(int(sequence))
    payload = json.dumps(
        parts,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def utc_now():
    """Aware current UTC datetime."""
    return datetime.now(UTC)


def iso_utc(dt, timespec="seconds"):
    """ISO 8601 in UTC with a ``Z`` suffix, e.g. ``2026-11-23T10:00:00Z``; naive = UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    text = dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec=timespec)
    return text + "Z"


def parse_iso_utc(text):
    """Aware UTC datetime from an ISO 8601 string (``Z`` or offset; no offset = UTC)."""
    dt = datetime.fromisoformat(text.strip())
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
