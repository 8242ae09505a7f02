"""The outbox model: its rows and constants, taking due rows and letting them go."""

import logging
from collections import namedtuple

from psycopg2.errors import SerializationFailure

from odoo import fields, models
from odoo.tools import mute_logger, sql

from ...core.dispatch import LIVE, PUSH_KINDS
from ...core.sql_arrays import array_text

_logger = logging.getLogger(__name__)

OUTBOX_STATES = [("pending", "Pending"), ("late", "Queued, to Merge"), ("dead", "Failed Update")]
PRIORITY_NORMAL = 0
PRIORITY_HIGH = 10  # inventory adjustments; quantities falling to 0 are sorted first too
BODY_KEPT_CHARS = 2000  # of each response body kept in the log and on dead letters
LOCK_ATTEMPTS = 5
# indexes of earlier versions, dropped at the module's update (see init): every row a
# Republish all queues (100,000 a channel) was written in each of them, and no reader
# needed them (the partial indexes below serve each state's readers)
DROPPED_INDEXES = ("channel_id", "company_id", "state")


# a row taken by a dispatch round, as its SELECT read it (no ORM read of thousands of rows)
TakenRow = namedtuple(
    "TakenRow", "id product_id sale_order_id generation attempts event_at priority force push_kind"
)


def clip(body):
    """What is kept of a channel's response body (False when empty)."""
    return (body or "")[:BODY_KEPT_CHARS] or False


