"""A cell's explain, and the grid's bulk actions on the selected variants x channels:
republish (forced pushes), correct (the open drifts' correction), bind (the bindings)."""

from odoo import api, models
from odoo.exceptions import UserError

from ...core import drift as drift_core
from ...core import grid
from ..access import check_manager_of
from ..stock_channel_outbox.outbox import PRIORITY_HIGH


class StockChannelGrid(models.AbstractModel):
    _inherit = "stock.channel.grid"

    # ------------------------------------------------------------------
    # A cell: why this quantity, and its state
    # ------------------------------------------------------------------
    @api.model
    @api.readonly
    def get_explain(self, product_id, channel_id):
        """The explain of the variant on the channel (product.product._channel_explain:
        the steps from on hand to publishable) with the cell's state and what it says;
        for the channel's readers that may read the variant."""
        channel, product = self._grid_records([channel_id], [product_id])
        channel.check_access("read")
        product.check_access("read")
        self._grid_flush()
        cell = self._grid_cell_figures(product.ids, channel)[product.id, channel.id]
        explain = product.sudo()._channel_explain(channel.sudo())
        state = grid.state(cell)
        explain.update(
            state=state,
            state_label=dict(grid.STATES)[state],
            published=cell.published if cell.published_at else None,
            published_at=cell.published_at,
            detail=self._grid_detail(state, channel, product),
        )
        return explain

    def _grid_detail(self, state, channel, product):
        """What the cell's state says in words (the dead letter's error, the drift)."""
        subject = [("channel_id", "=", channel.id), ("product_id", "=", product.id)]
        if state == grid.FAILED:
            dead = (
                self.env["stock.channel.outbox"]
                .sudo()
                .search([*subject, ("state", "=", "dead")], limit=1)
            )
            return dead.last_error or ""
        if state == grid.DRIFT:
            drift = (
                self.env["stock.channel.drift"]
                .sudo()
                .search([*subject, ("state", "=", "open")], limit=1)
            )
            return self.env._(
                "The channel holds %(held)s, Odoo last published %(expected)s (%(cause)s).",
                held=drift.channel_qty,
                expected=drift.expected_qty,
                cause=dict(drift_core.DRIFT_CAUSES).get(drift.cause, drift.cause),
            )
        if state == grid.NOT_BOUND:
            return self.env._(
                "%(channel)s cannot address this variant yet (no SKU, or no platform id): "
                "nothing is pushed until it is bound.",
                channel=channel.display_name,
            )
        return ""

    # ------------------------------------------------------------------
    # Bulk actions, for the channel managers
    # ------------------------------------------------------------------
    @api.model
    def action_republish(self, product_ids, channel_ids):
        """Push the selected variants again on the selected channels, forced (even a
        quantity the channel already holds): outbox rows queued at the commit, high
        priority; channels without a connector read live and take no push."""
        channels, products = self._grid_selection(channel_ids, product_ids)
        self.env["stock.channel.outbox"].sudo()._enqueue(
            products, channels=channels.filtered("connector"), priority=PRIORITY_HIGH, force=True
        )
        return self._grid_notify(
            self.env._(
                "%(variants)s variant(s) queued on %(channels)s channel(s).",
                variants=len(products),
                channels=len(channels.filtered("connector")),
            )
        )

    @api.model
    def action_correct(self, product_ids, channel_ids):
        """Correct the open drifts of the selected variants on the selected channels, as
        the drift's Correct does (the publishable quantity pushed, compared with the
        quantity read); a drift of a SKU the channel cannot address is left (bind it)."""
        channels, products = self._grid_selection(channel_ids, product_ids)
        drifts = self.env["stock.channel.drift"].search(
            [
                ("channel_id", "in", channels.ids),
                ("product_id", "in", products.ids),
                ("state", "=", "open"),
                ("cause", "!=", drift_core.UNBOUND),
            ]
        )
        if not drifts:
            raise UserError(self.env._("No open drift to correct in the selection."))
        drifts.action_correct()
        return self._grid_notify(
            self.env._("%(count)s drift(s) being corrected.", count=len(drifts))
        )

    @api.model
    def action_bind(self, product_ids, channel_ids):
        """The bindings of the selection: one variant on one channel opens its binding
        (a new one prefilled when there is none); more open the list of their bindings,
        where new ones are prefilled with the channel (and the variant) when single."""
        channels, products = self._grid_selection(channel_ids, product_ids)
        Binding = self.env["stock.channel.binding"]
        context = {"default_channel_id": channels.id} if len(channels) == 1 else {}
        if len(products) == 1:
            context["default_product_id"] = products.id
        bindings = Binding.search(
            [("channel_id", "in", channels.ids), ("product_id", "in", products.ids)]
        )
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Bindings"),
            "res_model": "stock.channel.binding",
            "context": context,
            "target": "current",
        }
        if len(channels) == 1 and len(products) == 1:
            form = {"view_mode": "form", "views": [(False, "form")], "res_id": bindings.id}
            return {**action, **form}
        return {
            **action,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("channel_id", "in", channels.ids), ("product_id", "in", products.ids)],
        }

    def _grid_selection(self, channel_ids, product_ids):
        """(channels, variants) of a bulk action, for a channel manager who may write
        the channels and read the variants (AccessError otherwise, before any sudo)."""
        channels, products = self._grid_records(channel_ids, product_ids)
        if not channels or not products:
            raise UserError(self.env._("Select variants and channels first."))
        check_manager_of(channels)
        products.check_access("read")
        return channels, products

    def _grid_records(self, channel_ids, product_ids):
        channels = self.env["stock.channel"].browse(channel_ids).exists()
        products = self.env["product.product"].browse(product_ids).exists()
        return channels, products

    def _grid_notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False},
        }
