"""Waking the dispatcher: the scheduled action triggered, and a run already under way
told at once (PostgreSQL LISTEN/NOTIFY), so that it takes the change itself.

Odoo's cron worker takes a while to start a run: it sleeps up to 100 ms after each
wake-up (its pid's share of a "chorus" delay), lists the databases and takes the job,
at a lower priority (nice 10) than the HTTP workers. A run of the dispatch cron
therefore stays IDLE_SECONDS after its last due row (within its budget), listening:
each change notifies it in the same transaction (delivered at the commit, never for a
change rolled back), and the change's push leaves without waiting for a cron worker.
The trigger stays: a change committed while no run listens starts one.
"""

import select
import time
from contextlib import contextmanager

from odoo import fields, models, sql_db

from .. import runtime

WAKE_CHANNEL = "stock_channel_dispatch"
DISPATCH_CRON = "stock_channel_sync.ir_cron_dispatch"
LISTEN = "LISTEN stock_channel_dispatch"  # WAKE_CHANNEL


class WakeListener:
    """A connection of its own LISTENing to WAKE_CHANNEL; `wait(seconds)` is True when
    a change was notified (since the last wait) before the seconds ran out."""

    def __init__(self, dbname):
        self.cr = sql_db.db_connect(dbname).cursor()
        try:
            self.cr.execute(LISTEN)
            self.cr.commit()  # pylint: disable=invalid-commit  # LISTEN takes effect at commit
        except Exception:
            self.cr.close()  # the connection back to Odoo's pool
            raise
        self.cnx = self.cr._cnx

    def wait(self, seconds):
        if not self.cnx.notifies and seconds > 0:
            select.select([self.cnx], [], [], seconds)
        self.cnx.poll()
        notified = bool(self.cnx.notifies)
        self.cnx.notifies.clear()
        return notified

    def close(self):
        try:
            self.cr.execute("UNLISTEN *")  # the connection goes back to Odoo's pool
            self.cr.commit()  # pylint: disable=invalid-commit  # a connection of its own
        finally:
            self.cr.close()


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    def _wake(self, at=None):
        """Trigger the dispatch cron now, or at `at`; a change due now is notified to the
        run listening too, at the commit.

        A trigger due now that no run has taken yet already wakes a run (a run clears
        the triggers due when it starts): no other is made. Odoo tells the cron workers
        of each trigger due now on a new connection to the `postgres` database; a burst
        of changes (an order a request) wakes them once per run, not once per change."""
        cron = self.env.ref(DISPATCH_CRON).sudo()
        now = fields.Datetime.now()
        if at is not None and at > now:
            cron._trigger(at=at)
            return
        self.env.cr.execute(
            "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= %s LIMIT 1",
            [cron.id, now],
        )
        if not self.env.cr.fetchone():
            cron._trigger()
        self.env.cr.execute("SELECT pg_notify(%s, %s)", [WAKE_CHANNEL, self.env.cr.dbname])

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
        IDLE_SECONDS after its last due row when it listens; False: the run ends."""
        now = time.monotonic()
        if seconds is None:
            if not listener or now >= idle_until:
                return False
            seconds = idle_until - now
        if listener:
            listener.wait(seconds)
        else:
            time.sleep(seconds)
        return True
