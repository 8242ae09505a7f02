from odoo import api, fields, models
from odoo.http import request

from ..core import pickup

# what an exclusion matches a variant on (stock.channel.exclusion._facts): a change of
# them republishes the variants
EXCLUSION_FACTS = {"categ_id", "product_tag_ids", "attribute_line_ids"}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # A product without variants shows its variant's Channels tab on its own form: the
    # Product Variants menu, and the variant's form with it, only exist with variants.
    channel_quantity_ids = fields.Many2many(
        "stock.channel.quantity",
        compute="_compute_channel_tab",
        string="Channel Quantities",
        groups="stock_channel_sync.group_channel_user",
    )
    channel_explanation_html = fields.Html(
        compute="_compute_channel_tab",
        sanitize=False,
        string="Channel Explanation",
        groups="stock_channel_sync.group_channel_user",
    )
    channel_no_pickup_ids = fields.Many2many(
        "stock.channel",
        "product_template_channel_no_pickup_rel",
        "product_tmpl_id",
        "channel_id",
        string="No Pickup on Channels",
        copy=False,  # a duplicate by a user outside the channels must not read them
        domain=[("website_id", "!=", False)],
        help="The webshop channels on which this product cannot be picked up in store "
        "(click & collect): no store is offered for a cart holding it. Empty: pickup "
        "allowed on every channel.",
    )
    shop_stock_rule = fields.Text(
        compute="_compute_shop_stock_rule",
        string="Webshop Stock Rule",
        help="Which rule decides how much of the product the webshop may sell: the channel "
        "of a website that has one, else the product's Sell when Out-of-Stock.",
    )

    def write(self, vals):
        res = super().write(vals)
        if EXCLUSION_FACTS.intersection(vals):
            variants = self.with_context(active_test=False).product_variant_ids
            self.env["stock.channel.exclusion"]._facts_changed(variants)
        return res

    def _compute_channel_tab(self):
        for template in self:
            variants = template._origin.product_variant_ids
            variant = variants if len(variants) == 1 else variants.browse()
            template.channel_quantity_ids = variant.channel_quantity_ids
            template.channel_explanation_html = variant.channel_explanation_html or False

    @api.depends("is_storable", "company_id")
    def _compute_shop_stock_rule(self):
        self.shop_stock_rule = False
        channels = self.env["stock.channel"].sudo().search([("website_id", "!=", False)])
        for template in self.filtered("is_storable"):
            companies = template.company_id or self.env.companies
            mine = channels.filtered(lambda ch, c=companies: ch.company_id in c)
            variant = template._origin.product_variant_id
            lines = [channel._shop_rule_text(variant) for channel in mine]
            template.shop_stock_rule = "\n".join(lines) or False

    # ------------------------------------------------------------------
    # Webshop: the channel decides, whatever "Sell when Out-of-Stock"
    # ------------------------------------------------------------------
    def _is_sold_out(self):
        if self.is_storable and self.allow_out_of_stock_order:
            website = self.env["website"].get_current_website()
            if website._channel_governing(self.product_variant_id):
                return self.product_variant_id._is_sold_out()
        return super()._is_sold_out()

    def _get_additionnal_combination_info(self, product_or_template, quantity, uom, date, website):
        """The product page caps the quantity for a product its channel decides, as for a
        product not sold out of stock (the page hides the stock of those), and says what
        it may sell in the channel's words (channel_stock_message)."""
        res = super()._get_additionnal_combination_info(
            product_or_template, quantity, uom, date, website
        )
        if not res.get("is_storable"):
            return res
        product = product_or_template.sudo()
        if not product.is_product_variant or not website._channel_governing(product):
            return res
        res["channel_stock_message"] = website._channel_shop_words(product)
        if "in_store_stock_data" in res:
            res["in_store_stock_data"] = self._pickup_stock_values(product, website)
        if not res.get("allow_out_of_stock_order"):
            return res
        res["allow_out_of_stock_order"] = False
        if request and "cart_qty" in res:
            in_cart = request.cart._get_cart_qty(product.id)
            res["cart_qty"] = product.uom_id._compute_quantity(in_cart, to_unit=uom)
        return res

    def _pickup_stock_values(self, product, website):
        """website_sale_collect's in-store figures of the product page, from what the
        webshop's channel may sell for pickup: in the cart's store, or the best store."""
        cart = request and request.cart
        store = cart and cart._pickup_store()
        if store:
            channel = website._channel_governing(product).sudo()
            units = channel._pickup_available(store, product)[product.id]
        else:
            units = website._get_max_in_store_product_available_qty(product)
        return pickup.stock_values(units, product.show_availability, product.available_threshold)

    # ------------------------------------------------------------------
    # POS: the product's info shows what the register's channel may sell
    # ------------------------------------------------------------------
    def get_product_info_pos(self, price, quantity, pos_config_id, product_variant_id=False):
        info = super().get_product_info_pos(price, quantity, pos_config_id, product_variant_id)
        variant = self.env["product.product"].browse(product_variant_id or [])
        variant = variant or self.product_variant_id
        config = self.env["pos.config"].browse(pos_config_id)
        availability = config.stock_channel_availability(variant.ids) if variant else {}
        if availability:
            info["stock_channel"] = {
                "name": availability["channel"],
                "qty": availability["quantities"][str(variant.id)],
            }
        return info
