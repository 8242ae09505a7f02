"""Inbound channel messages (orders, cancellations, returns): their kinds and states, the
limits of the public route, and the checks made on what arrives before it is trusted.

Shared by the webhook controller and the ``stock.channel.inbound`` model.
"""

import json
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs

KIND_ORDER = "order"
KIND_CANCEL = "cancel"
KIND_RETURN = "return"
KIND_IGNORED = "ignored"  # a genuine delivery of a topic the addon does not handle
# a channel's notification that its verdict on a push is there (bol.com's PROCESS_STATUS
# subscription): the verdict is read at once
KIND_VERDICT = "verdict"
# what the events route receives: the connector says which kind each delivery is
KIND_EVENT = "event"
INBOUND_KINDS = [
    (KIND_ORDER, "Order"),
    (KIND_CANCEL, "Cancellation"),
    (KIND_RETURN, "Return"),
    (KIND_VERDICT, "Verdict Notification"),
    (KIND_IGNORED, "Ignored Topic"),
]

RECEIVED = "received"
DONE = "done"
EXCEPTION = "exception"
REJECTED = "rejected"
DUPLICATE = "duplicate"
WAITING = "waiting"
# an order answered as soon as its stock is reserved, its sale order confirmed in the
# background (core/intake.py)
RESERVED = "reserved"
INBOUND_STATES = [
    (RECEIVED, "Received"),
    (DONE, "Done"),
    (EXCEPTION, "Exception"),
    (REJECTED, "Rejected"),
    (DUPLICATE, "Duplicate"),
    (WAITING, "Waiting for the Order"),
    (RESERVED, "Reserved, confirming"),
]
# states a user may retry from the UI
RETRYABLE_STATES = (RECEIVED, EXCEPTION, REJECTED, WAITING)

# Bodies above the channel's limit are refused (413); a channel may allow at most this.
DEFAULT_MAX_ORDER_KB = 256
MAX_ORDER_KB = 10 * 1024
# The routing key of the routes that read their own body, no further than the limit
# (models/ir_http.py keeps Odoo's dispatcher from parsing it as a form first).
BOUNDED_BODY = "bounded_body"
# The webhook routes (controllers/main.py), the one spelling of what a channel posts to.
ORDERS_ROUTE = "/stock_channel_sync/<string:code>/orders"
CANCEL_ROUTE = f"{ORDERS_ROUTE}/<string:external_id>/cancel"
RETURN_ROUTE = f"{ORDERS_ROUTE}/<string:external_id>/returns"
EVENTS_ROUTE = "/stock_channel_sync/<string:code>/events"
WEBHOOK_ROUTES = (ORDERS_ROUTE, CANCEL_ROUTE, RETURN_ROUTE, EVENTS_ROUTE)
# a route's <string:...> converter: one path segment (werkzeug's default, [^/]+)
_CONVERTER = re.compile(r"<string:\w+>")
# While the database cannot be reached, a webhook is answered 503 with this Retry-After
# (seconds): a platform retries a 503 later, while a 404 (unknown channel) is final.
DATABASE_DOWN_RETRY_AFTER = 30
DATABASE_DOWN = "the database cannot be reached now: send it again later"
# SQLSTATEs of a database that cannot be reached: connection exceptions (08), the server
# shutting down or starting (57P01-57P03), no connection left (53300); psycopg2 gives
# none (None) for a connection that failed or was lost.
UNREACHABLE_SQLSTATES = ("57P01", "57P02", "57P03", "53300")
# Lines per order: an order with more is refused (413), kept to retry once a manager
# allows more; a channel may allow at most MAX_ORDER_LINES. (Shopify's draft orders,
# REST and GraphQL, take at most 499 lines.)
DEFAULT_MAX_ORDER_LINES = 500
MAX_ORDER_LINES = 5000
# A delivery is judged while its sender waits for the answer only when its lines fit the
# connector's answer budget at this rate (measured: about 150 lines a second, 5,000 lines
# in 33 s; a sixth of it leaves room for a busy server and locks); a bigger order is
# answered once stored and judged right after by the scheduled action.
INLINE_LINES_PER_SECOND = 25
# what such a sender is answered (the verdict reaches it as a status push)
ANSWERED_LATER = 202
# What is kept of a message refused before its sender was trusted.
REFUSED_HEAD_BYTES = 1024
# A signed timestamp (X-Channel-Timestamp) may differ this much from the clock.
TIMESTAMP_TOLERANCE_SECONDS = 300

