"""The dispatcher model: sequential and parallel runs, rounds under a lock."""

import logging
import threading
import time
import traceback
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

from psycopg2 import Error as PgError

from odoo import SUPERUSER_ID, api, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .. import runtime

_logger = logging.getLogger(__name__)

# channels pushed at once (a thread and a database connection each): a channel past this
# waits for a free slot until another's backlog is out (a Republish all of 5 channels with
# 4 slots pushed the fifth alone, at the end)
MAX_PARALLEL_CHANNELS = 8
RUN_BUDGET_SECONDS = 50  # leave the cron thread before its time limit; the rest waits a trigger
# A run of the scheduled action stays alive for retries (and verdicts of the marketplaces
# that confirm later) due within this many seconds, so that they are attempted at their
# due time instead of at the cron's next wake-up (up to a minute).
FOLLOW_HORIZON_SECONDS = 30
FOLLOW_POLL_SECONDS = 0.1  # while it waits for a retry, changes made meanwhile go out too
# a run that listens (outside tests: wake.py) stays this long after its last due row
IDLE_SECONDS = 5
# rows taken per dispatch round, in batches of the connector's size (a backlog, e.g. a
# Republish all, goes out in fewer rounds: fewer locks, plans and commits per row)
CANDIDATES_PER_BATCH = 8
# PostgreSQL advisory lock (class id, channel id) held by the one dispatcher of a channel
CHANNEL_LOCK_CLASS = 730_501


