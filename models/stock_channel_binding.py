from odoo import api, fields, models

from ..core.sql_arrays import array_text


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
    external_parent_id = fields.Char(
        string="External Parent Id",
        help="WooCommerce: the product of a variation (the variation's id is the External Id).",
    )
    active = fields.Boolean(default=True)
    fulfilled_by_channel = fields.Boolean(
        string="Fulfilled by the Channel",
        help="Amazon FBA, bol.com FBB: the channel holds and ships this stock itself; its "
        "quantity is never pushed (set by Import mapping).",
    )
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
            owners = self._sku_owners(channel, bindings.mapped("external_sku"))
            for binding in bindings:
                shared = owners.get(binding.external_sku, [])
                if len(shared) > 1:
                    binding.sku_warning = self._sku_conflict(channel, binding.external_sku, shared)

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

    @api.model
    def _sku_owners(self, channel, skus, storable_only=True):
        """{sku: [product ids]}: the active variants of the channel's company published
        under each of `skus` on `channel` (the binding's SKU, else the internal
        reference), in one query. More than one id: the SKU is not unique."""
        skus = sorted({sku for sku in skus if sku})
        if not skus:
            return {}
        self.flush_model()
        self.env["product.product"].flush_model(["default_code", "active"])
        self.env.cr.execute(
            """
            SELECT s.sku, array_agg(s.id ORDER BY s.id) FROM (
                SELECT pp.id, COALESCE(b.external_sku, pp.default_code) AS sku
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN stock_channel_binding b
                         ON b.product_id = pp.id AND b.channel_id = %(channel)s AND b.active
                 WHERE pp.active AND pt.active AND (pt.is_storable OR NOT %(storable)s)
                   AND (pt.company_id IS NULL OR pt.company_id = %(company)s)
                   -- the variants named by their reference or by their binding, each read
                   -- from its index (an OR of both scanned the whole catalogue each round);
                   -- as an array, read by id from the primary key (IN (subquery) was joined
                   -- by hash with a scan of every variant, every dispatch round)
                   AND pp.id = ANY(ARRAY(
                       SELECT id FROM product_product WHERE default_code = ANY(%(skus)s::text[])
                        UNION
                       SELECT product_id FROM stock_channel_binding
                        WHERE channel_id = %(channel)s AND active AND external_sku IS NOT NULL
                          AND external_sku = ANY(%(skus)s::text[])))
            ) s WHERE s.sku = ANY(%(skus)s::text[]) GROUP BY s.sku
            """,
            {
                "channel": channel.id,
                "company": channel.company_id.id,
                # one literal (core.sql_arrays): thousands of SKUs a dispatch round, read
                # three times
                "skus": array_text(skus),
                "storable": storable_only,
            },
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _sku_conflict(self, channel, sku, product_ids):
        """Why `sku` cannot be published or ordered on `channel`: the variants sharing it."""
        products = self.env["product.product"].with_context(active_test=False).browse(product_ids)
        return self.env._(
            "SKU %(sku)r is not unique on %(channel)s: variants %(variants)s share it. Give "
            "each its own internal reference, or a binding with its own SKU.",
            sku=sku,
            channel=channel.display_name,
            variants=", ".join(products.mapped("display_name")),
        )

    @api.model
    def _channel_skus(self, channel, products, bindings=None):
        """({product_id: SKU on `channel`}, {product_id: why its SKU is not unique})."""
        bindings = channel._bindings(products) if bindings is None else bindings
        skus = {}
        # the internal references read at once (a round asks thousands)
        for product_id, code in zip(products.ids, products.mapped("default_code"), strict=True):
            binding = bindings.get(product_id)
            skus[product_id] = (binding.external_sku if binding else code) or ""
        conflicts = {}
        for sku, owners in self._sku_owners(channel, skus.values()).items():
            if len(owners) > 1:
                message = self._sku_conflict(channel, sku, owners)
                conflicts.update({pid: message for pid, own in skus.items() if own == sku})
        return skus, conflicts
