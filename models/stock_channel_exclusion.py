from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..core import exclusions

# the field naming what an exclusion hides, per scope
TARGET_FIELDS = {
    exclusions.SCOPE_PRODUCT: "product_tmpl_id",
    exclusions.SCOPE_VARIANT: "product_id",
    exclusions.SCOPE_CATEGORY: "categ_id",
    exclusions.SCOPE_TAG: "tag_id",
    exclusions.SCOPE_ATTRIBUTE: "attribute_value_id",
}


class StockChannelExclusion(models.Model):
    """A rule making products invisible on channels (core.exclusions): their publishable
    quantity there is 0, with "excluded, by rule <name>" in the explain and the grid."""

    _name = "stock.channel.exclusion"
    _description = "Channel Exclusion"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10, help="The first matching exclusion is the one named.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    channel_ids = fields.Many2many(
        "stock.channel",
        string="Channels",
        check_company=True,
        help="The channels the products are hidden on; none: every channel of the company.",
    )
    scope = fields.Selection(
        exclusions.SCOPES, string="Excludes", required=True, default=exclusions.SCOPE_CATEGORY
    )
    product_tmpl_id = fields.Many2one("product.template", string="Product", check_company=True)
    product_id = fields.Many2one("product.product", string="Variant", check_company=True)
    categ_id = fields.Many2one("product.category", string="Category")
    tag_id = fields.Many2one("product.tag", string="Product Tag")
    attribute_value_id = fields.Many2one("product.attribute.value", help="e.g. a brand.")

    @api.constrains("scope", *TARGET_FIELDS.values())
    def _check_target(self):
        for exclusion in self:
            if not exclusion[TARGET_FIELDS[exclusion.scope]]:
                raise ValidationError(
                    self.env._(
                        "Exclusion %(name)s: choose the %(what)s it excludes.",
                        name=exclusion.name,
                        what=self._fields[TARGET_FIELDS[exclusion.scope]].string.lower(),
                    )
                )

    # ------------------------------------------------------------------
    # Republish what a change shows or hides, in the same transaction
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()  # _core_rules
        records._republish()
        return records

    def write(self, vals):
        before = self._affected()
        res = super().write(vals)
        self.env.registry.clear_cache()  # _core_rules
        self._republish(before)
        return res

    def unlink(self):
        self._republish()
        res = super().unlink()
        self.env.registry.clear_cache()  # _core_rules
        return res

    def _republish(self, before=None):
        """Queue the products the exclusions hide (and those they hid, `before`) on their
        channels (see stock.channel.outbox._enqueue)."""
        Outbox = self.env["stock.channel.outbox"]
        for products, channels in [*(before or []), *self._affected()]:
            if products and channels:
                Outbox._enqueue(products=products, channels=channels)

    @api.model
    def _facts_changed(self, products):
        """The facts of `products` (category, tags, attribute values) changed: queue them
        on every channel of each company with an active exclusion (none: nothing to do,
        an ordinary product edit stays free)."""
        companies = self.sudo().search([]).company_id
        if not companies or not products:
            return
        channels = self.env["stock.channel"].sudo().search([("company_id", "in", companies.ids)])
        Outbox = self.env["stock.channel.outbox"]
        for company in companies:
            mine = products.filtered(lambda p, c=company: p.company_id in (c, c.browse()))
            company_channels = channels.filtered(lambda ch, c=company: ch.company_id == c)
            if mine and company_channels:
                Outbox._enqueue(products=mine, channels=company_channels)

    def _affected(self):
        """[(products, channels)] of each exclusion, archived ones too."""
        return [(rule._products(), rule._channels()) for rule in self.sudo()]

    def _channels(self):
        self.ensure_one()
        return self.channel_ids or self.env["stock.channel"].search(
            [("company_id", "=", self.company_id.id)]
        )

    def _products(self):
        """The variants the exclusion matches (core.exclusions.matches, as a domain)."""
        self.ensure_one()
        target = self[TARGET_FIELDS[self.scope]].id
        if not target:
            return self.env["product.product"]
        domain = {
            exclusions.SCOPE_PRODUCT: [("product_tmpl_id", "=", target)],
            exclusions.SCOPE_VARIANT: [("id", "=", target)],
            exclusions.SCOPE_CATEGORY: [("categ_id", "child_of", target)],
            exclusions.SCOPE_TAG: [("all_product_tag_ids", "in", [target])],
            exclusions.SCOPE_ATTRIBUTE: [
                "|",
                ("product_template_attribute_value_ids.product_attribute_value_id", "=", target),
                ("attribute_line_ids.value_ids", "=", target),
            ],
        }[self.scope]
        return self.env["product.product"].with_context(active_test=False).search(domain)

    # ------------------------------------------------------------------
    # The rules in core terms, and the facts they are matched against
    # ------------------------------------------------------------------
    @api.model
    def _core_rules(self, companies):
        """(core.exclusions.Exclusion, ...) of the active exclusions of `companies`, in
        their stable order (core.exclusions.ordered). Kept in Odoo's cache until an
        exclusion is created, changed or deleted (that clears it, in every worker)."""
        active_test = self.env.context.get("active_test", True)
        return self._core_rules_cached(tuple(sorted(companies.ids)), active_test)

    @tools.ormcache("company_ids", "active_test", "self.env.lang")
    def _core_rules_cached(self, company_ids, active_test):
        rules = self.sudo().with_context(active_test=active_test)
        rules = rules.search([("company_id", "in", list(company_ids))])
        return exclusions.ordered(
            exclusions.Exclusion(
                key=rule.id,
                label=rule.name,
                scope=rule.scope,
                target=rule[TARGET_FIELDS[rule.scope]].id,
                channels=frozenset(rule.channel_ids.ids),
                company=rule.company_id.id,
                order=(rule.sequence,),
            )
            for rule in rules
        )

    @api.model
    def _facts(self, products):
        """{product_id: core.exclusions.Facts}, read in batch (prefetched fields)."""
        facts = {}
        for product in products.sudo().with_context(active_test=False):
            template = product.product_tmpl_id
            single = template.attribute_line_ids.filtered(lambda line: len(line.value_ids) == 1)
            values = product.product_template_attribute_value_ids.product_attribute_value_id
            facts[product.id] = exclusions.Facts(
                template=template.id,
                variant=product.id,
                categories=exclusions.category_path(product.categ_id.parent_path),
                tags=frozenset(product.all_product_tag_ids.ids),
                values=frozenset((values | single.value_ids).ids),
            )
        return facts
