from odoo import api, fields, models

from ..core.intake import CONFIRMED, CONFIRMING, RELEASED, RESERVATION_STATES


class StockChannelReservation(models.Model):
    """The reservation ledger of orders answered as soon as their stock is reserved
    (a channel's Answer Orders "As soon as its stock is reserved"): one row per variant
    and warehouse, written under the variant lock before the answer. While a row is
    *Reserved, confirming*, its units count as reserved for every channel, the next
    order and the webshop (stock.warehouse._channel_pending_reserved); the background
    confirmation creates and confirms the sale order and marks the rows done in the same
    transaction, so the units pass to the quants' reserved quantity without a gap."""

    _name = "stock.channel.reservation"
    _description = "Channel Order Reservation"
    _order = "id desc"
    _log_access = False
    _check_company_auto = True

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    inbound_id = fields.Many2one(
        "stock.channel.inbound", string="Message", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, check_company=True)
    product_id = fields.Many2one("product.product", string="Variant", required=True)
    quantity = fields.Float(digits="Product Unit", required=True)
    state = fields.Selection(RESERVATION_STATES, required=True, default=CONFIRMING)
    order_name = fields.Char(help="The sale order's name, reserved from its sequence.")
    channel_order_ref = fields.Char(string="Channel Reference", required=True)
    created_at = fields.Datetime(default=fields.Datetime.now, required=True)

    # the active rows, read by every publishable computation and each order's check
    _pending_idx = models.Index("(product_id, warehouse_id) WHERE state = 'confirming'")
    _order_ref_idx = models.Index("(channel_id, channel_order_ref) WHERE state = 'confirming'")
    # the same order answered once: a resend racing with it waits, then is a duplicate
    _order_line_uniq = models.UniqueIndex(
        "(channel_id, channel_order_ref, product_id) WHERE state = 'confirming'",
        "An order reserves a variant once.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        rows._republish()
        return rows

    def _republish(self):
        Outbox = self.env["stock.channel.outbox"]
        for warehouse in self.warehouse_id:
            rows = self.filtered(lambda row, wh=warehouse: row.warehouse_id == wh)
            Outbox._enqueue(products=rows.product_id, warehouses=warehouse)

    def _done(self):
        """The sale order is confirmed (same transaction): its moves reserve the units."""
        self.write({"state": CONFIRMED})

    def _release(self):
        """The confirmation failed: the units count for the channels again."""
        self.write({"state": RELEASED})
        self._republish()

    @api.model
    def _pending(self, warehouse, products):
        """{product_id: units reserved, confirming} in `warehouse`, one grouped query."""
        if not products:
            return {}
        self.env.cr.execute(
            """
            SELECT product_id, sum(quantity) FROM stock_channel_reservation
             WHERE state = %s AND warehouse_id = %s AND product_id = ANY(%s)
             GROUP BY product_id
            """,
            [CONFIRMING, warehouse.id, list(products.ids)],
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _of_order(self, channel, external_id):
        """The rows of `channel`'s order `external_id` still confirming."""
        return self.sudo().search(
            [
                ("channel_id", "=", channel.id),
                ("channel_order_ref", "=", external_id),
                ("state", "=", CONFIRMING),
            ]
        )

    @api.autovacuum
    def _gc_settled(self):
        """Rows done or released go after a day (the sale order and message remain)."""
        self.flush_model()
        self.env.cr.execute(
            "DELETE FROM stock_channel_reservation WHERE state IN %s "
            "AND created_at < now() at time zone 'utc' - interval '1 day'",
            [(CONFIRMED, RELEASED)],
        )
