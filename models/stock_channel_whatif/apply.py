"""Apply and Discard: the draft's rules written into the policy as one new version linked
to the what-if (or the peak switch made); the draft deleted either way, the what-if kept."""

from odoo import models
from odoo.exceptions import UserError

from ..access import check_manager_of
from .whatif import KIND_PEAK_ON, KIND_RULES, STATE_APPLIED, STATE_COMPUTED, STATE_DISCARDED


class StockChannelWhatif(models.Model):
    _inherit = "stock.channel.whatif"

    def action_apply(self):
        check_manager_of(self)
        check_manager_of(self.policy_id)
        self.ensure_one()
        self._check_open()
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
        self.sudo().draft_id.unlink()
        self.sudo().state = STATE_DISCARDED
        return True
