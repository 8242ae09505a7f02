from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # A product without variants shows its variant's Channels tab on its own form: the
    # Product Variants menu, and the variant's form with it, only exist with variants.
    channel_quantity_ids = fields.Many2many(
        "stock.channel.quantity", compute="_compute_channel_tab", string="Channel Quantities",
        groups="stock_channel_sync.group_channel_user",
    )  # fmt: skip
    channel_explanation_html = fields.Html(
        compute="_compute_channel_tab", sanitize=False, string="Channel Explanation",
        groups="stock_channel_sync.group_channel_user",
    )  # fmt: skip

    def _compute_channel_tab(self):
        for template in self:
            variants = template._origin.product_variant_ids
            variant = variants if len(variants) == 1 else variants.browse()
            template.channel_quantity_ids = variant.channel_quantity_ids
            template.channel_explanation_html = variant.channel_explanation_html or False
