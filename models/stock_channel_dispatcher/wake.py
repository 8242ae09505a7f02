"""Waking the dispatcher: the scheduled action triggered, and a run already under way
told at once (PostgreSQL LISTEN/NOTIFY), so that it takes the change itself.

Odoo's cron worker takes a while to start a run: it sleeps up to 100 ms after each
wake-up (its pid's share of a "chorus" delay), lists the databases and takes the job,
at a lower priority (nice 10) than the HTTP workers. A run of the dispatch cron
therefore stays IDLE_SECONDS after its last due row (within its budget), listening:
each change notifies it in the same transaction (delivered at the commit, never for a
change rolled back), and the change's push leaves without waiting for a cron worker.
The trigger stays: a change committed while no run listens starts one.

While channels' threads push, the run waits for the first of: a thread ending, a change
notified for a channel that has no thread (the notification names the channels of the
rows queued), or FOLLOW_POLL_SECONDS (a retry coming due): a change for an idle channel
leaves at once, not at the next poll.
"""

import os
import select
import time
from concurrent.futures import FIRST_COMPLETED, wait
from contextlib import contextmanager, suppress

from odoo import fields, models, sql_db

from ...core import intake as intake_core
from ...core.dispatch import payload_channels, wake_payload
from .. import runtime
from . import dispatcher

WAKE_CHANNEL = "stock_channel_dispatch"
# a run only listening (no retry pending) looks this often whether another scheduled
# action waits for its cron worker
YIELD_POLL_SECONDS = 0.5
DISPATCH_CRON = "stock_channel_sync.ir_cron_dispatch"
LISTEN = "LISTEN stock_channel_dispatch"  # WAKE_CHANNEL


def untaken_trigger(cr, cron_ids, now):
    """Whether one of `cron_ids` has a trigger due by `now` that no run is taking (a
    run deletes the triggers due when it starts, committed when it ends: until then the
    rows are visible, their xmax set by the run's transaction)."""
    cr.execute(
        """SELECT 1 FROM ir_cron_trigger
            WHERE cron_id = ANY(%s) AND call_at <= %s AND xmax::text = '0' LIMIT 1""",
        [list(cron_ids), now],
    )
    return bool(cr.fetchone())


