"""stock.channel.order.dry.run: what the draft rules would change on the company's last
channel orders, against the published version (one batch of facts, core's dry_run)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ...core import automation
from ..access import check_manager_of

MAX_ORDERS = 1000  # a dry run reads and evaluates this many orders at most


class StockChannelOrderDryRun(models.TransientModel):
    _name = "stock.channel.order.dry.run"
    _description = "Channel Order Rules Dry Run"

    ruleset_id = fields.Many2one("stock.channel.order.ruleset", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="ruleset_id.company_id", store=True)
    limit = fields.Integer(
        string="Last Orders", default=100, required=True,
        help="How many of the company's last channel orders, newest first (1 to 1000).",
    )  # fmt: skip
    line_ids = fields.One2many("stock.channel.order.dry.run.line", "wizard_id", readonly=True)
    order_count = fields.Integer(readonly=True)
    changed_count = fields.Integer(readonly=True)
    summary = fields.Char(compute="_compute_summary")
    published_version = fields.Integer(related="ruleset_id.published_version")
    draft_changed = fields.Boolean(related="ruleset_id.draft_changed")

    @api.depends("order_count", "changed_count")
    def _compute_summary(self):
        for wizard in self:
            wizard.summary = self.env._(
                "%(changed)s of %(orders)s orders would be handled differently",
                changed=wizard.changed_count,
                orders=wizard.order_count,
            )

    @api.constrains("limit")
    def _check_limit(self):
        if any(not 1 <= wizard.limit <= MAX_ORDERS for wizard in self):
            raise ValidationError(
                self.env._("A dry run takes between 1 and %(max)s orders.", max=MAX_ORDERS)
            )

    def _orders(self):
        """The company's last `limit` channel orders, newest first."""
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                [("company_id", "=", self.company_id.id), ("channel_id", "!=", False)],
                order="date_order desc, id desc",
                limit=self.limit,
            )
        )

    def action_run(self):
        """(Re)compute the lines: published version (before) and draft (after)."""
        check_manager_of(self.ruleset_id)
        self.ensure_one()
        ruleset = self.ruleset_id.sudo()
        published = ruleset._rules_of(ruleset.published_version_id.snapshot or [])
        draft = ruleset._rules_of(ruleset._draft_snapshot())
        orders = self._orders()
        facts = orders._channel_rule_facts()
        names = ruleset._names(published + draft)
        rows = automation.dry_run(published, draft, {o.id: facts[o.id] for o in orders}, names)
        order_names = dict(zip(orders.ids, orders.mapped("name"), strict=True))
        self.line_ids.unlink()
        self.env["stock.channel.order.dry.run.line"].create(
            [
                {
                    "wizard_id": self.id,
                    "order_id": row.order_id,
                    "order_name": order_names[row.order_id],
                    "before": automation.outcome_words(row.before, names),
                    "after": automation.outcome_words(row.after, names),
                    "changed": row.changed,
                    "differences": "; ".join(row.differences),
                }
                for row in rows
            ]
        )
        self.write({"order_count": len(rows), "changed_count": sum(r.changed for r in rows)})
        return self._open()

    def action_publish(self):
        """Publish the draft from the dry run, then close it."""
        check_manager_of(self.ruleset_id)
        self.ruleset_id.action_publish()
        return {"type": "ir.actions.act_window_close"}

    def _open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dry Run"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class StockChannelOrderDryRunLine(models.TransientModel):
    _name = "stock.channel.order.dry.run.line"
    _description = "Channel Order Rules Dry Run Line"
    _order = "changed desc, id"  # the orders the draft changes first, then newest first

    wizard_id = fields.Many2one("stock.channel.order.dry.run", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id", store=True)
    order_id = fields.Many2one("sale.order", string="Sale Order", readonly=True)
    order_name = fields.Char(string="Order", readonly=True)
    before = fields.Char(string="Published", readonly=True)
    after = fields.Char(string="Draft", readonly=True)
    changed = fields.Boolean(readonly=True)
    differences = fields.Char(readonly=True)
