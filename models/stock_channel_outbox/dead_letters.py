"""Dead letters: made, replayed, purged; items a channel's later verdict failed, sent again."""

import logging
from datetime import timedelta

from odoo import api, fields, models

from ...core import backoff, events
from ...core.dispatch import LIVE, REPLAY, utcnow
from ..access import check_manager_of
from ..retention import purge
from .outbox import clip

_logger = logging.getLogger(__name__)

DEAD_RETENTION_PARAM = "stock_channel_sync.dead_letter_retention_days"
DEFAULT_DEAD_RETENTION_DAYS = 90


class StockChannelOutbox(models.Model):
    _inherit = "stock.channel.outbox"

    # ------------------------------------------------------------------
    # Dead letters
    # ------------------------------------------------------------------
    def action_replay(self):
        """Send again: the current quantity, not the old payload; a replay, timed from
        now (not from the change that failed)."""
        check_manager_of(self)
        self = self.sudo()
        dead = self.filtered(lambda row: row.state == "dead")
        channel_ids = set(dead.channel_id.ids)
        for row in dead:
            pending = self.search([*row._same_subject(), ("state", "=", "pending")], limit=1)
            if pending:
                pending.write({"force": True, "next_attempt_at": fields.Datetime.now()})
                row.unlink()
            else:
                row.write(
                    {
                        "state": "pending",
                        "force": True,
                        "attempts": 0,
                        "event_at": fields.Datetime.now(),
                        "next_attempt_at": fields.Datetime.now(),
                        "dead_at": False,
                        "push_kind": REPLAY,
                    }
                )
        if dead:
            self.env["stock.channel.event"]._announce(events.PUSHES_QUEUED, channel_ids)
        return True

    @api.model
    def action_replay_all(self, channel_ids=None):
        check_manager_of(self.env["stock.channel"].browse(channel_ids or []))
        domain = [("state", "=", "dead")]
        if channel_ids:
            domain.append(("channel_id", "in", channel_ids))
        return self.search(domain).action_replay()

    def _to_dead_letter(self, reason, request=None, response=None, attempts=None):
        vals = {
            "state": "dead",
            "last_error": reason,
            "last_request": request or False,
            "last_response": clip(response),
            # to the microsecond: a read-back weighs it against the last accepted push
            "dead_at": utcnow(),
        }
        if attempts is not None:
            vals["attempts"] = attempts
        # one dead letter per (channel, variant): the newest replaces the older ones
        for row in self:
            self.search(
                [*row._same_subject(), ("state", "=", "dead"), ("id", "!=", row.id)]
            ).unlink()
        self.write(vals)
        _logger.info("channel push dead-lettered: %s", reason)
        self.env["stock.channel.event"]._announce(events.DEAD_LETTER, self)

    @api.autovacuum
    def _gc_dead_letters(self):
        """Dead letters nobody replayed go after their retention (a replay sends the
        current quantity anyway), in batches."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(DEAD_RETENTION_PARAM, DEFAULT_DEAD_RETENTION_DAYS)
        )
        self.flush_model()
        deleted = purge(self.env.cr, self._table, "dead_at", days, "state = 'dead'")
        self.invalidate_model()
        return deleted

    @api.model
    def _requeue_after_verdict(self, channel, log, items, reasons, bodies):
        """Items of `log` that failed after the channel accepted them ({sku: log item},
        {sku: why}): sent again (forced, their attempts counting from the push's), or
        dead letters once the attempts are spent. Returns the SKUs dead-lettered."""
        product_ids = [item["product_id"] for item in items.values() if item]
        pending = self._pending_by_product(channel, product_ids)
        dead, wake_at = [], None
        for sku, item in items.items():
            if not item or not item.get("product_id"):
                continue
            verdict = _verdict_retry(channel, log)
            row = pending.get(item["product_id"])
            if row:  # a newer change waits: it goes out anyway, its attempts carry on
                row._carry_attempts(verdict, reasons[sku])
                continue
            next_at = utcnow() + timedelta(seconds=verdict.delay)
            row = self._requeue_item(channel, log, item, verdict, next_at, reasons[sku])
            if verdict.dead:
                row._to_dead_letter(
                    reasons[sku], log.request_body, bodies.get(sku), attempts=verdict.attempts
                )
                dead.append(sku)
            else:
                wake_at = min(wake_at or next_at, next_at)
        if wake_at:
            self.env["stock.channel.event"]._announce(
                events.PUSHES_QUEUED, set(channel.ids), at=wake_at
            )
        return dead

    def _pending_by_product(self, channel, product_ids):
        """{product_id: its pending row on `channel`} for `product_ids`."""
        rows = self.search(
            [
                ("channel_id", "=", channel.id),
                ("state", "=", "pending"),
                ("product_id", "in", product_ids),
            ]
        )
        return {row.product_id.id: row for row in rows}

    def _carry_attempts(self, verdict, reason):
        """A pending row takes the attempts of the failed push it replaces (forced)."""
        self.write(
            {
                "attempts": max(self.attempts, verdict.attempts),
                "force": True,
                "last_error": reason,
            }
        )

    @api.model
    def _requeue_item(self, channel, log, item, verdict, next_at, reason):
        """A new row for the failed `item` of `log`, due at `next_at` (forced)."""
        return self.create(
            {
                "channel_id": channel.id,
                "product_id": item["product_id"],
                "force": True,
                "event_at": log.event_at or utcnow(),
                "next_attempt_at": next_at,
                "attempts": verdict.attempts,
                "last_error": reason,
                "push_kind": log.push_kind if log.push_kind == REPLAY else LIVE,
            }
        )


def _verdict_retry(channel, log):
    """Retry or dead letter, for an item that failed after the channel accepted `log`:
    its attempts count from the push's (the channel's retry settings)."""
    return backoff.after_failure(
        (log.attempt or 1) - 1,
        retryable=True,
        max_attempts=channel.retry_max_attempts,
        base=channel.retry_base_seconds,
        cap=channel.retry_cap_seconds,
    )
