"""Marketplace simulator: an HTTP server receiving stock pushes like a careful channel.

Standard library only, and independent of ``core`` (it checks the wire, not the code).

* ``POST /generic/<channel>``: generic JSON stock push (signature, idempotency, sequences);
  ``GET /generic/<channel>?skus=a,b``: levels; ``POST /generic/<channel>/orders/<id>/status``.
* ``POST /shopify/<shop>/admin/api/<version>/graphql.json``: ``inventorySetQuantities``
  and an ``inventoryItems`` levels query, with a leaky-bucket cost limit.
* ``/_sim/...``: control API (reset, config, faults, received requests, stock, health).
"""

import hashlib
import hmac
import json
import math
import re
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8071
DEFAULT_SECRET = "simulator-secret"
DEFAULT_TOKEN = "simulator-token"
# Seconds between checks for stop() in the serving loop.
POLL_INTERVAL = 0.05

GENERIC_PREFIX = "/generic/"
SHOPIFY_PREFIX = "/shopify/"
CONTROL_PREFIX = "/_sim/"

HEADER_SIGNATURE = "X-Channel-Signature"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"
HEADER_REPLAYED = "Idempotent-Replayed"
HEADER_SHOPIFY_TOKEN = "X-Shopify-Access-Token"
HEADER_RETRY_AFTER = "Retry-After"
SIGNATURE_PREFIX = "sha256="
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Fault kinds.
FAULT_STATUS = "status"
FAULT_SLOW = "slow"
FAULT_TIMEOUT = "timeout"
FAULT_DROP = "drop"
FAULT_RATE_LIMIT = "rate_limit"
FAULT_DOWN = "down"
FAULT_KINDS = (FAULT_STATUS, FAULT_SLOW, FAULT_TIMEOUT, FAULT_DROP, FAULT_RATE_LIMIT, FAULT_DOWN)
# Status answered by the faults that answer, unless the fault sets ``status``.
FAULT_DEFAULT_STATUS = {FAULT_STATUS: 500, FAULT_RATE_LIMIT: 429, FAULT_DOWN: 503}
# Seconds ``slow`` waits before answering and ``timeout`` holds the answer.
FAULT_DEFAULT_SECONDS = {FAULT_SLOW: 1.0, FAULT_TIMEOUT: 5.0}

# Shopify.
SHOPIFY_MAX_INPUT = 250
QUANTITY_NAMES = ("available", "on_hand")
QUANTITY_LIMIT = 1_000_000_000
THROTTLED = "THROTTLED"
THROTTLE_DOC = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
ITEM_GID_RE = re.compile(r"^gid://shopify/InventoryItem/\d+$")
LOCATION_GID_RE = re.compile(r"^gid://shopify/Location/\d+$")
SET_QUANTITIES_RE = re.compile(r"inventorySetQuantities\s*\(\s*input\s*:\s*\$(\w+)\s*\)")
IDEMPOTENT_RE = re.compile(r'@idempotent\s*\(\s*key\s*:\s*"([^"]*)"\s*\)')
SKU_TERM_RE = re.compile(r"""sku:(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s()]+))""")
UNESCAPE_RE = re.compile(r"\\(.)")
INVALID_VARIABLE = "INVALID_VARIABLE"
OP_SET_QUANTITIES = "inventorySetQuantities"
OP_INVENTORY_ITEMS = "inventoryItems"

STALE = "stale"
NOT_FOUND = "not found"
OK = {"ok": True}
INVALID_JSON = "invalid JSON"
METHOD_NOT_ALLOWED = "method not allowed"


