"""Compute: the figures of a what-if for every variant x channel of its company, in
chunks of variants: the publishable quantities by the real computation
(stock.channel._compute_publishable) twice, the policy in force substituted by context
(stock.channel.policy's IN_FORCE_OVERRIDE), the sales of the last 30 days by one grouped
query, the figures accumulated by core.whatif, the changed rows stored by one insert; the
records of a chunk dropped from the cache before the next. Above
BACKGROUND_PARAM variants, a background job (stock.channel.job) computes it: the what-if
shows "Computing…" and the job's progress, its figures when the job is done."""

from datetime import UTC, datetime

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ...core import whatif
from ...core.progress import WHATIF
from ..access import check_manager_of
from ..stock_channel_policy import IN_FORCE_OVERRIDE, InForce
from .whatif import OPEN_STATES, STATE_COMPUTED, STATE_COMPUTING, STATE_DRAFT

# variants per chunk: their Results (before and after, every channel) held at once
CHUNK = 5000
# above this many variants, Compute queues a background job (a request computes one chunk)
BACKGROUND_PARAM = "stock_channel_sync.whatif_background_variants"
DEFAULT_BACKGROUND = CHUNK


class StockChannelWhatif(models.Model):
    _inherit = "stock.channel.whatif"

    def action_compute(self):
        """Compute the figures: here for a small catalogue, else in a background job."""
        check_manager_of(self)
        check_manager_of(self.policy_id | self.after_policy_id)
        for record in self:
            record._check_comparable()
            if record.state == STATE_COMPUTING:
                raise UserError(self.env._("This what-if is being computed already."))
        queued = self.browse()
        for record in self:
            count = len(record.sudo()._product_ids())
            if count > record._background_variants():
                record._queue(count)
                queued |= record
            else:
                record.sudo()._compute_figures()  # every variant and channel, after the check
        if not queued:
            return True
        return self.env["stock.channel.job"]._queued_notification(
            self.env._("The what-if is computing in the background: its progress shows on it.")
        )

    @api.model
    def _background_variants(self):
        value = self.env["ir.config_parameter"].sudo().get_param(BACKGROUND_PARAM)
        try:
            return int(value) if value else DEFAULT_BACKGROUND
        except ValueError:
            return DEFAULT_BACKGROUND

    def _queue(self, count):
        Job = self.env["stock.channel.job"].with_company(self.company_id)
        job = Job._start(WHATIF, total=count, payload={"whatif_id": self.id})
        self.sudo().write({"state": STATE_COMPUTING, "job_id": job.id})

    @api.model
    def _run_job(self, job):
        """The background job's work: the what-if's figures, its progress after each
        chunk; nothing when the what-if was discarded (or computed) meanwhile."""
        record = self.browse(job.payload["whatif_id"]).exists()
        if record.state != STATE_COMPUTING or record.job_id != job:
            return
        record._compute_figures(progress=job._advance)

    @api.model
    def _job_failed(self, job):
        """The job failed (its error on it): the what-if can be computed again."""
        record = self.sudo().browse(job.payload["whatif_id"]).exists()
        if record.state == STATE_COMPUTING and record.job_id == job:
            record.state = STATE_DRAFT

    def _check_open(self):
        if self.state not in OPEN_STATES:
            raise UserError(self.env._("This what-if is closed (applied or discarded)."))

    def _check_comparable(self):
        """Its policies are there (a draft deleted by hand: it can only be discarded)."""
        self._check_open()
        if not self.after_policy_id or not self.policy_id:
            raise UserError(
                self.env._(
                    "The policy to compare with (the what-if's draft) is gone: it was "
                    "deleted. Discard this what-if and start another."
                )
            )

    def _basis(self):
        """What the figures depend on besides the stock: the policies' rules and the
        company's peak mode (Apply refuses figures computed on another basis)."""
        return [
            self.policy_id.id,
            self.policy_id._snapshot(),
            self.after_policy_id.id,
            self.after_policy_id._snapshot(),
            bool(self.company_id.channel_peak_active),
        ]

    def _compute_figures(self, progress=None):
        """Every variant x channel, chunk by chunk; `progress(done, total)` after each."""
        self.ensure_one()
        basis = self._basis()  # the rules computed, whatever changes meanwhile
        self.env.cr.execute(
            "DELETE FROM stock_channel_whatif_change WHERE whatif_id = %s", [self.id]
        )
        self.channel_line_ids.unlink()
        work, count, changed = whatif.WhatIf(self.horizon_days), 0, 0
        product_ids = self._product_ids()
        if progress:
            progress(0, len(product_ids))
        for before, after, daily, sellable in self._chunks(product_ids):
            work.add(before, after, daily, sellable)
            changed += self.env["stock.channel.whatif.change"]._insert(
                self, whatif.changed_rows(before, after)
            )
            count += len(sellable)
            if progress:
                progress(count)
        self._store_summary(work.summary(), count, changed, basis)

    def _product_ids(self):
        Channel = self.env["stock.channel"].with_company(self.company_id)
        return Channel._channel_products(self.company_id).ids

    def _chunks(self, product_ids):
        """(before, after, daily, sellable) of the company's variants, chunk by chunk."""
        company = self.company_id
        Channel = self.env["stock.channel"].with_company(company)
        channel_ids = Channel.search([("company_id", "=", company.id)], order="id").ids
        today, now = datetime.now(UTC).date(), fields.Datetime.now()
        policies = (self.policy_id.id, self.after_policy_id.id)
        for ids in split_every(CHUNK, product_ids):
            channels = Channel.browse(channel_ids)
            products = self.env["product.product"].browse(ids)
            before, after = (
                channels.with_context(**{IN_FORCE_OVERRIDE: InForce(policy)})._compute_publishable(
                    products, today=today, now=now
                )
                for policy in policies
            )
            daily = channels._sales_velocity(products, days=whatif.SALES_DAYS)
            yield _publishable(before), _publishable(after), daily, _sellable(before)
            del before, after
            self.env.invalidate_all()  # the chunk's records and figures leave the cache

    def _store_summary(self, summary, count, changed, basis):
        names = {
            channel.id: channel.name
            for channel in self.env["stock.channel"].browse(list(summary.channels))
        }
        moved_to = {}
        for (from_id, to_id), units in sorted(summary.moves.items()):
            moved_to.setdefault(from_id, []).append(f"{names[to_id]} {units}")
        Line = self.env["stock.channel.whatif.channel"]
        Line.create(
            [
                dict(
                    Line._values(
                        channel_id, figures, ", ".join(moved_to.get(channel_id, [])) or False
                    ),
                    whatif_id=self.id,
                )
                for channel_id, figures in sorted(summary.channels.items())
            ]
        )
        self.write(
            {
                "state": STATE_COMPUTED,
                "computed_at": fields.Datetime.now(),
                "computed_snapshot": basis,
                "variant_count": count,
                "change_count": changed,
                "moves": [[*pair, units] for pair, units in sorted(summary.moves.items())],
                "oversell_before": summary.oversell_before,
                "oversell_after": summary.oversell_after,
                "oversell_variants_before": summary.oversell_variants_before,
                "oversell_variants_after": summary.oversell_variants_after,
            }
        )


def _publishable(results):
    return {key: result.publishable for key, result in results.items()}


def _sellable(results):
    """{variant_id: sellable}: the largest sellable among the variant's channels (the
    same for the channels drawing from one warehouse)."""
    sellable = {}
    for (_channel_id, product_id), result in results.items():
        sellable[product_id] = max(sellable.get(product_id, 0), result.sellable)
    return sellable
