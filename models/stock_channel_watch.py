"""Watching for alerts: the events that move an alert's figure (a failed push, a dead
letter, a finished reconciliation, a drift, an oversell, a done move under a critical
quantity) trigger the alert cron at their commit, once a transaction, rather than
evaluating inline; the critical quantity of the rules; the index the figures read.
Watching for the overview: a push logged or answered, an order message changing state
(also the alerts' events, see stock_channel_overview) refresh the open overviews."""

from odoo import api, fields, models


class StockChannelOutbox(models.Model):
    _inherit = "stock.channel.outbox"

    def _to_dead_letter(self, reason, request=None, response=None, attempts=None):
        res = super()._to_dead_letter(reason, request, response, attempts)
        self.env["stock.channel"]._alert_soon()
        return res


class StockChannelDispatcher(models.AbstractModel):
    _inherit = "stock.channel.dispatcher"

    def _failed(self, channel, rows, job, log_vals, error, retryable):
        res = super()._failed(channel, rows, job, log_vals, error, retryable)
        if not getattr(error, "throttled", False):  # a window waited for moves no figure
            self.env["stock.channel"]._alert_soon()
        return res


class StockChannelReconcile(models.Model):
    _inherit = "stock.channel.reconcile"

    def _finish(self, totals, started, error=None):
        """A finished run moves the drift rate."""
        res = super()._finish(totals, started, error)
        self.env["stock.channel"]._alert_soon()
        return res


class StockChannelDrift(models.Model):
    _inherit = "stock.channel.drift"

    @api.model_create_multi
    def create(self, vals_list):
        drifts = super().create(vals_list)
        self.env["stock.channel"]._alert_soon()
        return drifts


class StockChannelIncident(models.Model):
    _inherit = "stock.channel.incident"

    @api.model_create_multi
    def create(self, vals_list):
        incidents = super().create(vals_list)
        self.env["stock.channel"]._alert_soon()
        return incidents


class StockChannelSyncLog(models.Model):
    _inherit = "stock.channel.sync.log"

    # the last push of each channel and the pushes of the last hours, read every minute
    _channel_sent_idx = models.Index("(channel_id, sent_at)")

    @api.model_create_multi
    def create(self, vals_list):
        logs = super().create(vals_list)
        self.env["stock.channel"]._overview_changed(logs.channel_id)
        return logs

    def write(self, vals):
        res = super().write(vals)
        if {"state", "acked_at", "confirmed_at"} & vals.keys():
            self.env["stock.channel"]._overview_changed(self.channel_id)
        return res


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    @api.model_create_multi
    def create(self, vals_list):
        messages = super().create(vals_list)
        if any(vals.get("state") == "exception" for vals in vals_list):
            self.env["stock.channel"]._overview_changed(messages.channel_id)
        return messages

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            self.env["stock.channel"]._overview_changed(self.channel_id)
        return res


class StockChannelPolicyRule(models.Model):
    _inherit = "stock.channel.policy.rule"

    critical_qty = fields.Integer(
        help="Alert the channel's responsible user when a done move (an inventory count, a "
        "delivery...) takes the publishable quantity below this (0 = no alert).",
    )

    _critical_qty_positive = models.Constraint(
        "CHECK (COALESCE(critical_qty, 0) >= 0)", "The critical quantity is not negative."
    )

    def _snapshot_values(self):
        # kept in versions only when set: versions recorded before it existed compare equal
        values = super()._snapshot_values()
        if self.critical_qty:
            values["critical_qty"] = self.critical_qty
        return values


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        warehouses = (moves.location_id | moves.location_dest_id).warehouse_id
        if warehouses and self.env["stock.channel.policy.rule"].sudo().search_count(
            [("critical_qty", ">", 0), ("channel_id.warehouse_id", "in", warehouses.ids)], limit=1
        ):
            self.env["stock.channel"]._alert_soon()
        return moves
