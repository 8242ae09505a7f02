import logging
import random
import time

from psycopg2 import errors as pg_errors

from odoo import http
from odoo.http import request

from ..core import signing
from ..core.connectors import SHOPIFY
from ..core.connectors.generic_json import HEADER_SIGNATURE
from ..core.orders import (
    HEADER_SHOPIFY_HMAC,
    HEADER_SHOPIFY_TOPIC,
    HEADER_SHOPIFY_WEBHOOK_ID,
)
from ..models.stock_channel import DEFAULT_MAX_ORDER_KB
from ..models.stock_channel_inbound import (
    DUPLICATE,
    KIND_CANCEL,
    KIND_ORDER,
    KIND_RETURN,
    RECEIVED,
    REJECTED,
)

_logger = logging.getLogger(__name__)

ROUTE = "/stock_channel_sync/<string:code>/orders"
WEBHOOK = {
    "type": "http",
    "auth": "public",
    "methods": ["POST"],
    "csrf": False,
    "save_session": False,
}
SHOPIFY_TOPICS = {"orders/create": KIND_ORDER, "orders/cancelled": KIND_CANCEL}
# the headers kept with each stored message
KEPT_HEADERS = (
    "Content-Type", "Content-Length", "User-Agent", HEADER_SIGNATURE, HEADER_SHOPIFY_HMAC,
    HEADER_SHOPIFY_TOPIC, HEADER_SHOPIFY_WEBHOOK_ID, "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version", "X-Shopify-Triggered-At", "X-Shopify-Event-Id",
)  # fmt: skip
# another transaction took the same variants, order or lock first: run again on its result
CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
    pg_errors.UniqueViolation,
)
RETRY_BUDGET_SECONDS = 20.0
RETRY_MAX_SLEEP = 0.2


def _commit(env):
    """The webhook commits on purpose: the message is stored in its own transaction
    before it is judged, and each judging attempt is a transaction of its own (a lost
    race is run again on a fresh snapshot)."""
    env.cr.commit()  # pylint: disable=invalid-commit


def _json(status, payload):
    return request.make_json_response(payload, status=status)


class ChannelOrdersController(http.Controller):
    """Orders, cancellations and returns sent by the channels: signature first, then the
    message is stored (committed) before it is judged, then judged."""

    @http.route(ROUTE, **WEBHOOK)
    def receive_order(self, code, **_kwargs):
        return self._receive(code, KIND_ORDER)

    @http.route(f"{ROUTE}/<string:external_id>/cancel", **WEBHOOK)
    def receive_cancel(self, code, external_id, **_kwargs):
        return self._receive(code, KIND_CANCEL, external_id)

    @http.route(f"{ROUTE}/<string:external_id>/returns", **WEBHOOK)
    def receive_return(self, code, external_id, **_kwargs):
        return self._receive(code, KIND_RETURN, external_id)

    # ------------------------------------------------------------------
    def _receive(self, code, kind, url_ref=None):
        env = request.env(su=True)
        Inbound = env["stock.channel.inbound"]
        channels = env["stock.channel"].search([("code", "=", code)])
        httprequest = request.httprequest
        headers = {name: httprequest.headers[name] for name in KEPT_HEADERS
                   if name in httprequest.headers}  # fmt: skip
        limit = max(channels.mapped("max_order_body_kb") or [DEFAULT_MAX_ORDER_KB]) * 1024
        body, too_large = self._read_body(limit)
        channel = self._authenticated(channels, body) if not too_large else channels[:1]
        vals = {"channel_code": code, "url_ref": url_ref}
        if not channels:
            return self._refuse(Inbound, channel, kind, body, headers, vals, 404,
                                f"no sales channel with code {code!r}")  # fmt: skip
        if too_large:
            return self._refuse(Inbound, channel, kind, body, headers, vals, 413,
                                f"body larger than {limit // 1024} KB")  # fmt: skip
        if not channel:
            return self._refuse(Inbound, channels[:1], kind, body, headers, vals, 401,
                                "missing or wrong signature")  # fmt: skip
        if channel.connector == SHOPIFY:
            topic = headers.get(HEADER_SHOPIFY_TOPIC, "")
            vals.update(topic=topic, delivery_id=headers.get(HEADER_SHOPIFY_WEBHOOK_ID))
            if topic not in SHOPIFY_TOPICS:
                return self._refuse(Inbound, channel, kind, body, headers, vals, 400,
                                    f"webhook topic {topic!r} is not handled",
                                    authenticated=True)  # fmt: skip
            kind = SHOPIFY_TOPICS[topic]
            earlier = vals["delivery_id"] and Inbound.search(
                [("channel_id", "=", channel.id), ("delivery_id", "=", vals["delivery_id"]),
                 ("state", "!=", RECEIVED), ("http_status", "!=", 0)], order="id", limit=1,
            )  # fmt: skip
            if earlier:  # the same delivery again (Shopify retries): the same answer
                Inbound._store(channel, kind, body, headers, state=DUPLICATE,
                               duplicate_of_id=earlier.id, http_status=earlier.http_status,
                               response=earlier.response, **vals)  # fmt: skip
                _commit(env)
                return _json(earlier.http_status, earlier.response)
        inbound = Inbound._store(channel, kind, body, headers, **vals)
        _commit(env)  # stored before it is judged: nothing a channel sent is lost
        return self._judge(inbound)

    @staticmethod
    def _read_body(limit):
        """(body, too large); a body announced above the limit is not read at all."""
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is not None and length > limit:
            return b"", True
        data = httprequest.get_data(cache=True)
        return data[:limit], len(data) > limit

    @staticmethod
    def _authenticated(channels, body):
        """The channel whose secret signed the body (codes are unique per company only)."""
        headers = request.httprequest.headers
        for channel in channels:
            if channel.connector == SHOPIFY:
                ok = signing.verify_b64(channel.api_secret, body, headers.get(HEADER_SHOPIFY_HMAC))
            else:
                ok = signing.verify_hex(channel.api_secret, body, headers.get(HEADER_SIGNATURE))
            if ok:
                return channel
        return channels.browse()

    @staticmethod
    def _refuse(Inbound, channel, kind, body, headers, vals, status, message,
                authenticated=False):  # fmt: skip
        """Answer an error, keeping the message (refused before its signature was trusted,
        unless `authenticated`)."""
        Inbound._store(channel, kind, body, headers, state=REJECTED, error=message,
                       http_status=status, response={"error": message},
                       authenticated=authenticated, **vals)  # fmt: skip
        _commit(request.env)
        return _json(status, {"error": message})

    @staticmethod
    def _judge(inbound):
        """Judge a stored message; a transaction that lost a race for the same variants
        or order runs again on the winner's result (fresh snapshot), within a budget."""
        env = request.env(su=True)
        cr = env.cr
        deadline = time.monotonic() + RETRY_BUDGET_SECONDS
        attempt = 0
        while True:
            try:
                status, answer = inbound._process()
                env.flush_all()
                _commit(env)
                return _json(status, answer)
            except CONCURRENCY_ERRORS:
                cr.rollback()
                env.transaction.reset()
                attempt += 1
                if time.monotonic() > deadline:
                    break
                time.sleep(random.uniform(0, min(RETRY_MAX_SLEEP, 0.005 * 2**attempt)))
            except Exception as error:
                cr.rollback()
                env.transaction.reset()
                _logger.exception("channel message %s could not be processed", inbound.id)
                inbound.error = f"could not be processed: {error}"
                _commit(env)
                break
        message = (
            f"the message is stored (#{inbound.id}) but could not be processed now; "
            "it will be processed again"
        )
        return _json(503, {"error": message})
