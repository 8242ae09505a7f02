from odoo import api, fields, models


class StockChannelBinding(models.Model):
    _name = "stock.channel.binding"
    _description = "Variant on a Sales Channel"
    _order = "channel_id, product_id"
    _rec_name = "external_sku"
    _check_company_auto = True

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True, check_company=True
    )
    external_sku = fields.Char(
        string="SKU on Channel",
        compute="_compute_external_sku",
        store=True,
        readonly=False,
        help="Defaults to the variant's internal reference.",
    )
    external_id = fields.Char(help="The channel's id of the item (Shopify: inventory item id).")
    external_location_id = fields.Char(help="The channel's location id, when it has several.")
    active = fields.Boolean(default=True)

    _channel_product_uniq = models.UniqueIndex(
        "(channel_id, product_id)", "A variant is bound once per channel."
    )
    _channel_sku_uniq = models.UniqueIndex(
        "(channel_id, external_sku) WHERE active AND external_sku IS NOT NULL",
        "Two variants cannot share one SKU on a channel.",
    )

    @api.depends("product_id.default_code")
    def _compute_external_sku(self):
        for binding in self:
            if not binding.external_sku:
                binding.external_sku = binding.product_id.default_code

    @api.model_create_multi
    def create(self, vals_list):
        bindings = super().create(vals_list)
        bindings._enqueue()
        return bindings

    def write(self, vals):
        res = super().write(vals)
        self._enqueue()
        return res

    def _enqueue(self):
        Outbox = self.env["stock.channel.outbox"]
        for binding in self:
            Outbox._enqueue(binding.product_id, channels=binding.channel_id)
