"""What the dispatcher has to do, and when: the channels with rows or verdicts due, the
seconds to the next one, the scheduled action woken for it."""

from odoo import SUPERUSER_ID, api, models

# a channel that cannot be reached waits for its next try (stock.channel: unreachable_*)
NOT_PAUSED = (
    "(c.unreachable_retry_at IS NULL "
    "OR c.unreachable_retry_at <= (clock_timestamp() at time zone 'utc'))"
)
NOW = "(clock_timestamp() at time zone 'utc')"
# per channel, when its next row comes due (none: NULL), read from the partial indexes of
# the pending and the late rows (an aggregate over the rows would read a whole backlog)
NEXT_ROW = """
    LEAST((SELECT min(o.next_attempt_at) FROM stock_channel_outbox o
            WHERE o.channel_id = c.id AND o.state = 'pending'),
          (SELECT min(o.next_attempt_at) FROM stock_channel_outbox o
            WHERE o.channel_id = c.id AND o.state = 'late'))
"""
# the next retry or verdict due, when it is in the future (the scheduled action's wake-up)
NEXT_WAKE_QUERY = f"""
SELECT min(due) FROM (
    SELECT min(GREATEST(o.due, c.unreachable_retry_at)) AS due
      FROM stock_channel c, LATERAL (SELECT {NEXT_ROW} AS due) o
     WHERE o.due IS NOT NULL
    UNION ALL
    SELECT min(GREATEST(l.confirm_next_at, c.unreachable_retry_at))
      FROM stock_channel_sync_log l JOIN stock_channel c ON c.id = l.channel_id
     WHERE l.state = 'sent') AS dues
 WHERE due > {NOW}
"""


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    def _due_channels(self, channels=None, exclude=()):
        """Channels with rows due, or verdicts due (marketplaces that confirm later);
        `exclude`: ids of channels not to look at (those a run is pushing already)."""
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        # each state's rows read from its own partial index (outbox.py): the first due
        # row of a channel is its least next_attempt_at (an EXISTS of a due row, its
        # time a volatile clock, was planned as a scan of the whole outbox per channel:
        # 100 ms for a Republish all's 500,000 rows, at every poll of the supervisor)
        query = (
            "SELECT c.id FROM stock_channel c WHERE c.active AND c.connector IS NOT NULL "
            f"AND {NOT_PAUSED} AND NOT (c.id = ANY(%s)) "
            "AND ((SELECT min(o.next_attempt_at) FROM stock_channel_outbox o "
            f"WHERE o.channel_id = c.id AND o.state = 'pending') <= {NOW} "
            "OR (SELECT min(o.next_attempt_at) FROM stock_channel_outbox o "
            f"WHERE o.channel_id = c.id AND o.state = 'late') <= {NOW} "
            "OR EXISTS (SELECT 1 FROM stock_channel_sync_log l WHERE l.channel_id = c.id "
            f"AND l.state = 'sent' AND l.confirm_next_at <= {NOW}))"
        )
        params = [list(exclude)]
        if channels:
            query += " AND c.id = ANY(%s)"
            params.append(channels.ids)
        self.env.cr.execute(query, params)
        return self.env["stock.channel"].sudo().browse([row[0] for row in self.env.cr.fetchall()])

    def _due_ids_fresh(self, channel_ids, exclude=()):
        """Ids of the channels with due rows (but those of `exclude`), read in a
        transaction of its own (the supervisor's snapshot would not see the changes
        committed since)."""
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            channels = env["stock.channel"].browse(channel_ids) if channel_ids else None
            return env["stock.channel.dispatcher"]._due_channels(channels, exclude).ids

    def _seconds_to_next_due(self, channels=None):
        """Seconds to the next row (or verdict) due, None when nothing is pending."""
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        only = " AND c.id = ANY(%(ids)s)" if channels else ""
        self.env.cr.execute(
            f"""
            SELECT extract(epoch FROM min(due) - (clock_timestamp() at time zone 'utc'))
              FROM (SELECT GREATEST(o.due, c.unreachable_retry_at) AS due
                      FROM stock_channel c, LATERAL (SELECT {NEXT_ROW} AS due) o
                     WHERE o.due IS NOT NULL AND c.active AND c.connector IS NOT NULL{only}
                    UNION ALL
                    SELECT GREATEST(l.confirm_next_at, c.unreachable_retry_at)
                      FROM stock_channel_sync_log l
                      JOIN stock_channel c ON c.id = l.channel_id
                     WHERE l.state = 'sent' AND c.active AND c.connector IS NOT NULL{only}
                   ) AS dues
            """,
            {"ids": channels.ids if channels else []},
        )
        seconds = self.env.cr.fetchone()[0]
        return None if seconds is None else float(seconds)

    def _schedule_next_retry(self):
        """Wake the scheduled action for the next retry, or verdict, due."""
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        self.env.cr.execute(NEXT_WAKE_QUERY)
        when = self.env.cr.fetchone()[0]
        if when:
            self.env["stock.channel"]._wake_dispatcher(at=when)
