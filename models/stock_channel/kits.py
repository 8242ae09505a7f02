"""Kits: a product with a *kit* bill of materials (Odoo's mrp, type 'phantom') publishes
what its components' publishable quantities on the channel make (core.kits); an order
of a kit may take what its components' orderable quantities make; a component's stock
change republishes the kits that contain it (_kits_containing, one indexed query).

Without mrp installed every method here does nothing (no kit exists)."""

from odoo import api, models

from ...core import kits as kits_core

# the context key of an answer of _kits_exist a caller holds (no kit made meanwhile)
KITS_EXIST_KEY = "channel_kits_exist"
# the kits holding any of the given components, nested kits included, by one recursive
# query on mrp_bom_line.product_id (indexed): a bom on a template is every variant's
REVERSE_INDEX = """
WITH RECURSIVE kit(component_id, product_id) AS (
    SELECT l.product_id, pp.id
      FROM mrp_bom_line l
      JOIN mrp_bom b ON b.id = l.bom_id AND b.type = 'phantom' AND b.active
      JOIN product_product pp ON pp.product_tmpl_id = b.product_tmpl_id
           AND (b.product_id IS NULL OR pp.id = b.product_id) AND pp.active
     WHERE l.product_id = ANY(%s)
 UNION
    SELECT kit.component_id, pp.id
      FROM kit
      JOIN mrp_bom_line l ON l.product_id = kit.product_id
      JOIN mrp_bom b ON b.id = l.bom_id AND b.type = 'phantom' AND b.active
      JOIN product_product pp ON pp.product_tmpl_id = b.product_tmpl_id
           AND (b.product_id IS NULL OR pp.id = b.product_id) AND pp.active
)
SELECT component_id, product_id FROM kit
"""
# the variants among the given ones that have an active kit bill of materials (any company)
KIT_CANDIDATES = """
SELECT DISTINCT pp.id
  FROM product_product pp
  JOIN mrp_bom b ON b.product_tmpl_id = pp.product_tmpl_id AND b.type = 'phantom'
       AND b.active AND (b.product_id IS NULL OR b.product_id = pp.id)
 WHERE pp.id = ANY(%s)
"""

# every variant with an active kit bill of materials: for a batch of more than
# KIT_SCAN_ABOVE variants, cheaper than sending their ids (the batch's kept in Python)
KIT_VARIANTS = """
SELECT DISTINCT pp.id
  FROM product_product pp
  JOIN mrp_bom b ON b.product_tmpl_id = pp.product_tmpl_id AND b.type = 'phantom'
       AND b.active AND (b.product_id IS NULL OR b.product_id = pp.id)
"""
KIT_SCAN_ABOVE = 2000


