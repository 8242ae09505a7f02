"""How the business does on each channel, beside the pipeline figures of the overview:
units live, SKUs at 0, orders today, orders to fix, oversold units this week; for all
the channels of self in one query (no query per product or per channel)."""

from datetime import timedelta

from odoo import models

from ...core import overview as overview_core

# per channel: what the channel shows (a pushing channel: the quantities it took, once
# published; the webshop and the POS read Odoo's publishable quantity), its orders of
# the day (a webshop: its website's; confirmed, or held for a person), what waits for a
# person (stock.channel.order.fix) and the units it sold that Odoo could not serve
BUSINESS_QUERY = """
WITH live AS (
    SELECT q.channel_id,
           CASE WHEN ch.connector IS NULL THEN q.publishable_qty ELSE q.published_qty END AS qty
      FROM stock_channel_quantity q
      JOIN stock_channel ch ON ch.id = q.channel_id
      JOIN product_product pp ON pp.id = q.product_id AND pp.active
     WHERE q.channel_id = ANY(%(ids)s)
       AND (ch.connector IS NULL OR q.published_at IS NOT NULL)
), shown AS (
    SELECT channel_id, sum(greatest(qty, 0)) AS units, count(*) FILTER (WHERE qty <= 0) AS zero
      FROM live GROUP BY channel_id
)
SELECT c.id,
       shown.units,
       shown.zero,
       (SELECT count(*) FROM sale_order s
         WHERE s.date_order >= %(today)s
           AND (s.channel_id = c.id
                OR (ch.channel_type = 'website' AND s.channel_id IS NULL
                    AND s.website_id = ch.website_id))
           AND (s.state = 'sale' OR s.channel_exception IS NOT NULL)),
       (SELECT coalesce(sum(i.qty_short), 0) FROM stock_channel_incident i
         WHERE i.channel_id = c.id AND i.detected_at >= %(week)s)
  FROM unnest(%(ids)s::int[]) AS c(id)
  JOIN stock_channel ch ON ch.id = c.id
  LEFT JOIN shown ON shown.channel_id = c.id
"""
BUSINESS_FIGURES = ("units_live", "skus_at_zero", "orders_today", "oversold_units")


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _overview_business(self, now):
        """{channel_id: {figure: value}} of BUSINESS_FIGURES; units live and SKUs at 0
        None while nothing is shown on the channel yet (not measured)."""
        for model in ("stock.channel.quantity", "sale.order", "stock.channel.inbound"):
            self.env[model].flush_model()
        self.env["stock.channel.incident"].flush_model()
        today = overview_core.day_start(now, self.env.context.get("tz") or self.env.user.tz)
        self.env.cr.execute(
            BUSINESS_QUERY, {"ids": self.ids, "today": today, "week": now - timedelta(days=7)}
        )
        business = {
            channel_id: dict(zip(BUSINESS_FIGURES, values, strict=True), orders_to_fix=0)
            for channel_id, *values in self.env.cr.fetchall()
        }
        # what the user may see of Orders to Fix (its record rules: a user without sales
        # rights sees no sale order), so the figure is the list it opens
        Fix = self.env["stock.channel.order.fix"].sudo(False)
        for channel, count in Fix._read_group(
            [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
        ):
            business[channel.id]["orders_to_fix"] = count
        return business
