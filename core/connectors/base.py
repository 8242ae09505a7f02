"""Connector base: channel configuration, push items and results, HTTP error classification."""

from dataclasses import dataclass, field
from datetime import datetime

import requests
from requests.adapters import HTTPAdapter

from ..backoff import parse_retry_after
from ..errors import PermanentError, RetryableError
from ..ratelimit import Limiter
from ..tokens import TokenStore

GENERIC_JSON = "generic_json"
SHOPIFY = "shopify"
WOOCOMMERCE = "woocommerce"
BOL = "bol"
MIRAKL = "mirakl"
AMAZON = "amazon"
# the verdicts of a push accepted for processing (channels that confirm later)
PENDING = "pending"
SUCCESS = "success"
FAILURE = "failure"
TIMEOUT = "timeout"
# Ordered (code, label) pairs, usable as an Odoo selection.
CONNECTOR_SELECTION = [
    (GENERIC_JSON, "Generic JSON"),
    (SHOPIFY, "Shopify"),
    (WOOCOMMERCE, "WooCommerce"),
    (BOL, "bol.com"),
    (MIRAKL, "Mirakl"),
    (AMAZON, "Amazon"),
]

# Connector classes by code, filled by @register.
CONNECTORS = {}

TOO_MANY_REQUESTS = 429
RETRY_AFTER_STATUSES = frozenset({TOO_MANY_REQUESTS, 503})
REQUEST_TIMEOUT_STATUS = 408
HEADER_RETRY_AFTER = "Retry-After"
HEADER_CONTENT_TYPE = "Content-Type"
JSON_CONTENT_TYPE = "application/json"
# Shopify Admin API version of requests and of simulated webhooks.
DEFAULT_API_VERSION = "2026-10"
REDACTED = "***"
# Response text quoted in exception messages.
MESSAGE_SNIPPET_CHARS = 500
POOL_MAXSIZE = 4
# Network failures worth retrying (ConnectionError covers refused, reset, dropped, SSL).
_RETRYABLE_TRANSPORT_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


def register(code):
    """Class decorator: register a Connector subclass under ``code`` (sets ``cls.code``)."""

    def decorator(cls):
        cls.code = code
        CONNECTORS[code] = cls
        return cls

    return decorator


def get_connector(code):
    """The Connector class registered under ``code``; KeyError if unknown."""
    try:
        return CONNECTORS[code]
    except KeyError:
        raise KeyError(f"unknown connector {code!r}") from None


@dataclass
class ChannelConfig:
    """What a connector needs to know about one channel (``code`` is the channel's code)."""

    code: str
    endpoint_url: str
    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    batch_size: int = 100
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    api_version: str = DEFAULT_API_VERSION
    location_id: str = ""
    # channels with short-lived tokens: where to get them (empty: the connector's
    # documented default); the seller's account and marketplace on the channel
    # (Amazon: sellerId and marketplaceIds; Mirakl: shop_id)
    token_url: str = ""
    seller_id: str = ""
    marketplace_id: str = ""
    # marketplace-specific switches (WooCommerce: tracking_extension; Shopify:
    # refund_returns)
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PushItem:
    """One quantity to publish for one SKU; ``sequence`` grows per (channel, SKU)."""

    sku: str
    quantity: int
    sequence: int
    computed_at: datetime
    external_id: str = ""
    external_location_id: str = ""
    previous_quantity: int | None = None
    external_parent_id: str = ""  # WooCommerce: the product of a variation