class StockChannelOutbox(models.Model):
    """What must be (re)published: one pending row per (channel, variant), or per
    (channel, order) for status pushes. The queue only: the dispatcher
    (stock.channel.dispatcher) runs it.

    Rows are written in the same transaction as the change that moves a quantity
    (a precommit hook); the quantity itself is computed when the row is sent. Each new
    change of a pending row bumps its `generation`: a push that was in flight meanwhile
    does not delete it.
    """

    _name = "stock.channel.outbox"
    _description = "Channel Stock Outbox"
    _order = "priority desc, event_at, id"
    _rec_name = "product_id"
    # a queue: event_at and dead_at say when; no author nor dates, each row queued (100,000
    # a channel in a Republish all) without the two checks of res_users it made
    _log_access = False

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", ondelete="cascade")
    sale_order_id = fields.Many2one(
        "sale.order", ondelete="cascade", help="Set on rows that push an order's status."
    )
    company_id = fields.Many2one(related="channel_id.company_id", store=True)
    state = fields.Selection(OUTBOX_STATES, required=True, default="pending")
    priority = fields.Integer(default=PRIORITY_NORMAL)
    force = fields.Boolean(help="Push even if the channel already has this quantity.")
    push_kind = fields.Selection(
        PUSH_KINDS,
        string="Kind",
        default=LIVE,
        help="Live (or empty: the rows the queue inserts in SQL): a stock change, its "
        "latency is the one the alerts measure. Replay: a dead letter sent again, its "
        "latency counted from the replay; a change queued meanwhile makes it live.",
    )
    event_at = fields.Datetime(
        required=True, default=fields.Datetime.now, help="The oldest change waiting for this push."
    )
    next_attempt_at = fields.Datetime(required=True, default=fields.Datetime.now)
    attempts = fields.Integer()
    last_error = fields.Text()
    last_request = fields.Text()
    last_response = fields.Text()
    dead_at = fields.Datetime()
    generation = fields.Integer(
        readonly=True,
        default=0,
        help="Bumped by every change queued on this row while it is pending.",
    )

    _pending_uniq = models.UniqueIndex(
        "(channel_id, product_id) WHERE state = 'pending'",
        "One pending push per channel and variant.",
    )
    _pending_order_uniq = models.UniqueIndex(
        "(channel_id, sale_order_id) WHERE state = 'pending' AND sale_order_id IS NOT NULL",
        "One pending status push per channel and order.",
    )
    _product_or_order = models.Constraint(
        "CHECK (product_id IS NOT NULL OR sale_order_id IS NOT NULL)",
        "An outbox row pushes a variant's quantity or an order's status.",
    )
    _due_idx = models.Index("(channel_id, next_attempt_at) WHERE state = 'pending'")
    # the order _lock_due takes the due rows in: a round reads its LIMIT rows from the
    # index instead of sorting every pending row of the channel (a Republish all queues
    # 100,000 of them: each round would sort them all again)
    _take_order_idx = models.Index(
        "(channel_id, priority DESC, event_at, id) WHERE state = 'pending'"
    )
    _late_idx = models.Index("(channel_id) WHERE state = 'late'")
    # the failed updates (their lists and report, per channel, and their retention): a
    # few rows, never written by the pending rows a backlog queues
    _dead_idx = models.Index("(channel_id, dead_at) WHERE state = 'dead'")
    # a variant's rows on the channels (the Products x Channels grid's cells and filters)
    _grid_product_idx = models.Index("(product_id, channel_id) WHERE product_id IS NOT NULL")

    def init(self):
        for column in DROPPED_INDEXES:
            sql.drop_index(self.env.cr, sql.make_index_name(self._table, column), self._table)
        # the author and dates of earlier versions (_log_access): a failed update's date
        # kept in dead_at, then dropped
        cr = self.env.cr
        if sql.column_exists(cr, self._table, "write_date"):
            cr.execute(
                "UPDATE stock_channel_outbox SET dead_at = write_date "
                "WHERE state = 'dead' AND dead_at IS NULL"
            )
        cr.execute(
            "ALTER TABLE stock_channel_outbox DROP COLUMN IF EXISTS create_uid CASCADE, "
            "DROP COLUMN IF EXISTS create_date CASCADE, DROP COLUMN IF EXISTS write_uid CASCADE, "
            "DROP COLUMN IF EXISTS write_date CASCADE"
        )

    # ------------------------------------------------------------------
    # Taking rows, letting them go
    # ------------------------------------------------------------------
    def _lock_due(self, channel, limit, commit=None):
        """Lock up to `limit` due rows of `channel`, skipping those another dispatcher
        holds; returns them (records, see _take_due)."""
        return self.browse([row.id for row in self._take_due(channel, limit, commit)])

    def _take_due(self, channel, limit, commit=None):
        """Lock up to `limit` due rows of `channel`, skipping those another dispatcher
        holds: [TakenRow], in the order they are taken.

        Odoo's transactions are REPEATABLE READ: a row another dispatcher sent (deleted)
        after this transaction's snapshot makes the lock fail with a serialization error.
        With `commit` (nothing is pending between rounds) a new transaction, hence a new
        snapshot, tries again; without it the other dispatcher is left the rows. The late
        rows of the channel are merged first (see _insert_rows). A channel that cannot
        be reached has nothing due before its next try.
        """
        self.flush_model()
        self.env["stock.channel"].flush_model(["unreachable_retry_at"])
        for _attempt in range(LOCK_ATTEMPTS):
            try:
                with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                    self._merge_late(channel)
                    if self._paused(channel):
                        return []
                    # in the order of _take_order_idx: LIMIT rows read, none sorted
                    self.env.cr.execute(
                        f"""
                        SELECT {", ".join(TakenRow._fields)} FROM stock_channel_outbox
                         WHERE channel_id = %s AND state = 'pending'
                           AND next_attempt_at <= (clock_timestamp() at time zone 'utc')
                         ORDER BY priority DESC, event_at, id
                         LIMIT %s
                           FOR UPDATE SKIP LOCKED
                        """,
                        [channel.id, limit],
                    )
                    return [TakenRow(*row) for row in self.env.cr.fetchall()]
            except SerializationFailure:
                if not commit:
                    break
                commit()
        return []

    def _paused(self, channel):
        """Whether `channel` cannot be reached until its next try (nothing of it is due)."""
        self.env.cr.execute(
            "SELECT 1 FROM stock_channel WHERE id = %s "
            "AND unreachable_retry_at > (clock_timestamp() at time zone 'utc')",
            [channel.id],
        )
        return bool(self.env.cr.fetchone())

    def _delete_sent(self, generations=None):
        """Rows done with (sent, or nothing to send): one DELETE, no per-row log line.
        Returns how many of them were still there (deleted or kept).

        With `generations` ({row id: generation when it was taken}), a row changed since
        it was taken stays: a newer change of it waits for its own push (its attempts
        start again, the push that just ended having reached the channel).
        """
        if not self:
            return 0
        self.flush_recordset()
        cr = self.env.cr
        if generations is None:
            cr.execute("DELETE FROM stock_channel_outbox WHERE id = ANY(%s)", [self.ids])
            self.invalidate_recordset()
            return cr.rowcount
        ids = [row_id for row_id in self.ids if row_id in generations]
        cr.execute(
            """
            DELETE FROM stock_channel_outbox o
             USING unnest(%s::int[], %s::int[]) AS v(id, generation)
             WHERE o.id = v.id AND o.generation = v.generation
            RETURNING o.id
            """,
            [array_text(ids), array_text([generations[row_id] for row_id in ids])],
        )
        deleted = {row_id for (row_id,) in cr.fetchall()}
        kept = [row_id for row_id in ids if row_id not in deleted]
        if kept:  # changed since taken (none, mostly: no second pass over the rows)
            cr.execute(
                "UPDATE stock_channel_outbox SET attempts = 0, last_error = NULL "
                "WHERE id = ANY(%s)",
                [kept],
            )
        self.invalidate_recordset()
        return len(deleted) + (cr.rowcount if kept else 0)

    def _same_subject(self):
        """Domain of the rows pushing the same thing (variant quantity or order status)."""
        self.ensure_one()
        return [
            ("channel_id", "=", self.channel_id.id),
            ("product_id", "=", self.product_id.id),
            ("sale_order_id", "=", self.sale_order_id.id),
        ]
