"""Log rows written by SQL, as create() writes them: the dispatcher logs every push it
makes (a Republish all: a thousand pushes of 500 items, each item with its explain)."""

import json

from odoo import api, models
from odoo.tools import SQL, json_default

from ...core import events
from .log import server_tag

# written by Odoo itself on create (the author and dates), or from the channel (company)
OWN_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date", "company_id")


def dump(value):
    """A Json field's value as create() stores it (None for an empty one), in one dump."""
    if not value:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=json_default)


class StockChannelSyncLog(models.Model):
    _inherit = "stock.channel.sync.log"

    @api.model
    def _insert(self, vals_list):
        """Create log rows in one INSERT; returns them. The rows create() writes (the
        fields' defaults, each value converted by its field, the company of the channel,
        the author and dates, the server's tag) and the same event, but each Json value
        dumped once: Odoo's Json field dumps it three times, loads it twice and keeps it
        in the cache, which was more than half of the dispatcher's time in a Republish
        all. Only stored columns of this model (ValueError otherwise)."""
        if not vals_list:
            return self.browse()
        columns = [
            name
            for name, field in self._fields.items()
            if field.store and field.column_type and name not in OWN_COLUMNS
        ]
        defaults = {"server_tag": server_tag(), **self.default_get(columns)}
        rows = [{**defaults, **vals} for vals in vals_list]
        unknown = {name for row in rows for name in row} - set(columns)
        if unknown:
            raise ValueError(f"not a stored column of {self._name}: {sorted(unknown)}")
        names = sorted({name for row in rows for name in row})
        self.env["stock.channel"].flush_model(["company_id"])
        self.env.cr.execute(
            SQL(
                "INSERT INTO stock_channel_sync_log (%s) VALUES %s RETURNING id, channel_id",
                SQL(", ").join(SQL.identifier(name) for name in (*names, *OWN_COLUMNS[1:])),
                SQL(", ").join(self._insert_values(row, names) for row in rows),
            )
        )
        inserted = self.env.cr.fetchall()
        logs = self.browse([log_id for log_id, _channel_id in inserted])
        # the channels' lists of pushes read again; then what the event's listeners read,
        # known (as after create()). In this order: invalidating a one2many forgets its
        # inverse's values of every record, and the listeners read the rows back (the
        # items too: a Republish all's rows weigh 250 kB each)
        channels = self.env["stock.channel"].browse({channel for _id, channel in inserted})
        channels.invalidate_recordset(["sync_log_ids"])
        self._fields["channel_id"]._insert_cache(logs, [channel for _id, channel in inserted])
        self.env["stock.channel.event"]._announce(events.PUSH_LOGGED, logs)
        return logs

    def _insert_values(self, row, names):
        """The SQL of one row's values: `names` in order, then the author, dates and
        company (Odoo's own columns)."""
        values = []
        for name in names:
            if name not in row:
                values.append(SQL("DEFAULT"))
                continue
            field = self._fields[name]
            if field.type == "json":
                values.append(SQL("%s::jsonb", dump(row[name])))
            else:
                values.append(field.convert_to_column_insert(row[name], self, row))
        now, uid = self.env.cr.now(), self.env.uid
        company = SQL("(SELECT company_id FROM stock_channel WHERE id = %s)", row["channel_id"])
        return SQL("(%s)", SQL(", ").join([*values, uid, now, uid, now, company]))
