"""What the dispatcher has to do, and when: the channels with rows or verdicts due, the
seconds to the next one, the scheduled action woken for it."""

from odoo import SUPERUSER_ID, api, models

# a channel that cannot be reached waits for its next try (stock.channel: unreachable_*)
NOT_PAUSED = (
    "(c.unreachable_retry_at IS NULL "
    "OR c.unreachable_retry_at <= (clock_timestamp() at time zone 'utc'))"
)


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    def _due_channels(self, channels=None):
        """Channels with rows due, or verdicts due (marketplaces that confirm later)."""
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        query = (
            "SELECT c.id FROM stock_channel c WHERE c.active AND c.connector IS NOT NULL "
            f"AND {NOT_PAUSED} "
            "AND (EXISTS (SELECT 1 FROM stock_channel_outbox o WHERE o.channel_id = c.id "
            "AND o.state IN ('pending', 'late') "
            "AND o.next_attempt_at <= (clock_timestamp() at time zone 'utc')) "
            "OR EXISTS (SELECT 1 FROM stock_channel_sync_log l WHERE l.channel_id = c.id "
            "AND l.state = 'sent' "
            "AND l.confirm_next_at <= (clock_timestamp() at time zone 'utc')))"
        )
        params = []
        if channels:
            query += " AND c.id = ANY(%s)"
            params.append(channels.ids)
        self.env.cr.execute(query, params)
        return self.env["stock.channel"].sudo().browse([row[0] for row in self.env.cr.fetchall()])

    def _due_ids_fresh(self, channel_ids):
        """Ids of the channels with due rows, read in a transaction of its own (the
        supervisor's snapshot would not see the changes committed since)."""
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            channels = env["stock.channel"].browse(channel_ids) if channel_ids else None
            return env["stock.channel.dispatcher"]._due_channels(channels).ids

    def _seconds_to_next_due(self, channels=None):
        """Seconds to the next row (or verdict) due, None when nothing is pending."""
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        only = " AND c.id = ANY(%(ids)s)" if channels else ""
        self.env.cr.execute(
            f"""
            SELECT extract(epoch FROM min(due) - (clock_timestamp() at time zone 'utc'))
              FROM (SELECT GREATEST(o.next_attempt_at, c.unreachable_retry_at) AS due
                      FROM stock_channel_outbox o
                      JOIN stock_channel c ON c.id = o.channel_id
                     WHERE o.state IN ('pending', 'late') AND c.active
                       AND c.connector IS NOT NULL{only}
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
        self.env.cr.execute(
            "SELECT min(due) FROM (SELECT min(GREATEST(o.next_attempt_at, "
            "c.unreachable_retry_at)) AS due FROM stock_channel_outbox o "
            "JOIN stock_channel c ON c.id = o.channel_id WHERE o.state IN ('pending', 'late') "
            "UNION ALL SELECT min(GREATEST(l.confirm_next_at, c.unreachable_retry_at)) "
            "FROM stock_channel_sync_log l JOIN stock_channel c ON c.id = l.channel_id "
            "WHERE l.state = 'sent') AS dues "
            "WHERE due > (clock_timestamp() at time zone 'utc')"
        )
        when = self.env.cr.fetchone()[0]
        if when:
            self.env["stock.channel"]._wake_dispatcher(at=when)
