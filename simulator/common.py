"""What the simulator's marketplaces share: replies, settings, signatures, faults."""

import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime

DEFAULT_SECRET = "simulator-secret"
DEFAULT_TOKEN = "simulator-token"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"
HEADER_REPLAYED = "Idempotent-Replayed"
HEADER_RETRY_AFTER = "Retry-After"
SIGNATURE_PREFIX = "sha256="
STALE = "stale"
NOT_FOUND = "not found"
OK = {"ok": True}
INVALID_JSON = "invalid JSON"
METHOD_NOT_ALLOWED = "method not allowed"

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


def now_iso():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hex_signature(secret, body):
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def same(expected, received):
    """Constant-time comparison of two header values (None = mismatch)."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.strip().encode("utf-8"))


def fingerprint(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


def is_day(value):
    """None (an optional date), or a date written YYYY-MM-DD."""
    if value is None:
        return True
    try:
        return isinstance(value, str) and len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        return False


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def update_settings(settings, values):
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
class Reply:
    """What the server answers: status, JSON payload, extra headers."""

    status: int
    payload: object
    headers: dict = field(default_factory=dict)


def error(status, message, **extra):
    """A plain JSON error reply: ``{"error": message, ...}``."""
    return Reply(status, {"error": message, **extra})


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

    def reply(self):
        status = self.status or FAULT_DEFAULT_STATUS[self.kind]
        headers = {}
        if self.retry_after is not None:
            headers[HEADER_RETRY_AFTER] = self.retry_after
        payload = self.body if self.body is not None else {"error": f"simulated {self.kind}"}
        return Reply(status, payload, headers)


class Marketplace:
    """One marketplace the simulator speaks: the path ``prefix`` it serves, the key of its
    settings in ``/_sim/config`` and the dataclass of one account's settings. Its state
    is guarded by the simulator's lock (``self.lock``)."""

    name = ""
    prefix = ""
    config_key = ""
    settings_class = None

    def __init__(self, simulator_state):
        self.sim = simulator_state
        self.lock = simulator_state.lock
        self.reset()

    def reset(self):
        self.accounts = {}
        self._reset()

    def _reset(self):
        """Forget what the marketplace holds (settings are reset by ``reset``)."""

    def account(self, name):
        with self.lock:
            return self.accounts.setdefault(name, self.settings_class())

    def configure(self, name, values):
        update_settings(self.account(name), values)
        self._configured(name)

    def _configured(self, name):
        """Called when the settings of account ``name`` changed."""

    def config_snapshot(self):
        with self.lock:
            return {name: asdict(settings) for name, settings in self.accounts.items()}

    def stock(self):
        """What the marketplace holds, for ``GET /_sim/stock``."""
        return {}

    def route(self, method, parts, query, headers, body):
        """The Reply to a request under ``prefix`` (``parts``: the rest of the path)."""
        raise NotImplementedError


# -- what the marketplaces that confirm later and limit their rate share ----------------

PENDING = "PENDING"
SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
TIMEOUT = "TIMEOUT"


@dataclass
class Window:
    """A documented limit: ``limit`` requests per ``seconds`` (a sliding window)."""

    limit: int
    seconds: float


class RateLimits:
    """The marketplace's limits per (account, endpoint): a request over the limit is
    answered 429 with ``Retry-After`` (seconds) and the ``X-RateLimit-*`` headers; every
    answer carries them. ``served`` keeps when each request was served (for tests:
    never more than the limit within a window)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.hits = {}
        self.served = {}

    def take(self, key, window, headers_prefix="X-RateLimit"):
        """(None, headers) when the request may be served, else (Reply 429, headers)."""
        now = self.clock()
        hits = [hit for hit in self.hits.get(key, []) if now - hit < window.seconds]
        self.hits[key] = hits
        if len(hits) >= window.limit:
            retry_after = max(1, int(window.seconds - (now - hits[0]) + 0.999))
            headers = {
                f"{headers_prefix}-Limit": str(window.limit),
                f"{headers_prefix}-Remaining": "0",
                f"{headers_prefix}-Reset": str(retry_after),
                HEADER_RETRY_AFTER: str(retry_after),
            }
            return retry_after, headers
        hits.append(now)
        self.served.setdefault(key, []).append(now)
        headers = {
            f"{headers_prefix}-Limit": str(window.limit),
            f"{headers_prefix}-Remaining": str(window.limit - len(hits)),
            f"{headers_prefix}-Reset": str(max(1, int(window.seconds))),
        }
        return None, headers

    def max_in_window(self, key, seconds):
        """The most requests of ``key`` served within any ``seconds`` (a test's check)."""
        times = self.served.get(key, [])
        best, start = 0, 0
        for end, when in enumerate(times):
            while when - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best


@dataclass
class Job:
    """Something a marketplace processes after answering "received": PENDING until
    ``delay`` seconds passed, then its ``outcome`` (SUCCESS, FAILURE, or TIMEOUT);
    ``errors`` {sku: message} of the items that failed; ``apply`` is called once, when
    it succeeds (the quantities change then, not at the request)."""

    id: str
    created: float
    delay: float
    outcome: str = SUCCESS
    errors: dict = field(default_factory=dict)
    apply: object = None
    detail: dict = field(default_factory=dict)
    settled: bool = False

    def state(self, now):
        return PENDING if now < self.created + self.delay else self.outcome

    def settle(self, now):
        """Apply it once it is done (at most once)."""
        if self.settled or self.state(now) == PENDING:
            return
        self.settled = True
        if self.outcome == SUCCESS and self.apply:
            self.apply(self)
