import logging
import random
import time
from functools import partial

from psycopg2 import errors as pg_errors

from odoo import http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..core.inbound import (
    ANSWERED_LATER,
    BOUNDED_BODY,
    CANCEL_ROUTE,
    DEFAULT_MAX_ORDER_KB,
    DUPLICATE,
    EVENTS_ROUTE,
    KIND_CANCEL,
    KIND_EVENT,
    KIND_IGNORED,
    KIND_ORDER,
    KIND_RETURN,
    ORDERS_ROUTE,
    RECEIVED,
    REFUSED_HEAD_BYTES,
    REJECTED,
    RETURN_ROUTE,
    Refusal,
    clean_text,
    form_fields,
    raw_body_problem,
)
from .odoo_internals import request_input_stream

_logger = logging.getLogger(__name__)

WEBHOOK = {
    "type": "http",
    "auth": "public",
    "methods": ["POST"],
    "csrf": False,
    "save_session": False,
    # the body is read here, no further than the channel's limit (models/ir_http.py)
    BOUNDED_BODY: True,
}
# another transaction took the same variants, order or lock first: run again on its result
INTAKE_RACE_ERRORS = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, pg_errors.UniqueViolation)
RETRY_MAX_SLEEP = 0.2
READ_CHUNK = 64 * 1024


def _commit_webhook_transaction(env):
    """The webhook commits on purpose: the message is stored in its own transaction
    before it is judged, and each judging attempt is a transaction of its own (a lost
    race is run again on a fresh snapshot)."""
    env.cr.commit()  # pylint: disable=invalid-commit


def _json(status, payload):
    return request.make_json_response(payload, status=status)


