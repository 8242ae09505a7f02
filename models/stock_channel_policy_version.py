from odoo import api, fields, models

from .access import check_manager_of
from .stock_channel_policy_rule import RULE_REF_FIELDS, RULE_WHERE_FIELDS


class StockChannelPolicyVersion(models.Model):
    _name = "stock.channel.policy.version"
    _description = "Channel Allocation Policy Version"
    _order = "policy_id, version desc"
    _rec_name = "version"

    policy_id = fields.Many2one(
        "stock.channel.policy", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    version = fields.Integer(required=True, readonly=True)
    note = fields.Char(readonly=True)
    snapshot = fields.Json(readonly=True, help="The policy's rules as they were in this version.")
    rule_count = fields.Integer(compute="_compute_rule_count")
    author_id = fields.Many2one("res.users", related="create_uid", string="Author")
    is_current = fields.Boolean(compute="_compute_is_current")
    whatif_id = fields.Many2one(
        "stock.channel.whatif",
        string="What-if",
        readonly=True,
        ondelete="set null",
        help="The what-if applied by this version: its figures before and after.",
    )

    _version_uniq = models.UniqueIndex("(policy_id, version)", "Version numbers are unique.")

    @api.depends("snapshot")
    def _compute_rule_count(self):
        for version in self:
            version.rule_count = len(version.snapshot or [])

    @api.depends("policy_id.version")
    def _compute_is_current(self):
        for version in self:
            version.is_current = version.version == version.policy_id.version

    @api.depends("policy_id", "version")
    def _compute_display_name(self):
        for version in self:
            version.display_name = f"{version.policy_id.name} v{version.version}"

    def action_restore(self):
        """Replace the policy's rules by this version's; records a new version."""
        check_manager_of(self)
        self.ensure_one()
        policy = self.policy_id
        Rule = self.env["stock.channel.policy.rule"].with_context(scs_no_snapshot=True)
        vals_list = []
        for values in self.snapshot or []:
            vals = dict(values, policy_id=policy.id)
            for name in RULE_REF_FIELDS + RULE_WHERE_FIELDS:
                comodel = Rule._fields[name].comodel_name
                if vals.get(name) and not self.env[comodel].browse(vals[name]).exists():
                    vals = None  # the channel or product is gone: the rule cannot come back
                    break
            if vals:
                vals_list.append(vals)
        policy.rule_ids.with_context(scs_no_snapshot=True).unlink()
        Rule.create(vals_list)
        policy._record_version(
            self.env._("Restored from version %(version)s", version=self.version), force=True
        )
        policy._policy_changed()
        return True
