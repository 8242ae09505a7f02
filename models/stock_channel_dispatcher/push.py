"""Pushing a round's batches outside any transaction work, then recording their outcomes."""

import logging
import traceback
from contextlib import nullcontext
from datetime import timedelta

from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from odoo import models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import mute_logger

from ...core import backoff, events
from ...core.dispatch import accepted_figures, drift_lines, replaced_lines, utcnow
from ...core.errors import PermanentError, RetryableError, SyncError
from .. import runtime
from ..stock_channel_outbox.outbox import clip
from ..stock_channel_sync_log import WAITING

_logger = logging.getLogger(__name__)

RECORD_ATTEMPTS = 5
REASON_STALE = (
    "the channel dropped it as stale: it holds a newer sequence for this SKU "
    "(sent again with a fresh sequence)"
)


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    # ------------------------------------------------------------------
    # Pushing (no transaction work: the channel may take its time)
    # ------------------------------------------------------------------
    def _push(self, connector, job):
        job.sent_at = utcnow()
        try:
            if job.body is not None:
                # the row's id: the same for its retries, new for the next change of status
                order = self.env["sale.order"].browse(job.order_id)
                job.outcome = connector.push_order_status(
                    order.channel_order_ref, job.body, sequence=job.rows[0][0]
                )
            else:
                job.outcome = connector.push(job.items)
        except SyncError as error:
            job.outcome = error
        except NotImplementedError as error:
            job.outcome = PermanentError(str(error))
        except Exception as error:  # a bug or an unexpected answer: a failure like any other
            job.trace = connector._redact(traceback.format_exc())
            job.outcome = RetryableError(connector._redact(f"{type(error).__name__}: {error}"))

    # ------------------------------------------------------------------
    # Recording outcomes (a new transaction)
    # ------------------------------------------------------------------
    def _record(self, channel, connector, jobs, commit):
        """Record the outcomes of `jobs`; returns the number of rows sent. A write
        conflict (a change queued meanwhile) records again on a fresh snapshot.

        A run that commits records at READ COMMITTED: a row a change updated after the
        recording began is then seen as it is now (its generation moved: kept for its
        own push) instead of failing the recording on a serialization error. During a
        burst of orders, rows of a round change every few milliseconds and REPEATABLE
        READ failed every attempt (docs/benchmarks.md)."""
        for attempt in range(RECORD_ATTEMPTS):
            last = not commit or attempt == RECORD_ATTEMPTS - 1
            try:
                if commit:
                    commit()  # what the pushes' phase read ends: a new transaction
                    self._read_committed()
                # expected while changes are queued (a Republish all): retried, not logged
                quiet = nullcontext() if last else mute_logger("odoo.sql_db")
                with self.env.cr.savepoint(), quiet:
                    sent = self._record_round(channel, connector, jobs)
                if commit:
                    commit()
                return sent
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if not commit or attempt == RECORD_ATTEMPTS - 1:
                    raise
                runtime.roll_back(self.env)
        return 0

    def _read_committed(self):
        """The transaction about to begin runs at READ COMMITTED (_record); a cursor
        already in a transaction (a test's, whose `commit` ends none) is left as it is."""
        cr = self.env.cr
        if cr._cnx.info.transaction_status == TRANSACTION_STATUS_IDLE:
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")

    def _record_round(self, channel, connector, jobs):
        down = [job for job in jobs if getattr(job.outcome, "unreachable", False)]
        answered = [job for job in jobs if job not in down]
        sent = sum(self._record_job(channel, job) for job in answered)
        if down:
            self._unreachable(channel, down)
        else:
            channel._mark_reachable()  # it answered, whatever it said
        return sent

    def _unreachable(self, channel, jobs):
        """The channel could not be reached: paused as a whole until its next try (no
        attempt of its pushes is counted: they wait, they are never dead letters). The
        try is logged once (the rest of the round was not sent)."""
        tried = next(job for job in jobs if job.sent_at)
        error = tried.outcome
        pause = channel._mark_unreachable(error)
        message = self.env._(
            "%(error)s\nThe channel cannot be reached since %(since)s: its pushes wait, next "
            "try in %(pause)s s.",
            error=error,
            since=channel._clock(channel.unreachable_since),
            pause=round(pause),
        )
        self._log(
            tried.log_vals(channel),
            "retry",
            http_status=0,
            error=message,
            request_body=error.request,
        )
        row_ids = [row_id for job in jobs for row_id in job.row_ids]
        self.env["stock.channel.outbox"].browse(row_ids).exists().write({"last_error": message})
        _logger.warning("channel %s: cannot be reached, paused for %.0f s", channel.code, pause)

    def _record_job(self, channel, job):
        outcome = job.outcome
        log_vals = job.log_vals(channel)
        rows = self.env["stock.channel.outbox"].browse(job.row_ids)
        if job.body is not None or isinstance(outcome, SyncError):
            rows = rows.exists()  # (an accepted stock push: its DELETE says which were there)
        if isinstance(outcome, RetryableError):
            return self._failed(channel, rows, job, log_vals, outcome, retryable=True)
        if isinstance(outcome, SyncError):
            if outcome.item_errors and job.body is None:
                return self._refused_items(job, rows, log_vals, outcome)
            return self._failed(channel, rows, job, log_vals, outcome, retryable=False)
        if job.body is not None:
            return self._status_done(job, rows, log_vals, outcome)
        return self._stock_done(channel, job, rows, outcome)

    def _log(self, log_vals, state, **values):
        return self.env["stock.channel.sync.log"]._insert([dict(log_vals, state=state, **values)])

    def _log_accepted(self, job, log_vals, result, state="done", **values):
        """Log an accepted push with its latency (from the oldest change of `job`, or
        from the replay); returns when."""
        acked_at = utcnow()
        self._log(
            log_vals,
            state,
            http_status=result.status,
            idempotency_key=result.idempotency_key,
            acked_at=acked_at,
            latency_ms=int((acked_at - job.event_at).total_seconds() * 1000),
            request_body=False,
            response_body=clip(result.body),
            **values,
        )
        return acked_at

    def _status_done(self, job, rows, log_vals, result):
        self._log_accepted(job, log_vals, result)
        self.env["sale.order"].browse(job.order_id).channel_status_pushed = job.body
        rows._delete_sent(self._generations(job))
        if job.body.get("tracking"):  # a tracking number accepted: the order's tracking pushed
            order = self.env["sale.order"].browse(job.order_id)
            if not order.channel_tracking_pushed_at:
                order.channel_tracking_pushed_at = utcnow()
        return len(rows)

    def _stock_done(self, channel, job, rows, result):
        """A push the channel answered 2xx: the items it took are logged accepted (done,
        or sent while its verdict is awaited) with their latency; the items it refused
        are logged apart as dead letters (never done, no accepted latency); the others
        are sent again."""
        skus = [item.sku for item in job.items]
        applied, refused, stale = result.split(skus)
        by_sku = dict(zip(skus, zip(job.rows, job.items, job.products, strict=True), strict=True))
        if refused:
            self._refused_in_accepted(channel, job, result, refused, by_sku)
        # accepted for processing: the channel's verdict comes later (stock.channel.confirmer)
        tracked = {sku: str(result.tracking[sku]) for sku in applied if sku in result.tracking}
        acked_at = self._applied(channel, job.subset(applied), result, tracked)
        published, dates, details = accepted_figures(applied, by_sku, result.quantities, tracked)
        self.env["stock.channel.quantity"]._mark_published(
            channel, published, acked_at, dates=dates, details=details
        )
        done = self.env["stock.channel.outbox"].browse([by_sku[sku][0][0] for sku in applied])
        sent = done._delete_sent(self._generations(job))
        rows = rows.exists() if stale else rows
        for sku in sorted(stale):
            message = f"{sku}: {result.retry_errors.get(sku) or REASON_STALE}"
            self._retry_item(channel, job, rows, result, by_sku[sku], message)
        return sent

    def _applied(self, channel, accepted, result, tracked):
        """Log the items the channel applied (`accepted`, none: nothing logged), those of
        `tracked` awaiting its verdict; returns when."""
        if not accepted.items:
            return utcnow()
        return self._log_accepted(
            accepted,
            accepted.log_vals(channel),
            result,
            state="sent" if tracked else "done",
            error=drift_lines(result) or False,
            replaced_levels=replaced_lines(result, accepted) or False,
            **self.env["stock.channel.confirmer"]._awaiting_vals(channel, tracked),
        )

    def _refused_in_accepted(self, channel, job, result, refused, by_sku):
        """The items a channel refused in a 2xx answer (Amazon's INVALID, the generic
        receiver's errors): one dead log row, without an accepted time or latency; their
        rows are dead letters."""
        self._log(
            job.subset(refused).log_vals(channel),
            "dead",
            http_status=result.status,
            idempotency_key=result.idempotency_key,
            error="\n".join(f"{sku}: {message}" for sku, message in refused.items()),
            request_body=False,
            response_body=clip(result.body),
        )
        Outbox = self.env["stock.channel.outbox"]
        for sku, message in refused.items():
            Outbox.browse(by_sku[sku][0][0]).exists()._to_dead_letter(
                message, result.request_body, result.body
            )

    def _retry_item(self, channel, job, rows, result, entry, message):
        """One item of an accepted push to send again (stale, failed on its own, or not
        sent for the rate limit: never a dead letter then), logged on its own."""
        row_key, item, _product_id = entry
        one = job.subset([item.sku])
        error = RetryableError(
            f"{channel.code}: {message}",
            status=result.status,
            seconds=result.throttled.get(item.sku),
            throttled=item.sku in result.throttled,
        )
        rows = self.env["stock.channel.outbox"].browse(row_key[0]) & rows
        self._failed(channel, rows, one, one.log_vals(channel), error, retryable=True)

    @staticmethod
    def _generations(job):
        return {row_id: generation for row_id, generation, _attempts, _event in job.rows}

    def _failed(self, channel, rows, job, log_vals, error, retryable):
        """A push that failed: logged, then retried later or dead-lettered."""
        throttled = getattr(error, "throttled", False)
        verdict = backoff.after_failure(
            job.attempts,
            retryable=retryable,
            # a rate limit is waited out, never a dead letter
            max_attempts=None if throttled else channel.retry_max_attempts,
            retry_after=error.seconds,
            base=channel.retry_base_seconds,
            cap=channel.retry_cap_seconds,
        )
        message = str(error)
        waiting = throttled and not verdict.dead
        if waiting:  # the channel's documented window: waited for, not a failure
            message = self.env._("Waiting for the channel: %(reason)s", reason=message)
        self._log(
            log_vals,
            "dead" if verdict.dead else WAITING if waiting else "retry",
            http_status=error.status or 0,
            error=f"{message}\n\n{job.trace}" if job.trace else message,
            request_body=error.request,
            response_body=clip(error.body),
        )
        if verdict.dead:
            rows._to_dead_letter(message, error.request, error.body, attempts=verdict.attempts)
        else:
            self._retry_later(channel, rows, verdict, message)
        if not getattr(error, "throttled", False):  # a window waited for moves no figure
            self.env["stock.channel.event"]._announce(events.PUSH_FAILED, rows)
        return 0

    def _retry_later(self, channel, rows, verdict, message):
        """The rows of a failed push wait for their next attempt (core.backoff's verdict)."""
        rows.write(
            {
                "attempts": verdict.attempts,
                "last_error": message,
                "next_attempt_at": utcnow() + timedelta(seconds=verdict.delay),
            }
        )
        retry = (channel.code, message, verdict.attempts, verdict.delay)
        _logger.info("channel %s: push failed (%s), retry %s in %.1f s", *retry)

    def _refused_items(self, job, rows, log_vals, error):
        """The channel refused some items of the batch and applied none (Shopify's
        userErrors): the refused ones become dead letters, the others are sent again."""
        self._log(
            log_vals,
            "dead",
            http_status=error.status or 0,
            error=str(error),
            request_body=error.request,
            response_body=clip(error.body),
        )
        Outbox = self.env["stock.channel.outbox"]
        for (row_id, *_rest), item in zip(job.rows, job.items, strict=True):
            row = Outbox.browse(row_id) & rows
            if item.sku in error.item_errors:
                row._to_dead_letter(error.item_errors[item.sku], error.request, error.body)
            else:
                row.next_attempt_at = utcnow()
        return 0
