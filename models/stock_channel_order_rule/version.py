"""stock.channel.order.ruleset.version: a published state of a rule set (its snapshot),
who published it (author) and why (note); a version restored becomes the draft again and
is published as a new version."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core import automation
from ..access import check_manager_of
from .ruleset import NAMED_MODELS


def _rule_line(rule, names):
    """One rule in words: "Big orders: amount ≥ 500 → held for review: big order"."""
    done = "; ".join(automation.action_words(action, names) for action in rule.actions)
    return f"{rule.name}: {rule.summary(names)} \u2192 {done or '-'}" + (
        " (stop)" if rule.stop else ""
    )


class StockChannelOrderRulesetVersion(models.Model):
    _name = "stock.channel.order.ruleset.version"
    _description = "Channel Order Rule Set Version"
    _order = "ruleset_id, version desc"
    _rec_name = "version"

    ruleset_id = fields.Many2one(
        "stock.channel.order.ruleset", required=True, ondelete="cascade", index=True,
        readonly=True,
    )  # fmt: skip
    company_id = fields.Many2one(related="ruleset_id.company_id", store=True, index=True)
    version = fields.Integer(required=True, readonly=True)
    snapshot = fields.Json(readonly=True, help="The rules as they were published.")
    note = fields.Char(readonly=True)
    author_id = fields.Many2one("res.users", related="create_uid", string="Author")
    published_at = fields.Datetime(readonly=True)
    rule_count = fields.Integer(compute="_compute_rule_count", string="Rules")
    is_published = fields.Boolean(compute="_compute_is_published", string="Published")
    rules_text = fields.Text(compute="_compute_rules_text", string="Rules in Words")

    _version_uniq = models.UniqueIndex("(ruleset_id, version)", "Version numbers are unique.")

    @api.depends("snapshot")
    def _compute_rule_count(self):
        for version in self:
            version.rule_count = len(version.snapshot or [])

    @api.depends("snapshot")
    def _compute_rules_text(self):
        Ruleset = self.env["stock.channel.order.ruleset"]
        for version in self:
            try:
                rules = automation.rules_from_snapshot(version.snapshot or [])
            except ValueError as error:
                version.rules_text = str(error)
                continue
            names = Ruleset._names(rules)
            version.rules_text = "\n".join(_rule_line(rule, names) for rule in rules) or (
                self.env._("No rule: every order is accepted.")
            )

    @api.depends("ruleset_id.published_version_id")
    def _compute_is_published(self):
        for version in self:
            version.is_published = version == version.ruleset_id.published_version_id

    @api.depends("version")
    def _compute_display_name(self):
        for version in self:
            version.display_name = f"v{version.version}"

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        """The history says who changed what: a version goes only with its rule set."""
        raise UserError(
            self.env._(
                "A version of the order rules cannot be deleted: it is the history of who "
                "changed what (restore an older one instead)."
            )
        )

    def _missing_records(self, rules):
        """Words for the records these rules name that no longer exist ("rule 'Lyon':
        zone #12"), one read per kind named."""
        gone = {}
        for kind, ids in automation.named_ids(rules).items():
            model = self.env[NAMED_MODELS[kind]].sudo().with_context(active_test=False)
            gone[kind] = set(ids) - set(model.browse(sorted(ids)).exists().ids)
        missing = []
        for rule in rules:
            for kind, ids in sorted(automation.named_ids([rule]).items()):
                missing += [
                    f"rule '{rule.name}': {kind.replace('_', ' ')} #{record_id}"
                    for record_id in sorted(ids & gone[kind])
                ]
        return missing

    def action_restore(self):
        """This version's rules become the draft again and are published as a new version
        ("Restored vN")."""
        check_manager_of(self)
        self.ensure_one()
        ruleset = self.ruleset_id.sudo()
        missing = self._missing_records(ruleset._rules_of(self.snapshot or []))
        if missing:  # the rules would be restored wider (or without their target)
            raise UserError(
                self.env._(
                    "v%(version)s cannot be restored: its rules name records that no longer "
                    "exist (%(missing)s). Write the rules again in the draft instead.",
                    version=self.version,
                    missing=", ".join(missing),
                )
            )
        Rule = self.env["stock.channel.order.rule"].sudo()
        values = [Rule._values_from_snapshot(item) for item in self.snapshot or []]
        ruleset.rule_ids.unlink()
        Rule.create([dict(vals, ruleset_id=ruleset.id) for vals in values])
        ruleset.invalidate_recordset(["rule_ids"])
        ruleset._publish(
            ruleset._draft_snapshot(), self.env._("Restored v%(version)s", version=self.version)
        )
        return True
