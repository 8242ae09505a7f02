from odoo import api, fields, models


class StockChannelVariantLock(models.Model):
    """One row per variant that orders reserve: the lock every path that takes stock
    (channel orders, webshop checkouts, POS orders) holds while it checks and reserves.

    Taking the lock *updates* the row. Odoo's transactions are REPEATABLE READ, so a
    transaction that waited for the lock while another one reserved and committed fails
    with a serialization error instead of deciding on stale quantities; it is then run
    again on fresh data (by the order intake's loop, or by Odoo's request retry).
    """

    _name = "stock.channel.variant.lock"
    _description = "Channel Reservation Lock"
    _log_access = False
    _rec_name = "product_id"

    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    version = fields.Integer(help="How many times the lock was taken.")

    _product_uniq = models.UniqueIndex("(product_id)", "One lock per variant.")

    @api.model
    def _acquire(self, products):
        """Lock `products` (a product.product recordset) until the transaction ends, in
        id order so that two orders never wait for each other; a kit's components with it
        (the units a kit takes are theirs: a POS sale of a kit, see stock.channel kits)."""
        kits = self.env["stock.channel"].sudo()._kit_components(products, self.env.company)
        ids = sorted(set(products.ids).union(*kits.values()))
        if not ids:
            return
        self.env.cr.execute(
            """
            INSERT INTO stock_channel_variant_lock (product_id, version)
            SELECT product_id, 1 FROM unnest(%s::int[]) AS product_id ORDER BY product_id
            ON CONFLICT (product_id)
            DO UPDATE SET version = stock_channel_variant_lock.version + 1
            """,
            [ids],
            log_exceptions=False,  # a lost race is expected: the caller runs it again
        )
