import logging
import threading
import time
import traceback
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from psycopg2 import Error as PgError
from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api, fields, models

from ..core import backoff
from ..core.connectors import PushItem
from ..core.errors import PermanentError, RetryableError, SyncError
from .stock_channel_outbox import clip

_logger = logging.getLogger(__name__)

MAX_PARALLEL_CHANNELS = 4
RUN_BUDGET_SECONDS = 50  # leave the cron thread before its time limit; the rest waits a trigger
# A run of the scheduled action stays alive for retries due within this many seconds, so a
# retry is attempted at its due time instead of at the cron's next wake-up (up to a minute).
FOLLOW_HORIZON_SECONDS = 20
FOLLOW_POLL_SECONDS = 0.1  # while it waits for a retry, changes made meanwhile go out too
CANDIDATES_PER_BATCH = 4  # rows taken per dispatch round, in batches of the connector's size
# PostgreSQL advisory lock (class id, channel id) held by the one dispatcher of a channel
CHANNEL_LOCK_CLASS = 730_501
# another transaction wrote the same rows: run the round again on a fresh snapshot
CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)
RECORD_ATTEMPTS = 5
REASON_NO_SKU = "The variant has no SKU on this channel (set an internal reference or a binding)."
REASON_STALE = (
    "the channel dropped it as stale: it holds a newer sequence for this SKU "
    "(sent again with a fresh sequence)"
)