class StockChannelDispatcher(models.AbstractModel):
    """Runs the outbox: each channel in its own transaction (and thread, when several
    have work), so that one slow or failing channel never delays the others.

    A round of one channel: take due rows, compute what to send, mark those pushes in
    doubt and give them their sequences, commit (no row lock is held while the channel
    answers), push, then record every outcome in a new transaction. One dispatcher at a
    time per channel (an advisory lock), so pushes to a channel leave in sequence order.

    This file: the runs and the round; due.py: what is due, when; plan.py: planning a
    round's pushes; push.py: pushing and recording them.
    """

    _name = "stock.channel.dispatcher"
    _description = "Channel Stock Dispatcher"

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------
    def _run(self, channels=None, parallel=None, follow=False):
        """Dispatch every channel with due rows; returns {channel_id: rows sent}.

        parallel (default: outside tests): one thread and transaction per channel (at most
        MAX_PARALLEL_CHANNELS), each committing after every round; a channel that comes
        due while the others are at work gets its thread at once, not when the run ends.
        Otherwise in the current transaction (tests).
        follow: stay while retries come due within FOLLOW_HORIZON_SECONDS (the cron).
        A following run that used its whole budget never reports work remaining (Odoo
        would run it again at once, up to 10 times in one unit of work of the cron
        worker: past its CPU limit, the other jobs waiting); it ends, rows still due
        trigger the next run, after the worker's other ready jobs.
        """
        self = self.sudo()  # the dispatcher works for every user
        if parallel is None:
            parallel = not runtime.in_test()
        deadline = time.monotonic() + RUN_BUDGET_SECONDS
        if parallel:
            sent = self._run_parallel(channels, deadline, follow)
        else:
            sent = self._run_sequential(channels, deadline, follow)
        self._schedule_next_retry()
        if follow and time.monotonic() >= deadline:
            self._wake_if_due(channels)
        return sent

    def _wake_if_due(self, channels):
        """A run that ended on its budget with rows still due (a backlog, e.g. a Republish
        all): the next run at once, not at the scheduled action's next minute."""
        if self._due_ids_fresh(channels.ids if channels else None):
            self.env["stock.channel"]._wake_dispatcher()

    def _run_sequential(self, channels, deadline, follow):
        """One pass over the due channels; following, again while rows are or come due."""
        commit = runtime.chunk_committer(self.env)
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
        runtime.commit(self.env)  # the threads see what this transaction did
        dbname = self.env.cr.dbname
        channel_ids = channels.ids if channels else None
        sent, running = defaultdict(int), {}
        # the pool ends (its threads joined) before the listener their ends nudge closes
        with (
            self._wake_listener(follow) as listener,
            ThreadPoolExecutor(max_workers=MAX_PARALLEL_CHANNELS) as pool,
        ):
            while True:
                for channel_id, future in list(running.items()):
                    if future.done():
                        sent[channel_id] += future.result()
                        del running[channel_id]
                due = []
                # the channels a thread pushes are not looked at (while the cron's own
                # transaction is open, the rows a backlog sent stay in the indexes: each
                # poll, every 0.1 s, read them all again)
                if time.monotonic() < deadline and not (
                    channel_ids and running.keys() >= set(channel_ids)
                ):
                    due = self._due_ids_fresh(channel_ids, exclude=list(running))
                    due = [cid for cid in due if cid not in running]
                for channel_id in due[: MAX_PARALLEL_CHANNELS - len(running)]:
                    running[channel_id] = pool.submit(
                        self._run_channel_thread, dbname, channel_id, deadline
                    )
                    if listener:  # its end wakes the supervisor at once (wake.py)
                        running[channel_id].add_done_callback(listener.nudge)
                if running:
                    self._wait_busy(listener, running)
                elif not due and not (follow and self._wait_for_due(channels, deadline, listener)):
                    return dict(sent)

    def _wait_for_due(self, channels, deadline, listener=None):
        """Wait until a row is due, if one comes due within the horizon and the run's
        budget, or (a run listening: wake.py) a change is notified within IDLE_SECONDS;
        True when there is something to dispatch again."""
        idle_until = min(time.monotonic() + IDLE_SECONDS, deadline)
        while time.monotonic() < deadline:
            runtime.commit_chunk(self.env)  # a fresh snapshot, no lock held while waiting
            seconds = self._seconds_to_next_due(channels)
            if seconds is not None and seconds <= 0:
                return True
            if seconds is not None and seconds > FOLLOW_HORIZON_SECONDS:
                seconds = None  # nothing to follow: only a change notified wakes the run
            if seconds is not None:
                poll = FOLLOW_POLL_SECONDS if listener is None else seconds
                seconds = min(seconds, poll, max(deadline - time.monotonic(), 0))
            woken = self._idle_wait(listener, seconds, idle_until)
            if woken is None:
                return False
            if woken:
                return True  # a change notified: looked at at once
        return False

    def _run_channel_here(self, channel, commit, deadline=None):
        """Rounds of `channel` while rows are due, within the run's budget, one after the
        other under one hold of its lock and connector (for the marketplaces that
        confirm later, their verdicts read after each round). With `commit` (outside
        tests), an error ends this channel's turn, never the run of the others."""
        deadline = deadline or time.monotonic() + RUN_BUDGET_SECONDS
        Outbox = self.env["stock.channel.outbox"].sudo()
        per_turn = 1 if channel._webhook_connector().confirms_async else None
        total = 0
        while time.monotonic() < deadline:
            try:
                total += self._dispatch_channel(channel, commit, per_turn, deadline)
                if per_turn is None:
                    break  # nothing left due (or no time left): no verdicts to read
                self.env["stock.channel.confirmer"]._confirm_channel(channel, commit)
                if not Outbox._lock_due(channel, 1, commit):
                    break
            except Exception:
                if not commit:
                    raise
                _logger.exception("dispatching channel %s failed", channel.code)
                runtime.roll_back(self.env)
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
                return dispatcher._run_channel_here(channel, partial(runtime.commit, env), deadline)
        except Exception:
            _logger.exception("dispatching channel %s failed", channel_id)
            return 0

    # ------------------------------------------------------------------
    # One channel
    # ------------------------------------------------------------------
    @contextmanager
    def _channel_lock(self, channel, lock_class=CHANNEL_LOCK_CLASS):
        """Hold the channel's dispatch lock (a session advisory lock, kept across the
        round's commits); yields False when another dispatcher holds it. `lock_class`:
        another job of the channel (reading its verdicts) has a lock of its own."""
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [lock_class, channel.id])
        if not cr.fetchone()[0]:
            yield False
            return
        try:
            yield True
        finally:
            unlock = "SELECT pg_advisory_unlock(%s, %s)"
            try:
                cr.execute(unlock, [lock_class, channel.id])
            except PgError:
                if runtime.in_test():
                    raise
                cr.rollback()  # an aborted transaction: the lock is the session's
                cr.execute(unlock, [lock_class, channel.id])

    @api.model
    def _dispatch_channel(self, channel, commit=None, max_rounds=None, deadline=None):
        """Push the due rows of `channel`, round after round (at most `max_rounds`, until
        `deadline`: time.monotonic()); returns the number of rows sent.

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
                while (max_rounds is None or rounds < max_rounds) and (
                    deadline is None or time.monotonic() < deadline
                ):
                    started = time.monotonic()
                    count = self._round(channel, connector, commit)
                    if count is None:
                        break
                    sent += count
                    rounds += 1
                    if count < connector.batch_limit * CANDIDATES_PER_BATCH:  # not full
                        self._pace_round(started, deadline, commit)  # wake.py
        return sent

    def _round(self, channel, connector, commit):
        """One round: None when nothing was due, else the number of rows sent."""
        Outbox = self.env["stock.channel.outbox"]
        rows = Outbox._take_due(channel, connector.batch_limit * CANDIDATES_PER_BATCH, commit)
        if not rows:
            return None
        try:
            with self.env.cr.savepoint():
                jobs = self._plan(channel, connector, rows)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            if not commit:
                raise
            runtime.roll_back(self.env)
            return 0  # another transaction wrote the same quantities: next round
        except Exception:  # a bug must not block the channel: the rows wait their turn
            trace = traceback.format_exc()
            _logger.exception("channel %s: preparing a push failed", channel.code)
            jobs = [self._failed_plan(rows, trace)]
            self._record(channel, connector, jobs, commit)
            return 0
        if commit:
            commit()  # the pushes in doubt and their sequences are kept, whatever happens
        down = None
        for job in jobs:
            if down:  # the channel cannot be reached: the rest of the round waits with it
                job.outcome, job.sent_at = down, None
                continue
            self._push(connector, job)
            down = job.outcome if getattr(job.outcome, "unreachable", False) else None
        return self._record(channel, connector, jobs, commit)

    # ------------------------------------------------------------------
    # Planning (in the transaction that took the rows)
    # ------------------------------------------------------------------
