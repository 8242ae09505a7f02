from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ...core import whatif

KIND_RULES = "rules"
KIND_PEAK_ON = "peak_on"
KIND_PEAK_OFF = "peak_off"
WHATIF_KINDS = [
    (KIND_RULES, "Rules Change"),
    (KIND_PEAK_ON, "Switch to Peak"),
    (KIND_PEAK_OFF, "Back to Standard"),
]
STATE_DRAFT = "draft"
STATE_COMPUTING = "computing"
STATE_COMPUTED = "computed"
STATE_APPLIED = "applied"
STATE_DISCARDED = "discarded"
WHATIF_STATES = [
    (STATE_DRAFT, "Draft"),
    (STATE_COMPUTING, "Computing…"),
    (STATE_COMPUTED, "Computed"),
    (STATE_APPLIED, "Applied"),
    (STATE_DISCARDED, "Discarded"),
]
OPEN_STATES = (STATE_DRAFT, STATE_COMPUTING, STATE_COMPUTED)
# what a manager writes on a what-if (its form); the rest only its buttons, after checks
USER_FIELDS = {"horizon_days", "rule_ids"}


class StockChannelWhatif(models.Model):
    _name = "stock.channel.whatif"
    _description = "Channel Policy What-if"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    kind = fields.Selection(WHATIF_KINDS, required=True, readonly=True, default=KIND_RULES)
    state = fields.Selection(WHATIF_STATES, required=True, readonly=True, default=STATE_DRAFT)
    policy_id = fields.Many2one(
        "stock.channel.policy",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        help="The policy changed (its rules), or the policy in force before the switch.",
    )
    draft_id = fields.Many2one("stock.channel.policy", readonly=True, ondelete="set null")
    after_policy_id = fields.Many2one(
        "stock.channel.policy",
        string="Policy After",
        readonly=True,
        ondelete="set null",
        help="The policy whose quantities are the 'after': the draft, or the policy in "
        "force after the switch.",
    )
    rule_ids = fields.One2many(related="draft_id.rule_ids", readonly=False, string="Draft Rules")
    horizon_days = fields.Integer(
        string="Stock-out Horizon (days)",
        default=whatif.DEFAULT_HORIZON_DAYS,
        required=True,
        help="A variant selling on a channel is an expected stock-out when its days of "
        "cover there (publishable / units sold per day) are below this.",
    )
    job_id = fields.Many2one(
        "stock.channel.job", string="Computation", readonly=True, ondelete="set null"
    )
    job_summary = fields.Char(related="job_id.summary", string="Progress")
    job_error = fields.Text(related="job_id.error", string="Computation Error")
    gone = fields.Boolean(
        compute="_compute_gone",
        help="The policy to compare with (the draft) was deleted: the what-if can only be "
        "discarded.",
    )
    computed_at = fields.Datetime(readonly=True)
    computed_snapshot = fields.Json(readonly=True, copy=False)
    variant_count = fields.Integer(string="Variants", readonly=True)
    oversell_before = fields.Integer(readonly=True)
    oversell_after = fields.Integer(readonly=True)
    oversell_variants_before = fields.Integer(readonly=True)
    oversell_variants_after = fields.Integer(readonly=True)
    change_count = fields.Integer(string="Changed Rows", readonly=True)
    moves = fields.Json(
        readonly=True, help="[[from channel id, to channel id, units]] moved by the change."
    )
    channel_line_ids = fields.One2many(
        "stock.channel.whatif.channel", "whatif_id", string="Channels", readonly=True
    )
    change_ids = fields.One2many(
        "stock.channel.whatif.change", "whatif_id", string="Changed Variants", readonly=True
    )
    version_id = fields.Many2one(
        "stock.channel.policy.version", string="Applied As", readonly=True, ondelete="set null"
    )

    _horizon_positive = models.Constraint(
        "CHECK (horizon_days > 0)", "The stock-out horizon is a positive number of days."
    )

    @api.depends("kind")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for record in self:
            record.name = self.env._(
                "What-if #%(number)s (%(kind)s)", number=record.id or "", kind=kinds[record.kind]
            )

    @api.depends("after_policy_id", "state")
    def _compute_gone(self):
        for record in self:
            record.gone = record.state in OPEN_STATES and not record.after_policy_id

    @api.model_create_multi
    def create(self, vals_list):
        """Only its start (Change Rules…, the peak switch) creates a what-if, after the
        button's checks: over RPC, one pointing at any policy would be applied."""
        if not self.env.su:
            raise AccessError(self.env._("A what-if starts from its policy's buttons."))
        return super().create(vals_list)

    def write(self, vals):
        """The form writes the horizon and the draft's rules; the policies, the state and
        the figures are the buttons' (over RPC, a draft pointing at the policy in force
        would be deleted by Apply)."""
        if not self.env.su and set(vals) - USER_FIELDS:
            raise AccessError(
                self.env._(
                    "Only the what-if's buttons change %(fields)s.",
                    fields=", ".join(sorted(set(vals) - USER_FIELDS)),
                )
            )
        if not self.env.su:
            self._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_applied(self):
        """An applied what-if is the record of what its version applied: it stays."""
        if any(record.state == STATE_APPLIED for record in self):
            raise UserError(self.env._("An applied what-if stays with the version it applied."))

    def _check_editable(self):
        """Its horizon and its draft's rules change while it is open and not computing
        (an applied what-if is the record of what was applied)."""
        for record in self:
            if record.state not in (STATE_DRAFT, STATE_COMPUTED):
                raise UserError(
                    self.env._("A what-if changes while it is open and not computing only.")
                )

    # ------------------------------------------------------------------
    # Start: from the policy form (the buttons check the manager)
    # ------------------------------------------------------------------
    @api.model
    def _start_rules(self, policy):
        """A draft copy of `policy` (inactive, hidden) and the what-if comparing them."""
        policy.ensure_one()
        if policy.draft_of_id:
            raise UserError(self.env._("This is a what-if's draft: change its rules here."))
        draft = policy.copy({"active": False, "draft_of_id": policy.id, "name": policy.name})
        record = self.sudo().create(
            {
                "company_id": policy.company_id.id,
                "kind": KIND_RULES,
                "policy_id": policy.id,
                "draft_id": draft.id,
                "after_policy_id": draft.id,
            }
        )
        return record.sudo(False)._open()

    @api.model
    def _start_peak(self, policy, on):
        """The what-if of switching the company of `policy` to peak mode (`on`) or back:
        before, the policy in force now; after, the one in force after the switch."""
        policy.ensure_one()
        company = policy.company_id
        Policy = self.env["stock.channel.policy"]
        if on:
            Policy._check_peak_policy(company)
        before = Policy._in_force(company)
        after = Policy.sudo()._search_in_force(company.id, on)
        record = self.sudo().create(
            {
                "company_id": company.id,
                "kind": KIND_PEAK_ON if on else KIND_PEAK_OFF,
                "policy_id": before.id,
                "after_policy_id": after.id,
            }
        )
        return record.sudo(False)._open()

    def _open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