class ChannelOrdersController(http.Controller):
    """Orders, cancellations, returns and notifications sent by the channels: read (no more than the
    channel's limit) -> find the channel -> its connector authenticates the delivery ->
    store (committed) -> judge. What the channel sends, and how it signs it, is its
    connector's business (core/connectors); nothing here knows a marketplace."""

    @http.route(ORDERS_ROUTE, **WEBHOOK)
    def receive_order(self, code, **_kwargs):
        return self._receive(code, KIND_ORDER)

    @http.route(CANCEL_ROUTE, **WEBHOOK)
    def receive_cancel(self, code, external_id, **_kwargs):
        return self._receive(code, KIND_CANCEL, external_id)

    @http.route(RETURN_ROUTE, **WEBHOOK)
    def receive_return(self, code, external_id, **_kwargs):
        return self._receive(code, KIND_RETURN, external_id)

    @http.route(EVENTS_ROUTE, **WEBHOOK)
    def receive_event(self, code, **_kwargs):
        """A marketplace's push notification (bol.com: a process status is ready)."""
        return self._receive(code, KIND_EVENT)

    # ------------------------------------------------------------------
    def _receive(self, code, route_kind, url_ref=None):
        env = request.env(su=True)
        channels = env["stock.channel"]._receiving(code)
        if not channels:
            head, size = self._read_body(REFUSED_HEAD_BYTES)
            reason = f"no sales channel with code {code!r}"
            return self._refuse(Refusal(channels, code, 404, reason, head, size))
        limit = max(channels.mapped("max_order_body_kb") or [DEFAULT_MAX_ORDER_KB]) * 1024
        body, size = self._read_body(limit)
        if size <= limit and self._is_ping(channels, body):
            return _json(200, {})
        # codes are unique per company: a refusal names a channel only when one has it
        addressed = channels if len(channels) == 1 else channels.browse()
        if size > limit:
            reason = f"body larger than {limit // 1024} KB"
            return self._refuse(Refusal(addressed, code, 413, reason, body, size))
        channel, reason = self._authenticate(channels, body)
        if not channel:
            return self._refuse(Refusal(addressed, code, 401, reason, body, size))
        return self._accept(env, channel, route_kind, url_ref, body)

    @staticmethod
    def _read_body(limit):
        """(at most `limit` + 1 bytes of the body, its size): a body announced above the
        limit is not read beyond its first KB, a chunked one not beyond the limit."""
        httprequest = request.httprequest
        length = httprequest.content_length
        wanted = limit + 1
        if length is not None and length > limit:
            wanted = min(REFUSED_HEAD_BYTES, limit)
        stream = request_input_stream(httprequest)
        data = bytearray()
        while len(data) < wanted:
            chunk = stream.read(min(wanted - len(data), READ_CHUNK))
            if not chunk:
                break
            data += chunk
        return bytes(data), len(data) if length is None else length

    @staticmethod
    def _is_ping(channels, body):
        """A platform's unsigned test delivery (WooCommerce's creation ping, a form body
        ``webhook_id=<id>``), read from the bounded body: answered 200 and nothing else."""
        httprequest = request.httprequest
        form = form_fields(httprequest.mimetype, body)
        return any(
            channel._webhook_connector().is_ping(httprequest.headers, form) for channel in channels
        )

    @staticmethod
    def _authenticate(channels, body):
        """(the channel whose connector says its secret signed the body, None) or (an
        empty recordset, why not)."""
        headers = request.httprequest.headers
        reasons = []
        for channel in channels:
            reason = channel._webhook_connector().verify_webhook(
                channel._webhook_secret(), headers, body
            )
            if reason is None:
                return channel, None
            reasons.append(reason)
        # a signature that matched but came too late says so; otherwise say nothing more
        return channels.browse(), next((r for r in reasons if "Timestamp" in r), reasons[0])

    @staticmethod
    def _refuse(refusal):
        """Answer an error to a sender not trusted, keeping a small record of it."""
        env = request.env(su=True)
        httprequest = request.httprequest
        env["stock.channel.refused"]._record(refusal, httprequest.path, httprequest.remote_addr)
        _commit_webhook_transaction(env)
        return _json(refusal.status, {"error": refusal.reason})

    def _accept(self, env, channel, route_kind, url_ref, body):
        """A genuine delivery: stored (committed), then judged."""
        connector = channel._webhook_connector()
        received = request.httprequest.headers
        headers = {
            name: clean_text(received[name]) for name in connector.kept_headers if name in received
        }
        delivery = connector.webhook_kind(route_kind, received, body)
        Inbound = env["stock.channel.inbound"]
        vals = self._delivery_vals(channel, delivery, url_ref)
        store = partial(Inbound._store, channel, delivery.kind, body, headers, **vals)
        earlier = Inbound._earlier_delivery(
            channel, vals["delivery_id"], vals["event_id"], vals["topic"]
        )
        if earlier:  # the same delivery again (the platform retries): the same answer
            return self._answered(
                store,
                earlier.http_status,
                earlier.response,
                state=DUPLICATE,
                duplicate_of_id=earlier.id,
            )
        problem = raw_body_problem(body)
        if delivery.kind == KIND_IGNORED or problem:
            status = 200 if connector.webhook_always_ok else 400
            message = delivery.ignored_reason or problem
            return self._answered(store, status, {"error": message}, state=REJECTED, error=message)
        inbound = store()
        # stored before it is judged: nothing a channel sent is lost
        _commit_webhook_transaction(env)
        if inbound._judged_later(connector.webhook_deadline):
            return self._later(inbound, "too many lines to be judged before answering")
        return self._judge(inbound, connector.webhook_deadline, connector.webhook_always_ok)

    @staticmethod
    def _delivery_vals(channel, delivery, url_ref):
        """What is stored of a delivery's address and identity, as text PostgreSQL keeps."""
        return {
            "channel_code": channel.code,
            "url_ref": clean_text(url_ref) if url_ref else False,
            "topic": clean_text(delivery.topic) or False,
            "delivery_id": clean_text(delivery.delivery_id) or False,
            "event_id": clean_text(delivery.event_id) or False,
        }

    @staticmethod
    def _answered(store, status, answer, **vals):
        """A delivery answered without being judged: stored (committed) with its answer."""
        store(http_status=status, response=answer, **vals)
        _commit_webhook_transaction(request.env(su=True))
        return _json(status, answer)

    @staticmethod
    def _deferred(inbound, status, answer):
        """The message left to the scheduled action (committed); its sender answered."""
        inbound._defer()
        _commit_webhook_transaction(request.env(su=True))
        return _json(status, answer)

    def _later(self, inbound, why):
        """202: the message is stored and the scheduled action judges it right after."""
        message = f"the message is stored (#{inbound.id}), {why}: it is judged right after"
        answer = {"status": RECEIVED, "message": message}
        inbound.sudo().write({"http_status": ANSWERED_LATER, "response": answer})
        return self._deferred(inbound, ANSWERED_LATER, answer)

    def _judge(self, inbound, budget, always_ok):
        """Judge a stored message within `budget` seconds; a transaction that lost a race
        for the same variants or order runs again on the winner's result (fresh
        snapshot). Past the budget, the message waits for the scheduled action."""
        env = request.env(su=True)
        cr = env.cr
        deadline = time.monotonic() + budget
        attempt = 0
        while True:
            try:
                inbound._lock_timeout(deadline - time.monotonic())
                status, answer = inbound._process()
                env.flush_all()
                _commit_webhook_transaction(env)
                return _json(status, answer)
            except INTAKE_RACE_ERRORS:
                cr.rollback()
                env.transaction.reset()
                attempt += 1
                if time.monotonic() > deadline - RETRY_MAX_SLEEP:
                    break
                time.sleep(random.uniform(0, min(RETRY_MAX_SLEEP, 0.005 * 2**attempt)))
            except Exception as error:
                cr.rollback()
                env.transaction.reset()
                _logger.exception("channel message %s could not be processed", inbound.id)
                inbound.error = f"could not be processed: {error}"
                break
        message = (
            f"the message is stored (#{inbound.id}) but could not be processed now; "
            "it will be processed again"
        )
        if always_ok:
            return self._deferred(inbound, 202, {"status": RECEIVED, "message": message})
        return self._deferred(inbound, 503, {"error": message})
