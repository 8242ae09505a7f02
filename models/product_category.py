from odoo import models


class ProductCategory(models.Model):
    _inherit = "product.category"

    def write(self, vals):
        """A category moved: the exclusions of its new (or former) parents match its
        variants, and those of its children, differently: they are republished."""
        res = super().write(vals)
        if "parent_id" in vals:
            Product = self.env["product.product"].sudo()
            products = Product.search([("categ_id", "child_of", self.ids)])
            self.env["stock.channel.exclusion"]._facts_changed(products)
        return res
