"""The channel lookups of every order kept in Odoo's cache: the channels a webhook's code
names, the channels sharing a channel's warehouse, the channels drawing from warehouses
(a stock change there republishes them). A change of what they read (a channel created,
deleted, or its code, warehouse, company, activity, order, connector or sources changed;
a source created, changed or deleted) clears the cache, in every worker (Odoo's registry
signaling at the commit)."""

from odoo import api, models, tools

from .channel import CODE_PATTERN

# the fields the cached lookups read (the search's domain and order; the channels
# drawing from a warehouse: their connector and sources, whose own changes clear them too)
LOOKUP_FIELDS = {
    "code", "warehouse_id", "company_id", "active", "sequence", "name", "connector", "source_ids",
}  # fmt: skip


class StockChannel(models.Model):
    _inherit = "stock.channel"

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        self.env.registry.clear_cache()  # _receiving_ids, _sibling_ids
        return channels

    def write(self, vals):
        res = super().write(vals)
        if LOOKUP_FIELDS & set(vals):
            self.env.registry.clear_cache()  # _receiving_ids, _sibling_ids
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _receiving_ids, _sibling_ids
        return res

    @api.model
    def _receiving(self, code):
        """The active channels (of every company) whose webhooks come to `code`."""
        if not CODE_PATTERN.fullmatch(code or ""):
            return self.sudo().browse()
        active_test = self.env.context.get("active_test", True)
        return self.sudo().browse(self._receiving_ids(code, active_test))

    @tools.ormcache("code", "active_test", "self.env.lang")
    def _receiving_ids(self, code, active_test):
        channels = self.sudo().with_context(active_test=active_test)
        return tuple(channels.search([("code", "=", code)]).ids)

    def _siblings(self):
        """The channels of this channel's warehouse and company (as the caller sees them),
        in their order."""
        self.ensure_one()
        active_test = self.env.context.get("active_test", True)
        ids = self._sibling_ids(self.warehouse_id.id, self.company_id.id, active_test)
        return self.browse(ids)

    @tools.ormcache(
        "self.env.uid",
        "self.env.su",
        "tuple(self.env.context.get('allowed_company_ids') or ())",
        "self.env.lang",
        "warehouse_id",
        "company_id",
        "active_test",
    )
    def _sibling_ids(self, warehouse_id, company_id, active_test):
        channels = self.with_context(active_test=active_test)
        domain = [("warehouse_id", "=", warehouse_id), ("company_id", "=", company_id)]
        return tuple(channels.search(domain).ids)

    @tools.ormcache("warehouse_ids", "self.env.context.get('active_test', True)")
    def _drawing_ids(self, warehouse_ids):
        """((channel id, whether it has a connector, the ids among `warehouse_ids` it draws
        from), ...) of the channels (of every company) whose warehouse or one of whose
        sources' is in `warehouse_ids` (a sorted tuple), in their order."""
        wanted = set(warehouse_ids)
        ids = list(warehouse_ids)
        channels = self.sudo().search(
            ["|", ("warehouse_id", "in", ids), ("source_ids.warehouse_id", "in", ids)]
        )
        return tuple(
            (channel.id, bool(channel.connector), tuple(sorted(wanted & drawn)))
            for channel in channels
            for drawn in [channel._drawn_warehouse_ids()]
        )
