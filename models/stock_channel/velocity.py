"""The sales velocity and push latency that feed a channel's latency-adaptive buffer."""

from collections import defaultdict
from datetime import timedelta

from odoo import fields, models

from ...core import allocation

# The window of both figures of the latency-adaptive buffer, in days.
VELOCITY_DAYS = 7

# p95 of the accepted latency (the oldest change of a push to the channel's 2xx) of the
# pushes accepted in the window: awaiting their verdict ('sent') or done. A push whose
# verdict failed later ('retry', 'dead') is left out: its items are sent again, and that
# push's latency, counted from the same change, is the one that tells.
P95_LATENCY_QUERY = """
SELECT channel_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
  FROM stock_channel_sync_log
 WHERE channel_id = ANY(%(ids)s) AND acked_at >= %(since)s AND state IN ('sent', 'done')
   AND latency_ms IS NOT NULL
 GROUP BY channel_id
"""


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _sales_velocity(self, products, days=VELOCITY_DAYS):
        """{(channel_id, product_id): units sold per day} of self x `products` over the
        last `days` days (VELOCITY_DAYS by default; a what-if reads 30): the confirmed
        orders (state 'sale', ordered in the window) of the channels, in one grouped
        query. Quantities are the lines' ordered quantities converted to the product's
        unit (no rounding); cancelled orders and quotations do not count, nor do
        returns."""
        since = fields.Datetime.now() - timedelta(days=days)
        orders = [
            ("channel_id", "in", self.ids),
            ("state", "=", "sale"),
            ("date_order", ">=", since),
        ]
        Line = self.env["sale.order.line"].sudo()  # figures for the allocation, any user
        groups = Line._read_group(
            [("order_id", "any", orders), ("product_id", "in", products.ids)],
            ["order_id.channel_id", "product_id", "product_uom_id"],
            ["product_uom_qty:sum"],
        )
        velocity = defaultdict(float)
        for channel, product, uom, qty in groups:
            qty = uom._compute_quantity(qty, product.uom_id, round=False)
            velocity[channel.id, product.id] += qty / days
        return dict(velocity)

    def _p95_latency_seconds(self):
        """{channel_id: p95 of the accepted push latency in seconds} of self over the
        last VELOCITY_DAYS days (see P95_LATENCY_QUERY), in one query; a channel that
        had no push accepted in the window is missing."""
        if not self.ids:
            return {}
        self.env["stock.channel.sync.log"].flush_model(
            ["channel_id", "acked_at", "state", "latency_ms"]
        )
        self.env.cr.execute(
            P95_LATENCY_QUERY,
            {"ids": self.ids, "since": fields.Datetime.now() - timedelta(days=VELOCITY_DAYS)},
        )
        return {channel_id: p95 / 1000 for channel_id, p95 in self.env.cr.fetchall()}

    def _velocity_reader(self, products):
        """Read both figures of self x `products` once; return
        velocity(channel, product) -> core.allocation.Velocity."""
        sales = self._sales_velocity(products)
        latency = self._p95_latency_seconds()

        def velocity(channel, product):
            return allocation.Velocity(
                units_per_day=sales.get((channel.id, product.id), 0.0),
                p95_seconds=latency.get(channel.id, 0.0),
            )

        return velocity
