"""An allocation rule of a policy: its scope, values and critical quantity, versioned."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import allocation

RULE_SCOPES = [
    ("variant", "Product Variant"),
    ("template", "Product"),
    ("category", "Product Category"),
    ("all", "All Products"),
]
SCOPE_FIELD = {"variant": "product_id", "template": "product_tmpl_id", "category": "categ_id"}
# Values of a rule, as kept in policy versions and passed to core.allocation.Rule.
RULE_VALUE_FIELDS = allocation.RULE_VALUES
# Options of a rule: kept in versions only when on (older versions have none: off).
RULE_OPTION_FIELDS = allocation.RULE_OPTIONS
RULE_REF_FIELDS = ("channel_id", "product_id", "product_tmpl_id", "categ_id")
# where a rule applies (optional, kept in versions only when set): one source, or the
# sources whose warehouse address lies in a region (zone); the most specific wins
RULE_WHERE_FIELDS = ("source_warehouse_id", "zone_id")


class StockChannelPolicyRule(models.Model):
    _name = "stock.channel.policy.rule"
    _description = "Channel Allocation Rule"
    _order = "policy_id, channel_id, scope_rank, sequence, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "stock.channel.policy", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    channel_id = fields.Many2one(
        "stock.channel",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('company_id', '=', company_id)]",
    )
    scope = fields.Selection(RULE_SCOPES, required=True, default="all")
    scope_rank = fields.Integer(compute="_compute_scope_rank", store=True)
    product_id = fields.Many2one("product.product", string="Variant", ondelete="cascade")
    product_tmpl_id = fields.Many2one("product.template", string="Product", ondelete="cascade")
    categ_id = fields.Many2one("product.category", string="Category", ondelete="cascade")
    applies_to = fields.Char(compute="_compute_applies_to")
    source_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Source",
        ondelete="cascade",
        check_company=True,
        help="Only at this source of the channel (empty: every source).",
    )
    zone_id = fields.Many2one(
        "stock.channel.zone",
        string="Region",
        ondelete="cascade",
        check_company=True,
        help="Only at the sources whose warehouse address lies in this zone (empty: all).",
    )

    share_percent = fields.Float(
        string="Share %", default=100.0, help="Share of the sellable quantity, 0 to 100."
    )
    safety_buffer = fields.Integer(help="Units held back from this channel.")
    max_exposure = fields.Integer(help="Never publish more than this (0 = no cap).")
    ring_fenced_qty = fields.Integer(
        string="Ring-fenced Qty",
        help="Units kept for this channel only and excluded from every other channel.",
    )
    include_incoming_days = fields.Integer(
        string="Incoming Horizon (days)",
        help="Count confirmed receipts due within this many days (0 = never).",
    )
    backorder_qty = fields.Integer(
        help="Published when nothing is sellable, if the channel allows backorder.",
    )
    min_publish_threshold = fields.Integer(
        string="Minimum Threshold", help="Publish 0 when the result is below this (0 = none)."
    )
    latency_buffer = fields.Boolean(
        string="Latency-adaptive Buffer",
        help="Also hold back the units expected to sell while a quantity is on its way to "
        "the channel: the variant's sales per day on the channel (confirmed orders of the "
        "last 7 days / 7) x the channel's p95 accepted push latency over the last 7 days, "
        "to the nearest unit. Fast sellers on slow channels keep a cushion, slow sellers do "
        "not.",
    )
    critical_qty = fields.Integer(
        help="Alert the channel's responsible user when a done move (an inventory count, a "
        "delivery...) takes the publishable quantity below this (0 = no alert).",
    )

    _unique_scope = models.UniqueIndex(
        "(policy_id, channel_id, scope, COALESCE(product_id, 0), COALESCE(product_tmpl_id, 0), "
        "COALESCE(categ_id, 0), COALESCE(source_warehouse_id, 0), COALESCE(zone_id, 0))",
        "A policy has one rule per channel and scope target.",
    )
    _critical_qty_positive = models.Constraint(
        "CHECK (COALESCE(critical_qty, 0) >= 0)", "The critical quantity is not negative."
    )

    @api.depends("scope")
    def _compute_scope_rank(self):
        ranks = {code: rank for rank, (code, _label) in enumerate(RULE_SCOPES)}
        for rule in self:
            rule.scope_rank = ranks.get(rule.scope, len(RULE_SCOPES))

    @api.depends("scope", "product_id", "product_tmpl_id", "categ_id")
    def _compute_applies_to(self):
        labels = dict(RULE_SCOPES)
        for rule in self:
            target = rule[SCOPE_FIELD[rule.scope]] if rule.scope in SCOPE_FIELD else False
            rule.applies_to = target.display_name if target else labels.get(rule.scope, "")

    @api.onchange("scope")
    def _onchange_scope(self):
        for name in SCOPE_FIELD.values():
            if SCOPE_FIELD.get(self.scope) != name:
                self[name] = False

    @api.constrains("scope", "product_id", "product_tmpl_id", "categ_id", *RULE_VALUE_FIELDS)
    def _check_rule(self):
        labels = dict(RULE_SCOPES)
        for rule in self:
            problems = rule._to_core().errors()
            if problems:
                raise ValidationError(
                    self.env._(
                        "Invalid rule for %(channel)s: %(problems)s",
                        channel=rule.channel_id.display_name,
                        problems="; ".join(problems),
                    )
                )
            for scope, name in SCOPE_FIELD.items():
                if (rule.scope == scope) != bool(rule[name]):
                    raise ValidationError(
                        self.env._(
                            "A rule of scope '%(scope)s' needs exactly its %(target)s and no other "
                            "target.",
                            scope=labels[rule.scope],
                            target=self._fields[SCOPE_FIELD.get(rule.scope, name)].string,
                        )
                    )
            if rule.channel_id.company_id != rule.policy_id.company_id:
                raise ValidationError(
                    self.env._("The rule's channel belongs to another company than its policy.")
                )

    @api.constrains(*RULE_WHERE_FIELDS)
    def _check_where(self):
        if any(rule.source_warehouse_id and rule.zone_id for rule in self):
            raise ValidationError(
                self.env._("A rule applies at a source or in a region, not both.")
            )

    def _to_core(self, label=""):
        return allocation.Rule(
            **{name: self[name] for name in RULE_VALUE_FIELDS + RULE_OPTION_FIELDS},
            label=label,
        )

    def _label(self, version):
        labels = dict(RULE_SCOPES)
        label = self.env._(
            "%(policy)s v%(version)s, %(scope)s rule: %(target)s",
            policy=self.policy_id.name,
            version=version,
            scope=labels[self.scope].lower(),
            target=self.applies_to,
        )
        where = self.source_warehouse_id or self.zone_id
        return (
            self.env._("%(label)s, at %(where)s", label=label, where=where.name) if where else label
        )

    def _snapshot_values(self):
        values = {name: self[name] for name in RULE_VALUE_FIELDS}
        values.update({name: True for name in RULE_OPTION_FIELDS if self[name]})
        values.update({name: self[name].id or False for name in RULE_REF_FIELDS})
        values.update({name: self[name].id for name in RULE_WHERE_FIELDS if self[name]})
        values.update(scope=self.scope, sequence=self.sequence)
        # kept in versions only when set: versions recorded before it existed compare equal
        if self.critical_qty:
            values["critical_qty"] = self.critical_qty
        return values

    # ------------------------------------------------------------------
    # Versioning: direct changes to rules also record a policy version
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules.policy_id._record_version(self.env._("Rules changed"))
        rules.policy_id._policy_changed()
        return rules

    def write(self, vals):
        policies = self.policy_id
        res = super().write(vals)
        (policies | self.policy_id)._record_version(self.env._("Rules changed"))
        (policies | self.policy_id)._policy_changed()
        return res

    def unlink(self):
        policies = self.policy_id
        res = super().unlink()
        policies.exists()._record_version(self.env._("Rules changed"))
        policies.exists()._policy_changed()
        return res

    # ------------------------------------------------------------------
    # Resolution: the most specific rule wins (variant > product > category > all)
    # ------------------------------------------------------------------
    @api.model
    def _rule_finder(self, channels):
        """Return find(channel, product, warehouse=None) -> the rule in force (empty when
        none): at the source `warehouse` first, then its regions, then everywhere; at each,
        variant > product > category > all."""
        Policy = self.env["stock.channel.policy"]
        policies = Policy.browse()
        for company in channels.company_id:
            policies |= Policy._in_force(company)
        rules = self.search([("policy_id", "in", policies.ids), ("channel_id", "in", channels.ids)])
        index = {}
        for rule in rules:
            target = rule[SCOPE_FIELD[rule.scope]].id if rule.scope in SCOPE_FIELD else 0
            index.setdefault((rule.channel_id.id, rule._where(), rule.scope, target), rule)
        wheres = {where for _channel, where, _scope, _target in index if where}
        places = self.env["stock.channel.zone"]._places(wheres)

        ruled = {channel_id for channel_id, *_rest in index}
        last = [None, None]  # the last product's keys: one read of its fields per product

        def find(channel, product, warehouse=None):
            if channel.id not in ruled:
                return self.browse()
            if last[0] != product.id:
                last[:] = [product.id, self._product_keys(product)]
            for where in places(warehouse):
                rule = self._find_at(index, (channel.id, where), last[1])
                if rule:
                    return rule
            return self.browse()

        find.ruled = frozenset(ruled)  # the channels with rules (the others': the default)
        return find

    def _where(self):
        """Where the rule applies: ("source", warehouse id), ("zone", zone id) or None."""
        if self.source_warehouse_id:
            return ("source", self.source_warehouse_id.id)
        return ("zone", self.zone_id.id) if self.zone_id else None

    @api.model
    def _product_keys(self, product):
        """The (scope, target) keys of `product`, the most specific first: its variant, its
        product, its categories from the closest up."""
        keys = [("variant", product.id), ("template", product.product_tmpl_id.id)]
        if product.categ_id:
            path = product.categ_id.parent_path.strip("/").split("/")
            keys += [("category", int(categ_id)) for categ_id in reversed(path)]
        return (*keys, ("all", 0))

    @api.model
    def _find_at(self, index, at, keys):
        """The rule of `at` (channel id, place) for a product's `keys` (_product_keys):
        variant > product > category > all (None when none)."""
        for key in keys:
            rule = index.get((*at, *key))
            if rule:
                return rule
        return None

    @api.model
    def _resolver(self, channels):
        """Return resolve(channel, product) -> core.allocation.Rule for the policies in force."""
        find = self._rule_finder(channels)
        core_rules = {}

        def resolve(channel, product, warehouse=None):
            rule = find(channel, product, warehouse)
            if not rule:
                return allocation.DEFAULT_RULE
            if rule.id not in core_rules:
                core_rules[rule.id] = rule._to_core(rule._label(rule.policy_id.version))
            return core_rules[rule.id]

        resolve.ruled = find.ruled
        return resolve
