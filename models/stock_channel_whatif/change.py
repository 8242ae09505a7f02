from odoo import api, fields, models

# the changed rows of a chunk, in one statement (arrays of the same length)
INSERT_CHANGES = """
INSERT INTO stock_channel_whatif_change
       (whatif_id, company_id, channel_id, product_id, qty_before, qty_after,
        create_uid, create_date, write_uid, write_date)
SELECT %(whatif)s, %(company)s, t.channel_id, t.product_id, t.qty_before, t.qty_after,
       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
  FROM unnest(%(channels)s::int[], %(products)s::int[], %(before)s::int[], %(after)s::int[])
       AS t(channel_id, product_id, qty_before, qty_after)
"""


class StockChannelWhatifChange(models.Model):
    """A (channel, variant) whose publishable quantity the what-if's change moves; only
    the changed ones are stored, in batch inserts."""

    _name = "stock.channel.whatif.change"
    _description = "Channel Policy What-if: a Changed Variant"
    _order = "whatif_id, channel_id, product_id"

    whatif_id = fields.Many2one(
        "stock.channel.whatif", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", string="Variant", required=True,
                                 ondelete="cascade")  # fmt: skip
    qty_before = fields.Integer(string="Before")
    qty_after = fields.Integer(string="After")
    difference = fields.Integer(compute="_compute_difference")

    @api.depends("qty_before", "qty_after")
    def _compute_difference(self):
        for change in self:
            change.difference = change.qty_after - change.qty_before

    @api.model
    def _insert(self, whatif, rows):
        """Store `rows` [(channel_id, product_id, before, after)] of `whatif` in one
        statement; return their number."""
        if not rows:
            return 0
        channels, products, before, after = (list(column) for column in zip(*rows, strict=True))
        self.env.cr.execute(
            INSERT_CHANGES,
            {
                "whatif": whatif.id,
                "company": whatif.company_id.id,
                "uid": self.env.uid,
                "channels": channels,
                "products": products,
                "before": before,
                "after": after,
            },
        )
        return len(rows)