@dataclass
class PushResult:
    """An accepted push (2xx).

    ``item_errors``: {sku: message} for items of the batch that were not applied
    (all others were). ``stale``: how many items the channel dropped as stale (it holds
    a newer sequence), ``stale_skus`` which ones when it says so.
    ``remote_id``: the channel's id for the change, when it gives one.
    """

    status: int
    body: str
    request_body: str
    idempotency_key: str
    accepted_at: datetime
    item_errors: dict = field(default_factory=dict)
    stale: int = 0
    stale_skus: tuple = ()
    remote_id: str = ""
    # {sku: why} of items not applied that may be sent again (a part of the batch that
    # failed on its own); {sku: (expected, found)} of quantities found changed on the
    # channel (a compare-and-set that failed, then settled)
    retry_errors: dict = field(default_factory=dict)
    drift: dict = field(default_factory=dict)
    # channels that confirm later: {sku: the channel's id of its processing} of the
    # items accepted for processing (one id for the whole batch, or one per item);
    # {sku: seconds} of the items not sent because of the rate limit (sent again then,
    # never a dead letter)
    tracking: dict = field(default_factory=dict)
    throttled: dict = field(default_factory=dict)

    def split(self, skus):
        """(applied, refused, stale) for the pushed ``skus``: the SKUs applied, {sku:
        message} of those refused, and the set of those dropped as stale. A channel that
        counts stale items without naming them leaves every unrefused item in doubt."""
        refused = {sku: str(self.item_errors[sku]) for sku in skus if sku in self.item_errors}
        if self.retry_errors:
            return self._split_retry(skus, refused)
        if self.stale_skus:
            stale = set(self.stale_skus) & set(skus)
        elif self.stale:
            stale = set(skus) - set(refused)
        else:
            stale = set()
        stale -= set(refused)
        applied = [sku for sku in skus if sku not in refused and sku not in stale]
        return applied, refused, stale

    def _split_retry(self, skus, refused):
        retry = {sku for sku in skus if sku in self.retry_errors} | set(self.stale_skus)
        retry -= set(refused)
        applied = [sku for sku in skus if sku not in refused and sku not in retry]
        return applied, refused, retry


@dataclass(frozen=True)
class Verdict:
    """What a channel that confirms later says of a push it accepted: ``state``
    PENDING (still processing), SUCCESS (``item_errors``: the items that failed anyway),
    FAILURE (every item failed, ``reason`` says why, unless ``item_errors`` names them),
    TIMEOUT (the channel gave up: sent again). ``body``: what the channel answered."""

    state: str
    item_errors: dict = field(default_factory=dict)
    reason: str = ""
    body: str = ""

    def errors(self, skus):
        """{sku: why} of the ``skus`` that failed by this verdict."""
        if self.state == FAILURE and not self.item_errors:
            return dict.fromkeys(skus, self.reason or "failed on the channel")
        return {sku: str(self.item_errors[sku]) for sku in skus if sku in self.item_errors}


@dataclass(frozen=True)
class CatalogEntry:
    """A product of the channel's catalogue: its SKU and the ids it is known by there."""

    sku: str
    external_id: str
    external_parent_id: str = ""
    quantity: int | None = None
    barcode: str = ""  # the EAN the channel knows it by (bol.com), matched when the SKU is not
    # the channel holds and ships this stock itself (Amazon FBA, bol.com FBB): bound,
    # never pushed
    fulfilled_by_channel: bool = False


@dataclass(frozen=True)
class PolledMessage:
    """An order message read by polling, stored and judged as a webhook delivery is:
    ``delivery_id`` names this version of it (a later poll of the same version is no
    new message)."""

    kind: str
    body: bytes
    delivery_id: str
    external_id: str = ""


@dataclass(frozen=True)
class Delivery:
    """What a genuine webhook delivery is: its ``kind`` (core.inbound KIND_*), the
    platform's ``topic`` and ``delivery_id`` when it has them, and for KIND_IGNORED why."""

    kind: str
    topic: str = ""
    delivery_id: str = ""
    ignored_reason: str = ""


LOCAL_LIMITER = Limiter()
LOCAL_TOKENS = TokenStore()


