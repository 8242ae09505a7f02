"""A channel job: long work a button queues, its progress and the queueing."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import events, progress
from ...core.progress import ACTIVE, KINDS, QUARANTINE, QUEUED, RUNNING, STATES, WHATIF

_logger = logging.getLogger(__name__)

JOB_CRON = "stock_channel_sync.ir_cron_channel_jobs"


class StockChannelJob(models.Model):
    """Long work started by a button (republish, reconcile, import mapping, quarantine
    on many lines), run by the scheduled action chunk by chunk, with its progress. The
    buttons queue it (`_start`); `_run_jobs` runs what is queued (core.progress: the
    arithmetic shown)."""

    _name = "stock.channel.job"
    _description = "Channel Background Job"
    _order = "id desc"
    _check_company_auto = True

    channel_id = fields.Many2one(
        "stock.channel", index=True, ondelete="cascade", check_company=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    kind = fields.Selection(KINDS, required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default=QUEUED, index=True, readonly=True)
    total = fields.Integer(readonly=True)
    done = fields.Integer(readonly=True)
    started_by_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    started_at = fields.Datetime(readonly=True, help="When a worker took it.")
    progress_at = fields.Datetime(string="Last Progress", readonly=True)
    finished_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)
    payload = fields.Json(readonly=True, help="What the job works on (e.g. the wizard's lines).")
    attempts = fields.Integer(
        readonly=True, help="Workers that took it since it last paused or was queued."
    )
    not_before = fields.Datetime(
        string="Waits Until",
        readonly=True,
        help="The channel's documented window (a rate limit) holds the work: queued, it "
        "runs again from then.",
    )
    waiting = fields.Char(string="Waiting For", readonly=True)
    rate = fields.Float(string="Items per Second", compute="_compute_progress", digits=(16, 1))
    percent = fields.Float(compute="_compute_progress")
    estimated_end = fields.Datetime(compute="_compute_progress")
    summary = fields.Char(compute="_compute_progress")

    _one_active = models.UniqueIndex(
        "(channel_id, kind) WHERE state IN ('queued', 'running') AND channel_id IS NOT NULL",
        "This work is already queued or running on the channel.",
    )

    @api.depends("kind", "channel_id")
    def _compute_display_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for job in self:
            name = labels.get(job.kind, "")
            job.display_name = f"{name}: {job.channel_id.name}" if job.channel_id else name

    @api.depends("state", "done", "total", "started_at", "progress_at", "finished_at")
    @api.depends_context("tz")
    def _compute_progress(self):
        now = fields.Datetime.now()
        for job in self:
            until = job.finished_at or now
            elapsed = (until - job.started_at).total_seconds() if job.started_at else 0
            job.rate = progress.rate(job.done, elapsed) or 0.0
            job.percent = progress.percent(job.done, job.total)
            end = job.state == RUNNING and progress.estimated_end(
                job.done, job.total, job.started_at, now
            )
            job.estimated_end = end.replace(microsecond=0) if end else False
            job.summary = job._summary()

    def _summary(self):
        """'Republish all: 340 / 1,200 (28 %), 45 a second, started by Mitchell Admin at
        10:02, estimated end 10:03'."""
        env = self.env
        label = dict(self._fields["kind"]._description_selection(env))[self.kind]
        parts = [
            env._(
                "%(kind)s: %(done)s / %(total)s (%(percent)s %%)",
                kind=label,
                done=progress.format_count(self.done),
                total=progress.format_count(self.total),
                percent=int(self.percent),
            )
        ]
        if self.state == RUNNING and self.started_at:
            parts.append(env._("%(rate)s a second", rate=progress.format_rate(self.rate)))
        parts.append(
            env._(
                "started by %(user)s at %(time)s",
                user=self.started_by_id.name or "?",
                time=self._clock(self.started_at or self.create_date),
            )
        )
        if self.estimated_end:
            parts.append(env._("estimated end %(time)s", time=self._clock(self.estimated_end)))
        if self.state == QUEUED:
            parts.append(self.waiting or env._("queued"))
        return ", ".join(parts)

    def _clock(self, value):
        if not value:
            return "?"
        return fields.Datetime.context_timestamp(self, value).strftime("%H:%M")

    # ------------------------------------------------------------------
    # Queueing (the buttons)
    # ------------------------------------------------------------------
    @api.model
    def _start(self, kind, channel=None, total=0, payload=None):
        """Queue a job of `kind` (on `channel`) and wake the scheduled action; a
        UserError when the same work is queued or running already."""
        running = self._active(kind, channel, payload)
        if running:
            raise UserError(running[0]._already_running_message())
        job = self.sudo().create(
            {
                "kind": kind,
                "channel_id": channel.id if channel else False,
                "company_id": (channel.company_id if channel else self.env.company).id,
                "total": total,
                "payload": payload,
                "started_by_id": self.env.uid,
            }
        )
        self.env.ref(JOB_CRON).sudo()._trigger()
        self.env["stock.channel.event"]._announce(events.JOB_CHANGED, job)
        return job

    @api.model
    def _start_on(self, kind, channels):
        """A button's work queued on each of `channels`; its answer (a notification)."""
        for channel in channels:
            self._start(kind, channel)
        label = dict(self._fields["kind"]._description_selection(self.env))[kind]
        return self._queued_notification(
            self.env._(
                "%(kind)s is queued on %(channels)s: its progress shows on the channel.",
                kind=label,
                channels=", ".join(channels.mapped("display_name")),
            )
        )

    @api.model
    def _active(self, kind, channel=None, payload=None):
        """The queued or running jobs doing the same work: the same kind on the same
        channel; for the quarantine, on one of the same quants."""
        domain = [("kind", "=", kind), ("state", "in", ACTIVE)]
        if channel:
            return self.sudo().search([*domain, ("channel_id", "=", channel.id)])
        jobs = self.sudo().search([*domain, ("company_id", "=", self.env.company.id)])
        if kind == WHATIF:  # the same what-if
            whatif_id = (payload or {}).get("whatif_id")
            return jobs.filtered(lambda job: (job.payload or {}).get("whatif_id") == whatif_id)
        if kind != QUARANTINE:
            return jobs
        quants = _quant_ids(payload)
        return jobs.filtered(lambda job: quants & _quant_ids(job.payload))

    def _already_running_message(self):
        where = self.channel_id.display_name
        figures = {
            "done": progress.format_count(self.done),
            "total": progress.format_count(self.total),
            "user": self.started_by_id.name or "?",
            "time": self._clock(self.started_at or self.create_date),
        }
        kind = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        if where:
            return self.env._(
                "%(kind)s is already running on %(channel)s: %(done)s / %(total)s done, "
                "started by %(user)s at %(time)s.",
                kind=kind,
                channel=where,
                **figures,
            )
        return self.env._(
            "%(kind)s is already running on these quantities: %(done)s / %(total)s done, "
            "started by %(user)s at %(time)s.",
            kind=kind,
            **figures,
        )

    def _queued_notification(self, message):
        """The button's answer: a notification, then the view reloads (the progress
        shows on the channel, and in Inventory > Channels > Jobs)."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Running in the background"),
                "message": message,
                "type": "info",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------


def _quant_ids(payload):
    return {quant_id for quant_id, _qty in (payload or {}).get("lines", [])}