NUL = "\x00"
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Refusal:
    """A delivery refused before its sender was trusted: what it is answered (``status``,
    ``reason``) and what is kept of it (``body``: what was read, its head is kept;
    ``size``: its size, as announced or read). ``channel`` is the channel it was addressed
    to (a recordset; empty when the code names none, or more than one)."""

    channel: object
    code: str
    status: int
    reason: str
    body: bytes
    size: int


def timestamp_problem(value, now, tolerance=TIMESTAMP_TOLERANCE_SECONDS):
    """Why a signed timestamp header (unix seconds) is refused, or None."""
    try:
        when = float(value)
    except (TypeError, ValueError):
        return "X-Channel-Timestamp must be unix seconds"
    if not math.isfinite(when):
        return "X-Channel-Timestamp must be unix seconds"
    if abs(now - when) > tolerance:
        return f"X-Channel-Timestamp is more than {tolerance} s away from the server's clock"
    return None


def text_problem(text):
    """Why a received string cannot be kept as text (PostgreSQL refuses NUL characters,
    UTF-8 has no lone surrogates), or None."""
    if NUL in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate"
    return None


def clean_text(text):
    """``text`` with what PostgreSQL cannot store replaced by U+FFFD (for the record of
    what was received, never for what is imported)."""
    text = text.replace(NUL, REPLACEMENT)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def pretty_body(text):
    """``text`` indented for reading when it is JSON (keys in their order, non-ASCII kept),
    else as it is (a form body, XML, a body that is not valid JSON)."""
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return json.dumps(data, indent=2, ensure_ascii=False)


def unbound_skus(line_skus, found, ambiguous):
    """The SKUs of an order's lines (in their order, once each) that match no variant:
    neither found nor shared by several variants (those need another fix)."""
    return [
        sku for sku in dict.fromkeys(line_skus) if sku and sku not in found and sku not in ambiguous
    ]


def raw_body_problem(raw):
    """Why a raw body cannot be an order message whatever it says (it is not UTF-8 text
    or holds a NUL byte), or None."""
    if b"\x00" in raw:
        return "body is not valid JSON: it contains a NUL byte"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"body is not valid JSON: not UTF-8 ({exc.reason})"
    return None


FORM_URLENCODED = "application/x-www-form-urlencoded"


def form_fields(mimetype, body):
    """{name: first value} of a url-encoded form body already read (bounded); {} for any
    other type or a body that is not text: the routes never let werkzeug parse a form,
    which would read the whole body."""
    if mimetype != FORM_URLENCODED:
        return {}
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return {}
    return {name: values[0] for name, values in parse_qs(text).items()}


def _route_pattern(route):
    """The regular expression of the paths a werkzeug ``route`` matches."""
    return "[^/]+".join(re.escape(part) for part in _CONVERTER.split(route))


# any path of the webhook routes, with or without a trailing slash
_WEBHOOK_PATHS = re.compile(f"(?:{'|'.join(map(_route_pattern, WEBHOOK_ROUTES))})/?")


def orders_path(code):
    """The path a channel of code ``code`` posts its orders to."""
    return ORDERS_ROUTE.replace("<string:code>", code)


def is_webhook_request(method, path):
    """Whether a request is a channel's delivery to one of the webhook routes."""
    return method == "POST" and _WEBHOOK_PATHS.fullmatch(path) is not None


def too_many_lines(count, limit):
    """Why an order of ``count`` lines is refused on a channel that takes at most
    ``limit``, or None."""
    if count <= limit:
        return None
    return (
        f"the order has {count} lines; this channel takes at most {limit} "
        "(Max Lines per Order): raise it on the channel, then Retry the message"
    )


def judged_inline(count, budget):
    """Whether an order of ``count`` lines is judged within ``budget`` seconds, while its
    sender waits."""
    return count <= int(budget * INLINE_LINES_PER_SECOND)


def sqlstate_unreachable(pgcode):
    """Whether a database error's SQLSTATE says the database cannot be reached (not a
    refused statement, not a lost race)."""
    return pgcode is None or pgcode.startswith("08") or pgcode in UNREACHABLE_SQLSTATES
