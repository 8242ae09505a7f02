"""A reconciliation run: what was read back from a channel, and its totals."""

from odoo import fields, models

from ..core import events
from ..core.dispatch import utcnow

RUN_KINDS = [
    ("full", "Daily Full Run"),
    ("rolling", "Rolling Slice"),
    ("manual", "Reconcile Now"),
    ("recheck", "Re-check After Pushes"),
]
RUN_STATES = [("running", "Running"), ("done", "Done"), ("failed", "Failed")]


class StockChannelReconcile(models.Model):
    """One reconciliation run: what was read back from a channel, and its totals."""

    _name = "stock.channel.reconcile"
    _description = "Channel Reconciliation Run"
    _order = "started_at desc, id desc"
    _rec_name = "started_at"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    kind = fields.Selection(RUN_KINDS, required=True, default="manual")
    state = fields.Selection(RUN_STATES, required=True, default="running", index=True)
    user_id = fields.Many2one("res.users", string="Started By", default=lambda self: self.env.user)
    started_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    finished_at = fields.Datetime()
    duration = fields.Float(string="Duration (s)", digits=(16, 2), aggregator="avg")
    skus_read = fields.Integer(string="SKUs Read")
    in_sync = fields.Integer()
    drifted = fields.Integer(help="SKUs found drifted (a push in flight is not counted).")
    in_flight = fields.Integer(help="SKUs with a push on its way: re-checked once it lands.")
    unbound = fields.Integer(string="Not Mapped")
    unknown_on_channel = fields.Integer(
        string="Unknown on the Channel", help="SKUs the channel lists that no variant maps."
    )
    corrections = fields.Integer(help="Corrections queued (pushes through the outbox).")
    skus_per_second = fields.Float(string="SKUs/s", digits=(16, 1), aggregator="avg")
    error = fields.Text()
    note = fields.Text(help="What the run could not do (it is done all the same).")
    drift_ids = fields.One2many("stock.channel.drift", "run_id", string="Drifts")

    def _close_run(self, totals, started, error=None):
        """Record the totals; `started`: naive UTC with microseconds (the duration). A
        finished run moves the drift rate."""
        finished = utcnow()
        seconds = max((finished - started).total_seconds(), 0.0)
        self.write(
            {
                "state": "failed" if error else "done",
                "error": error or False,
                "finished_at": finished,
                "duration": seconds,
                "skus_per_second": totals.read / seconds if seconds else 0.0,
                "skus_read": totals.read,
                "in_sync": totals.in_sync,
                "drifted": totals.drifted,
                "in_flight": totals.in_flight,
                "unbound": totals.unbound,
                "unknown_on_channel": totals.unknown_on_channel,
            }
        )
        self.env["stock.channel.event"]._announce(events.RECONCILE_FINISHED, self)