def _now_iso():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hex_signature(secret, body):
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def _same(expected, received):
    """Constant-time comparison of two header values (None = mismatch)."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.strip().encode("utf-8"))


def _fingerprint(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _update(settings, values):
    """Set dataclass ``settings`` attributes from ``values``; ValueError on unknown keys."""
    if not isinstance(values, dict):
        raise ValueError("settings must be a JSON object")
    known = {f.name for f in fields(settings)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(known)}")
    for name, value in values.items():
        current = getattr(settings, name)
        expected = (int, float) if isinstance(current, float) else type(current)
        if not isinstance(value, expected) or (
            isinstance(value, bool) and not isinstance(current, bool)
        ):
            raise ValueError(f"{name} must be a {type(current).__name__}")
        setattr(settings, name, value)


@dataclass
class ChannelSettings:
    """Generic JSON channel settings."""

    secret: str = DEFAULT_SECRET
    max_items: int = 500
    require_idempotency_key: bool = False


@dataclass
class ShopSettings:
    """Shopify shop settings; ``catalog`` maps SKU -> inventory item gid."""

    token: str = DEFAULT_TOKEN
    maximum_available: float = 1000.0
    restore_rate: float = 50.0
    mutation_cost: int = 10
    query_cost: int = 2
    throttle_status: int = 200
    require_change_from_quantity: bool = True
    require_idempotency: bool = False
    catalog: dict = field(default_factory=dict)
    locations: list = field(default_factory=list)


@dataclass
class Fault:
    """A queued fault; applies to requests whose path starts with ``path_prefix``.

    ``count``: how many requests it hits (None = until cleared). ``seconds``: delay
    of ``slow``/``timeout``. ``limit``/``window``: ``rate_limit``. ``apply``: a
    ``drop`` processes the request before closing the connection.
    """

    kind: str
    path_prefix: str = ""
    method: str = ""
    count: int | None = None
    status: int | None = None
    retry_after: float | str | None = None
    body: object = None
    seconds: float | None = None
    apply: bool = False
    limit: int = 1
    window: float = 1.0
    id: int = 0
    hits: list = field(default_factory=list, repr=False)

    def matches(self, method, path):
        return path.startswith(self.path_prefix) and (
            not self.method or self.method.upper() == method
        )

    def to_dict(self):
        data = asdict(self)
        data.pop("hits")
        return data


@dataclass
class Reply:
    """What the server answers: status, JSON payload, extra headers."""

    status: int
    payload: object
    headers: dict = field(default_factory=dict)


class SimulatorState:
    """Everything the simulator knows, guarded by one lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.reset()

    def reset(self):
        with self.lock:
            self.channels = {}
            self.shops = {}
            self.faults = []
            self.received = []
            self.order_statuses = []
            self.generic_stock = {}
            self.generic_replies = {}
            self.stale = {}
            self.shopify_levels = {}
            self.shopify_replies = {}
            self.buckets = {}
            self._ids = 0

    def next_id(self):
        with self.lock:
            self._ids += 1
            return self._ids

    def channel(self, code):
        with self.lock:
            return self.channels.setdefault(code, ChannelSettings())

    def shop(self, name):
        with self.lock:
            return self.shops.setdefault(name, ShopSettings())

    def configure(self, data):
        """Merge ``{"channels": {code: {...}}, "shops": {shop: {...}}}`` into the settings."""
        if not isinstance(data, dict) or set(data) - {"channels", "shops"}:
            raise ValueError('expected {"channels": {...}, "shops": {...}}')
        with self.lock:
            for code, values in (data.get("channels") or {}).items():
                _update(self.channel(code), values)
            for name, values in (data.get("shops") or {}).items():
                _update(self.shop(name), values)
                self.buckets.pop(name, None)

    def config_snapshot(self):
        with self.lock:
            return {
                "channels": {code: asdict(s) for code, s in self.channels.items()},
                "shops": {name: asdict(s) for name, s in self.shops.items()},
            }

    # -- faults ---------------------------------------------------------------

    def add_fault(self, data):
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        if data.get("kind") not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        known = {f.name for f in fields(Fault)} - {"id", "hits"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}")
        fault = Fault(**data)
        fault.id = self.next_id()
        with self.lock:
            self.faults.append(fault)
        return fault.id

    def clear_faults(self, fault_id=None):
        with self.lock:
            self.faults = [f for f in self.faults if fault_id is not None and f.id != fault_id]

    def take_fault(self, method, path):
        """The fault firing for this request (a copy), consuming one of its ``count``."""
        now = time.monotonic()
        with self.lock:
            for fault in self.faults:
                if not fault.matches(method, path):
                    continue
                if fault.kind == FAULT_RATE_LIMIT:
                    fault.hits = [hit for hit in fault.hits if now - hit < fault.window]
                    if len(fault.hits) < fault.limit:
                        fault.hits.append(now)
                        continue
                    fired = Fault(**{**fault.to_dict(), "hits": []})
                    if fired.retry_after is None:
                        fired.retry_after = max(1, math.ceil(fault.window - (now - fault.hits[0])))
                else:
                    fired = Fault(**{**fault.to_dict(), "hits": []})
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                return fired
        return None

    # -- journal --------------------------------------------------------------

    def record(self, method, path, query, headers, body):
        entry = {
            "id": self.next_id(),
            "time": _now_iso(),
            "method": method,
            "path": path,
            "query": query,
            "headers": dict(headers.items()),
            "body": body.decode("utf-8", "replace"),
            "status": None,
            "fault": None,
            "replayed": False,
        }
        with self.lock:
            self.received.append(entry)
        return entry

    def received_requests(self, path_prefix=""):
        with self.lock:
            return [dict(r) for r in self.received if r["path"].startswith(path_prefix)]

    def stock(self):
        with self.lock:
            shopify = {}
            for (shop, item, location), quantity in sorted(self.shopify_levels.items()):
                shopify.setdefault(shop, {}).setdefault(location, {})[item] = quantity
            return {
                "generic": {
                    code: {sku: dict(level) for sku, level in levels.items()}
                    for code, levels in self.generic_stock.items()
                },
                "shopify": shopify,
                STALE: dict(self.stale),
            }

    # -- generic JSON channel -------------------------------------------------

    def _check_signature(self, code, headers, body):
        secret = self.channel(code).secret
        if _same(_hex_signature(secret, body), headers.get(HEADER_SIGNATURE)):
            return None
        return _error(401, "invalid or missing signature")

    def _replay(self, code, key, fingerprint):
        stored = self.generic_replies.get((code, key))
        if stored is None:
            return None
        if stored[0] != fingerprint:
            return _error(422, "Idempotency-Key reused with a different request")
        return Reply(stored[1].status, stored[1].payload, {HEADER_REPLAYED: "true"})

    def _signed_json(self, code, headers, body):
        """(data, None) for a correctly signed JSON body, else (None, the error reply)."""
        denied = self._check_signature(code, headers, body)
        if denied:
            return None, denied
        try:
            return json.loads(body), None
        except ValueError:
            return None, _error(400, INVALID_JSON)

    def generic_push(self, code, headers, body):
        data, problem = self._signed_json(code, headers, body)
        if problem:
            return problem
        settings = self.channel(code)
        problem = _generic_problem(data, code, settings)
        if problem:
            return problem
        key = headers.get(HEADER_IDEMPOTENCY_KEY)
        if not key and settings.require_idempotency_key:
            return _error(400, f"{HEADER_IDEMPOTENCY_KEY} header required")
        with self.lock:
            fingerprint = _fingerprint([data["channel"], data["items"]])
            replay = key and self._replay(code, key, fingerprint)
            if replay:
                return replay
            levels = self.generic_stock.setdefault(code, {})
            accepted, stale, errors = 0, [], {}
            for item in data["items"]:
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
                    "updated_at": _now_iso(),
                }
                accepted += 1
            self.stale[code] = self.stale.get(code, 0) + len(stale)
            payload = {"accepted": accepted, STALE: len(stale), "stale_skus": stale}
            if errors:
                payload["errors"] = errors
            reply = Reply(200, payload)
            if key:
                self.generic_replies[(code, key)] = (fingerprint, reply)
            return reply

    def generic_levels(self, code, headers, body, query):
        denied = self._check_signature(code, headers, body)
        if denied:
            return denied
        wanted = [sku for value in query.get("skus", []) for sku in value.split(",") if sku]
        with self.lock:
            levels = self.generic_stock.get(code, {})
            skus = wanted if query.get("skus") else sorted(levels)
            items = [{"sku": s, "quantity": levels[s]["quantity"]} for s in skus if s in levels]
        return Reply(200, {"items": items})

    def order_status(self, code, external_id, headers, body):
        data, problem = self._signed_json(code, headers, body)
        if problem:
            return problem
        if not isinstance(data, dict):
            return _error(400, "expected a JSON object")
        key = headers.get(HEADER_IDEMPOTENCY_KEY)
        with self.lock:
            fingerprint = _fingerprint([external_id, data])
            replay = key and self._replay(code, key, fingerprint)
            if replay:
                return replay
            self.order_statuses.append(
                {
                    "channel": code,
                    "external_id": external_id,
                    "payload": data,
                    "idempotency_key": key,
                    "received_at": _now_iso(),
                }
            )
            reply = Reply(200, OK)
            if key:
                self.generic_replies[(code, key)] = (fingerprint, reply)
            return reply

    # -- Shopify --------------------------------------------------------------

    def _bucket(self, name, settings):
        """Currently available points of the shop's leaky bucket (refilled up to now)."""
        now = time.monotonic()
        available, since = self.buckets.get(name, (float(settings.maximum_available), now))
        available = min(
            float(settings.maximum_available), available + (now - since) * settings.restore_rate
        )
        self.buckets[name] = (available, now)
        return available

    @staticmethod
    def _cost(settings, requested, actual, available):
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(settings.maximum_available),
                "currentlyAvailable": int(available),
                "restoreRate": float(settings.restore_rate),
            },
        }

    def shopify_graphql(self, name, headers, body):
        settings = self.shop(name)
        if not _same(settings.token, headers.get(HEADER_SHOPIFY_TOKEN)):
            return Reply(401, {"errors": INVALID_TOKEN})
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            return Reply(400, {"errors": {"query": "Required parameter missing or invalid"}})
        query, variables = data["query"], data.get("variables") or {}
        if OP_SET_QUANTITIES in query:
            cost, operation = settings.mutation_cost, self._set_quantities
        elif OP_INVENTORY_ITEMS in query:
            cost, operation = settings.query_cost, self._inventory_items
        else:
            return Reply(200, _graphql_error("simulator: unsupported operation", "UNSUPPORTED"))
        with self.lock:
            available = self._bucket(name, settings)
            if available < cost:
                payload = _graphql_error("Throttled", THROTTLED, documentation=THROTTLE_DOC)
                payload["extensions"] = {"cost": self._cost(settings, cost, None, available)}
                return Reply(settings.throttle_status, payload)
            available -= cost
            self.buckets[name] = (available, time.monotonic())
            payload = operation(name, settings, query, variables)
            payload["extensions"] = {"cost": self._cost(settings, cost, cost, available)}
            return Reply(200, payload)

    def _set_quantities(self, name, settings, query, variables):
        match = SET_QUANTITIES_RE.search(query)
        if not match:
            return _graphql_error("simulator: pass the input as a variable", "BAD_REQUEST")
        data = variables.get(match.group(1))
        quantities = data.get("quantities") if isinstance(data, dict) else None
        if not isinstance(quantities, list):
            return _graphql_error("Variable $input was provided an invalid value", INVALID_VARIABLE)
        if len(quantities) > SHOPIFY_MAX_INPUT:
            return _graphql_error(
                f"The input array size of {len(quantities)} is greater than the maximum "
                f"allowed of {SHOPIFY_MAX_INPUT}.",
                "MAX_INPUT_SIZE_EXCEEDED",
                path=["inventorySetQuantities", "input", "quantities"],
            )
        key_match = IDEMPOTENT_RE.search(query)
        key = key_match.group(1) if key_match else None
        if not key and settings.require_idempotency:
            return _graphql_error("The @idempotent directive is required", "BAD_REQUEST")
        fingerprint = _fingerprint(data)
        if key and (name, key) in self.shopify_replies:
            stored_fingerprint, stored = self.shopify_replies[(name, key)]
            if stored_fingerprint == fingerprint:
                return json.loads(json.dumps(stored))
            return _set_result(
                None,
                [_user_error("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", ["input"], "key reused")],
            )
        errors = self._quantity_errors(name, settings, data, quantities)
        if errors:
            payload = _set_result(None, errors)
        else:
            for row in quantities:
                level_key = (name, row["inventoryItemId"], row["locationId"])
                self.shopify_levels[level_key] = row["quantity"]
            group = f"gid://shopify/InventoryAdjustmentGroup/{self.next_id()}"
            payload = _set_result({"id": group}, [])
        if key:
            self.shopify_replies[(name, key)] = (fingerprint, payload)
        return json.loads(json.dumps(payload))

    def _quantity_errors(self, name, settings, data, quantities):
        errors = []
        if data.get("name") not in QUANTITY_NAMES:
            errors.append(_user_error("INVALID_NAME", ["input", "name"], "invalid name"))
        if not data.get("reason"):
            errors.append(_user_error("INVALID_REASON", ["input", "reason"], "reason required"))
        items = set(settings.catalog.values())
        for index, row in enumerate(quantities):
            where = ["input", "quantities", str(index)]
            if not isinstance(row, dict):
                errors.append(_user_error("INVALID_QUANTITY", where, "quantity must be an object"))
                continue
            item, location = row.get("inventoryItemId"), row.get("locationId")
            quantity = row.get("quantity")
            if not (isinstance(item, str) and ITEM_GID_RE.match(item)) or (
                items and item not in items
            ):
                errors.append(
                    _user_error(
                        "INVALID_INVENTORY_ITEM",
                        [*where, "inventoryItemId"],
                        "The specified inventory item could not be found.",
                    )
                )
            if not (isinstance(location, str) and LOCATION_GID_RE.match(location)) or (
                settings.locations and location not in settings.locations
            ):
                errors.append(
                    _user_error(
                        "INVALID_LOCATION",
                        [*where, "locationId"],
                        "The specified location could not be found.",
                    )
                )
            if not _is_int(quantity) or abs(quantity) > QUANTITY_LIMIT:
                errors.append(
                    _user_error("INVALID_QUANTITY", [*where, "quantity"], "invalid quantity")
                )
            if "changeFromQuantity" not in row:
                if settings.require_change_from_quantity:
                    errors.append(
                        _user_error(
                            "CHANGE_FROM_QUANTITY_REQUIRED",
                            [*where, "changeFromQuantity"],
                            "changeFromQuantity is required; pass null to skip the check.",
                        )
                    )
            elif row["changeFromQuantity"] is not None:
                current = self.shopify_levels.get((name, item, location), 0)
                if row["changeFromQuantity"] != current:
                    errors.append(
                        _user_error(
                            "CHANGE_FROM_QUANTITY_STALE",
                            [*where, "changeFromQuantity"],
                            "The quantity has changed since changeFromQuantity was read.",
                        )
                    )
        return errors

    def _inventory_items(self, name, settings, query, variables):
        search = variables.get("query")
        location = variables.get("locationId")
        if not isinstance(search, str):
            return _graphql_error("Variable $query was provided an invalid value", INVALID_VARIABLE)
        skus = [
            UNESCAPE_RE.sub(r"\1", quoted) if quoted else single or bare
            for quoted, single, bare in SKU_TERM_RE.findall(search)
        ]
        first = variables.get("first")
        nodes = []
        for sku in dict.fromkeys(skus):
            item = settings.catalog.get(sku)
            if not item:
                continue
            level = self.shopify_levels.get((name, item, location))
            nodes.append(
                {
                    "id": item,
                    "sku": sku,
                    "inventoryLevel": None
                    if level is None
                    else {"quantities": [{"name": QUANTITY_NAMES[0], "quantity": level}]},
                }
            )
        if _is_int(first):
            nodes = nodes[:first]
        return {"data": {OP_INVENTORY_ITEMS: {"nodes": nodes}}}


