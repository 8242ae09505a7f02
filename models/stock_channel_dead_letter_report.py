"""Report: the dead letters of the outbox, one per variant or order and channel, by reason."""

from odoo import fields, models

from .report_sql import create_view, reason_sql

# the dead letters of the outbox, one per variant or order and channel
DEAD_LETTER_VIEW = f"""
SELECT o.id,
       o.channel_id,
       o.company_id,
       o.dead_at,
       o.product_id,
       o.sale_order_id,
       CASE WHEN o.sale_order_id IS NULL THEN 'stock' ELSE 'status' END AS kind,
       o.attempts,
       {reason_sql("o.last_error")} AS reason
  FROM stock_channel_outbox o
 WHERE o.state = 'dead'
"""


class StockChannelDeadLetterReport(models.Model):
    _name = "stock.channel.dead.letter.report"
    _description = "Channel Failed Updates by Reason"
    _auto = False
    _order = "dead_at desc, id desc"
    _rec_name = "reason"
    _depends = {
        "stock.channel.outbox": [
            "channel_id",
            "company_id",
            "state",
            "dead_at",
            "product_id",
            "sale_order_id",
            "attempts",
            "last_error",
        ]
    }

    channel_id = fields.Many2one("stock.channel", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    dead_at = fields.Datetime(readonly=True)
    product_id = fields.Many2one("product.product", string="Variant", readonly=True)
    sale_order_id = fields.Many2one("sale.order", string="Order", readonly=True)
    kind = fields.Selection(
        [("stock", "Stock Quantity"), ("status", "Order Status")], readonly=True
    )
    attempts = fields.Integer(readonly=True, aggregator="max")
    reason = fields.Char(readonly=True)

    def init(self):
        create_view(self, DEAD_LETTER_VIEW)