class WakeListener:
    """A connection of its own LISTENing to WAKE_CHANNEL; `wait(seconds)` returns the
    channels notified (since the last wait) before the seconds ran out, or a `nudge()`
    (from any thread) came."""

    def __init__(self, dbname):
        self.cr = sql_db.db_connect(dbname).cursor()
        try:
            self.cr.execute(LISTEN)
            self.cr.commit()  # pylint: disable=invalid-commit  # LISTEN takes effect at commit
        except Exception:
            self.cr.close()  # the connection back to Odoo's pool
            raise
        self.cnx = self.cr._cnx
        self.nudges, self._nudger = os.pipe()
        os.set_blocking(self.nudges, False)
        os.set_blocking(self._nudger, False)

    def nudge(self, *_args):
        """End a wait at once (a done callback of a channel's thread)."""
        with suppress(BlockingIOError):  # a nudge is waiting to be read already
            os.write(self._nudger, b".")

    def wait(self, seconds):
        """The set of channel ids notified (empty: none) within `seconds`, or by a nudge."""
        if not self.cnx.notifies and seconds > 0:
            select.select([self.cnx, self.nudges], [], [], seconds)
        with suppress(BlockingIOError):  # not nudged
            os.read(self.nudges, 4096)
        self.cnx.poll()
        notified = set()
        for notify in self.cnx.notifies:
            notified |= payload_channels(notify.payload)
        self.cnx.notifies.clear()
        return notified

    def close(self):
        try:
            self.cr.execute("UNLISTEN *")  # the connection goes back to Odoo's pool
            self.cr.commit()  # pylint: disable=invalid-commit  # a connection of its own
        finally:
            self.cr.close()
            os.close(self.nudges)
            os.close(self._nudger)


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    def _wake(self, at=None, channel_ids=None):
        """Trigger the dispatch cron now, or at `at`; a change due now is notified to the
        run listening too, at the commit, naming `channel_ids` (the channels of the rows
        queued; None: any channel).

        A trigger due now that no run has taken yet already wakes a run: no other is
        made. Odoo tells the cron workers of each trigger due now on a new connection to
        the `postgres` database; a burst of changes (an order a request) wakes them once
        per run, not once per change. A run deletes the triggers due when it starts, in
        a transaction committed when it ends: a trigger being deleted (xmax set) is one a
        run has taken, and a change made meanwhile triggers the next run."""
        now = fields.Datetime.now()
        if at is not None and at > now:
            self.env.ref(DISPATCH_CRON).sudo()._trigger(at=at)
            return
        # its id as env.ref finds it (cached): the record read only to trigger it
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(DISPATCH_CRON)
        if not untaken_trigger(self.env.cr, [cron_id], now):
            self.env.ref(DISPATCH_CRON).sudo()._trigger()
        payload = wake_payload(channel_ids)
        self.env.cr.execute("SELECT pg_notify(%s, %s)", [WAKE_CHANNEL, payload])

    def _pace_round(self, started, deadline, commit):
        """During a burst of orders (stock.channel.inbound._orders_burst), the channel's
        next round begins BURST_PUSH_SECONDS after this one began: one push carries
        every change since, rather than a round for every few changes, and the answers
        keep the cores. A round of a run that commits (the cron's) only: a test's
        transaction is never left waiting. Not after a full round (the caller's): a
        backlog goes out at full speed."""
        if not commit or not self.env["stock.channel.inbound"]._orders_burst():
            return
        commit()  # no snapshot kept while waiting
        pause = intake_core.round_pause(
            started, time.monotonic(), intake_core.BURST_PUSH_SECONDS, deadline
        )
        time.sleep(pause)  # 0: the round outlasted the pace

    @contextmanager
    def _wake_listener(self, follow):
        """A WakeListener for a run that follows (outside tests), else None."""
        if not follow or runtime.in_test():
            yield None
            return
        listener = WakeListener(self.env.cr.dbname)
        try:
            yield listener
        finally:
            listener.close()

    def _idle_wait(self, listener, seconds, idle_until):
        """Wait `seconds` (None: nothing pending) for a change, the run staying
        IDLE_SECONDS after its last due row when it listens; returns the channels
        notified meanwhile (an empty set: none), None when the run ends."""
        now = time.monotonic()
        idle = seconds is None  # nothing pending: only listening
        if idle:
            if not listener or now >= idle_until:
                return None
            seconds = idle_until - now
        if listener:
            if idle and self._worker_wanted():
                return None
            return listener.wait(min(seconds, YIELD_POLL_SECONDS) if idle else seconds)
        time.sleep(seconds)
        return set()

    def _worker_wanted(self):
        """Whether another scheduled action's trigger is due and no run has taken it: a
        run that only listens (no retry pending within its horizon: a future trigger
        would wake no worker before its next minute) gives its cron worker back. With
        Odoo's 2 cron workers, the dispatcher idling 5 s after a burst held one while
        the confirmation's backlog waited for it (docs/benchmarks.md); the next change
        starts a run again. A trigger of a job running (made again meanwhile) counts
        too: the run then ends for nothing but a new run at the next change."""
        dispatch_id = self.env["ir.model.data"]._xmlid_to_res_id(DISPATCH_CRON)
        self.env.cr.execute(
            """SELECT 1 FROM ir_cron_trigger t JOIN ir_cron c ON c.id = t.cron_id
                WHERE t.cron_id != %s AND c.active AND t.call_at <= %s
                  AND t.xmax::text = '0' LIMIT 1""",
            [dispatch_id, fields.Datetime.now()],
        )
        return bool(self.env.cr.fetchone())

    def _wait_busy(self, listener, running):
        """While channels' threads run ({channel_id: future}): wait until one ends, or
        (listening) a change is notified for a channel without a thread, at most
        FOLLOW_POLL_SECONDS (a retry of another channel coming due)."""
        poll = dispatcher.FOLLOW_POLL_SECONDS
        if listener is None:
            wait(running.values(), timeout=poll, return_when=FIRST_COMPLETED)
            return
        until = time.monotonic() + poll
        while (seconds := until - time.monotonic()) > 0:
            notified = listener.wait(seconds)
            if notified - running.keys() or any(f.done() for f in running.values()):
                return
