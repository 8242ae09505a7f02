from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from .access import check_manager_of

POLICY_TYPES = [("standard", "Standard"), ("peak", "Peak period")]
# what the cached policy in force reads (the search's domain, order and active flag)
IN_FORCE_FIELDS = {"company_id", "policy_type", "active"}


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

    @api.model
    def _in_force(self, company):
        """The policy that applies to the channels of `company` now. In superuser mode
        (every order's check, every computation) kept in Odoo's cache, cleared by the
        writes that change it (IN_FORCE_FIELDS, a policy created or deleted) and keyed
        by the company's peak mode."""
        peak = bool(company.channel_peak_active)
        if self.env.su and self.env.context.get("active_test", True):
            return self.browse(self._in_force_id(company.id, peak))
        return self._search_in_force(company.id, peak)

    @tools.ormcache("company_id", "peak")
    def _in_force_id(self, company_id, peak):
        return self.sudo()._search_in_force(company_id, peak).id

    def _search_in_force(self, company_id, peak):
        wanted = "peak" if peak else "standard"
        return self.search(
            [("company_id", "=", company_id), ("policy_type", "=", wanted)], limit=1
        ) or self.search(
            [("company_id", "=", company_id), ("policy_type", "=", "standard")], limit=1
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
        for policy in self:
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
        """The rules in force may have changed: republish every channel of these companies."""
        channels = (
            self.env["stock.channel"].sudo().search([("company_id", "in", self.company_id.ids)])
        )
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

    def _set_peak_mode(self, on):
        companies = self.company_id or self.env.company
        for company in companies:
            if on and not self.search_count(
                [("company_id", "=", company.id), ("policy_type", "=", "peak")]
            ):
                raise UserError(
                    self.env._(
                        "Create an active peak-period policy for %(company)s before switching "
                        "to peak mode.",
                        company=company.name,
                    )
                )
        companies.sudo().channel_peak_active = on
        self.search([("company_id", "in", companies.ids)])._policy_changed()