def _generic_problem(data, code, settings):
    """A 400/413 Reply when a generic push body is malformed, else None."""
    if not isinstance(data, dict):
        return _error(400, "expected a JSON object")
    missing = [name for name in ("channel", "sent_at", "items") if name not in data]
    if missing:
        return _error(400, f"missing fields {missing}")
    if data["channel"] != code:
        return _error(400, f"channel {data['channel']!r} does not match {code!r}")
    items = data["items"]
    if not isinstance(items, list):
        return _error(400, "items must be a list")
    if len(items) > settings.max_items:
        return _error(413, f"more than {settings.max_items} items")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            return _error(400, "item must be an object", index=index)
        missing = [n for n in ("sku", "quantity", "sequence", "computed_at") if n not in item]
        if missing:
            return _error(400, f"missing fields {missing}", index=index)
        if not (isinstance(item["sku"], str) and item["sku"]):
            return _error(400, "sku must be a non-empty string", index=index)
        if not (_is_int(item["quantity"]) and _is_int(item["sequence"])):
            return _error(400, "quantity and sequence must be integers", index=index)
        try:
            datetime.fromisoformat(item["computed_at"])
        except (TypeError, ValueError):
            return _error(400, "computed_at must be ISO 8601", index=index)
    return None


def _error(status, message, **extra):
    """A plain JSON error reply: ``{"error": message, ...}``."""
    return Reply(status, {"error": message, **extra})


