"""The settings of a channel's connector: one row per setting its connector declares
(core.connectors.settings), made when the connector is chosen; label, help, type and
whether it is required or secret come from the declaration, the value is the channel's.
A secret value lives in its own column, readable by the channel managers only."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core.connectors import CONNECTORS
from ..core.connectors.settings import BOOL, KINDS

MANAGER = "stock_channel_sync.group_channel_manager"


class StockChannelSetting(models.Model):
    _name = "stock.channel.setting"
    _description = "Channel Connector Setting"
    _order = "channel_id, sequence, id"

    channel_id = fields.Many2one("stock.channel", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    name = fields.Char(required=True, readonly=True, help="The setting's name in its connector.")
    sequence = fields.Integer(readonly=True)
    value = fields.Char()
    secret_value = fields.Char(groups=MANAGER)
    value_bool = fields.Boolean(
        compute="_compute_value_bool", inverse="_inverse_value_bool", string="On"
    )
    label = fields.Char(compute="_compute_declaration")
    help = fields.Char(compute="_compute_declaration")
    kind = fields.Selection([(kind, kind) for kind in KINDS], compute="_compute_declaration")
    required = fields.Boolean(compute="_compute_declaration")
    secret = fields.Boolean(compute="_compute_declaration", string="Is Secret")

    _name_uniq = models.UniqueIndex(
        "(channel_id, name)", "A channel has each setting of its connector once."
    )

    def _declaration(self):
        """The Setting this row stores, as its channel's connector declares it (None)."""
        cls = CONNECTORS.get(self.channel_id.connector or "")
        return cls.declared(self.name) if cls and self.name else None

    @api.depends("name", "channel_id.connector")
    def _compute_declaration(self):
        for row in self:
            declaration = row._declaration()
            row.label = declaration.label if declaration else row.name
            row.help = declaration.help if declaration else False
            row.kind = declaration.kind if declaration else "text"
            row.required = bool(declaration and declaration.required)
            row.secret = bool(declaration and declaration.secret)

    @api.depends("value", "name", "channel_id.connector")
    def _compute_value_bool(self):
        for row in self:
            declaration = row._declaration()
            row.value_bool = bool(declaration and declaration.parse(row.value) is True)

    def _inverse_value_bool(self):
        for row in self.filtered(lambda row: row.kind == BOOL):
            row.value = row._declaration().store(row.value_bool)

    def _raw(self):
        """The stored text of this row (its secret column for a secret setting)."""
        row = self.sudo()
        return row.secret_value if row.secret else row.value

    @api.constrains("value", "secret_value")
    def _check_value(self):
        for row in self.sudo():
            declaration = row._declaration()
            problem = declaration and declaration.problem(row._raw())
            if problem:
                raise ValidationError(
                    self.env._(
                        "Channel %(channel)s: %(problem)s",
                        channel=row.channel_id.display_name,
                        problem=problem,
                    )
                )
        self.channel_id.filtered(lambda ch: ch._setting_urls())._check_credentials_transport()

    def write(self, vals):
        res = super().write(vals)
        if {"value", "secret_value", "value_bool"} & set(vals):
            self._republish()
        return res

    def _republish(self):
        """Push again what the channels of settings that move what they hold publish."""
        moving = self.filtered(lambda row: (d := row._declaration()) and d.republish)
        if moving:
            warehouses = moving.channel_id.warehouse_id
            self.env["stock.channel.outbox"]._enqueue(warehouses=warehouses)
