"""stock.channel.overview: the open overviews (and channel forms) follow the figures
live, a listener of the events that move them (see core.events)."""

import time

from odoo import api, fields, models

from odoo.addons.bus.models.bus import channel_with_db, json_dump

OVERVIEW_NOTIFICATION = "stock_channel_sync/overview"
OVERVIEW_PRECOMMIT_KEY = "stock_channel_sync.overview"
CHANNEL_USER_GROUP = "stock_channel_sync.group_channel_user"
# a server process announces (bus NOTIFY) an overview notification at most this often
ANNOUNCE_SECONDS = 1.0
_ANNOUNCED = {}  # dbname -> time.monotonic() of this process's last announcement


class StockChannelOverview(models.AbstractModel):
    """A bus notification to the channel users at the commit of a transaction that
    moved a figure of the cards (stock.channel's overview fields)."""

    _name = "stock.channel.overview"
    _description = "Channel Overview, Live"

    # ------------------------------------------------------------------
    # Listeners: an event that moves a figure of a card (or of any card)
    # ------------------------------------------------------------------
    @api.model
    def _on_push_failed(self, rows, **payload):
        """A failure, a dead letter, a reconciliation, a drift, an oversell: the alert
        figures, of any card."""
        self._overview_changed()

    _on_dead_letter = _on_reconcile_finished = _on_push_failed
    _on_drift_found = _on_oversell_recorded = _on_push_failed

    @api.model
    def _on_pushes_queued(self, rows, **payload):
        """Pushes queued (or replayed): the pending figures moved."""
        self._overview_changed()

    @api.model
    def _on_alerts_evaluated(self, channels, **payload):
        """Every minute: the ages on the cards grow without an event."""
        self._overview_changed()

    @api.model
    def _on_push_logged(self, logs, **payload):
        """A push logged or answered: its channel's latency and last push."""
        self._overview_changed(logs.channel_id)

    @api.model
    def _on_inbound_changed(self, messages, **payload):
        """A message in (or out of) exception: its channel's orders in exception."""
        self._overview_changed(messages.channel_id)

    @api.model
    def _on_job_changed(self, jobs, **payload):
        """A job queued, a chunk done, the end: its channel's card and form follow."""
        self._overview_changed(jobs.channel_id)

    # ------------------------------------------------------------------
    # One notification a transaction, at its commit
    # ------------------------------------------------------------------
    @api.model
    def _overview_changed(self, channels=None):
        """Tell the open overviews (and the forms of `channels`) to load their figures
        again: one notification a transaction, at its commit (a rolled back change tells
        nothing), naming the channels that moved (none named: any may have)."""
        precommit = self.env.cr.precommit
        moved = precommit.data.get(OVERVIEW_PRECOMMIT_KEY)
        if moved is None:
            moved = precommit.data[OVERVIEW_PRECOMMIT_KEY] = {"all": False, "ids": set()}
            precommit.add(self._send_overview_changed)
        if channels is None:
            moved["all"] = True
        else:
            moved["ids"].update(channels.ids)

    def _send_overview_changed(self):
        """The notification stored for the channel users; PostgreSQL told at once (the
        bus NOTIFY) at most every ANNOUNCE_SECONDS by this server process: Odoo opens a
        new connection to the `postgres` database for each. A notification stored but
        not announced reaches the open overviews with the next one announced on their
        channel (the bus reads every message since the last it delivered): the push
        that follows the change, or the alerts' minute at the latest. The overviews
        reload at most once a second anyway (static/src/overview/live.js)."""
        moved = self.env.cr.precommit.data.pop(OVERVIEW_PRECOMMIT_KEY, None)
        # the group as env.ref finds it (its xmlid cached), not read again at every commit
        group_id = self.env["ir.model.data"]._xmlid_to_res_id(
            CHANNEL_USER_GROUP, raise_if_not_found=False
        )
        if not (moved and group_id):
            return
        group = self.env["res.groups"].browse(group_id)
        ids = None if moved["all"] else sorted(moved["ids"])
        message = {"at": fields.Datetime.now(), "channel_ids": ids}
        if _announce_now(self.env.cr.dbname):
            group.sudo()._bus_send(OVERVIEW_NOTIFICATION, message)
            return
        self.env["bus.bus"].sudo().create(
            {
                "channel": json_dump(channel_with_db(self.env.cr.dbname, group)),
                "message": json_dump({"type": OVERVIEW_NOTIFICATION, "payload": message}),
            }
        )


def _announce_now(dbname):
    """Whether this process announces an overview notification of `dbname` now (none
    announced in the last ANNOUNCE_SECONDS); noted as announced if so."""
    now = time.monotonic()
    if now - _ANNOUNCED.get(dbname, -ANNOUNCE_SECONDS) < ANNOUNCE_SECONDS:
        return False
    _ANNOUNCED[dbname] = now
    return True
