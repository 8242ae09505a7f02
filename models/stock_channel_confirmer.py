"""Verdicts of the channels that confirm later (bol.com, Mirakl, Amazon): their 2xx only
says "received"; whether the quantities were applied comes later, read here.

A push accepted for processing is logged `sent` with the channel's processing ids; its
outbox rows are gone. The dispatcher reads the verdicts of a channel when they are due
(it is woken for them, and stays while they come due within its horizon, as for
retries); this scheduled action, every minute, is the backstop. At the channel's
allowed rate: a success marks the
quantities published and logs the confirmed latency; a failure sends the item again
(its attempts counting, then a dead letter) with the reason kept; no verdict by the
deadline, or the channel's own TIMEOUT, sends it again with a fresh sequence."""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, models

from ..core.connectors.base import PENDING, TIMEOUT
from ..core.dispatch import read_day, utcnow
from ..core.errors import SyncError
from . import runtime
from .stock_channel_outbox.outbox import clip

_logger = logging.getLogger(__name__)

CONFIRM_LOCK_CLASS = 730_502  # advisory lock (class, channel id) of a channel's reader
LOGS_PER_CHECK = 200
REASON_NO_VERDICT = "no verdict from the channel after {minutes} minutes: sent again"
REASON_CHANNEL_TIMEOUT = "the channel gave up processing it (TIMEOUT): sent again"


