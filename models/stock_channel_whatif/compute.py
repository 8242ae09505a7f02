"""Compute: the figures of a what-if for every variant x channel of its company, in
chunks of variants: the publishable quantities by the real computation
(stock.channel._compute_publishable) twice, the policy in force substituted by context
(stock.channel.policy's IN_FORCE_OVERRIDE), the sales of the last 30 days by one grouped
query, the figures accumulated by core.whatif, the changed rows stored by one insert; the
records of a chunk dropped from the cache before the next."""

from datetime import UTC, datetime

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ...core import whatif
from ..access import check_manager_of
from ..stock_channel_policy import IN_FORCE_OVERRIDE, InForce
from .whatif import OPEN_STATES, STATE_COMPUTED

# variants per chunk: their Results (before and after, every channel) held at once
CHUNK = 5000


class StockChannelWhatif(models.Model):
    _inherit = "stock.channel.whatif"

    def action_compute(self):
        check_manager_of(self)
        check_manager_of(self.policy_id | self.after_policy_id)
        for record in self:
            record._check_open()
            record.sudo()._compute_figures()  # every variant and channel, after the check
        return True

    def _check_open(self):
        if self.state not in OPEN_STATES:
            raise UserError(self.env._("This what-if is closed (applied or discarded)."))
        if not self.after_policy_id:
            raise UserError(self.env._("The policy to compare with is gone."))

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

    def _compute_figures(self):
        self.ensure_one()
        self.env.cr.execute(
            "DELETE FROM stock_channel_whatif_change WHERE whatif_id = %s", [self.id]
        )
        self.channel_line_ids.unlink()
        work, count, changed = whatif.WhatIf(self.horizon_days), 0, 0
        for before, after, daily, sellable in self._chunks():
            work.add(before, after, daily, sellable)
            changed += self.env["stock.channel.whatif.change"]._insert(
                self, whatif.changed_rows(before, after)
            )
            count += len(sellable)
        self._store_summary(work.summary(), count, changed)

    def _chunks(self):
        """(before, after, daily, sellable) of the company's variants, chunk by chunk."""
        company = self.company_id
        Channel = self.env["stock.channel"].with_company(company)
        channel_ids = Channel.search([("company_id", "=", company.id)], order="id").ids
        product_ids = Channel._channel_products(company).ids
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

    def _store_summary(self, summary, count, changed):
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
                "computed_snapshot": self._basis(),
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
