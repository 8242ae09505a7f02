"""The channel's side of its connector's settings (stock.channel.setting): the rows made
for the connector chosen, their typed values for its ChannelConfig, the required ones
checked when the channel is activated."""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ...core.connectors import CONNECTOR_SELECTION, CONNECTORS
from ...core.connectors.settings import URL, WEBHOOK_SECRET, resolve


class StockChannel(models.Model):
    """The channel's side of its connector's settings: the rows made for the connector
    chosen, their typed values for its ChannelConfig, the required ones checked."""

    _inherit = "stock.channel"

    setting_ids = fields.One2many("stock.channel.setting", "channel_id", string="Settings")

    @api.model
    def _connector_selection(self):
        """Every registered connector (core.connectors.register), wherever it is."""
        return list(CONNECTOR_SELECTION)

    def _connector_class(self):
        return CONNECTORS.get(self.sudo().connector or "")

    def _declared_settings(self):
        cls = self._connector_class()
        return cls.settings if cls else ()

    @staticmethod
    def _new_setting_vals(declarations, have):
        """The values of the rows of ``declarations`` not in ``have`` (names)."""
        return [
            {
                "name": setting.name,
                "sequence": index,
                "value": setting.initial() or False,
            }
            for index, setting in enumerate(declarations)
            if setting.name not in have
        ]

    def _sync_settings(self):
        """One row per setting of the channel's connector: the missing ones made (with
        their default), those no longer declared removed."""
        for channel in self.sudo():
            declarations = channel._declared_settings()
            names = {setting.name for setting in declarations}
            channel.setting_ids.filtered(lambda row, names=names: row.name not in names).unlink()
            order = {setting.name: index for index, setting in enumerate(declarations)}
            for row in channel.setting_ids:
                if row.sequence != order[row.name]:
                    row.sequence = order[row.name]
            have = set(channel.setting_ids.mapped("name"))
            if vals_list := self._new_setting_vals(declarations, have):
                channel.setting_ids = [Command.create(vals) for vals in vals_list]

    @api.onchange("connector")
    def _onchange_connector_settings(self):
        """The form shows the settings of the connector chosen at once."""
        declarations = self._declared_settings()
        names = {setting.name for setting in declarations}
        kept = self.setting_ids.filtered(lambda row: row.name in names)
        new = self.env["stock.channel.setting"]
        for vals in self._new_setting_vals(declarations, set(kept.mapped("name"))):
            new |= new.new(vals)
        self.setting_ids = kept | new

    def _stored_settings(self, declarations):
        """{name: stored text} of the channel's rows, read once (the secret column for
        a setting ``declarations`` say is secret: stock.channel.setting._raw)."""
        secret = {setting.name for setting in declarations if setting.secret}
        return {
            row.name: row.secret_value if row.name in secret else row.value
            for row in self.sudo().setting_ids
        }

    def _setting_values(self):
        """{name: typed value} of every setting of the channel's connector."""
        self.ensure_one()
        declarations = self._declared_settings()
        return resolve(declarations, self._stored_settings(declarations))

    def _setting_value(self, name, default=None):
        """The typed value of the setting ``name`` (``default`` when the connector has
        none of that name)."""
        return self._setting_values().get(name, default)

    def _set_settings(self, values):
        """Store {name: typed value} as the channel's settings (made if missing)."""
        self.ensure_one()
        self._sync_settings()
        for name, value in values.items():
            declaration = self._connector_class() and self._connector_class().declared(name)
            if declaration is None:
                raise UserError(
                    self.env._(
                        "%(connector)s has no setting %(name)r.",
                        connector=self.connector or "-",
                        name=name,
                    )
                )
            row = self.sudo().setting_ids.filtered(lambda row, name=name: row.name == name)
            column = "secret_value" if declaration.secret else "value"
            row.write({column: declaration.store(value)})

    def _setting_urls(self):
        """The addresses the channel's settings send to (checked as the endpoint is)."""
        declarations = self._declared_settings()
        stored = self._stored_settings(declarations)
        return [s.parse(stored.get(s.name)) for s in declarations if s.kind == URL]

    def _check_required_settings(self):
        """UserError naming the required settings a channel's connector has left empty."""
        for channel in self.filtered("connector"):
            refusal = channel._connector_class().settings_refusal(channel._setting_values())
            if refusal:
                raise UserError(
                    self.env._(
                        "Channel %(channel)s cannot be used: %(refusal)s.",
                        channel=channel.display_name,
                        refusal=refusal,
                    )
                )

    def _webhook_secret_setting(self):
        """The secret of the channel's webhooks its connector's settings hold, or ""."""
        return self._setting_value(WEBHOOK_SECRET) or ""

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        channels._sync_settings()
        return channels

    def write(self, vals):
        activating = vals.get("active") and self.filtered(lambda channel: not channel.active)
        res = super().write(vals)
        if "connector" in vals:
            self._sync_settings()
        if activating:
            activating._check_required_settings()
        return res
