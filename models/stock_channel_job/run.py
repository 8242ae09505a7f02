"""Running the channel jobs (the scheduled action), chunk by chunk, and the work of each kind."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import events, progress
from ...core.connectors import CONNECTOR_SELECTION
from ...core.errors import WindowWait
from ...core.progress import (
    DONE,
    FAILED,
    QUARANTINE,
    QUEUED,
    RECONCILE,
    REPUBLISH,
    RUNNING,
    WHATIF,
)
from .. import runtime
from .job import JOB_CRON

_logger = logging.getLogger(__name__)

# finished jobs are kept this long (autovacuum)
JOB_RETENTION_DAYS = 30
# variants queued again per chunk of a Republish all: one INSERT and one commit each (a
# forced republish of 100,000 variants is 20 chunks a channel, not 200)
JOB_CHUNK = 5000
# the kinds that go on where they stopped when the cron's share of time is used
PAUSABLE = (REPUBLISH, QUARANTINE)


class _Paused(Exception):
    """Out of the cron's share of time: the job goes back to the queue where it is."""


class _Turn(_Paused):
    """Another job that goes chunk by chunk waits: this one goes back to the queue where
    it is, behind it (a Republish all on five channels starts the five channels' pushes
    at once, not one channel after the other)."""


class StockChannelJob(models.Model):
    _inherit = "stock.channel.job"

    # ------------------------------------------------------------------
    # Running (the scheduled action)
    # ------------------------------------------------------------------
    @api.model
    def _cron_run_jobs(self):
        """Scheduled action (triggered when a job is queued): take back the jobs whose
        worker ended, then run the queued ones, each committing after every chunk."""
        self._run_jobs()

    @api.model
    def _run_jobs(self, commit=None):
        """Run the queued jobs one after the other; returns the jobs run.

        `commit(processed)` commits a chunk and returns the seconds left of the cron's
        share of time (ir.cron._commit_progress): when none is left, a job that can pause
        (PAUSABLE) goes back to the queue where it stopped, and the cron runs again at
        once (Odoo's own loop), so that no run meets the server's time limit. In a test
        (no commit), everything happens in the current transaction."""
        cron = commit is None
        if cron:
            commit = runtime.chunk_committer(self.env)
        self._take_back_orphans()
        if commit:
            commit()
        ran, turns = self.browse(), []
        while job := self._take_next(turns):
            if commit:
                commit()
            turned = job._execute(commit)
            ran |= job
            if turned:  # its turn given: the others take theirs, then it goes on
                turns = [job_id for job_id in turns if job_id != job.id] + [job.id]
                continue
            if job.state == QUEUED:  # paused: the rest in the cron's next run
                if cron and commit:
                    runtime.commit(self.env, remaining=1)
                break
        return ran

    @api.model
    def _take_next(self, turns=()):
        """The oldest queued job, now running (SKIP LOCKED: one worker takes it); the
        jobs that gave their turn (`turns`: their ids, the latest last) come after the
        others, in that order."""
        self.flush_model()
        self.env.cr.execute(
            """SELECT id FROM stock_channel_job
                WHERE state = %s AND (not_before IS NULL OR not_before <= %s)
                ORDER BY array_position(%s::int[], id) NULLS FIRST, id
                LIMIT 1 FOR UPDATE SKIP LOCKED""",
            [QUEUED, fields.Datetime.now(), list(turns)],
        )
        row = self.env.cr.fetchone()
        if not row:
            return self.browse()
        job = self.sudo().browse(row[0])
        now = fields.Datetime.now()
        job.write(
            {
                "state": RUNNING,
                "started_at": job.started_at or now,
                "progress_at": now,
                "attempts": job.attempts + 1,
                "not_before": False,
                "waiting": False,
            }
        )
        return job

    def _execute(self, commit):
        """Run the job's work; an exception rolls its chunk back (in the cron; in a test,
        all its work) and keeps the job failed with the error; out of time, a job that
        can pause goes back to the queue. True when it gave its turn (_Turn)."""
        self.ensure_one()
        env = self.env
        try:
            if commit:
                error = self._work(commit)
            else:
                with env.cr.savepoint():
                    error = self._work(commit)
        except _Paused as paused:
            self.write({"state": QUEUED, "attempts": 0})
            self.env["stock.channel.event"]._announce(events.JOB_CHANGED, self)
            if commit:
                commit()
            return isinstance(paused, _Turn)
        except WindowWait as wait:
            if commit:
                env.cr.rollback()  # back to the last chunk committed
            env.invalidate_all()
            self._wait_for_window(wait)
            if commit:
                commit()
            return
        except Exception as exc:  # pylint: disable=broad-except
            if commit:
                env.cr.rollback()  # back to the last chunk committed
            env.invalidate_all()
            if isinstance(exc, UserError):
                error = exc.args[0]
            else:
                _logger.exception("channel job %s (%s) failed", self.id, self.kind)
                error = f"{type(exc).__name__}: {exc}"
        self._end_job(error)
        if commit:
            commit()

    def _wait_for_window(self, wait):
        """The channel's documented window holds the work: queued again, it runs from
        when the window opens (the scheduled action is triggered then); never failed."""
        until = fields.Datetime.now() + timedelta(seconds=wait.seconds)
        labels = dict(CONNECTOR_SELECTION)
        channel = self.channel_id
        self.write(
            {
                "state": QUEUED,
                "attempts": 0,
                "not_before": until,
                "waiting": self.env._(
                    "waiting for the channel until %(time)s (%(channel)s's %(window)s window)",
                    channel=labels.get(channel.connector, channel.display_name),
                    window=wait.window or self.env._("rate"),
                    time=self._clock(until),
                ),
            }
        )
        self.env.ref(JOB_CRON).sudo()._trigger(at=until)
        self.env["stock.channel.event"]._announce(events.JOB_CHANGED, self)

    def _end_job(self, error=None):
        """The job ends: failed with `error`, else done (a reconciliation's run with it)."""
        self.write(
            {
                "state": FAILED if error else DONE,
                "error": error or False,
                "finished_at": fields.Datetime.now(),
            }
        )
        if error and self.kind == RECONCILE:  # its run ends with it
            self.channel_id._abandon_reconcile_runs(error)
        if error and self.kind == WHATIF:  # its what-if can be computed again
            self.env["stock.channel.whatif"]._job_failed(self)
        self.env["stock.channel.event"]._announce(events.JOB_CHANGED, self)

    def _work(self, commit):
        """The kind's work, in the starter's name with superuser rights (the button
        checked the group); returns an error to keep (failed without rollback) or None."""
        self.env.invalidate_all()
        job = self.with_user(self.started_by_id or self.env.user).sudo()
        job = job.with_company(self.company_id).with_context(channel_job_commit=commit)
        return getattr(job, f"_work_{self.kind}")()

    def _advance(self, done, total=None):
        """Record the progress after a chunk; the cron commits it (and the chunk). Out of
        the cron's time, a job that can pause stops here (_Paused) and resumes later."""
        vals = {"done": done, "progress_at": fields.Datetime.now()}
        if total is not None:
            vals["total"] = total
        previous = self.done
        self.sudo().write(vals)
        # the card and the form follow
        self.env["stock.channel.event"]._announce(events.JOB_CHANGED, self)
        commit = self.env.context.get("channel_job_commit")
        if not commit:
            return
        left = commit(max(done - previous, 0))
        # paused after a chunk only: a job resumed always moves before it pauses again
        if done > previous and done < self.total and self.kind in PAUSABLE:
            if left <= 0:
                raise _Paused()
            if self._others_waiting():
                raise _Turn()

    def _others_waiting(self):
        """Whether another job that goes chunk by chunk (PAUSABLE) is queued and due."""
        self.env.cr.execute(
            """SELECT 1 FROM stock_channel_job
                WHERE state = %s AND kind = ANY(%s) AND id != %s
                  AND (not_before IS NULL OR not_before <= %s) LIMIT 1""",
            [QUEUED, list(PAUSABLE), self.id, fields.Datetime.now()],
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _take_back_orphans(self):
        """Jobs left running lost their worker (a restart, the server's time limit: only
        the scheduled action runs jobs, one at a time, and it is here): queued again to
        go on where they were (those that can pause) or start again, failed after
        progress.MAX_ATTEMPTS workers took them without finishing."""
        orphans = self.sudo().search([("state", "=", RUNNING)])
        for job in orphans:
            if job.kind == RECONCILE:
                job.channel_id._abandon_reconcile_runs(
                    self.env._("Stopped before the end: its worker ended.")
                )
            if progress.gives_up(job.attempts):
                job._end_job(
                    self.env._(
                        "Stopped %(count)s times before the end (its worker ended: a restart, "
                        "the server's time limit). Start it again.",
                        count=job.attempts,
                    )
                )
            else:
                job.write({"state": QUEUED})
        return orphans

    # ------------------------------------------------------------------
    # The work of each kind (chunk by chunk, `_advance` after each)
    # ------------------------------------------------------------------
    def _work_republish(self):
        """Every variant of the channel queued again, forced, JOB_CHUNK at a time, in the
        order of their ids; a job that paused goes on after the last variant it queued
        (payload `after_id`), reading only the variants after it (a resume costs a chunk,
        not a read of the whole catalogue: the progress counted when it started is kept;
        counted again at every turn, it was a quarter of a Republish all's queueing)."""
        channel = self.channel_id
        Product = self.env["product.product"]
        domain = channel._channel_products_domain(channel.company_id)
        after = (self.payload or {}).get("after_id", 0)
        if after and self.total:
            done = self.done
        else:
            done = Product.search_count([*domain, ("id", "<=", after)]) if after else 0
            self._advance(done, Product.search_count(domain))
        Outbox = self.env["stock.channel.outbox"]
        while chunk := Product.search([*domain, ("id", ">", after)], order="id", limit=JOB_CHUNK):
            Outbox._enqueue(products=chunk, channels=channel, force=True)
            Outbox._flush_enqueued()
            after = chunk.ids[-1]
            self.sudo().payload = {"after_id": after}
            done += len(chunk)
            self._advance(done)

    def _work_reconcile(self):
        run = self.channel_id._reconcile("manual", progress=self._advance)
        return run.error if run.state == "failed" else None

    def _work_import_mapping(self):
        self.channel_id._import_mapping(progress=self._advance)

    def _work_quarantine(self):
        self.env["stock.quarantine.wizard"]._run_job(self)

    def _work_whatif(self):
        self.env["stock.channel.whatif"]._run_job(self)

    @api.autovacuum
    def _gc_old_jobs(self):
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=JOB_RETENTION_DAYS)
        self.sudo().search([("state", "in", (DONE, FAILED)), ("finished_at", "<", limit)]).unlink()
