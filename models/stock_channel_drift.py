"""A drift: a SKU whose quantity on the channel is not what Odoo published, and why."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import drift as drift_core
from ..core import events
from .access import check_manager_of

DRIFT_STATES = [("open", "Open"), ("corrected", "Corrected"), ("accepted", "Accepted")]


class StockChannelDrift(models.Model):
    """A SKU whose quantity on the channel is not what Odoo published, and why."""

    _name = "stock.channel.drift"
    _description = "Channel Drift"
    _order = "detected_at desc, id desc"
    _rec_name = "sku"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product", string="Variant", ondelete="cascade", index=True
    )
    sku = fields.Char(string="SKU", required=True, index=True)
    run_id = fields.Many2one("stock.channel.reconcile", ondelete="set null")
    expected_qty = fields.Integer(
        string="Last Published", help="What Odoo last published and the channel accepted."
    )
    publishable_qty = fields.Integer(string="Publishable", help="What Odoo publishes now.")
    channel_qty = fields.Integer(string="On the Channel", help="What the channel was read holding.")
    listed = fields.Boolean(string="Listed by the Channel", default=True)
    cause = fields.Selection(drift_core.DRIFT_CAUSES, required=True, index=True)
    state = fields.Selection(DRIFT_STATES, required=True, default="open", index=True)
    correcting = fields.Boolean(
        help="A correction is queued: it is set compared with the quantity read (where the "
        "channel supports compare-and-set), so that a sale made meanwhile stays sold."
    )
    detected_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    corrected_at = fields.Datetime()
    note = fields.Text()

    _open_idx = models.Index("(channel_id, product_id) WHERE state = 'open'")

    @api.model_create_multi
    def create(self, vals_list):
        drifts = super().create(vals_list)
        self.env["stock.channel.event"]._announce(
            events.DRIFT_FOUND, drifts
        )  # a drift moves the drift rate
        return drifts

    @api.model
    def _correction_bases(self, channel, products):
        """{product_id: quantity read on the channel} of the corrections queued for
        `products`: the base of their compare-and-set."""
        if not products or not self._correcting(channel):
            return {}
        drifts = self.sudo().search(
            [
                ("channel_id", "=", channel.id),
                ("product_id", "in", products.ids),
                ("state", "=", "open"),
                ("correcting", "=", True),
            ],
        )
        return {drift.product_id.id: drift.channel_qty for drift in drifts}

    @api.model
    def _correcting(self, channel):
        """Whether a correction of `channel` is queued (from the open drifts' index): a
        push of thousands of variants asks for theirs only then."""
        self.flush_model(["channel_id", "state", "correcting"])
        self.env.cr.execute(
            "SELECT 1 FROM stock_channel_drift WHERE channel_id = %s AND state = 'open' "
            "AND correcting LIMIT 1",
            [channel.id],
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _mark_corrected(self, channel, product_ids, when):
        """Corrections that the channel has accepted (or verdict confirmed)."""
        if not product_ids or not self._correcting(channel):
            return
        self.sudo().search(
            [
                ("channel_id", "=", channel.id),
                ("product_id", "in", list(product_ids)),
                ("state", "=", "open"),
                ("correcting", "=", True),
            ],
        ).write({"state": "corrected", "corrected_at": when, "correcting": False})

    def action_accept(self):
        """The channel is right (e.g. stock the marketplace keeps itself): kept as
        accepted with a note; the same quantity is not reported again."""
        check_manager_of(self)
        for drift in self:
            if drift.state != "open":
                raise UserError(self.env._("Only an open drift can be accepted."))
            if not (drift.note or "").strip():
                raise UserError(
                    self.env._("Say why the channel is right in the note, then accept.")
                )
        self.sudo().write({"state": "accepted", "correcting": False})
        return True

    def action_correct(self):
        """Push the publishable quantity now, compared with the quantity read."""
        check_manager_of(self)
        drifts = self.sudo().filtered(lambda d: d.state == "open" and d.product_id)
        if drifts.filtered(lambda d: d.cause == drift_core.UNBOUND):
            raise UserError(
                self.env._("A SKU that is not mapped cannot be corrected: bind it first.")
            )
        for channel in drifts.channel_id:
            mine = drifts.filtered(lambda d, c=channel: d.channel_id == c)
            channel._queue_corrections(mine)
        return True
