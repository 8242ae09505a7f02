"""The generic JSON receiver: a careful channel that checks signatures, applies
idempotency keys and sequence numbers, reads back its levels and takes order statuses.

* ``POST /generic/<channel>``: stock push; ``GET /generic/<channel>?sku=a&sku=b``: levels
  (signed: "<timestamp>.<path>?<query>"); ``POST /generic/<channel>/orders/<id>/status``.
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from .common import (
    DEFAULT_SECRET,
    HEADER_IDEMPOTENCY_KEY,
    HEADER_REPLAYED,
    INVALID_JSON,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    OK,
    STALE,
    Marketplace,
    Reply,
    error,
    fingerprint,
    hex_signature,
    is_day,
    is_int,
    now_iso,
    same,
)

HEADER_SIGNATURE = "X-Channel-Signature"
HEADER_TIMESTAMP = "X-Channel-Timestamp"
TIMESTAMP_TOLERANCE = 300
SKU_PARAM = "sku"


@dataclass
class ChannelSettings:
    """Generic JSON channel settings."""

    secret: str = DEFAULT_SECRET
    max_items: int = 500
    require_idempotency_key: bool = False


class GenericJson(Marketplace):
    name = "generic"
    prefix = "/generic/"
    config_key = "channels"
    settings_class = ChannelSettings

    def _reset(self):
        self.levels = {}  # channel -> {sku: {quantity, sequence, computed_at, updated_at}}
        self.replies = {}  # (channel, idempotency key) -> (fingerprint, Reply)
        self.stale = {}  # channel -> how many items were dropped as stale
        self.order_statuses = []

    def stock(self):
        with self.lock:
            return {
                "generic": {
                    code: {sku: dict(level) for sku, level in levels.items()}
                    for code, levels in self.levels.items()
                },
                STALE: dict(self.stale),
            }

    def route(self, method, parts, query, headers, body):
        parts = [unquote(part) for part in parts]
        if len(parts) == 1 and parts[0]:
            if method == "POST":
                return self.push(parts[0], headers, body)
            if method == "GET":
                return self.read_levels(parts[0], headers, query)
            return error(405, METHOD_NOT_ALLOWED)
        if len(parts) == 4 and parts[1] == "orders" and parts[3] == "status" and parts[2]:
            if method != "POST":
                return error(405, METHOD_NOT_ALLOWED)
            return self.order_status(parts[0], parts[2], headers, body)
        return error(404, NOT_FOUND)

    # -- signatures -------------------------------------------------------------

    def _check_signature(self, code, headers, body):
        secret = self.account(code).secret
        if same(hex_signature(secret, body), headers.get(HEADER_SIGNATURE)):
            return None
        return error(401, "invalid or missing signature")

    def _signed_json(self, code, headers, body):
        """(data, None) for a correctly signed JSON body, else (None, the error reply)."""
        denied = self._check_signature(code, headers, body)
        if denied:
            return None, denied
        try:
            return json.loads(body), None
        except ValueError:
            return None, error(400, INVALID_JSON)

    def _replay(self, code, key, print_):
        stored = self.replies.get((code, key))
        if stored is None:
            return None
        if stored[0] != print_:
            return error(422, "Idempotency-Key reused with a different request")
        return Reply(stored[1].status, stored[1].payload, {HEADER_REPLAYED: "true"})

    # -- stock ------------------------------------------------------------------

    def push(self, code, headers, body):
        data, problem = self._signed_json(code, headers, body)
        if problem:
            return problem
        settings = self.account(code)
        problem = _push_problem(data, code, settings)
        if problem:
            return problem
        key = headers.get(HEADER_IDEMPOTENCY_KEY)
        if not key and settings.require_idempotency_key:
            return error(400, f"{HEADER_IDEMPOTENCY_KEY} header required")
        with self.lock:
            print_ = fingerprint([data["channel"], data["items"]])
            replay = key and self._replay(code, key, print_)
            if replay:
                return replay
            reply = Reply(200, self._apply(code, data["items"]))
            if key:
                self.replies[(code, key)] = (print_, reply)
            return reply

    def _apply(self, code, items):
        levels = self.levels.setdefault(code, {})
        accepted, stale, errors = 0, [], {}
        updated_at = now_iso()  # the push's time, read once (a push carries 500 items)
        for item in items:
            sku, quantity, sequence = item["sku"], item["quantity"], item["sequence"]
            if quantity < 0:
                errors[sku] = "quantity must be >= 0"
                continue
            current = levels.get(sku)
            if current and sequence <= current["sequence"]:
                stale.append(sku)
                continue
            levels[sku] = {
                "quantity": quantity,
                "sequence": sequence,
                "computed_at": item["computed_at"],
                "updated_at": updated_at,
                "available_at": item.get("available_at"),
            }
            accepted += 1
        self.stale[code] = self.stale.get(code, 0) + len(stale)
        payload = {"accepted": accepted, STALE: len(stale), "stale_skus": stale}
        if errors:
            payload["errors"] = errors
        return payload

    def read_levels(self, code, headers, query):
        """Levels of the SKUs asked (``sku`` repeated), signed over the path and query."""
        settings = self.account(code)
        timestamp = headers.get(HEADER_TIMESTAMP) or ""
        signed = f"{timestamp}.{query.path_and_query}".encode()
        if not same(hex_signature(settings.secret, signed), headers.get(HEADER_SIGNATURE)):
            return error(401, "invalid or missing signature")
        try:
            skew = abs(time.time() - float(timestamp))
        except ValueError:
            skew = None
        if skew is None or skew > TIMESTAMP_TOLERANCE:
            return error(401, f"{HEADER_TIMESTAMP} missing or more than 300 s away")
        wanted = query.params.get(SKU_PARAM, [])
        if len(wanted) > settings.max_items:
            return error(413, f"more than {settings.max_items} SKUs")
        with self.lock:
            levels = self.levels.get(code, {})
            items = [_level_item(s, levels[s]) for s in wanted if s in levels]
        return Reply(200, {"items": items})

    # -- order statuses -----------------------------------------------------------

    def order_status(self, code, external_id, headers, body):
        data, problem = self._signed_json(code, headers, body)
        if problem:
            return problem
        if not isinstance(data, dict):
            return error(400, "expected a JSON object")
        key = headers.get(HEADER_IDEMPOTENCY_KEY)
        with self.lock:
            print_ = fingerprint([external_id, data])
            replay = key and self._replay(code, key, print_)
            if replay:
                return replay
            self.order_statuses.append(
                {
                    "channel": code,
                    "external_id": external_id,
                    "payload": data,
                    "idempotency_key": key,
                    "received_at": now_iso(),
                }
            )
            reply = Reply(200, OK)
            if key:
                self.replies[(code, key)] = (print_, reply)
            return reply

    # -- for tests ------------------------------------------------------------------

    def available_at(self, code, sku):
        """The availability date the channel holds for ``sku`` (ISO, None: none)."""
        with self.lock:
            return (self.levels.get(code, {}).get(sku) or {}).get("available_at")

    def level(self, code, sku):
        with self.lock:
            level = self.levels.get(code, {}).get(sku)
            return level["quantity"] if level else None

    def set_level(self, code, sku, quantity, sequence=0):
        """What the channel holds when someone edits it there (or it was fed before)."""
        with self.lock:
            self.levels.setdefault(code, {})[sku] = {
                "quantity": quantity,
                "sequence": sequence,
                "computed_at": "",
                "updated_at": now_iso(),
                "available_at": None,
            }


def _push_problem(data, code, settings):
    """A 400/413 Reply when a generic push body is malformed, else None."""
    if not isinstance(data, dict):
        return error(400, "expected a JSON object")
    missing = [name for name in ("channel", "sent_at", "items") if name not in data]
    if missing:
        return error(400, f"missing fields {missing}")
    if data["channel"] != code:
        return error(400, f"channel {data['channel']!r} does not match {code!r}")
    items = data["items"]
    if not isinstance(items, list):
        return error(400, "items must be a list")
    if len(items) > settings.max_items:
        return error(413, f"more than {settings.max_items} items")
    times = set()  # the times read well already (a batch's items share theirs, mostly)
    for index, item in enumerate(items):
        problem = _item_problem(item, times)
        if problem:
            return error(400, problem, index=index)
    return None


ITEM_FIELDS = ("sku", "quantity", "sequence", "computed_at")


def _item_problem(item, times):
    """What is wrong with one pushed item (None: nothing); `times`: the computed_at
    values already read well in this push (each distinct value is read once)."""
    if not isinstance(item, dict):
        return "item must be an object"
    if not item.keys() >= set(ITEM_FIELDS):
        return f"missing fields {[n for n in ITEM_FIELDS if n not in item]}"
    sku = item["sku"]
    if not (isinstance(sku, str) and sku):
        return "sku must be a non-empty string"
    if not (is_int(item["quantity"]) and is_int(item["sequence"])):
        return "quantity and sequence must be integers"
    computed_at = item["computed_at"]
    if not isinstance(computed_at, str):
        return "computed_at must be ISO 8601"
    if computed_at not in times:
        try:
            datetime.fromisoformat(computed_at)
        except (TypeError, ValueError):
            return "computed_at must be ISO 8601"
        times.add(computed_at)
    available_at = item.get("available_at")
    if available_at is not None and not is_day(available_at):
        return "available_at must be an ISO 8601 date (YYYY-MM-DD) or null"
    return None


def _level_item(sku, level):
    """A read-back item: the SKU's quantity, and its availability date when it has one."""
    item = {"sku": sku, "quantity": level["quantity"]}
    if level.get("available_at"):
        item["available_at"] = level["available_at"]
    return item
