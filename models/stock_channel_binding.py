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
    sku_warning = fields.Char(
        compute="_compute_sku_warning",
        help="Another variant is published under the same SKU on this channel: neither is "
        "pushed, and orders for the SKU are held, until each has its own.",
    )

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

    @api.depends("external_sku", "channel_id", "product_id", "active")
    def _compute_sku_warning(self):
        self.sku_warning = False
        for channel in self.channel_id:
            bindings = self.filtered(lambda b, ch=channel: b.channel_id == ch and b.active)
            owners = channel._sku_owners(bindings.mapped("external_sku"))
            for binding in bindings:
                shared = owners.get(binding.external_sku, [])
                if len(shared) > 1:
                    binding.sku_warning = channel._sku_conflict(binding.external_sku, shared)

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
