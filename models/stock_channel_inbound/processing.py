"""Judging a channel message (the kind's processing, the answer kept), retries and the crons."""

import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ...core import status as status_core
from ...core.inbound import (
    DONE,
    DUPLICATE,
    EXCEPTION,
    INBOUND_STATES,
    RECEIVED,
    REJECTED,
    RETRYABLE_STATES,
    WAITING,
)
from ...core.payload import PayloadError
from .. import runtime
from ..retention import purge

_logger = logging.getLogger(__name__)

STALE_RECEIVED_MINUTES = 2  # the cron takes over messages left unprocessed this long
STALE_BATCH = 200
CRON_LOCK_TIMEOUT_SECONDS = 10
# a message the cron could not judge for concurrency (a lost race) is tried again later,
# this many times before it is left in exception for a person
CONCURRENCY_ATTEMPTS = 8
# another transaction took the same variants, order or lock first: run again on its result
INTAKE_RACE_ERRORS = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, pg_errors.UniqueViolation)
RETENTION_PARAM = "stock_channel_sync.inbound_retention_days"
DEFAULT_RETENTION_DAYS = 90
HELD_RETENTION_PARAM = "stock_channel_sync.inbound_held_retention_days"
DEFAULT_HELD_RETENTION_DAYS = 365
NEXT_ACTION_SHIPPED = (
    "The channel cancelled an order that has shipped: agree a return with the customer, "
    "or tell the channel."
)


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    # ------------------------------------------------------------------
    # Judging: returns (http status, answer) and keeps both on the record
    # ------------------------------------------------------------------
    def _process(self):
        self.ensure_one()
        self = self.sudo()  # the intake's own writes, whoever asked for the retry
        # written with the outcome (one UPDATE of the row where nothing flushes it before)
        attempt = {
            "attempts": self.attempts + 1,
            "processed_at": fields.Datetime.now(),
            "retry_at": False,
        }
        if not self.channel_id:
            status, answer = self._reject(404, f"no sales channel with code {self.channel_code!r}")
        else:
            inbound = self.with_company(self.channel_id.company_id)
            status, answer = getattr(inbound, f"_process_{self.kind}")()
            if status >= 400 and self._connector().webhook_always_ok:
                status = self._kept_in_odoo(status)
        self.write({**attempt, "http_status": status, "response": answer})
        return status, answer

    def _process_verdict(self):
        """The channel says its verdict on a push is there: it is read now (the reader,
        woken; the scheduled checks stay the backstop)."""
        remote_ids, rejected = self._parsed(self._connector().parse_verdict)
        if rejected:
            return rejected
        logs = self.env["stock.channel.sync.log"].sudo()._awaiting(self.channel_id, remote_ids)
        logs.write({"confirm_next_at": fields.Datetime.now()})
        self.env["stock.channel"]._wake_dispatcher()
        self.write({"state": DONE, "error": False})
        return 200, {"status": "received", "pushes": len(logs)}

    def _process_ignored(self):
        return self._reject(400, self.error or f"topic {self.topic!r} is not handled")

    def _kept_in_odoo(self, status):
        """A channel that disables failing webhooks is answered 2xx: the refusal stays on
        the message; a conflict (409) is an exception a person handles."""
        if status == 409:
            self.write(
                {
                    "state": EXCEPTION,
                    "exception": status_core.TO_CHECK,
                    "next_action": self.env._(NEXT_ACTION_SHIPPED),
                }
            )
        return 200

    def action_retry(self):
        """Run a stored message again (after its data or the mapping was corrected):
        it resumes where it stopped and never creates anything twice. A person retries:
        the order it makes was held for a person."""
        self._check_channel_manager()
        for inbound in self.with_context(stock_channel_retried=True):
            if not inbound.authenticated:
                raise UserError(
                    self.env._(
                        "Message %(id)s was refused before its signature could be trusted "
                        "(%(error)s): it cannot be imported. Have the channel send it again.",
                        id=inbound.id,
                        error=inbound.error,
                    )
                )
            if inbound.state not in RETRYABLE_STATES:
                raise UserError(
                    self.env._(
                        "%(ref)s is %(state)s: there is nothing to retry.",
                        ref=inbound.external_id or inbound.id,
                        state=dict(INBOUND_STATES)[inbound.state],
                    )
                )
            inbound._process()
        return True

    def _reject(self, status, message):
        self.write({"state": REJECTED, "error": message, "exception": False})
        return status, {"error": message}

    def _set_outcome(self, state, order=None, http_status=200, **extra):
        vals = {"state": state}
        if order and state == DONE and order.channel_exception:
            vals.update(
                state=EXCEPTION,
                exception=order.channel_exception,
                error=order.channel_exception_reason,
                next_action=order.channel_next_action,
            )
        elif state != EXCEPTION:
            vals.update(error=extra.get("reason", False), exception=False, next_action=False)
        if order:
            vals["sale_order_id"] = order.id
        self.write(vals)
        return http_status, self._answer(order, **extra)

    @staticmethod
    def _answer(order, **extra):
        if not order:
            return {"order": None, **extra}
        status, lines = order._channel_status_parts()
        answer = {
            "order": order.name,
            "status": status,
            "lines": [
                {"id": line.channel_line_ref or str(line.id), "status": st}
                for line, st, _qty, _returned in lines
            ],
        }
        if order.channel_exception:
            answer["reason"] = order.channel_exception_reason
        elif order.state == "cancel" and order.channel_cancel_reason:
            answer["reason"] = order.channel_cancel_reason  # an order rule's
        answer.update(extra)
        return answer

    def _raw(self):
        return (self.body or "").encode("utf-8")

    def _parsed(self, parse):
        """(data, None) or (None, the rejection) of the message parsed by `parse`."""
        try:
            return parse(self._raw()), None
        except PayloadError as error:
            return None, self._reject(400, str(error))
        except NotImplementedError as error:
            return None, self._reject(400, str(error))

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
    @api.model
    def _cron_process_stale(self):
        """Messages stored but never judged (the server stopped in between), and those
        the intake left for later (a lost race): each in its own transaction; a lost
        race again is tried again later, not turned into an exception."""
        now = fields.Datetime.now()
        stale = self.search(
            [
                ("state", "=", RECEIVED),
                ("authenticated", "=", True),
                "|",
                ("received_at", "<", now - timedelta(minutes=STALE_RECEIVED_MINUTES)),
                ("retry_at", "<=", now),
            ],
            limit=STALE_BATCH,
            order="id",
        )
        for inbound in stale:
            inbound._process_in_cron()
            runtime.commit_chunk(self.env, 1, remaining=len(stale))
        return len(stale)

    @api.model
    def _take_polled(self, channel, messages):
        """Orders read by polling, through the webhooks' path: each stored (committed)
        then judged, a version already stored skipped. Returns the messages stored."""
        known = set(
            self.search(
                [
                    ("channel_id", "=", channel.id),
                    ("delivery_id", "in", [message.delivery_id for message in messages]),
                ]
            ).mapped("delivery_id")
        )
        stored = self.browse()
        for message in messages:
            if message.delivery_id in known:
                continue
            known.add(message.delivery_id)
            inbound = self._store(
                channel,
                message.kind,
                message.body,
                {"X-Polled": "true"},
                channel_code=channel.code,
                delivery_id=message.delivery_id,
            )
            runtime.commit_chunk(self.env)  # stored before it is judged
            inbound._process_in_cron()
            runtime.commit_chunk(self.env, 1)
            stored |= inbound
        return stored

    def _process_in_cron(self):
        attempts = self.attempts
        try:
            with self.env.cr.savepoint():
                self._lock_timeout(CRON_LOCK_TIMEOUT_SECONDS)
                self._process()
        except INTAKE_RACE_ERRORS as error:
            self.env.invalidate_all()
            attempts += 1
            if attempts >= CONCURRENCY_ATTEMPTS:
                self._to_exception(attempts, f"could not be processed: {error}")
            else:
                delay = timedelta(seconds=min(30 * 2**attempts, 3600))
                self.sudo().write({"attempts": attempts, "retry_at": fields.Datetime.now() + delay})
                cron = self.env.ref("stock_channel_sync.ir_cron_process_inbound").sudo()
                cron._trigger(at=fields.Datetime.now() + delay)
        except Exception as error:
            _logger.exception("channel message %s could not be processed", self.id)
            self.env.invalidate_all()
            self._to_exception(attempts + 1, f"could not be processed: {error}")

    def _to_exception(self, attempts, error):
        self.sudo().write(
            {
                "state": EXCEPTION,
                "exception": status_core.TO_CHECK,
                "error": error,
                "attempts": attempts,
                "retry_at": False,
            }
        )

    @api.autovacuum
    def _gc_old_messages(self):
        """Judged messages go after the retention; those still waiting for a person
        (exception, waiting, received) after the longer held retention. In batches."""
        params = self.env["ir.config_parameter"].sudo()
        done_days = int(params.get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS))
        held_days = int(params.get_param(HELD_RETENTION_PARAM, DEFAULT_HELD_RETENTION_DAYS))
        cr = self.env.cr
        self.flush_model()
        deleted = purge(
            cr, self._table, "received_at", done_days, "state IN %s", [(DONE, DUPLICATE, REJECTED)]
        )
        deleted += purge(
            cr,
            self._table,
            "received_at",
            held_days,
            "state IN %s",
            [(EXCEPTION, WAITING, RECEIVED)],
        )
        self.invalidate_model()
        return deleted
