"""The facts of a channel order's flow that Odoo does not keep by itself: when it was first
held for a person, who first edited it, when the channel first accepted its tracking;
and the grouped query the channels' order-flow KPIs come from."""

from datetime import timedelta

from odoo import fields, models

from ...core import kpis as kpi_core

# written by the intake, the dispatcher and Odoo's own bookkeeping, never a person's edit
BOOKKEEPING_PREFIXES = ("channel_", "message_", "activity_")
BOOKKEEPING_FIELDS = frozenset({"locked", "access_token"})
TRACKING_FRESH = timedelta(hours=1)

# Per channel, over the window: orders whose first delivery to the customer was validated
# (sale_stock's effective_date) in it: touchless (never held nor edited by a person
# before that delivery), seconds from the import, tracking decided / accepted within
# the hour; orders whose handling time verdict fell in it (shipped in time, or the time
# ran out): decided / kept.
ORDER_FLOW_QUERY = """
WITH flow AS (
    SELECT so.channel_id,
           so.effective_date AS shipped_at,
           so.effective_date >= %(since)s AS shipped_in_window,
           extract(epoch FROM so.effective_date - so.create_date)::float AS ship_seconds,
           coalesce(so.channel_held_at, 'infinity') > so.effective_date
               AND coalesce(so.channel_edited_at, 'infinity') > so.effective_date AS touchless,
           so.channel_tracking_pushed_at IS NOT NULL
               OR so.effective_date <= %(now)s - %(fresh)s AS tracking_decided,
           so.channel_tracking_pushed_at <= so.effective_date + %(fresh)s AS tracking_fresh,
           CASE WHEN c.handling_hours > 0 AND so.state != 'cancel'
                THEN so.create_date + make_interval(hours => c.handling_hours) END AS due_at
      FROM sale_order so
      JOIN stock_channel c ON c.id = so.channel_id
     WHERE so.channel_id = ANY(%(ids)s)
       AND (so.effective_date >= %(since)s OR so.create_date >= %(due_since)s)
)
SELECT channel_id,
       count(*) FILTER (WHERE shipped_in_window),
       count(*) FILTER (WHERE shipped_in_window AND touchless),
       array_agg(ship_seconds) FILTER (WHERE shipped_in_window),
       count(*) FILTER (WHERE shipped_in_window AND tracking_decided),
       count(*) FILTER (WHERE shipped_in_window AND tracking_decided AND tracking_fresh),
       count(*) FILTER (WHERE least(shipped_at, due_at) BETWEEN %(since)s AND %(now)s
                          AND due_at IS NOT NULL),
       count(*) FILTER (WHERE least(shipped_at, due_at) BETWEEN %(since)s AND %(now)s
                          AND shipped_at <= due_at)
  FROM flow
 GROUP BY channel_id
"""


def _person(env):
    """The user when a person acts; None for the intake and the crons (superuser mode),
    the public and portal users."""
    if env.su or not env.user._is_internal():
        return None
    return env.user


def _edits(vals):
    """A write of these values changes what the order says (not only bookkeeping)."""
    return any(
        not name.startswith(BOOKKEEPING_PREFIXES) and name not in BOOKKEEPING_FIELDS
        for name in vals
    )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_held_at = fields.Datetime(
        string="First Held",
        readonly=True,
        copy=False,
        help="When the channel order (or its message) was first held for a person: to "
        "check or to complete.",
    )
    channel_edited_by_id = fields.Many2one(
        "res.users",
        string="Edited By",
        readonly=True,
        copy=False,
        help="The first person who changed the channel order or its lines after its import.",
    )
    channel_edited_at = fields.Datetime(string="First Edited", readonly=True, copy=False)
    channel_tracking_pushed_at = fields.Datetime(
        string="Tracking Accepted",
        readonly=True,
        copy=False,
        help="When the channel first accepted a status of this order carrying a tracking number.",
    )

    _channel_shipped_idx = models.Index("(channel_id, effective_date) WHERE channel_id IS NOT NULL")
    _channel_imported_idx = models.Index("(channel_id, create_date) WHERE channel_id IS NOT NULL")

    def _channel_edited(self, person):
        """Record that `person` edited these orders (the channel orders not edited yet)."""
        orders = self.sudo().filtered(lambda o: o.channel_id and not o.channel_edited_at)
        if orders:
            orders.write(
                {"channel_edited_by_id": person.id, "channel_edited_at": fields.Datetime.now()}
            )

    def _channel_order_flow_counts(self, channels, days=7):
        """{channel_id: core.kpis.OrderFlowCounts} of `channels` over the last `days`, in
        one grouped query."""
        if not channels.ids:
            return {}
        self.flush_model()
        channels.flush_model(["handling_hours"])
        now = fields.Datetime.now()
        since = now - timedelta(days=days)
        longest = max(channels.sudo().mapped("handling_hours"), default=0)
        self.env.cr.execute(
            ORDER_FLOW_QUERY,
            {
                "ids": channels.ids,
                "now": now,
                "since": since,
                "due_since": since - timedelta(hours=longest),
                "fresh": TRACKING_FRESH,
            },
        )
        return {
            channel_id: kpi_core.OrderFlowCounts(*counts[:2], tuple(counts[2] or ()), *counts[3:])
            for channel_id, *counts in self.env.cr.fetchall()
        }
