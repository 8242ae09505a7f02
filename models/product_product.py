from markupsafe import Markup, escape

from odoo import api, fields, models

from .explain import step_label, steps_table

# what an exclusion matches a variant on (stock.channel.exclusion._facts)
EXCLUSION_FACTS = {
    "categ_id",
    "product_tag_ids",
    "additional_product_tag_ids",
    "product_template_attribute_value_ids",
}


class ProductProduct(models.Model):
    _inherit = "product.product"

    publishable_qty = fields.Integer(
        compute="_compute_publishable_qty",
        string="Publishable",
        help="Quantity published on the channel given in the context (channel_id).",
    )
    channel_quantity_ids = fields.One2many(
        "stock.channel.quantity", "product_id", string="Channel Quantities"
    )
    channel_explanation_html = fields.Html(
        compute="_compute_channel_explanation_html", sanitize=False, string="Channel Explanation"
    )

    @api.depends(
        "stock_quant_ids.quantity",
        "stock_quant_ids.reserved_quantity",
        "stock_move_ids.state",
        "stock_move_ids.product_qty",
        "stock_move_ids.date",
    )
    @api.depends_context("channel_id")
    def _compute_publishable_qty(self):
        channel = self.env["stock.channel"].browse(self.env.context.get("channel_id"))
        quantities = self._get_publishable_qty_dict(channel) if channel else {}
        for product in self:
            product.publishable_qty = quantities.get(product.id, 0)

    def write(self, vals):
        res = super().write(vals)
        if EXCLUSION_FACTS.intersection(vals):
            self.env["stock.channel.exclusion"]._facts_changed(self)
        return res

    def _get_publishable_qty_dict(self, channel):
        """{product_id: publishable quantity} on `channel`, computed in one batch."""
        results = channel._compute_publishable(self._origin.filtered("is_storable"))
        return {product_id: res.publishable for (_ch, product_id), res in results.items()}

    def _channel_explain(self, channel):
        """Step-by-step breakdown from on hand down to the publishable quantity."""
        self.ensure_one()
        result = channel._compute_publishable(self)[channel.id, self.id]
        return {
            "product_id": self.id,
            "product": self.display_name,
            "channel_id": channel.id,
            "channel": channel.display_name,
            "warehouse": channel.warehouse_id.display_name,
            "rule": result.rule,
            "publishable": result.publishable,
            "sellable": result.sellable,
            "steps": [
                dict(step, label=step_label(step["step"], self.env)) for step in result.steps
            ],
        }

    # ------------------------------------------------------------------
    # Webshop: the channel decides, whatever "Sell when Out-of-Stock"
    # ------------------------------------------------------------------
    def _get_max_quantity(self, website, sale_order, **kwargs):
        self.ensure_one()
        if self.allow_out_of_stock_order and website._channel_governing(self):
            free = website._get_product_available_qty(self.sudo(), **kwargs)
            return free - sale_order._get_cart_qty(self.id)
        return super()._get_max_quantity(website, sale_order, **kwargs)

    def _is_sold_out(self):
        self.ensure_one()
        website = self.env["website"].get_current_website()
        if self.allow_out_of_stock_order and website._channel_governing(self):
            return website._get_product_available_qty(self.sudo()) <= 0
        return super()._is_sold_out()

    def _compute_channel_explanation_html(self):
        channels = self.env["stock.channel"].search([])
        for product in self:
            if not product._origin.id or not product.is_storable or not channels:
                product.channel_explanation_html = False
                continue
            parts = []
            for channel in channels:
                data = product._origin._channel_explain(channel)
                parts.append(
                    Markup("<h5>%s</h5>%s")
                    % (escape(data["channel"]), steps_table(self.env, data["steps"]))
                )
            product.channel_explanation_html = Markup("").join(parts)