class StockChannelConfirmer(models.AbstractModel):
    _name = "stock.channel.confirmer"
    _description = "Channel Push Verdicts"

    # ------------------------------------------------------------------
    # Awaiting (called when the push is recorded)
    # ------------------------------------------------------------------
    @api.model
    def _awaiting_vals(self, channel, tracked):
        """Log values of a push whose items ``tracked`` ({sku: processing id}) wait for
        the channel's verdict; the dispatcher is woken for when it is due."""
        if not tracked:
            return {}
        connector = channel._webhook_connector()
        now = utcnow()
        next_at = now + timedelta(seconds=connector.check_interval)
        self.env["stock.channel"]._wake_dispatcher(at=next_at)
        return {
            "remote_ids": tracked,
            "confirm_next_at": next_at,
            "confirm_deadline": now + timedelta(minutes=channel._confirm_timeout_minutes()),
        }

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------
    @api.model
    def _cron_confirm(self):
        """Scheduled action (the backstop of the dispatcher): every channel with verdicts
        due, each in its own transaction."""
        self = self.sudo()
        commit = runtime.chunk_committer(self.env)
        for channel in self._due_channels():
            try:
                self._confirm_channel(channel, commit)
            except Exception:
                if not commit:
                    raise
                _logger.exception("channel %s: reading verdicts failed", channel.code)
                runtime.roll_back(self.env)

    def _due_channels(self):
        self.env["stock.channel.sync.log"].flush_model()
        self.env.cr.execute(
            "SELECT DISTINCT l.channel_id FROM stock_channel_sync_log l "
            "JOIN stock_channel c ON c.id = l.channel_id "
            "WHERE l.state = 'sent' AND c.active AND c.connector IS NOT NULL "
            "AND l.confirm_next_at <= (clock_timestamp() at time zone 'utc')"
        )
        return self.env["stock.channel"].browse([row[0] for row in self.env.cr.fetchall()])

    # ------------------------------------------------------------------
    # One channel
    # ------------------------------------------------------------------
    def _confirm_channel(self, channel, commit=None):
        """Read the verdicts due on `channel` and apply them; returns the logs read."""
        channel = channel.sudo()
        Log = self.env["stock.channel.sync.log"].sudo()
        if not channel.connector or not channel._webhook_connector().confirms_async:
            return Log
        with self.env["stock.channel.dispatcher"]._channel_lock(
            channel, CONFIRM_LOCK_CLASS
        ) as mine:
            if not mine:
                return Log
            logs = Log.search(
                [
                    ("channel_id", "=", channel.id),
                    ("state", "=", "sent"),
                    ("confirm_next_at", "<=", utcnow()),
                ],
                order="id",
                limit=LOGS_PER_CHECK,
            )
            if not logs:
                return logs
            tracking = defaultdict(list)
            for log in logs:
                for sku, remote_id in (log.remote_ids or {}).items():
                    tracking[remote_id].append(sku)
            if commit:
                commit()  # no lock held while the channel answers
            verdicts, error = {}, None
            try:
                with channel._connector() as connector:
                    verdicts = connector.check_pushes(dict(tracking))
            except SyncError as failure:
                error = failure
                _logger.info("channel %s: reading verdicts failed: %s", channel.code, failure)
            for log in logs:
                self._apply(channel, log, verdicts, error)
            if commit:
                commit()
            return logs

    def _apply(self, channel, log, verdicts, error=None):
        """Apply the verdicts of `log`'s items; those without one wait for the next
        check, or are sent again past the deadline."""
        now = utcnow()
        connector = channel._webhook_connector()
        items = {item["sku"]: item for item in log.items or []}
        waiting, confirmed, failed, resend = {}, {}, {}, {}
        for sku, remote_id in (log.remote_ids or {}).items():
            verdict = verdicts.get(remote_id)
            if verdict is None or verdict.state == PENDING:
                if now >= log.confirm_deadline:
                    minutes = channel._confirm_timeout_minutes()
                    resend[sku] = REASON_NO_VERDICT.format(minutes=minutes)
                else:
                    waiting[sku] = remote_id
            elif verdict.state == TIMEOUT:
                resend[sku] = REASON_CHANNEL_TIMEOUT
            elif sku in verdict.errors([sku]):
                failed[sku] = (verdict.errors([sku])[sku], verdict.body)
            else:
                confirmed[sku] = items.get(sku)
        self._confirmed(channel, confirmed, now)
        if connector.reports_item_issues:
            self._issues(channel, confirmed, verdicts, log.remote_ids or {})
        reasons = {sku: reason for sku, (reason, _body) in failed.items()} | resend
        bodies = {sku: body for sku, (_reason, body) in failed.items()}
        dead = self.env["stock.channel.outbox"]._requeue_after_verdict(
            channel, log, {sku: items.get(sku) for sku in reasons}, reasons, bodies
        )
        self._update_log(log, now, waiting, confirmed, reasons, dead, error, connector)

    def _confirmed(self, channel, confirmed, now):
        """The quantities the channel applied: published, unless a newer push of the
        variant left since (its own verdict will tell)."""
        rows = [item for item in confirmed.values() if item and item.get("product_id")]
        self.env["stock.channel.quantity"]._mark_published(
            channel,
            {item["product_id"]: item["quantity"] for item in rows},
            now,
            sequences={item["product_id"]: item["sequence"] for item in rows},
            dates={item["product_id"]: read_day(item.get("available_at")) for item in rows},
            details={item["product_id"]: item.get("detail") or "" for item in rows},
        )

    def _issues(self, channel, confirmed, verdicts, remote_ids):
        """The item issues the verdicts of the `confirmed` items say (none: resolved), of
        the variants no newer push left since (as _mark_published): a stale verdict
        neither opens nor resolves an alert."""
        rows = [item for item in confirmed.values() if item and item.get("product_id")]
        self.env.cr.execute(  # last_sequence: a column of the push's SQL, no field
            "SELECT product_id, last_sequence FROM stock_channel_quantity"
            " WHERE channel_id = %s AND product_id = ANY(%s)",
            [channel.id, [item["product_id"] for item in rows]],
        )
        last = dict(self.env.cr.fetchall())
        issues = {
            item["product_id"]: verdicts[remote_ids[sku]].issues.get(sku, "")
            for sku, item in confirmed.items()
            if item
            and item.get("product_id")
            and (item.get("sequence") is None or last.get(item["product_id"]) == item["sequence"])
        }
        self.env["stock.channel.alert"]._item_issues(channel, issues)

    def _update_log(self, log, now, waiting, confirmed, reasons, dead, error, connector):
        lines = [log.error] if log.error else []
        lines += [f"{sku}: {reason}" for sku, reason in sorted(reasons.items())]
        vals = {"remote_ids": waiting or False, "error": "\n".join(lines) or False}
        if waiting:
            seconds = connector.check_interval
            if error is not None:
                seconds = max(seconds, error.seconds or 0)
                vals["response_body"] = clip(f"{log.response_body or ''}\n{error}".strip())
            vals["confirm_next_at"] = now + timedelta(seconds=seconds)
        elif confirmed:
            vals.update(state="done", confirmed_at=now)
            if log.event_at:
                vals["confirmed_latency_ms"] = int((now - log.event_at).total_seconds() * 1000)
        else:
            vals["state"] = "dead" if dead and set(dead) >= set(reasons) else "retry"
        log.write(vals)
