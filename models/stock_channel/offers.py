"""Store offers: the channel's orders offered to its stores, the first to accept ships
(stock.channel.offer)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockChannel(models.Model):
    _inherit = "stock.channel"

    offer_to_stores = fields.Boolean(
        string="Offer Orders to Stores",
        help="After sourcing, each order is offered to the best stores able to ship it "
        "(sources marked 'Store: offered orders'); the first to accept ships it.",
    )
    offer_count = fields.Integer(
        string="Stores per Round", default=2, help="How many stores are offered an order at once."
    )
    offer_minutes = fields.Integer(
        string="Minutes to Answer",
        default=15,
        help="After this, the next stores are offered the order; when none is left, the "
        "warehouse ships it.",
    )

    @api.constrains("offer_count", "offer_minutes")
    def _check_offer_numbers(self):
        for channel in self:
            if channel.offer_count < 1 or channel.offer_minutes < 1:
                raise ValidationError(
                    self.env._("An order is offered to at least one store for at least a minute.")
                )
