"""The alerts as a listener (see core.events): an event that moves a figure triggers the
alert cron, once, at the commit of its transaction."""

from odoo import api, models

ALERT_CRON = "stock_channel_sync.ir_cron_alerts"
ALERT_PRECOMMIT_KEY = "stock_channel_sync.alerts"


class StockChannelAlert(models.Model):
    _inherit = "stock.channel.alert"

    # ------------------------------------------------------------------
    # Listeners
    # ------------------------------------------------------------------
    @api.model
    def _on_push_failed(self, rows, **payload):
        """A failure, a dead letter, a reconciliation, a drift, an oversell: a figure
        of the channel's alerts moved."""
        self._alert_soon()

    _on_dead_letter = _on_reconcile_finished = _on_push_failed
    _on_drift_found = _on_oversell_recorded = _on_push_failed

    @api.model
    def _on_move_done(self, moves, **payload):
        """Done moves in a warehouse that a rule's critical quantity watches: critical
        stock may be crossed."""
        warehouses = (moves.location_id | moves.location_dest_id).warehouse_id
        if warehouses and self.env["stock.channel.policy.rule"].sudo().search_count(
            [("critical_qty", ">", 0), ("channel_id.warehouse_id", "in", warehouses.ids)], limit=1
        ):
            self._alert_soon()

    # ------------------------------------------------------------------
    # Soon: the alert cron, triggered at the commit
    # ------------------------------------------------------------------
    @api.model
    def _alert_soon(self):
        """Evaluate the alerts soon: the alert cron is triggered once, at the commit of
        this transaction (an event moved a figure)."""
        cr = self.env.cr
        if cr.precommit.data.get(ALERT_PRECOMMIT_KEY):
            return
        cr.precommit.data[ALERT_PRECOMMIT_KEY] = True
        env = self.env

        def trigger():
            cron = env.ref(ALERT_CRON, raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

        cr.precommit.add(trigger)
