"""stock.channel.event: the one hook for side effects (see core.events, the table)."""

from odoo import api, models

from ..core import events


class StockChannelEvent(models.AbstractModel):
    """What happened is announced here; its listeners run in the order of the table
    (core.events.LISTENERS), each the method ``_on_<event>`` of its model."""

    _name = "stock.channel.event"
    _description = "Channel Events"

    @api.model
    def _announce(self, event, records_or_ids=None, **payload):
        """Run the listeners of `event` (UnknownEvent for a name the table does not
        know) with the records (or ids) it is about and its payload."""
        method, models_listening = events.route(event)
        for model in models_listening:
            getattr(self.env[model], method)(records_or_ids, **payload)
