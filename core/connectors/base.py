"""Connector base: the registry of connectors, and the Connector class (sessions, batches,
limits, tokens, HTTP error classification, the interface each marketplace implements).
The data they exchange: core.connectors.types."""

import ast
import platform
import re
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from ..backoff import parse_retry_after
from ..endpoints import credentials_refusal
from ..errors import PermanentError, RetryableError, SyncError
from ..ratelimit import Limiter
from ..tokens import TokenStore
from . import check
from . import settings as declared_settings
from .settings import Setting
from .types import (
    DEFAULT_API_VERSION,
    FAILURE,
    PENDING,
    SUCCESS,
    TIMEOUT,
    CatalogEntry,
    ChannelConfig,
    Delivery,
    PolledMessage,
    PushItem,
    PushResult,
    StoreStock,
    Verdict,
)

# the connectors' vocabulary (core.connectors.types) is imported from here too
__all__ = [
    "AMAZON",
    "BOL",
    "CONNECTORS",
    "CONNECTOR_SELECTION",
    "DEFAULT_API_VERSION",
    "FAILURE",
    "GENERIC_JSON",
    "HEADER_CONTENT_TYPE",
    "HEADER_RETRY_AFTER",
    "JSON_CONTENT_TYPE",
    "MERCHANT",
    "MIRAKL",
    "PENDING",
    "SHOPIFY",
    "SUCCESS",
    "TIMEOUT",
    "TOO_MANY_REQUESTS",
    "USER_AGENT",
    "WOOCOMMERCE",
    "CatalogEntry",
    "ChannelConfig",
    "Connector",
    "Delivery",
    "PolledMessage",
    "PushItem",
    "PushResult",
    "Setting",
    "StoreStock",
    "Verdict",
    "get_connector",
    "register",
    "unregister",
]

GENERIC_JSON = "generic_json"
SHOPIFY = "shopify"
WOOCOMMERCE = "woocommerce"
BOL = "bol"
MIRAKL = "mirakl"
AMAZON = "amazon"
MERCHANT = "merchant"
# (code, label) of every registered connector, in the order they were registered
# (filled by @register): the channel's connector selection in Odoo
CONNECTOR_SELECTION = []

MANIFEST = Path(__file__).resolve().parents[2] / "__manifest__.py"


def user_agent(manifest=MANIFEST, python=None):
    """The User-Agent of every request to a channel, in the form the platforms ask for
    (Amazon's ``AppId/AppVersion (Language=...; Platform=...)``): the addon and its
    version, Python's x.y, the Odoo series (the version's first two parts)."""
    version = str(ast.literal_eval(manifest.read_text(encoding="utf-8"))["version"])
    series = ".".join(version.split(".")[:2])
    python = python or ".".join(platform.python_version_tuple()[:2])
    return f"stock_channel_sync/{version} (Language=Python/{python}; Platform=Odoo/{series})"


USER_AGENT = user_agent()

# Connector classes by code, filled by @register.
CONNECTORS = {}

TOO_MANY_REQUESTS = 429
RETRY_AFTER_STATUSES = frozenset({TOO_MANY_REQUESTS, 503})
REQUEST_TIMEOUT_STATUS = 408
HEADER_RETRY_AFTER = "Retry-After"
HEADER_CONTENT_TYPE = "Content-Type"
JSON_CONTENT_TYPE = "application/json"
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


