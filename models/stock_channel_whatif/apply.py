"""Apply and Discard: the draft's rules written into the policy as one new version linked
to the what-if (or the peak switch made); the draft deleted either way, the what-if kept.
The drafts of what-ifs nobody touched for DRAFT_DAYS_PARAM days are discarded (autovacuum)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..access import check_manager_of
from .whatif import (
    KIND_PEAK_ON,
    KIND_RULES,
    STATE_APPLIED,
    STATE_COMPUTED,
    STATE_DISCARDED,
    STATE_DRAFT,
)

DRAFT_DAYS_PARAM = "stock_channel_sync.whatif_draft_days"
DEFAULT_DRAFT_DAYS = 30


class StockChannelWhatif(models.Model):
    _inherit = "stock.channel.whatif"

    def action_apply(self):
        check_manager_of(self)
        check_manager_of(self.policy_id)
        self.ensure_one()
        self._check_comparable()
        if self.state != STATE_COMPUTED:
            raise UserError(self.env._("Compute the what-if before applying it."))
        if self._basis() != self.computed_snapshot:
            raise UserError(
                self.env._(
                    "The rules or the peak mode changed since the figures were computed: "
                    "compute again before applying."
                )
            )
        record = self.sudo()  # the version's link, the draft's removal: after the checks
        if self.kind == KIND_RULES:
            record._apply_rules()
        else:
            self.policy_id._set_peak_mode(self.kind == KIND_PEAK_ON)
        record.state = STATE_APPLIED
        return True

    def _apply_rules(self):
        """The draft's rules replace the policy's: one new version, noted and linked."""
        policy, draft = self.policy_id, self.draft_id
        Rule = self.env["stock.channel.policy.rule"].with_context(scs_no_snapshot=True)
        vals_list = [dict(vals, policy_id=policy.id) for vals in draft.rule_ids.copy_data()]
        policy.rule_ids.with_context(scs_no_snapshot=True).unlink()
        Rule.create(vals_list)
        version = policy._record_version(
            self.env._("Applied what-if #%(number)s", number=self.id), force=True
        )
        version.whatif_id = self
        self.version_id = version
        policy._policy_changed()
        draft.unlink()

    def action_discard(self):
        check_manager_of(self)
        for record in self:
            record._check_open()
        self.sudo()._discard()
        return True

    def _discard(self):
        self.draft_id.unlink()
        self.write({"state": STATE_DISCARDED, "job_id": False})

    @api.autovacuum
    def _gc_untouched_drafts(self):
        """What-ifs open and untouched (the what-if, its draft and the draft's rules) for
        the days of DRAFT_DAYS_PARAM are discarded, their drafts deleted; a draft whose
        what-if was deleted goes after the same days."""
        value = self.env["ir.config_parameter"].sudo().get_param(DRAFT_DAYS_PARAM)
        try:
            days = int(value) if value else DEFAULT_DRAFT_DAYS
        except ValueError:
            days = DEFAULT_DRAFT_DAYS
        if days <= 0:
            return
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=days)
        Policy = self.env["stock.channel.policy"].sudo().with_context(active_test=False)
        Rule = self.env["stock.channel.policy.rule"].sudo()
        old = self.sudo().search(
            [("state", "in", (STATE_DRAFT, STATE_COMPUTED)), ("write_date", "<", limit)]
        )
        recent = {  # drafts whose policy record or a rule changed since
            *Policy.search([("id", "in", old.draft_id.ids), ("write_date", ">=", limit)]).ids,
            *Rule.search(
                [("policy_id", "in", old.draft_id.ids), ("write_date", ">=", limit)]
            ).policy_id.ids,
        }
        old.filtered(lambda record: record.draft_id.id not in recent)._discard()
        Policy.search(
            [("draft_of_id", "!=", False), ("write_date", "<", limit),
             ("id", "not in", self.sudo().search([("draft_id", "!=", False)]).draft_id.ids)]
        ).unlink()  # fmt: skip
