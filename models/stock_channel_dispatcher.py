import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from odoo import SUPERUSER_ID, api, models

_logger = logging.getLogger(__name__)

MAX_PARALLEL_CHANNELS = 4
RUN_BUDGET_SECONDS = 50  # leave the cron thread before its time limit; the rest waits a trigger


class StockChannelDispatcher(models.AbstractModel):
    """Runs the outbox: each channel in its own transaction (and thread, when several
    have work), so that one slow or failing channel never delays the others."""

    _name = "stock.channel.dispatcher"
    _description = "Channel Stock Dispatcher"

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

    def _run(self, channels=None, parallel=None):
        """Dispatch every channel with due rows; returns {channel_id: rows sent}.

        parallel (default: outside tests): one thread and transaction per channel, each
        committing after every batch; otherwise in the current transaction (tests).
        """
        due = self._due_channels(channels)
        testing = getattr(threading.current_thread(), "testing", False)
        if parallel is None:
            parallel = not testing
        sent = {}
        if len(due) <= 1 or not parallel:
            commit = None if testing else (lambda: self.env["ir.cron"]._commit_progress())
            for channel in due:
                sent[channel.id] = self._run_channel_here(channel, commit)
        else:
            if self.env.context.get("ir_cron_progress_id"):
                self.env["ir.cron"]._commit_progress()
            with ThreadPoolExecutor(max_workers=min(len(due), MAX_PARALLEL_CHANNELS)) as pool:
                futures = {
                    channel.id: pool.submit(
                        self._run_channel_thread, self.env.cr.dbname, channel.id
                    )
                    for channel in due
                }
                sent = {channel_id: future.result() for channel_id, future in futures.items()}
        self._schedule_next_retry()
        return sent

    def _run_channel_here(self, channel, commit):
        deadline = time.monotonic() + RUN_BUDGET_SECONDS
        Outbox = self.env["stock.channel.outbox"].sudo()
        total = 0
        while time.monotonic() < deadline:
            sent = Outbox._dispatch_channel(channel, commit=commit, max_rounds=1)
            total += sent
            if not Outbox._lock_due(channel, 1, commit):
                break
        return total

    def _run_channel_thread(self, dbname, channel_id):
        threading.current_thread().dbname = dbname
        registry = self.env.registry
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                channel = env["stock.channel"].browse(channel_id)
                return env["stock.channel.dispatcher"]._run_channel_here(channel, cr.commit)
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