def unreachable(exc):
    """Whether a transport failure means no connection could be made (refused, no route,
    name not resolved, connect timeout): the channel is down, not this request. A
    connection dropped or a read timed out reached the channel: the request's failure."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def untrusted_certificate(url, exc):
    """The words for a certificate refused reaching ``url`` (``exc``, or what it wraps,
    a TLS failure whose certificate could not be verified), else None. Certificates are
    always verified: one signed by a private authority (a company proxy's) is trusted
    through the server's CA bundle."""
    while exc is not None and not isinstance(exc, requests.exceptions.SSLError):
        exc = exc.__cause__ or exc.__context__
    found = exc is not None and re.search(r"certificate verify failed: ([^(]+)", str(exc))
    if not found:
        return None
    return (
        f"the certificate of {_origin(url)} is not trusted ({found.group(1).strip()}): "
        "nothing was sent. If a proxy or a private authority signs it, add that authority "
        "to the Odoo server's CA bundle (REQUESTS_CA_BUNDLE)."
    )


def _origin(url):
    scheme, _, rest = str(url).partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def register(code, label=""):
    """Class decorator: register a Connector subclass under ``code`` (sets ``cls.code``
    and ``cls.label``, the name shown in Odoo, ``code`` when none)."""

    def decorator(cls):
        cls.code = code
        cls.label = label or code
        unregister(code)
        CONNECTOR_SELECTION.append((code, cls.label))
        CONNECTORS[code] = cls
        return cls

    return decorator


def unregister(code):
    """Forget the connector registered under ``code`` (a test's own connector)."""
    CONNECTORS.pop(code, None)
    CONNECTOR_SELECTION[:] = [pair for pair in CONNECTOR_SELECTION if pair[0] != code]


def get_connector(code):
    """The Connector class registered under ``code``; KeyError if unknown."""
    try:
        return CONNECTORS[code]
    except KeyError:
        raise KeyError(f"unknown connector {code!r}") from None


LOCAL_LIMITER = Limiter()
LOCAL_TOKENS = TokenStore()


class Connector:
    """Base class: one ``requests.Session`` (pooled) per instance; not thread-safe.

    The webhook side (authenticating, naming and parsing what the channel sends) is made
    of class methods: it needs no session.
    """

    code = ""
    label = ""
    # what a channel of this marketplace says besides its endpoint and credentials
    # (core.connectors.settings.Setting), read with setting()
    settings = ()
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
    # the most the platform takes for a quantity (None: no cap): the publishable quantity
    # is capped at it, so that what is pushed, expected and read back agree
    max_quantity = None
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
    # the connector asks for access tokens and keeps them (self.tokens, core.tokens):
    # shared by every worker of the database in Odoo
    fetches_tokens = False
    # read-back: a channel that lists its whole catalogue to answer (Mirakl's OF21 pages)
    # is read once per reconciliation, not once per chunk of SKUs
    reads_whole_listing = False
    max_limit_wait = 10.0
    # channels that confirm later: their verdicts are read every check_interval seconds
    # at most; a push without a verdict after confirm_timeout_minutes is sent again
    check_interval = 15.0
    confirm_timeout_minutes = 30
    # credentials travel with the requests (a key or token header, HTTP Basic, an OAuth
    # client secret): then every address must be https:// (core.endpoints)
    sends_credentials = True
    # Test connection (core.connectors.check): what to create when the credentials are
    # refused, what to grant when they are accepted but the read is forbidden, what the
    # Endpoint URL looks like
    refused_hint = "the credentials are refused: check the API Key and API Secret."
    scope_hint = ""
    endpoint_hint = "the platform's API address"
    # the platform pushes to Odoo: the route its webhooks are pasted with (an
    # core.inbound route's kind: "orders", "events"), and whether the store manager
    # chooses the secret that signs them (pasted on both sides)
    webhook_route = None
    webhook_secret_pasted = False
    # customer service: push_order_status sends the status body's "address" (a changed
    # delivery address) and "refunds" (each once, by its key) to the platform
    supports_address_change = False
    supports_refund = False
    # a push says more than a quantity and its date: the units on hand now and each
    # store's figures (PushItem.on_hand, PushItem.stores; Google Merchant Center's
    # availability and local inventory): Odoo computes them, and a change of them alone
    # is pushed
    sends_detail = False
    # a verdict may say what is wrong with an item the channel took (Verdict.issues):
    # an alert per variant, resolved by a verdict without one
    reports_item_issues = False

    @classmethod
    def clear_text_refusal(cls, *urls):
        """Why this connector may not send to ``urls`` (its credentials would travel in
        clear), or None."""
        return credentials_refusal(cls.label or cls.code, urls, cls.sends_credentials)

    @classmethod
    def declared(cls, name):
        """The Setting ``name`` this connector declares, or None."""
        return declared_settings.declared(cls.settings, name)

    @classmethod
    def settings_refusal(cls, values):
        """Why a channel with the settings ``values`` {name: typed} cannot be used (its
        required settings left empty), or None."""
        labels = declared_settings.missing(cls.settings, values)
        if not labels:
            return None
        return f"{cls.label or cls.code}: the channel needs its {', '.join(labels)}"

    def setting(self, name):
        """The typed value of the declared setting ``name`` on this channel (its default
        when the configuration does not say)."""
        if name in self.config.settings:
            return self.config.settings[name]
        declaration = self.declared(name)
        if declaration is None:
            raise KeyError(f"{self.code}: no setting {name!r}")
        return declaration.parse(None)

    @classmethod
    def addresses(cls, sku, external_id):
        """Whether a variant published as ``sku``, with the channel's id ``external_id``
                (its binding's, or ""), can be pushed: by default the SKU is the address (every push
        is keyed by SKU: connectors that address by id need both). A variant
                that cannot be addressed waits for its binding (Import mapping): nothing is
                queued for it, it is never a dead letter."""
        return bool(sku)

    @classmethod
    def is_ping(cls, headers, form):
        """A platform's unsigned test delivery, answered 200 and nothing else."""
        return False

    def __init__(self, config, session=None, limiter=None, tokens=None):
        self.config = config
        # what the channel's last answer said of the API version in use (see
        # take_api_notice)
        self.api_notice = None
        self._owns_session = session is None
        self.session = self._new_session() if session is None else session
        self.limiter = limiter or LOCAL_LIMITER
        self.tokens = tokens or LOCAL_TOKENS

    @staticmethod
    def _new_session():
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
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

    def take_api_notice(self):
        """What the channel said of the API version since the last call, then forgotten:
        None (nothing said), "" (the version is fine) or why to move to another one."""
        notice, self.api_notice = self.api_notice, None
        return notice

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

    @classmethod
    def read_form(cls, quantity):
        """What the channel holds once ``quantity`` is published, as read_quantities
        reads it back (a reconciliation compares these): the quantity itself, unless the
        channel keeps less (Google Merchant Center: in stock or not)."""
        return quantity

    def read_quantities(self, skus, refs=None):
        """What the channel holds -> {sku: int} (SKUs it does not know left out), read in
        batches within its limits; ``refs``: {sku: (external id, parent id)} for channels
        that address items by id; raises RetryableError/PermanentError."""
        raise NotImplementedError(f"{self.code}: reading quantities back is not supported")

    def read_stores(self, skus):
        """What each store holds -> {sku: {store code: int}} (connectors that send_detail
        with stores); SKUs without any store left out."""
        raise NotImplementedError(f"{self.code}: reading stores back is not supported")

    def read_item_issues(self, skus):
        """What the channel says is wrong with each item -> {sku: words, "" none}
        (connectors that report_item_issues); SKUs it does not know left out."""
        raise NotImplementedError(f"{self.code}: reading item issues is not supported")

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

    def probe(self):
        """One cheap authenticated read of the platform -> what was read, in a few
        words ("shop Demo"); raises SyncError or check.CredentialsRefused."""
        raise NotImplementedError(f"{self.code}: the connection cannot be tested")

    def test_connection(self):
        """Test connection: probe() -> check.ConnectionCheck (ok, the words for the store
        manager: what answered, or what to fix). Never raises for the channel's answer."""
        try:
            what = self.probe()
        except (SyncError, check.CredentialsRefused) as error:
            return check.explain(self, self.config.endpoint_url, error)
        return check.succeeded(self, what)

    def check_pushes(self, tracking):
        """Channels that confirm later: ``tracking`` {the channel's processing id: [the
        SKUs it carries]} -> {processing id: Verdict}, read within the channel's limits
        (an id left out is still pending); raises RetryableError/PermanentError."""
        raise NotImplementedError(f"{self.code}: the channel confirms its pushes at once")

    # -- limits -------------------------------------------------------------

    def _limit_key(self, endpoint):
        return (self.config.code, endpoint)

    def wait_turn(self, endpoint, urgent=True):
        """Wait until a request to ``endpoint`` may leave within its documented limit
        (RetryableError(throttled) when that is over max_limit_wait seconds away); a
        caller that is not ``urgent`` leaves the limit's reserved slots to those that are."""
        limit = self.limits.get(endpoint)
        if limit:
            self.limiter.wait_for(
                self._limit_key(endpoint), limit, self.max_limit_wait, urgent=urgent
            )

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

    def _secrets(self):
        """The credentials and secret settings, never shown in a message or log."""
        secrets = [self.config.api_key, self.config.api_secret]
        secrets += [str(self.setting(s.name) or "") for s in self.settings if s.secret]
        return secrets

    def _redact(self, text):
        if not text:
            return text
        for secret in self._secrets():
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    @staticmethod
    def _text(value):
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        return value or ""

    def _check_config(self):
        """Nothing is asked of the platform while a required setting is empty."""
        refusal = self._settings_refusal()
        if refusal:
            raise PermanentError(refusal)

    def _json(self, response):
        """A 2xx answer's JSON object; unreadable, a RetryableError (the call is safe to
        make again)."""
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise RetryableError(
                self._error_message(response, "unreadable answer"), **self._error_fields(response)
            )
        return answer

    def _request(self, method, url, body=None, headers=None, params=None):
        """One HTTP call; transport failures become RetryableError/PermanentError. An
        address that would carry the credentials in clear is refused, nothing sent."""
        refusal = self.clear_text_refusal(url) or self._settings_refusal()
        if refusal:
            raise PermanentError(refusal)
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

    def _settings_refusal(self):
        values = {setting.name: self.setting(setting.name) for setting in self.settings}
        return self.settings_refusal(values)

    def _transport_error(self, error_class, method, url, body, exc):
        reason = exc.__class__.__name__
        extra = {}
        certificate = untrusted_certificate(url, exc)
        if certificate:
            return error_class(
                self._redact(f"{self.code}: {method} {url} failed: {certificate}"),
                request=self._redact(self._text(body)),
            )
        if error_class is PermanentError:
            reason = f"{reason}: {exc}"
        elif unreachable(exc):
            reason, extra = f"{reason}: cannot be reached", {"unreachable": True}
        return error_class(
            self._redact(f"{self.code}: {method} {url} failed ({reason})"),
            request=self._redact(self._text(body)),
            **extra,
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
