"""stock.channel.order.ruleset: a company's order rules. The rule records are the draft;
orders are evaluated with the published version's snapshot (`_published_rules`, kept in
Odoo's cache per company, cleared on publish and restore)."""

from odoo import api, fields, models, tools
from odoo.exceptions import UserError

from odoo.addons.base.models.res_partner import _tz_get

from ...core import automation
from ..access import CHANNEL_USER, check_groups, check_manager_of
from .action import ACTION_FIELDS
from .rule import SNAPSHOT_FIELDS

# the models of the records rules name (core.automation.named_ids's kinds)
NAMED_MODELS = {
    "channel": "stock.channel",
    "zone": "stock.channel.zone",
    "category": "product.category",
    "product_tag": "product.tag",
    "customer_tag": "res.partner.category",
    "source": "stock.channel.source",
    "carrier": "delivery.carrier",
    "tag": "crm.tag",
    "user": "res.users",
    "discuss_channel": "discuss.channel",
}
# what the draft's snapshot reads (draft_changed depends on it)
DRAFT_FIELDS = (
    "rule_ids",
    *(f"rule_ids.{name}" for name in SNAPSHOT_FIELDS),
    "rule_ids.action_ids",
    *(f"rule_ids.action_ids.{name}" for name in ACTION_FIELDS),
)


class StockChannelOrderRuleset(models.Model):
    _name = "stock.channel.order.ruleset"
    _description = "Channel Order Rule Set"
    _order = "company_id"
    _rec_name = "company_id"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    rule_ids = fields.One2many(
        "stock.channel.order.rule", "ruleset_id", string="Rules (Draft)", copy=True
    )
    version_ids = fields.One2many(
        "stock.channel.order.ruleset.version", "ruleset_id", string="Versions", copy=False
    )
    published_version_id = fields.Many2one(
        "stock.channel.order.ruleset.version", readonly=True, copy=False, check_company=True,
        help="The version incoming orders are evaluated with.",
    )  # fmt: skip
    published_version = fields.Integer(related="published_version_id.version", string="Published")
    time_zone = fields.Selection(
        _tz_get,
        required=True,
        default=lambda self: self.env.user.tz or "UTC",
        help="The time of day of the rules' conditions is the order's time in this zone.",
    )
    note = fields.Char(
        string="Change Note", copy=False, help="Recorded with the next published version."
    )
    draft_changed = fields.Boolean(
        compute="_compute_draft_changed", help="The draft differs from the published version."
    )

    _company_uniq = models.UniqueIndex("(company_id)", "A company has one order rule set.")

    @api.depends(*DRAFT_FIELDS, "published_version_id")
    def _compute_draft_changed(self):
        for ruleset in self:
            try:
                ruleset.draft_changed = not ruleset._same(ruleset._draft_snapshot())
            except UserError:
                ruleset.draft_changed = True

    @api.depends("company_id")
    def _compute_display_name(self):
        for ruleset in self:
            ruleset.display_name = self.env._(
                "Order Rules of %(company)s", company=ruleset.company_id.name
            )

    def write(self, vals):
        # readonly in the form protects nothing over RPC: the published version changes
        # by Publish or Restore only (a new version in the history, the cache cleared),
        # and a rule set stays with its company (its published rules are cached by company)
        if "published_version_id" in vals and not self.env.su:
            raise UserError(
                self.env._(
                    "The published version changes by Publish or by Restore on a version only."
                )
            )
        if "company_id" in vals and any(r.company_id.id != vals["company_id"] for r in self):
            raise UserError(self.env._("An order rule set stays with its company."))
        return super().write(vals)

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()  # _published_rules_of
        return result

    # ------------------------------------------------------------------
    # The menu: the rule set of the user's company (created when missing)
    # ------------------------------------------------------------------
    @api.model
    def action_open_company_ruleset(self):
        check_groups(self.env, CHANNEL_USER)
        company = self.env.company
        ruleset = self.search([("company_id", "=", company.id)], limit=1)
        if not ruleset:  # a harmless empty rule set for the user's own company
            ruleset = self.sudo().create({"company_id": company.id}).sudo(False)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Order Rules"),
            "res_model": self._name,
            "res_id": ruleset.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Draft, published
    # ------------------------------------------------------------------
    def _draft_snapshot(self):
        self.ensure_one()
        return [
            rule._snapshot_values() for rule in self.rule_ids.sorted(lambda r: (r.sequence, r.id))
        ]

    def _rules_of(self, snapshot):
        """The core Rules of a snapshot; a UserError in words when it is malformed."""
        try:
            return automation.rules_from_snapshot(snapshot)
        except ValueError as error:
            raise UserError(
                self.env._("The rules cannot be used: %(error)s", error=error)
            ) from error

    def _same(self, snapshot):
        if not self.published_version_id:
            return not snapshot
        return self._rules_of(snapshot) == self._rules_of(self.published_version_id.snapshot or [])

    @api.model
    def _names(self, rules):
        """{kind: {id: name}} of the records core Rules name (a read per kind named)."""
        names = {}
        for kind, ids in automation.named_ids(rules).items():
            records = self.env[NAMED_MODELS[kind]].sudo().browse(sorted(ids)).exists()
            names[kind] = {record.id: record.display_name for record in records}
        return names

    @api.model
    def _published_rules(self, company):
        """The published rules of `company` (core Rules), () when it publishes none."""
        return self._published_rules_of(company.id)

    @tools.ormcache("company_id")
    def _published_rules_of(self, company_id):
        ruleset = self.sudo().search([("company_id", "=", company_id)], limit=1)
        return automation.rules_from_snapshot(ruleset.published_version_id.snapshot or [])

    def action_publish(self):
        """Publish the draft as a new version (a manager of the rule set's company)."""
        check_manager_of(self)
        for ruleset in self:
            snapshot = ruleset._draft_snapshot()
            ruleset._rules_of(snapshot)
            if ruleset._same(snapshot):
                raise UserError(
                    self.env._("The draft is the published version: there is nothing to publish.")
                )
            ruleset._publish(snapshot, ruleset.note or self.env._("Published"))
        return True

    def _publish(self, snapshot, note):
        """Record `snapshot` as the next version and make it the published one."""
        self.ensure_one()
        Version = self.env["stock.channel.order.ruleset.version"].sudo()
        last = max(self.sudo().version_ids.mapped("version"), default=0)
        version = Version.create(
            {
                "ruleset_id": self.id,
                "version": last + 1,
                "snapshot": snapshot,
                "note": note,
                "published_at": fields.Datetime.now(),
            }
        )
        self.sudo().write({"published_version_id": version.id, "note": False})
        self.env.registry.clear_cache()  # _published_rules_of
        return version

    def action_dry_run(self):
        """The dry run of the draft on the company's last channel orders."""
        check_manager_of(self)
        self.ensure_one()
        wizard = self.env["stock.channel.order.dry.run"].create({"ruleset_id": self.id})
        wizard.action_run()
        return wizard._open()