def _graphql_error(message, code, **extra):
    error = {"message": message, "extensions": {"code": code}}
    if "documentation" in extra:
        error["extensions"]["documentation"] = extra.pop("documentation")
    error.update(extra)
    return {"errors": [error]}


def _user_error(code, field_path, message):
    return {"code": code, "field": field_path, "message": message}


def _set_result(group, user_errors):
    return {
        "data": {OP_SET_QUANTITIES: {"inventoryAdjustmentGroup": group, "userErrors": user_errors}}
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChannelSimulator/1.0"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 60

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {fmt % args}\n")

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def _read_body(self):
        """The request body, or None when its length is not given in a usable form."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, reply):
        data = json.dumps(reply.payload).encode("utf-8")
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", JSON_CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, str(value))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _handle(self):
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(_error(411, "a valid Content-Length is required"))
            return
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        if path.startswith(CONTROL_PREFIX):
            self._send(self._guarded(self._control, path, query, body))
            return
        entry = self.state.record(self.command, path, url.query, self.headers, body)
        fault = self.state.take_fault(self.command, path)
        if fault:
            entry["fault"] = fault.kind
            if fault.kind == FAULT_SLOW:
                self._hold(fault)
            elif fault.kind in (FAULT_STATUS, FAULT_RATE_LIMIT, FAULT_DOWN):
                reply = _fault_reply(fault)
                entry["status"] = reply.status
                self._send(reply)
                return
            elif fault.kind == FAULT_DROP:
                if fault.apply:
                    self._guarded(self._route, path, query, body)
                self.close_connection = True
                return
        reply = self._guarded(self._route, path, query, body)
        entry["status"] = reply.status
        entry["replayed"] = HEADER_REPLAYED in reply.headers
        if fault and fault.kind == FAULT_TIMEOUT:
            self._hold(fault)
            self.close_connection = True
        self._send(reply)

    def _hold(self, fault):
        seconds = FAULT_DEFAULT_SECONDS[fault.kind] if fault.seconds is None else fault.seconds
        self.state.stopping.wait(seconds)

    def _guarded(self, handler, *args):
        try:
            return handler(*args)
        except Exception as exc:  # a simulator bug must not look like a network fault
            traceback.print_exc(file=sys.stderr)
            return _error(500, f"simulator error: {exc!r}")

    def _route(self, path, query, body):
        method = self.command
        if path.startswith(GENERIC_PREFIX):
            parts = [unquote(p) for p in path[len(GENERIC_PREFIX) :].split("/")]
            if len(parts) == 1 and parts[0]:
                if method == "POST":
                    return self.state.generic_push(parts[0], self.headers, body)
                if method == "GET":
                    return self.state.generic_levels(parts[0], self.headers, body, query)
                return _error(405, METHOD_NOT_ALLOWED)
            if len(parts) == 4 and parts[1] == "orders" and parts[3] == "status" and parts[2]:
                if method != "POST":
                    return _error(405, METHOD_NOT_ALLOWED)
                return self.state.order_status(parts[0], parts[2], self.headers, body)
        elif path.startswith(SHOPIFY_PREFIX):
            parts = path[len(SHOPIFY_PREFIX) :].split("/")
            if (
                len(parts) == 5
                and parts[0]
                and parts[1:3] == ["admin", "api"]
                and parts[4] == "graphql.json"
            ):
                if method != "POST":
                    return Reply(405, {"errors": METHOD_NOT_ALLOWED})
                return self.state.shopify_graphql(unquote(parts[0]), self.headers, body)
        return _error(404, NOT_FOUND)

    def _control(self, path, query, body):
        state, method = self.state, self.command
        action = path[len(CONTROL_PREFIX) :].rstrip("/")
        prefix = (query.get("path_prefix") or [""])[0]
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _error(400, INVALID_JSON)
        try:
            if (method, action) == ("GET", "health"):
                return Reply(200, {"status": "ok", "time": _now_iso()})
            if (method, action) == ("POST", "reset"):
                state.reset()
                return Reply(200, OK)
            if action == "config":
                if method == "POST":
                    state.configure(data)
                return Reply(200, state.config_snapshot())
            if (method, action) == ("POST", "faults"):
                faults = data if isinstance(data, list) else [data]
                return Reply(200, {"ids": [state.add_fault(f) for f in faults]})
            if (method, action) == ("GET", "faults"):
                with state.lock:
                    return Reply(200, {"faults": [f.to_dict() for f in state.faults]})
            if (method, action) == ("DELETE", "faults"):
                fault_id = query.get("id")
                state.clear_faults(int(fault_id[0]) if fault_id else None)
                return Reply(200, OK)
            if (method, action) == ("GET", "received"):
                return Reply(200, {"requests": state.received_requests(prefix)})
            if (method, action) == ("GET", "stock"):
                return Reply(200, state.stock())
            if (method, action) == ("GET", "orders"):
                with state.lock:
                    return Reply(200, {"statuses": list(state.order_statuses)})
        except (TypeError, ValueError) as exc:
            return _error(400, str(exc))
        return _error(404, NOT_FOUND)


def _fault_reply(fault):
    status = fault.status or FAULT_DEFAULT_STATUS[fault.kind]
    headers = {}
    if fault.retry_after is not None:
        headers[HEADER_RETRY_AFTER] = fault.retry_after
    payload = fault.body if fault.body is not None else {"error": f"simulated {fault.kind}"}
    return Reply(status, payload, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # listen backlog: the default (5) drops connections under a burst of new ones, as no
    # real receiver does
    request_queue_size = 128

    def __init__(self, address, state, verbose):
        self.state = state
        self.verbose = verbose
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        if self.verbose and not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return super().handle_error(request, client_address)
        return None


class Simulator:
    """A running simulator; the accessors read its state directly (for tests)."""

    def __init__(self, host=DEFAULT_HOST, port=0, verbose=False):
        self.state = SimulatorState()
        self._server = _Server((host, port), self.state, verbose)
        self.host, self.port = self._server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = None

    def start(self):
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"simulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self):
        """Serve in the calling thread until ``stop()`` or KeyboardInterrupt."""
        try:
            self._server.serve_forever(poll_interval=POLL_INTERVAL)
        except KeyboardInterrupt:
            sys.stderr.write("simulator stopped\n")
        finally:
            self._server.server_close()

    def stop(self):
        """Stop serving, release the port, wake requests held by slow/timeout faults."""
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- URLs -----------------------------------------------------------------

    def generic_url(self, channel):
        """``endpoint_url`` of a generic JSON channel."""
        return f"{self.url}{GENERIC_PREFIX}{channel}"

    def shopify_url(self, shop):
        """``endpoint_url`` of a Shopify channel (the shop's base URL)."""
        return f"{self.url}{SHOPIFY_PREFIX}{shop}"

    # -- control --------------------------------------------------------------

    def reset(self):
        self.state.reset()

    def configure_channel(self, channel, **settings):
        """Settings: secret, max_items, require_idempotency_key."""
        self.state.configure({"channels": {channel: settings}})

    def configure_shop(self, shop, **settings):
        """Settings: see ShopSettings (token, maximum_available, restore_rate, ...)."""
        self.state.configure({"shops": {shop: settings}})

    def add_fault(self, kind, path_prefix="", **options):
        """Queue a fault (see Fault); returns its id."""
        return self.state.add_fault({"kind": kind, "path_prefix": path_prefix, **options})

    def clear_faults(self):
        self.state.clear_faults()

    def faults(self):
        with self.state.lock:
            return [f.to_dict() for f in self.state.faults]

    # -- observations ---------------------------------------------------------

    def received(self, path_prefix=""):
        """Recorded requests (oldest first) whose path starts with ``path_prefix``."""
        return self.state.received_requests(path_prefix)

    def stock(self):
        """``{"generic": {channel: {sku: {...}}}, "shopify": {shop: {location: {item: qty}}},
        "stale": {channel: n}}``."""
        return self.state.stock()

    def generic_level(self, channel, sku):
        with self.state.lock:
            level = self.state.generic_stock.get(channel, {}).get(sku)
            return level["quantity"] if level else None

    def generic_levels(self, channel):
        with self.state.lock:
            levels = self.state.generic_stock.get(channel, {})
            return {sku: level["quantity"] for sku, level in levels.items()}

    def stale_count(self, channel):
        with self.state.lock:
            return self.state.stale.get(channel, 0)

    def shopify_level(self, shop, inventory_item_id, location_id):
        with self.state.lock:
            return self.state.shopify_levels.get((shop, inventory_item_id, location_id))

    def order_statuses(self, channel=None):
        with self.state.lock:
            return [s for s in self.state.order_statuses if channel in (None, s["channel"])]


def start(host=DEFAULT_HOST, port=0, verbose=False):
    """Start a simulator in a daemon thread (``port=0``: a free port) and return it."""
    return Simulator(host, port, verbose).start()
