from dataclasses import dataclass

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from .access import check_manager_of

POLICY_TYPES = [("standard", "Standard"), ("peak", "Peak period")]
# what the cached policy in force reads (the search's domain, order and active flag)
IN_FORCE_FIELDS = {"company_id", "policy_type", "active", "draft_of_id"}
# context key: an InForce, the policy taken as the one in force for its company (a
# what-if's "before" or "after", computed with the real computation; never cached)
IN_FORCE_OVERRIDE = "scs_policy_in_force"


@dataclass(frozen=True)
class InForce:
    """The value of IN_FORCE_OVERRIDE. Not a bare id: a request's context is JSON and
    cannot hold one, so no call over RPC makes a what-if's draft the policy in force."""

    policy_id: int


class StockChannelPolicy(models.Model):
    _name = "stock.channel.policy"
    _description = "Channel Allocation Policy"
    _order = "company_id, policy_type, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    policy_type = fields.Selection(
        POLICY_TYPES,
        required=True,
        default="standard",
        help="The standard policy applies normally; the peak policy replaces it for all "
        "channels of the company while peak mode is on (sales, holidays).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    rule_ids = fields.One2many("stock.channel.policy.rule", "policy_id", string="Rules", copy=True)
    version_ids = fields.One2many(
        "stock.channel.policy.version", "policy_id", string="Versions", copy=False
    )
    version = fields.Integer(
        compute="_compute_version", help="Number of the latest version of the rules."
    )
    is_in_force = fields.Boolean(compute="_compute_is_in_force", string="In Force")
    peak_active = fields.Boolean(related="company_id.channel_peak_active", string="Peak Mode On")
    draft_of_id = fields.Many2one(
        "stock.channel.policy",
        ondelete="cascade",
        readonly=True,
        index="btree_not_null",
        help="A what-if's draft of this policy: its rules are edited and compared before "
        "they are applied. A draft is never in force and records no version.",
    )
    whatif_count = fields.Integer(compute="_compute_whatif_count", string="What-ifs")

    _one_active_per_type = models.UniqueIndex(
        "(company_id, policy_type) WHERE active",
        "A company has one active standard policy and one active peak policy.",
    )

    @api.depends("version_ids.version")
    def _compute_version(self):
        versions = dict(
            self.env["stock.channel.policy.version"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["version:max"]
            )
        )
        for policy in self:
            policy.version = versions.get(policy, 0)

    @api.depends("policy_type", "active", "company_id.channel_peak_active")
    def _compute_is_in_force(self):
        for policy in self:
            policy.is_in_force = policy == self._in_force(policy.company_id)

    def _compute_whatif_count(self):
        counts = dict(
            self.env["stock.channel.whatif"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.whatif_count = counts.get(policy, 0)

    @api.model
    def _in_force(self, company):
        """The policy that applies to the channels of `company` now. In superuser mode
        (every order's check, every computation) kept in Odoo's cache, cleared by the
        writes that change it (IN_FORCE_FIELDS, a policy created or deleted) and keyed
        by the company's peak mode. The context's IN_FORCE_OVERRIDE (a policy id) stands
        for it in its company (a what-if), outside the cache."""
        override = self.env.context.get(IN_FORCE_OVERRIDE)
        if isinstance(override, InForce):
            policy = self.sudo().browse(override.policy_id).exists()
            if policy.company_id == company:
                return self.browse(policy.id)
        peak = bool(company.channel_peak_active)
        if self.env.su and self.env.context.get("active_test", True):
            return self.browse(self._in_force_id(company.id, peak))
        return self._search_in_force(company.id, peak)

    @tools.ormcache("company_id", "peak")
    def _in_force_id(self, company_id, peak):
        return self.sudo()._search_in_force(company_id, peak).id

    def _search_in_force(self, company_id, peak):
        wanted = "peak" if peak else "standard"
        company = [  # active, even in a context with active_test=False; never a draft
            ("company_id", "=", company_id),
            ("draft_of_id", "=", False),
            ("active", "=", True),
        ]
        return self.search([*company, ("policy_type", "=", wanted)], limit=1) or self.search(
            [*company, ("policy_type", "=", "standard")], limit=1
        )

    # ------------------------------------------------------------------
    # Versions: every change of the rules records a snapshot
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        policies = super(StockChannelPolicy, self.with_context(scs_no_snapshot=True)).create(
            vals_list
        )
        policies = policies.with_context(scs_no_snapshot=self.env.context.get("scs_no_snapshot"))
        policies._record_version(self.env._("Created"))
        self.env.registry.clear_cache()  # _in_force_id
        return policies

    def write(self, vals):
        res = super(StockChannelPolicy, self.with_context(scs_no_snapshot=True)).write(vals)
        if IN_FORCE_FIELDS & set(vals):
            self.env.registry.clear_cache()  # _in_force_id
        if "rule_ids" in vals:
            self._record_version(self.env._("Rules changed"))
        if {"rule_ids", "active", "policy_type", "company_id"} & set(vals):
            self._policy_changed()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _in_force_id
        return res

    def _snapshot(self):
        self.ensure_one()
        return [rule._snapshot_values() for rule in self.rule_ids.sorted("id")]

    def _record_version(self, note, force=False):
        """Record a new version of each policy whose rules differ from its latest version."""
        if self.env.context.get("scs_no_snapshot"):
            return self.env["stock.channel.policy.version"]
        Version = self.env["stock.channel.policy.version"]
        created = Version
        for policy in self.filtered(lambda p: not p.draft_of_id):  # a draft has none
            snapshot = policy._snapshot()
            last = Version.search([("policy_id", "=", policy.id)], order="version desc", limit=1)
            if last and last.snapshot == snapshot and not force:
                continue
            created |= Version.create(
                {
                    "policy_id": policy.id,
                    "version": (last.version or 0) + 1,
                    "snapshot": snapshot,
                    "note": note,
                }
            )
        return created

    def _policy_changed(self):
        """The rules in force may have changed: republish every channel of these companies
        (a draft's changes publish nothing)."""
        companies = self.filtered(lambda p: not p.draft_of_id).company_id
        if not companies:
            return
        channels = self.env["stock.channel"].sudo().search([("company_id", "in", companies.ids)])
        self.env["stock.channel.outbox"]._enqueue(channels=channels)

    # ------------------------------------------------------------------
    # Peak mode
    # ------------------------------------------------------------------
    def action_switch_peak(self):
        check_manager_of(self)
        self._set_peak_mode(True)

    def action_switch_standard(self):
        check_manager_of(self)
        self._set_peak_mode(False)

    @api.model
    def _check_peak_policy(self, company):
        if not self.search_count(
            [("company_id", "=", company.id), ("policy_type", "=", "peak"),
             ("draft_of_id", "=", False)]
        ):  # fmt: skip
            raise UserError(
                self.env._(
                    "Create an active peak-period policy for %(company)s before switching "
                    "to peak mode.",
                    company=company.name,
                )
            )

    def action_change_rules(self):
        """Change Rules…: a draft copy of the policy and its what-if, opened."""
        check_manager_of(self)
        return self.env["stock.channel.whatif"]._start_rules(self)

    def action_open_whatifs(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_channel_sync.action_stock_channel_whatif"
        )
        action["domain"] = [("policy_id", "in", self.ids)]
        return action

    def action_whatif_peak(self):
        """Switch to Peak…: the what-if of the switch (its Apply switches)."""
        check_manager_of(self)
        return self.env["stock.channel.whatif"]._start_peak(self, True)

    def action_whatif_standard(self):
        check_manager_of(self)
        return self.env["stock.channel.whatif"]._start_peak(self, False)

    def _set_peak_mode(self, on):
        companies = self.company_id or self.env.company
        for company in companies:
            if on:
                self._check_peak_policy(company)
        companies.sudo().channel_peak_active = on
        self.search([("company_id", "in", companies.ids)])._policy_changed()
