"""The background confirmation waits while a burst of orders is answered
(core.intake.confirmation_defers): the answers keep the cores, the reserved orders wait,
their units already taken from every channel, for at most the setting's minutes.

Two settings (Settings > Channel Stock, database-wide like the crons):
``stock_channel_sync.confirm_defer_rate`` (orders a second; 0: never wait) and
``stock_channel_sync.confirm_defer_minutes``. It looks before each run and after each
batch (a burst beginning while it confirms ends the run). While it waits, the first
confirmation cron looks again every DEFER_SLEEP seconds (sleeping, not computing), then
runs again at once; the second one ends at once (the first wakes it when the burst is
over)."""

import time

from odoo import api, fields, models

from ...core import intake as intake_core
from ...core.inbound import RESERVED
from .. import runtime

RATE_PARAM = "stock_channel_sync.confirm_defer_rate"
MINUTES_PARAM = "stock_channel_sync.confirm_defer_minutes"
FIRST_CRON = "stock_channel_sync.ir_cron_confirm_reserved"
SECOND_CRON = "stock_channel_sync.ir_cron_confirm_reserved_2"
# seconds a deferring run of the first cron sleeps before it looks again
DEFER_SLEEP = 1.0
# looks of one run before it ends and triggers itself (the cron worker free between)
DEFER_LOOKS = 2


def _age(row):
    """The seconds since a row's create_date (None: no row)."""
    return (fields.Datetime.now() - row[0]).total_seconds() if row and row[0] else None


class StockChannelInbound(models.Model):
    _inherit = "stock.channel.inbound"

    @api.model
    def _confirmation_defers(self):
        """Whether the confirmation waits now: orders arrive at the setting's rate or
        faster, and the oldest reserved order has waited less than its minutes."""
        return self._burst_state()[0]

    @api.model
    def _burst_state(self):
        """(whether the confirmation waits now, the seconds the oldest reserved order has
        waited or None): two index reads (the newest messages by id, the oldest
        reserved one)."""
        params = self.env["ir.config_parameter"].sudo()
        minutes = float(params.get_param(MINUTES_PARAM, intake_core.DEFER_MINUTES) or 0)
        oldest = self._oldest_reserved_age()
        rate, nth = self._burst_arrivals()
        defers = intake_core.confirmation_defers(nth, oldest, rate, minutes * 60)
        return defers, oldest

    @api.model
    def _oldest_reserved_age(self):
        """The seconds the oldest reserved order has waited (None: none waits)."""
        self.flush_model(["state"])
        self.env.cr.execute(
            "SELECT create_date FROM stock_channel_inbound WHERE state = %s ORDER BY id LIMIT 1",
            [RESERVED],
        )
        return _age(self.env.cr.fetchone())

    @api.model
    def _claim_size(self, batch):
        """The orders the next batch claims (core.intake.claim_size): a small batch
        while the backlog is young (a burst may be beginning)."""
        return intake_core.claim_size(batch, self._oldest_reserved_age(), self._burst_rate())

    @api.model
    def _burst_rate(self):
        """The setting's orders a second that make a burst (0: never)."""
        params = self.env["ir.config_parameter"].sudo()
        return float(params.get_param(RATE_PARAM, intake_core.DEFER_RATE) or 0)

    @api.model
    def _orders_burst(self):
        """Whether orders arrive at the setting's rate or faster now (one index read):
        the pushes then leave once a second per channel (stock.channel.dispatcher)."""
        rate, nth = self._burst_arrivals()
        return intake_core.orders_burst(nth, rate)

    @api.model
    def _burst_arrivals(self):
        """(the setting's rate, the age in seconds of the burst_depth(rate)-th newest
        message or None: fewer messages, or a rate of 0)."""
        rate = self._burst_rate()
        depth = intake_core.burst_depth(rate)
        if depth is None:
            return rate, None
        self.env.cr.execute(
            "SELECT create_date FROM stock_channel_inbound ORDER BY id DESC OFFSET %s LIMIT 1",
            [depth - 1],
        )
        return rate, _age(self.env.cr.fetchone())

    @api.model
    def _confirmation_waits_burst(self):
        """True when this run leaves the reserved orders for later (a burst arrives):
        the first cron sleeps and looks again a few times, then triggers itself; the
        second ends at once. False when the confirmation may run now; the first cron,
        after a burst (it waited, or the oldest reserved order waited longer than a
        burst's window), then wakes the second as well: both drain the backlog."""
        defers, waited = self._burst_state()
        first = self.env.ref(FIRST_CRON, raise_if_not_found=False)
        is_first = bool(first) and self.env.context.get("cron_id") == first.id
        if not defers:
            if is_first and waited is not None and waited > intake_core.BURST_WINDOW:
                self._wake_second_confirmation()
            return False
        if not is_first or not self._confirmation_may_sleep():
            return True
        for _look in range(DEFER_LOOKS):
            runtime.commit_chunk(self.env)  # nothing written: a fresh snapshot to look at
            time.sleep(DEFER_SLEEP)
            if not self._confirmation_defers():
                self._wake_second_confirmation()
                return False
        first.sudo()._trigger()
        return True

    @api.model
    def _wait_burst_in_next_run(self):
        """A burst began while a run was confirming: the run ends after its batch, and
        the first cron is triggered, whose next run waits for the burst to end."""
        first = self.env.ref(FIRST_CRON, raise_if_not_found=False)
        if first:
            first.sudo()._trigger()

    @api.model
    def _wake_second_confirmation(self):
        """Trigger the second cron, committed at once (nothing else is written yet):
        it drains beside this run from its first batch, not after it."""
        second = self.env.ref(SECOND_CRON, raise_if_not_found=False)
        if second:
            second.sudo()._trigger()
            runtime.commit_chunk(self.env)

    @api.model
    def _confirmation_may_sleep(self):
        """A run of a cron worker waits by sleeping; a test's never does."""
        return not runtime.in_test()
