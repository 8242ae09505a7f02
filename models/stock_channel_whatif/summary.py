from odoo import fields, models


class StockChannelWhatifChannel(models.Model):
    """A channel's figures in a what-if (core.whatif.ChannelFigures), stored."""

    _name = "stock.channel.whatif.channel"
    _description = "Channel Policy What-if: a Channel"
    _order = "whatif_id, channel_id"

    whatif_id = fields.Many2one(
        "stock.channel.whatif", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="whatif_id.company_id", store=True, index=True)
    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade")
    variant_count = fields.Integer(string="Variants")
    up_count = fields.Integer(string="Up")
    down_count = fields.Integer(string="Down")
    to_zero_count = fields.Integer(string="To 0")
    from_zero_count = fields.Integer(string="From 0")
    units_before = fields.Integer()
    units_after = fields.Integer()
    moved_in = fields.Integer(string="Units In", help="Units gained from other channels.")
    moved_out = fields.Integer(string="Units Out", help="Units lost to other channels.")
    moved_to = fields.Char(help="Where its lost units go, per channel.")
    sales_per_day = fields.Float(
        string="Sold per Day", digits=(16, 2), help="Units sold per day, last 30 days."
    )
    sells = fields.Boolean(help="It sold something in the last 30 days (its cover is known).")
    # stored exactly (the list shows one decimal)
    cover_before = fields.Float(string="Cover Before (days)")
    cover_after = fields.Float(string="Cover After (days)")
    stockouts_before = fields.Integer(string="Stock-outs Before")
    stockouts_after = fields.Integer(string="Stock-outs After")

    @staticmethod
    def _values(channel_id, figures, moved_to):
        """The values of a line from core.whatif.ChannelFigures."""
        return {
            "channel_id": channel_id,
            "variant_count": figures.variants,
            "up_count": figures.up,
            "down_count": figures.down,
            "to_zero_count": figures.to_zero,
            "from_zero_count": figures.from_zero,
            "units_before": figures.units_before,
            "units_after": figures.units_after,
            "moved_in": figures.moved_in,
            "moved_out": figures.moved_out,
            "moved_to": moved_to,
            "sales_per_day": figures.sales_per_day,
            "sells": figures.sales_per_day > 0,
            "cover_before": figures.cover_before or 0.0,
            "cover_after": figures.cover_after or 0.0,
            "stockouts_before": figures.stockouts_before,
            "stockouts_after": figures.stockouts_after,
        }