class StockChannel(models.Model):
    _inherit = "stock.channel"

    @api.model
    def _kits_exist(self):
        """Whether any active kit bill of materials exists (mrp installed and used); the
        context's ``channel_kits_exist`` when a caller asked already (the fast path
        asks once per order)."""
        if "mrp.bom" not in self.env:
            return False
        if self.env.context.get(KITS_EXIST_KEY) is not None:
            return self.env.context[KITS_EXIST_KEY]
        self.env["mrp.bom"].flush_model(["type", "active"])
        self.env.cr.execute("SELECT 1 FROM mrp_bom WHERE type = 'phantom' AND active LIMIT 1")
        return bool(self.env.cr.fetchone())

    @api.model
    def _kits_containing(self, product_ids):
        """{component id: {kit variant ids}} of the kits (nested ones too) that contain
        `product_ids`. A bom line restricted to some variants' attribute values counts for
        every variant of the kit: at worst a kit is republished with an unchanged
        quantity. Empty when the caller knows no kit exists (KITS_EXIST_KEY)."""
        if not product_ids or "mrp.bom" not in self.env:
            return {}
        if self.env.context.get(KITS_EXIST_KEY) is False:
            return {}
        self.env["mrp.bom.line"].flush_model()
        self.env["mrp.bom"].flush_model()
        self.env.cr.execute(REVERSE_INDEX, [list(product_ids)])
        kits = {}
        for component_id, kit_id in self.env.cr.fetchall():
            kits.setdefault(component_id, set()).add(kit_id)
        return kits

    @api.model
    def _kit_components(self, products, company):
        """{kit id: {leaf component id: units per kit, in the component's unit}} of the
        kits among `products` (their first kit bill of materials for `company`, as
        Odoo's kit quantity and sale_mrp's explosion take it); nested kits flattened,
        components that are not storable left out (as in Odoo's kit quantity)."""
        if not products or not self._kits_exist():
            return {}
        self.env["mrp.bom"].flush_model(["product_tmpl_id", "product_id", "type", "active"])
        self.env["product.product"].flush_model(["product_tmpl_id"])  # all KIT_CANDIDATES reads
        if len(products) > KIT_SCAN_ABOVE:
            self.env.cr.execute(KIT_VARIANTS)
            wanted = set(products.ids)
            found = [pid for (pid,) in self.env.cr.fetchall() if pid in wanted]
        else:
            self.env.cr.execute(KIT_CANDIDATES, [products.ids])
            found = [pid for (pid,) in self.env.cr.fetchall()]
        candidates = products.browse(sorted(found))
        tree = self._kit_tree(candidates, company)  # mrp's _bom_find on the kits only
        flat = {pid: kits_core.flatten(tree, pid) for pid in products.ids if pid in tree}
        every = sorted({leaf for leaves in flat.values() for leaf in leaves})
        storable = set(products.browse(every).filtered("is_storable").ids)  # one read
        return {
            kit_id: {leaf: qty for leaf, qty in leaves.items() if leaf in storable}
            for kit_id, leaves in flat.items()
        }

    @api.model
    def _kit_tree(self, products, company):
        """{kit id: {component id: units per kit}}, one level each, for the kits among
        `products` and the kits among their components (level by level)."""
        Bom = self.env["mrp.bom"].sudo()
        tree, seen, todo = {}, set(), products
        while todo:
            seen.update(todo.ids)
            found = Bom._bom_find(todo, company_id=company.id, bom_type="phantom")
            for product, bom in found.items():
                if bom:
                    tree[product.id] = self._kit_lines(product, bom)
            nested = {comp for kit in found for comp in tree.get(kit.id, {})} - seen
            todo = products.browse(sorted(nested))
        return tree

    @api.model
    def _kit_lines(self, product, bom):
        """{component id: units per one `product`} of `bom`: each line's quantity in the
        component's unit, divided by the kits the bom makes in the kit's unit; lines
        restricted to other variants' attribute values left out (mrp's _skip_bom_line)."""
        made = bom.product_uom_id._compute_quantity(bom.product_qty, product.uom_id, round=False)
        lines = {}
        for line in bom.bom_line_ids:
            if line._skip_bom_line(product) or made <= 0:
                continue
            component = line.product_id
            qty = line.product_uom_id._compute_quantity(
                line.product_qty, component.uom_id, round=False
            )
            lines[component.id] = lines.get(component.id, 0.0) + qty / made
        return lines

    # ------------------------------------------------------------------
    # The publishable quantity (_compute_publishable calls these two)
    # ------------------------------------------------------------------
    def _kit_batch(self, products):
        """(`products` and the components of the kits among them, the kits' plan): the
        components are computed in the same batch even when not asked for."""
        if not self._kits_exist():
            return products, None
        plans, components = {}, set()
        for company in self.company_id:
            plans[company.id] = self._kit_components(products, company)
            components.update(c for plan in plans[company.id].values() for c in plan)
        if not components:
            return products, None
        extra = products.browse(sorted(components - set(products.ids)))
        names = {c.id: c.display_name for c in products.browse(sorted(components))}
        return products | extra, (plans, names)

    def _kit_results(self, results, batch):
        """`results` with each kit's made from its components' on the same channel (see
        core.kits.kit_result); the components' own results stay (computed, so returned:
        the keys are those of the batch's products)."""
        if not batch:
            return results
        plans, names = batch
        for channel in self:
            for kit_id, per_kit in plans.get(channel.company_id.id, {}).items():
                parts = {c: results[channel.id, c] for c in per_kit if (channel.id, c) in results}
                results[channel.id, kit_id] = kits_core.kit_result(per_kit, parts, names)
        return results

    # ------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------
    def _orderable(self, products):
        """A kit may be ordered as many times as its components' orderable quantities
        make (the webshop's and the POS's limit of a kit)."""
        plans = self._kit_components(products, self.company_id)
        if not plans:
            return super()._orderable(products)
        components = {c for plan in plans.values() for c in plan}
        orderable = super()._orderable(products | products.browse(sorted(components)))
        for kit_id, per_kit in plans.items():
            orderable[kit_id] = kits_core.kit_quantity(per_kit, orderable)[0]
        return orderable