def _utcnow():
    """Naive UTC with microseconds (fields.Datetime.now() drops them): for latencies."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Job:
    """One push of a round: the outbox rows it serves and what it sends.

    `rows`: [(row id, generation, attempts, event_at)]; for stock, `items` are the
    PushItems (same order as `rows`) and `products` their variant ids; for a status,
    `order_id` and `body`. `outcome` is the PushResult or the exception of the push.
    """

    rows: list
    items: list = field(default_factory=list)
    products: list = field(default_factory=list)
    order_id: int = 0
    body: dict = None
    label: str = ""
    sent_at: datetime = None
    outcome: object = None
    trace: str = ""

    @property
    def row_ids(self):
        return [row[0] for row in self.rows]

    @property
    def attempts(self):
        return max(row[2] for row in self.rows)

    @property
    def event_at(self):
        return min(row[3] for row in self.rows)

    def log_vals(self, channel):
        """The sync log values of this push, the same for every outcome."""
        if self.body is not None:
            skus, items = self.label, [self.body]
        else:
            skus = ", ".join(item.sku for item in self.items)
            items = [
                {"sku": item.sku, "quantity": item.quantity, "sequence": item.sequence}
                for item in self.items
            ]
        return {
            "channel_id": channel.id,
            "item_count": len(items),
            "skus": skus,
            "items": items,
            "attempt": self.attempts + 1,
            "event_at": self.event_at,
            "sent_at": self.sent_at,
        }


class StockChannelDispatcher(models.AbstractModel):
    """Runs the outbox: each channel in its own transaction (and thread, when several
    have work), so that one slow or failing channel never delays the others.

    A round of one channel: take due rows, compute what to send, mark those pushes in
    doubt and give them their sequences, commit (no row lock is held while the channel
    answers), push, then record every outcome in a new transaction. One dispatcher at a
    time per channel (an advisory lock), so pushes to a channel leave in sequence order.
    """

    _name = "stock.channel.dispatcher"
    _description = "Channel Stock Dispatcher"

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------
    def _due_channels(self, channels=None):
        self.env["stock.channel.outbox"].flush_model()
        query = (
            "SELECT DISTINCT o.channel_id FROM stock_channel_outbox o "
            "JOIN stock_channel c ON c.id = o.channel_id "
            "WHERE o.state = 'pending' "
            "AND o.next_attempt_at <= (clock_timestamp() at time zone 'utc') "
            "AND c.active AND c.connector IS NOT NULL"
        )
        params = []
        if channels:
            query += " AND o.channel_id = ANY(%s)"
            params.append(channels.ids)
        self.env.cr.execute(query, params)
        return self.env["stock.channel"].sudo().browse([row[0] for row in self.env.cr.fetchall()])

    def _testing(self):
        return getattr(threading.current_thread(), "testing", False)

    def _run(self, channels=None, parallel=None, follow=False):
        """Dispatch every channel with due rows; returns {channel_id: rows sent}.

        parallel (default: outside tests): one thread and transaction per channel (at most
        MAX_PARALLEL_CHANNELS), each committing after every round; a channel that comes
        due while the others are at work gets its thread at once, not when the run ends.
        Otherwise in the current transaction (tests).
        follow: stay while retries come due within FOLLOW_HORIZON_SECONDS (the cron).
        """
        self = self.sudo()  # the dispatcher works for every user
        if parallel is None:
            parallel = not self._testing()
        deadline = time.monotonic() + RUN_BUDGET_SECONDS
        if parallel:
            sent = self._run_parallel(channels, deadline, follow)
        else:
            sent = self._run_sequential(channels, deadline, follow)
        self._schedule_next_retry()
        return sent

    def _run_sequential(self, channels, deadline, follow):
        """One pass over the due channels; following, again while rows are or come due."""
        commit = None if self._testing() else self._commit
        sent = defaultdict(int)
        while time.monotonic() < deadline:
            for channel in self._due_channels(channels):
                sent[channel.id] += self._run_channel_here(channel, commit, deadline)
            if not (follow and self._wait_for_due(channels, deadline)):
                break
        return dict(sent)

    def _run_parallel(self, channels, deadline, follow):
        """A supervisor: starts a thread for each due channel that has none, as slots
        free up, until nothing is due (or comes due within the horizon, when following)."""
        self._commit()
        dbname = self.env.cr.dbname
        channel_ids = channels.ids if channels else None
        sent, running = defaultdict(int), {}
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL_CHANNELS) as pool:
            while True:
                for channel_id, future in list(running.items()):
                    if future.done():
                        sent[channel_id] += future.result()
                        del running[channel_id]
                due = []
                if time.monotonic() < deadline:
                    due = [cid for cid in self._due_ids_fresh(channel_ids) if cid not in running]
                for channel_id in due[: MAX_PARALLEL_CHANNELS - len(running)]:
                    running[channel_id] = pool.submit(
                        self._run_channel_thread, dbname, channel_id, deadline
                    )
                if running:
                    wait(running.values(), timeout=FOLLOW_POLL_SECONDS, return_when=FIRST_COMPLETED)
                elif not due and not (follow and self._wait_for_due(channels, deadline)):
                    return dict(sent)

    def _due_ids_fresh(self, channel_ids):
        """Ids of the channels with due rows, read in a transaction of its own (the
        supervisor's snapshot would not see the changes committed since)."""
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            channels = env["stock.channel"].browse(channel_ids) if channel_ids else None
            return env["stock.channel.dispatcher"]._due_channels(channels).ids

    def _commit(self):
        """Commit (the cron reports its progress); the next statement starts afresh."""
        if self.env.context.get("ir_cron_progress_id"):
            self.env["ir.cron"]._commit_progress()
        else:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.invalidate_all()

    def _wait_for_due(self, channels, deadline):
        """Wait until a row is due, if one comes due within the horizon and the run's
        budget; True when there is something to dispatch again."""
        while time.monotonic() < deadline:
            if not self._testing():
                self._commit()  # a fresh snapshot, no lock held while waiting
            seconds = self._seconds_to_next_due(channels)
            if seconds is None or seconds > FOLLOW_HORIZON_SECONDS:
                return False
            if seconds <= 0:
                return True
            time.sleep(min(seconds, FOLLOW_POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        return False

    def _seconds_to_next_due(self, channels=None):
        self.env["stock.channel.outbox"].flush_model()
        query = (
            "SELECT extract(epoch FROM min(o.next_attempt_at) "
            "- (clock_timestamp() at time zone 'utc')) FROM stock_channel_outbox o "
            "JOIN stock_channel c ON c.id = o.channel_id "
            "WHERE o.state = 'pending' AND c.active AND c.connector IS NOT NULL"
        )
        params = []
        if channels:
            query += " AND o.channel_id = ANY(%s)"
            params.append(channels.ids)
        self.env.cr.execute(query, params)
        seconds = self.env.cr.fetchone()[0]
        return None if seconds is None else float(seconds)

    def _run_channel_here(self, channel, commit, deadline=None):
        """Rounds of `channel` while rows are due, within the run's budget. With `commit`
        (outside tests), an error ends this channel's turn, never the run of the others."""
        deadline = deadline or time.monotonic() + RUN_BUDGET_SECONDS
        Outbox = self.env["stock.channel.outbox"].sudo()
        total = 0
        while time.monotonic() < deadline:
            try:
                total += self._dispatch_channel(channel, commit=commit, max_rounds=1)
                if not Outbox._lock_due(channel, 1, commit):
                    break
            except Exception:
                if not commit:
                    raise
                _logger.exception("dispatching channel %s failed", channel.code)
                self.env.cr.rollback()
                self.env.invalidate_all()
                break
        return total

    def _run_channel_thread(self, dbname, channel_id, deadline=None):
        threading.current_thread().dbname = dbname
        registry = self.env.registry
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                channel = env["stock.channel"].browse(channel_id)
                dispatcher = env["stock.channel.dispatcher"]
                return dispatcher._run_channel_here(channel, dispatcher._commit, deadline)
        except Exception:
            _logger.exception("dispatching channel %s failed", channel_id)
            return 0

    def _schedule_next_retry(self):
        self.env["stock.channel.outbox"].flush_model()
        self.env.cr.execute(
            "SELECT min(next_attempt_at) FROM stock_channel_outbox WHERE state = 'pending' "
            "AND next_attempt_at > (clock_timestamp() at time zone 'utc')"
        )
        when = self.env.cr.fetchone()[0]
        if when:
            self.env.ref("stock_channel_sync.ir_cron_dispatch").sudo()._trigger(at=when)

    # ------------------------------------------------------------------
    # One channel
    # ------------------------------------------------------------------
    @contextmanager
    def _channel_lock(self, channel):
        """Hold the channel's dispatch lock (a session advisory lock, kept across the
        round's commits); yields False when another dispatcher holds it."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [CHANNEL_LOCK_CLASS, channel.id])
        if not cr.fetchone()[0]:
            yield False
            return
        try:
            yield True
        finally:
            unlock = "SELECT pg_advisory_unlock(%s, %s)"
            try:
                cr.execute(unlock, [CHANNEL_LOCK_CLASS, channel.id])
            except PgError:
                if self._testing():
                    raise
                cr.rollback()  # an aborted transaction: the lock is the session's
                cr.execute(unlock, [CHANNEL_LOCK_CLASS, channel.id])

    @api.model
    def _dispatch_channel(self, channel, commit=None, max_rounds=None):
        """Push the due rows of `channel`, round after round; returns the number of rows sent.

        `commit` (a callable) is called between the steps of each round: the cron
        commits there. Without it (tests) everything happens in the current transaction.
        """
        self, channel = self.sudo(), channel.sudo()
        sent = 0
        rounds = 0
        with self._channel_lock(channel) as mine:
            if not mine:
                return 0
            with channel._connector() as connector:
                while max_rounds is None or rounds < max_rounds:
                    count = self._round(channel, connector, commit)
                    if count is None:
                        break
                    sent += count
                    rounds += 1
        return sent

    def _round(self, channel, connector, commit):
        """One round: None when nothing was due, else the number of rows sent."""
        Outbox = self.env["stock.channel.outbox"]
        rows = Outbox._lock_due(channel, connector.batch_limit * CANDIDATES_PER_BATCH, commit)
        if not rows:
            return None
        try:
            with self.env.cr.savepoint():
                jobs = self._plan(channel, connector, rows)
        except CONCURRENCY_ERRORS:
            if not commit:
                raise
            self.env.cr.rollback()
            return 0  # another transaction wrote the same quantities: next round
        except Exception:  # a bug must not block the channel: the rows wait their turn
            trace = traceback.format_exc()
            _logger.exception("channel %s: preparing a push failed", channel.code)
            jobs = [self._failed_plan(rows, trace)]
            self._record(channel, connector, jobs, commit)
            return 0
        if commit:
            commit()  # the pushes in doubt and their sequences are kept, whatever happens
        for job in jobs:
            self._push(connector, job)
        return self._record(channel, connector, jobs, commit)

    # ------------------------------------------------------------------
    # Planning (in the transaction that took the rows)
    # ------------------------------------------------------------------
    def _plan(self, channel, connector, rows):
        """The jobs of a round. Rows with nothing to send are deleted, rows that cannot be
        sent become dead letters, here; the others are marked in doubt with sequences."""
        status_rows = rows.filtered("sale_order_id")
        jobs = [job for row in status_rows if (job := self._plan_status(row))]
        stock_rows = rows - status_rows
        if stock_rows:
            jobs += self._plan_stock(channel, connector, stock_rows)
        return jobs

    @staticmethod
    def _row_key(row):
        return (row.id, row.generation, row.attempts, row.event_at)

    def _plan_status(self, row):
        order = row.sale_order_id
        body = order._channel_status_body()
        if body == order.channel_status_pushed and not row.force:
            row._delete_sent()
            return None
        label = f"{order.name} ({order.channel_order_ref}): {body['status']}"
        return Job(rows=[self._row_key(row)], order_id=order.id, body=body, label=label)

    def _plan_stock(self, channel, connector, rows):
        results = channel._compute_publishable(rows.product_id)
        Quantity = self.env["stock.channel.quantity"]
        Quantity._store_results(results)
        published = {
            line.product_id.id: line
            for line in Quantity.search(
                [("channel_id", "=", channel.id), ("product_id", "in", rows.product_id.ids)]
            )
        }
        bindings = channel._bindings(rows.product_id)
        skus, conflicts = channel._channel_skus(rows.product_id, bindings)
        computed_at = fields.Datetime.now().replace(tzinfo=UTC)
        to_send, unchanged = [], rows.browse()
        for row in rows:
            product_id = row.product_id.id
            if product_id in conflicts or not skus.get(product_id):
                row._to_dead_letter(conflicts.get(product_id) or REASON_NO_SKU)
                continue
            result = results[channel.id, product_id]
            line = published.get(product_id)
            known = line and line.published_at and not line.push_in_doubt
            if known and line.published_qty == result.publishable and not row.force:
                unchanged |= row
                continue
            to_send.append((row, result, line))
        unchanged._delete_sent()
        # quantities falling to 0 first, then priority, then the oldest change
        to_send.sort(key=lambda t: (t[1].publishable != 0, -t[0].priority, t[0].event_at, t[0].id))
        sequences = Quantity._claim_sequences(channel, [t[0].product_id.id for t in to_send])
        jobs = []
        for batch in connector.batches(to_send):
            job = Job(rows=[self._row_key(row) for row, _result, _line in batch])
            for row, result, line in batch:
                product_id = row.product_id.id
                binding = bindings.get(product_id)
                job.products.append(product_id)
                job.items.append(
                    PushItem(
                        sku=skus[product_id],
                        quantity=result.publishable,
                        sequence=sequences[product_id],
                        computed_at=computed_at,
                        external_id=binding.external_id or "" if binding else "",
                        external_location_id=binding.external_location_id or "" if binding else "",
                        previous_quantity=line.published_qty if line.published_at else None,
                    )
                )
            jobs.append(job)
        return jobs

    def _failed_plan(self, rows, trace):
        job = Job(rows=[self._row_key(row) for row in rows], sent_at=_utcnow(), trace=trace)
        job.outcome = RetryableError(f"could not prepare the push: {trace.splitlines()[-1]}")
        return job

    # ------------------------------------------------------------------
    # Pushing (no transaction work: the channel may take its time)
    # ------------------------------------------------------------------
    def _push(self, connector, job):
        job.sent_at = _utcnow()
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
        conflict (a change queued meanwhile) records again on a fresh snapshot."""
        for attempt in range(RECORD_ATTEMPTS):
            try:
                with self.env.cr.savepoint():
                    sent = self._record_round(channel, connector, jobs)
                if commit:
                    commit()
                return sent
            except CONCURRENCY_ERRORS:
                if not commit or attempt == RECORD_ATTEMPTS - 1:
                    raise
                self.env.cr.rollback()
                self.env.invalidate_all()
        return 0

    def _record_round(self, channel, connector, jobs):
        return sum(self._record_job(channel, job) for job in jobs)

    def _record_job(self, channel, job):
        outcome = job.outcome
        log_vals = job.log_vals(channel)
        rows = self.env["stock.channel.outbox"].browse(job.row_ids).exists()
        if isinstance(outcome, RetryableError):
            return self._failed(channel, rows, job, log_vals, outcome, retryable=True)
        if isinstance(outcome, SyncError):
            if outcome.item_errors and job.body is None:
                return self._refused_items(job, rows, log_vals, outcome)
            return self._failed(channel, rows, job, log_vals, outcome, retryable=False)
        if job.body is not None:
            return self._status_done(job, rows, log_vals, outcome)
        return self._stock_done(channel, job, rows, log_vals, outcome)

    def _log(self, log_vals, state, **values):
        return self.env["stock.channel.sync.log"].create(dict(log_vals, state=state, **values))

    def _log_accepted(self, job, log_vals, result, **values):
        """Log an accepted push with its latency (from the oldest change); returns when."""
        acked_at = _utcnow()
        self._log(
            log_vals,
            "done",
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
        return len(rows)

    def _stock_done(self, channel, job, rows, log_vals, result):
        skus = [item.sku for item in job.items]
        applied, refused, stale = result.split(skus)
        errors = [f"{sku}: {message}" for sku, message in refused.items()]
        errors += [f"{sku}: {REASON_STALE}" for sku in sorted(stale)]
        acked_at = self._log_accepted(job, log_vals, result, error="\n".join(errors) or False)
        by_sku = dict(zip(skus, zip(job.rows, job.items, job.products, strict=True), strict=True))
        Outbox = self.env["stock.channel.outbox"]
        for sku, message in refused.items():
            Outbox.browse(by_sku[sku][0][0]).exists()._to_dead_letter(
                message, result.request_body, result.body
            )
        published = {by_sku[sku][2]: by_sku[sku][1].quantity for sku in applied}
        self.env["stock.channel.quantity"]._mark_published(channel, published, acked_at)
        done = Outbox.browse([by_sku[sku][0][0] for sku in applied]) & rows
        done._delete_sent(self._generations(job))
        for sku in sorted(stale):
            row_key = by_sku[sku][0]
            stale_job = Job(rows=[row_key], items=[by_sku[sku][1]], sent_at=job.sent_at)
            error = RetryableError(f"{channel.code}: {sku}: {REASON_STALE}", status=result.status)
            self._failed(
                channel,
                Outbox.browse(row_key[0]) & rows,
                stale_job,
                stale_job.log_vals(channel),
                error,
                retryable=True,
            )
        return len(done)

    @staticmethod
    def _generations(job):
        return {row_id: generation for row_id, generation, _attempts, _event in job.rows}

    def _failed(self, channel, rows, job, log_vals, error, retryable):
        """A push that failed: logged, then retried later or dead-lettered."""
        verdict = backoff.after_failure(
            job.attempts,
            retryable=retryable,
            max_attempts=channel.retry_max_attempts,
            retry_after=error.seconds,
            base=channel.retry_base_seconds,
            cap=channel.retry_cap_seconds,
        )
        message = str(error)
        self._log(
            log_vals,
            "dead" if verdict.dead else "retry",
            http_status=error.status or 0,
            error=f"{message}\n\n{job.trace}" if job.trace else message,
            request_body=error.request,
            response_body=clip(error.body),
        )
        if verdict.dead:
            rows._to_dead_letter(message, error.request, error.body, attempts=verdict.attempts)
            return 0
        rows.write(
            {
                "attempts": verdict.attempts,
                "last_error": message,
                "next_attempt_at": _utcnow() + timedelta(seconds=verdict.delay),
            }
        )
        _logger.info(
            "channel %s: push failed (%s), retry %s in %.1f s",
            channel.code,
            message,
            verdict.attempts,
            verdict.delay,
        )
        return 0

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
                row.next_attempt_at = _utcnow()
        return 0