class Connector:
    """Base class: one ``requests.Session`` (pooled) per instance; not thread-safe.

    The webhook side (authenticating, naming and parsing what the channel sends) is made
    of class methods: it needs no session.
    """

    code = ""
    max_batch_size = 100
    # the module reading the channel's orders (its parse_order and parse_cancel)
    order_format = None
    # webhooks: the headers kept with a stored delivery (never a signature) ...
    kept_headers = (HEADER_CONTENT_TYPE, "Content-Length", "User-Agent")
    # ... whether every genuine delivery is answered 2xx (a platform that disables
    # failing webhooks: refusals are kept and shown in Odoo instead) ...
    webhook_always_ok = False
    # ... and within how many seconds a delivery must be answered
    webhook_deadline = 20.0
    # a cancellation the channel sends is a request the seller answers (bol.com's
    # customer cancellation requests): the cancelled status is pushed back to it
    acknowledges_cancellations = False
    # the seller accepts or refuses each order (Mirakl's OR21): the order's status is
    # pushed as soon as it is imported, and one that cannot be reserved is refused
    accepts_orders = False
    # limits: requests per second the channel allows (None: no documented limit), and
    # whether a 2xx only means "received", the outcome coming later
    rate_limit = None
    confirms_async = False
    # orders read by polling (a backstop of webhooks, or the only way in), how often at
    # most, and how far back each poll reads again (a safety overlap)
    polls_orders = False
    poll_interval_minutes = 5
    poll_overlap_minutes = 10
    # the channel's documented limits, per endpoint (a name the connector gives): the
    # limiter spaces the requests (shared by every worker of the database in Odoo); a
    # request waits for its turn up to max_limit_wait seconds, else comes back later
    limits = {}
    max_limit_wait = 10.0
    # channels that confirm later: their verdicts are read every check_interval seconds
    # at most; a push without a verdict after confirm_timeout_minutes is sent again
    check_interval = 15.0
    confirm_timeout_minutes = 30

    @classmethod
    def is_ping(cls, headers, form):
        """A platform's unsigned test delivery, answered 200 and nothing else."""
        return False

    def __init__(self, config, session=None, limiter=None, tokens=None):
        self.config = config
        self._owns_session = session is None
        self.session = self._new_session() if session is None else session
        self.limiter = limiter or LOCAL_LIMITER
        self.tokens = tokens or LOCAL_TOKENS

    @staticmethod
    def _new_session():
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_MAXSIZE, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def close(self):
        """Close the session if this connector created it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- batching ---------------------------------------------------------

    @property
    def batch_limit(self):
        """Items per push: min(config.batch_size, max_batch_size), at least 1."""
        wished = self.config.batch_size or self.max_batch_size
        return max(1, min(int(wished), self.max_batch_size))

    def batches(self, items):
        """``items`` split into lists of at most ``batch_limit`` items, order kept."""
        items = list(items)
        size = self.batch_limit
        return [items[start : start + size] for start in range(0, len(items), size)]

    def _check_batch(self, items):
        items = list(items)
        if not items:
            raise ValueError(f"{self.code}: nothing to push")
        if len(items) > self.max_batch_size:
            raise ValueError(
                f"{self.code}: {len(items)} items exceed {self.max_batch_size}; use batches()"
            )
        return items

    # -- operations ---------------------------------------------------------

    def push(self, items):
        """Send one batch (one HTTP call) -> PushResult; raises RetryableError/PermanentError."""
        raise NotImplementedError

    def read_quantities(self, skus, refs=None):
        """What the channel holds -> {sku: int} (SKUs it does not know left out), read in
        batches within its limits; ``refs``: {sku: (external id, parent id)} for channels
        that address items by id; raises RetryableError/PermanentError."""
        raise NotImplementedError(f"{self.code}: reading quantities back is not supported")

    def list_catalog(self):
        """Every product of the channel's catalogue, as CatalogEntry (for the mapping)."""
        raise NotImplementedError(f"{self.code}: the catalogue cannot be read")

    def poll_orders(self, cursor):
        """For channels that do not push their orders: ``(messages, next_cursor)``, each
        message a (kind, raw body) to store and judge as a webhook delivery; a failed
        poll raises and keeps its cursor."""
        raise NotImplementedError(f"{self.code}: the channel pushes its orders")

    def push_order_status(self, external_order_id, body, sequence=None):
        """Send an order's status (core.orders.status_body) -> PushResult;
        raises RetryableError/PermanentError."""
        raise NotImplementedError(f"{self.code}: push_order_status is not supported")

    def check_pushes(self, tracking):
        """Channels that confirm later: ``tracking`` {the channel's processing id: [the
        SKUs it carries]} -> {processing id: Verdict}, read within the channel's limits
        (an id left out is still pending); raises RetryableError/PermanentError."""
        raise NotImplementedError(f"{self.code}: the channel confirms its pushes at once")

    # -- limits -------------------------------------------------------------

    def _limit_key(self, endpoint):
        return (self.config.code, endpoint)

    def wait_turn(self, endpoint):
        """Wait until a request to ``endpoint`` may leave within its documented limit
        (RetryableError(throttled) when that is over max_limit_wait seconds away)."""
        limit = self.limits.get(endpoint)
        if limit:
            self.limiter.wait_for(self._limit_key(endpoint), limit, self.max_limit_wait)

    def hold_endpoint(self, endpoint, seconds):
        """The channel answered 429: nobody calls ``endpoint`` for ``seconds``."""
        limit = self.limits.get(endpoint)
        if limit and seconds:
            self.limiter.hold(self._limit_key(endpoint), limit, seconds)

    # -- webhooks -----------------------------------------------------------

    @classmethod
    def verify_webhook(cls, secret, headers, raw_body, now=None):
        """None when ``secret`` signed this delivery (``headers``: a case-insensitive
        mapping), else why not (the answer is a 401)."""
        raise NotImplementedError(f"{cls.code}: the channel sends no webhooks")

    @classmethod
    def webhook_kind(cls, route_kind, headers, body=b""):
        """The Delivery a genuine request to the route of ``route_kind`` is: an order, a
        cancellation, a return, or an ignored topic."""
        return Delivery(kind=route_kind)

    @classmethod
    def parse_order(cls, raw):
        """core.orders.Order of an order delivery; PayloadError when unusable."""
        if cls.order_format is None:
            raise NotImplementedError(f"{cls.code}: the channel sends no orders")
        return cls.order_format.parse_order(raw)

    @classmethod
    def parse_cancel(cls, raw):
        """{"id": the cancelled order's id, "reason": str}; PayloadError when unusable."""
        if cls.order_format is None:
            raise NotImplementedError(f"{cls.code}: the channel sends no cancellations")
        return cls.order_format.parse_cancel(raw)

    @classmethod
    def parse_verdict(cls, raw):
        """The processing ids a verdict notification is about; PayloadError."""
        raise NotImplementedError(f"{cls.code}: the channel sends no verdicts")

    @classmethod
    def parse_return(cls, raw):
        """{"id", "order_id", "lines": [{"id", "quantity"}], "reason"}; PayloadError."""
        raise NotImplementedError(f"{cls.code}: the channel sends no returns")

    # -- HTTP ---------------------------------------------------------------

    @property
    def timeout(self):
        return (self.config.connect_timeout, self.config.read_timeout)

    def _redact(self, text):
        if not text:
            return text
        for secret in (self.config.api_key, self.config.api_secret):
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    @staticmethod
    def _text(value):
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return value or ""

    def _request(self, method, url, body=None, headers=None, params=None):
        """One HTTP call; transport failures become RetryableError/PermanentError."""
        try:
            return self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                params=params,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except _RETRYABLE_TRANSPORT_ERRORS as exc:
            raise self._transport_error(RetryableError, method, url, body, exc) from exc
        except requests.RequestException as exc:
            raise self._transport_error(PermanentError, method, url, body, exc) from exc

    def _transport_error(self, error_class, method, url, body, exc):
        reason = exc.__class__.__name__
        if error_class is PermanentError:
            reason = f"{reason}: {exc}"
        return error_class(
            self._redact(f"{self.code}: {method} {url} failed ({reason})"),
            request=self._redact(self._text(body)),
        )

    def _error_fields(self, response):
        return {
            "status": response.status_code,
            "body": self._redact(response.text),
            "request": self._redact(self._text(response.request.body)),
        }

    def _error_message(self, response, what=None):
        what = what or f"HTTP {response.status_code}"
        snippet = response.text[:MESSAGE_SNIPPET_CHARS]
        return self._redact(f"{self.code}: {what} from {response.url}: {snippet}")

    def classify(self, response):
        """Return on 2xx; raise RetryableError (429, 503, 408, 5xx) or PermanentError."""
        status = response.status_code
        if 200 <= status < 300:
            return
        fields = self._error_fields(response)
        message = self._error_message(response)
        if status in RETRY_AFTER_STATUSES or status == REQUEST_TIMEOUT_STATUS or status >= 500:
            seconds = parse_retry_after(response.headers.get(HEADER_RETRY_AFTER))
            throttled = status == TOO_MANY_REQUESTS
            raise RetryableError(message, seconds=seconds, throttled=throttled, **fields)
        raise PermanentError(message, **fields)
