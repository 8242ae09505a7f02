"""Alert figures of the channels, and the thresholds in force: for all the channels of
self at once, in a few grouped queries (see core.alerts)."""

from datetime import timedelta

from odoo import models

from ...core import alerts
from ...core.inbound import EXCEPTION, RECEIVED, RESERVED, WAITING
from ..stock_channel_sync_log import SLA_PUSH

# messages of orders the channel has sent that Odoo holds (no order made yet); one
# answered from a reservation and still confirming waits for its sale order too (stuck
# there when the confirmation crons are inactive or failing)
HELD_STATES = (RECEIVED, EXCEPTION, WAITING, RESERVED)
# the KPIs (not stored) the drift and oversell figures are read from
KPI_FIELDS = [
    "drift_rate_24h",
    "drift_rate_prev_24h",
    "drift_measured",
    "open_drift_count",
    "reconcile_run_count",
    "oversell_rate_7d",
    "oversell_measured",
    "incident_count_7d",
]

# the pending and the dead rows read apart, each from its partial index (the outbox has
# no index on channel_id alone: a Republish all queues 100,000 rows a channel)
QUEUE_QUERY = """
SELECT channel_id,
       min(event_at) FILTER (WHERE state = 'pending'),
       min(next_attempt_at) FILTER (WHERE state = 'pending'),
       count(*) FILTER (WHERE state = 'dead')
  FROM (SELECT channel_id, state, event_at, next_attempt_at FROM stock_channel_outbox
         WHERE state = 'pending' AND channel_id = ANY(%(ids)s)
        UNION ALL
        SELECT channel_id, state, event_at, next_attempt_at FROM stock_channel_outbox
         WHERE state = 'dead' AND channel_id = ANY(%(ids)s)) AS o
 GROUP BY channel_id
"""
# the last push attempt, and the p95 accepted latency of live pushes over the last hour
# (a push is accepted within its timeouts: one sent more than 2 hours ago was not
# accepted in it; replays and corrections are not the SLA, see SLA_PUSH)
PUSH_QUERY = f"""
SELECT c.id,
       (SELECT max(l.sent_at) FROM stock_channel_sync_log l WHERE l.channel_id = c.id),
       (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms)
          FROM stock_channel_sync_log l
         WHERE l.channel_id = c.id AND l.sent_at >= %(sent_since)s
           AND l.acked_at >= %(hour)s AND l.latency_ms IS NOT NULL AND {SLA_PUSH})
  FROM unnest(%(ids)s::int[]) AS c(id)
"""
# the oldest order each channel has not had Odoo's acceptance decision for: an order
# whose status the channel has not accepted yet, or one held before it became an order
ACCEPTANCE_QUERY = """
SELECT channel_id, min(waiting_since), min(waiting_since) FILTER (WHERE confirming) FROM (
    SELECT channel_id, create_date AS waiting_since, false AS confirming FROM sale_order
     WHERE channel_id = ANY(%(ids)s) AND channel_status_pushed IS NULL
       AND state != 'cancel'
    UNION ALL
    SELECT channel_id, create_date, state = %(reserved)s FROM stock_channel_inbound
     WHERE channel_id = ANY(%(ids)s) AND kind = 'order' AND state = ANY(%(held)s)
       AND sale_order_id IS NULL AND authenticated
) AS waiting
 GROUP BY channel_id
"""


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _alert_thresholds(self):
        """{channel_id: {kind: threshold in force}}; 0 (off) for every alert of an
        archived channel or one whose alerts are off."""
        result = {}
        for channel in self:
            watched = channel.active and channel.alert_active
            result[channel.id] = {
                kind: alerts.in_force(
                    channel[threshold.field], channel.company_id[f"channel_{threshold.field}"]
                )
                if watched
                else 0
                for kind, threshold in alerts.THRESHOLDS.items()
            }
        return result

    def _alert_figures(self, now):
        """{channel_id: {kind: figure, None when not measured}}: each figure in one
        grouped query for every channel of self (drift and oversell: their KPIs)."""
        figures = {channel.id: dict.fromkeys(alerts.FIGURE_KINDS) for channel in self}
        self.invalidate_recordset(KPI_FIELDS)  # computed again, not read from the cache
        self.env["stock.channel.outbox"].flush_model()
        self.env["stock.channel.sync.log"].flush_model()
        cr = self.env.cr
        cr.execute(QUEUE_QUERY, {"ids": self.ids})
        queues = {row[0]: row[1:] for row in cr.fetchall()}
        hour, sent_since = now - timedelta(hours=1), now - timedelta(hours=2)
        cr.execute(PUSH_QUERY, {"ids": self.ids, "hour": hour, "sent_since": sent_since})
        pushes = {row[0]: row[1:] for row in cr.fetchall()}
        waiting = self._alert_acceptance_waits()
        for channel in self:
            oldest_pending, oldest_due, dead = queues.get(channel.id, (None, None, 0))
            last_push, p95_ms = pushes.get(channel.id, (None, None))
            oldest, confirming = waiting.get(channel.id, (None, None))
            figures[channel.id].update(
                {
                    alerts.BACKLOG: alerts.backlog_minutes(now, oldest_pending),
                    alerts.DEAD_LETTERS: dead,
                    alerts.STALL: alerts.stall_minutes(now, oldest_due, last_push),
                    alerts.P95: None if p95_ms is None else round(p95_ms / 1000, 2),
                    alerts.DRIFT: round(channel.drift_rate_24h, 2)
                    if channel.drift_measured
                    else None,
                    alerts.OVERSELL: round(channel.oversell_rate_7d, 2)
                    if channel.oversell_measured
                    else None,
                    alerts.ACCEPTANCE: alerts.acceptance_minutes(
                        now, oldest, channel._accepts_orders(), confirming
                    ),
                }
            )
            if channel.unreachable_since:  # its pushes wait for it: its own alert says so
                figures[channel.id].update({alerts.BACKLOG: None, alerts.STALL: None})
        return figures

    def _alert_acceptance_waits(self):
        """{channel_id: (since when its oldest order waits for its acceptance, since
        when its oldest order answered from a reservation waits for its confirmation)}."""
        self.env["sale.order"].flush_model(["channel_id", "channel_status_pushed", "state"])
        self.env["stock.channel.inbound"].flush_model()
        self.env.cr.execute(
            ACCEPTANCE_QUERY, {"ids": self.ids, "held": list(HELD_STATES), "reserved": RESERVED}
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _accepts_orders(self):
        """The channel's connector accepts or refuses each order (Mirakl's OR21)."""
        return bool(self.connector and self._webhook_connector().accepts_orders)
