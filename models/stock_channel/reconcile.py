"""Reconciliation of a channel: its drift and oversell figures, the runs started and their cron."""

from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import drift as drift_core
from ...core import oversell as oversell_core
from ...core.connectors import implements
from ...core.progress import ACTIVE, RECONCILE, REPUBLISH
from .. import runtime
from ..access import check_manager_of


class StockChannel(models.Model):
    """Reading back what the channel holds: runs, drifts, corrections (see core.drift)."""

    _inherit = "stock.channel"

    reads_back = fields.Boolean(
        compute="_compute_reads_back", help="The channel's connector can read quantities back."
    )
    reconcile_auto_correct = fields.Boolean(
        string="Correct Drift Automatically",
        default=True,
        help="Push the publishable quantity where the channel was edited, a push was lost "
        "or the cause is unknown (compared with the quantity read, where the channel "
        "supports it).",
    )
    reconcile_daily = fields.Boolean(string="Daily Full Run", default=True)
    reconcile_hour = fields.Float(
        string="Daily Run At (UTC)", default=3.0, help="Hour of the day, UTC (3.5 = 03:30)."
    )
    reconcile_rolling = fields.Boolean(
        string="Hourly Rolling Slice",
        default=True,
        help="Every hour, read a 24th of the catalogue: every SKU is read at least daily, "
        "without a burst.",
    )
    reconcile_cursor = fields.Integer(readonly=True, help="The last variant a rolling run read.")
    last_full_reconcile_at = fields.Datetime(string="Last Full Run", readonly=True)
    drift_rate_24h = fields.Float(
        string="Drift Rate (24 h)",
        compute="_compute_drift_kpis",
        digits=(16, 2),
        help="Drifted SKUs / SKUs read over the last 24 hours, in % (pushes in flight are "
        "not drift). Target: below 0.2 %.",
    )
    drift_rate_prev_24h = fields.Float(
        string="Drift Rate (24 h Before)", compute="_compute_drift_kpis", digits=(16, 2)
    )
    drift_measured = fields.Boolean(compute="_compute_drift_kpis")
    open_drift_count = fields.Integer(compute="_compute_drift_kpis")
    reconcile_run_count = fields.Integer(compute="_compute_drift_kpis")
    oversell_rate_7d = fields.Float(
        string="Oversell Rate (7 d)",
        compute="_compute_oversell_kpis",
        digits=(16, 2),
        help="Order lines Odoo could not serve / order lines over the last 7 days, in %. "
        "Target: below 0.5 %.",
    )
    oversell_measured = fields.Boolean(compute="_compute_oversell_kpis")
    incident_count_7d = fields.Integer(string="Oversells (7 d)", compute="_compute_oversell_kpis")

    @api.depends("connector")
    def _compute_reads_back(self):
        for channel in self:
            channel.reads_back = implements(channel.connector, "read_quantities")

    def _compute_drift_kpis(self):
        windows = self._drift_windows()
        runs = dict(
            self.env["stock.channel.reconcile"]
            .sudo()
            ._read_group([("channel_id", "in", self.ids)], ["channel_id"], ["__count"])
        )
        opened = dict(
            self.env["stock.channel.drift"]
            .sudo()
            ._read_group(
                [
                    ("channel_id", "in", self.ids),
                    ("state", "=", "open"),
                    ("cause", "!=", drift_core.IN_FLIGHT),
                ],
                ["channel_id"],
                ["__count"],
            )
        )
        for channel in self:
            rate = drift_core.drift_rate(*reversed(windows["now"].get(channel.id, (0, 0))))
            prev = drift_core.drift_rate(*reversed(windows["prev"].get(channel.id, (0, 0))))
            channel.drift_measured = rate is not None
            channel.drift_rate_24h = rate or 0.0
            channel.drift_rate_prev_24h = prev or 0.0
            channel.open_drift_count = opened.get(channel, 0)
            channel.reconcile_run_count = runs.get(channel, 0)

    def _drift_windows(self):
        """{"now": the last 24 hours, "prev": the 24 before} of {channel id: (SKUs read,
        drifted)}, over the runs done."""
        now = fields.Datetime.now()
        Run = self.env["stock.channel.reconcile"].sudo()
        windows = {}
        for key, start, end in (
            ("now", now - timedelta(days=1), now),
            ("prev", now - timedelta(days=2), now - timedelta(days=1)),
        ):
            groups = Run._read_group(
                [
                    ("channel_id", "in", self.ids),
                    ("state", "=", "done"),
                    ("started_at", ">", start),
                    ("started_at", "<=", end),
                ],
                ["channel_id"],
                ["skus_read:sum", "drifted:sum"],
            )
            windows[key] = {ch.id: (read, drifted) for ch, read, drifted in groups}
        return windows

    def _compute_oversell_kpis(self):
        rates = self.env["stock.channel.incident"]._oversell_rates(self)
        for channel in self:
            short, lines = rates.get(channel.id, (0, 0))
            rate = oversell_core.oversell_rate(short, lines)
            channel.oversell_measured = rate is not None
            channel.oversell_rate_7d = rate or 0.0
            channel.incident_count_7d = short

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_reconcile_now(self):
        """Queue a full read-back (a background job); its drifts show on the channel, a
        failed read is the job's error (and the failed run is kept)."""
        check_manager_of(self)
        self.ensure_one()
        if not self.reads_back:
            raise UserError(
                self.env._("%(channel)s cannot read quantities back.", channel=self.name)
            )
        Job = self.env["stock.channel.job"]
        Job._start(RECONCILE, self)
        return Job._queued_notification(
            self.env._(
                "Reconcile now is queued on %(channel)s: its progress shows on the channel, "
                "the drift it finds under Open Drift.",
                channel=self.display_name,
            )
        )

    def action_open_drifts(self):
        return self._open_channel_list("action_stock_channel_drift", search_default_open=1)

    def action_open_incidents(self):
        return self._open_channel_list("action_stock_channel_incident")

    def action_open_reconcile_runs(self):
        return self._open_channel_list("action_stock_channel_reconcile")

    def _open_channel_list(self, action_name, **context):
        """The addon's window action `action_name`, filtered on this channel."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(f"stock_channel_sync.{action_name}")
        action["domain"] = [("channel_id", "=", self.id)]
        action["context"] = dict(context, default_channel_id=self.id)
        return action

    # ------------------------------------------------------------------
    # Scheduled runs
    # ------------------------------------------------------------------
    @api.model
    def _cron_reconcile(self):
        """Hourly: re-check what was in flight, then the daily full run when its hour
        has come, else the rolling slice; a channel at a time, each committed."""
        channels = self.search([("connector", "!=", False), ("active", "=", True)])
        # a Republish all queued or running replaces every quantity: read back now, the
        # channel would show drift for what is about to be pushed; the next run reads it
        republishing = (
            self.env["stock.channel.job"]
            .search([("kind", "=", REPUBLISH), ("state", "in", ACTIVE)])
            .channel_id
        )
        for channel in (channels - republishing).filtered("reads_back"):
            channel._recheck_in_flight()
            if channel._full_run_due():
                channel._reconcile("full")
            elif channel.reconcile_rolling:
                channel._reconcile("rolling")
            runtime.commit_chunk(self.env, 1)

    def _full_run_due(self, now=None):
        if not self.reconcile_daily:
            return False
        now = now or fields.Datetime.now()
        hours = min(max(self.reconcile_hour, 0.0), 23.99)
        slot = datetime.combine(now.date(), time(int(hours), int(hours % 1 * 60)))
        if slot > now:
            slot -= timedelta(days=1)
        return not self.last_full_reconcile_at or self.last_full_reconcile_at < slot

    def _recheck_in_flight(self):
        """Drifts found while a push was on its way: read again once nothing is queued
        for them (in sync then: not a drift)."""
        drifts = self.env["stock.channel.drift"].search(
            [
                ("channel_id", "=", self.id),
                ("state", "=", "open"),
                ("cause", "=", drift_core.IN_FLIGHT),
                ("product_id", "!=", False),
            ]
        )
        queued = (
            self.env["stock.channel.outbox"]
            .search(
                [
                    ("channel_id", "=", self.id),
                    ("product_id", "in", drifts.product_id.ids),
                    ("state", "=", "pending"),
                ]
            )
            .product_id
        )
        landed = drifts.product_id - queued
        return self._reconcile("recheck", landed) if landed else None

    def _reconcile_products(self, kind):
        products = self._channel_products(self.company_id)
        if kind != "rolling":
            return products
        ids = sorted(products.ids)
        size = drift_core.rolling_slice_size(len(ids))
        chosen, self.reconcile_cursor = drift_core.rolling_slice(ids, self.reconcile_cursor, size)
        return products.browse(chosen)

    def _abandon_reconcile_runs(self, error):
        """The manual runs (Reconcile now's job) of these channels left running, their job
        failed or its worker ended: failed with `error`, so that none stays running for
        ever. A scheduled run (full, rolling, recheck: another cron) is not theirs."""
        runs = (
            self.env["stock.channel.reconcile"]
            .sudo()
            .search(
                [("channel_id", "in", self.ids), ("state", "=", "running"), ("kind", "=", "manual")]
            )
        )
        runs.write({"state": "failed", "error": error, "finished_at": fields.Datetime.now()})
        return runs
