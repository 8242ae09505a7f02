"""Test connection: the connector's cheap authenticated read (core.connectors.check), on
the button and on every save of the connection from the form; its answer kept on the
channel in words. Then the first Import mapping is offered; and the address and secret
the platforms that push to Odoo are set up with."""

from odoo import api, fields, models

from ...core.connectors import CONNECTORS
from ...core.connectors.check import ConnectionCheck
from ...core.errors import SyncError
from ...core.inbound import EVENTS_ROUTE, orders_path
from ..access import CHANNEL_MANAGER, check_manager_of

# what a connection is made of: a change of one of them, saved from the form, is tested
CONNECTION_FIELDS = frozenset(
    {"connector", "endpoint_url", "api_key", "api_secret", "setting_ids", "connect_timeout",
     "read_timeout"}
)  # fmt: skip
# set by web_save (the form's save): the connection saved is tested after the write
TEST_ON_SAVE = "stock_channel_test_connection"


def events_path(code):
    """The path a channel of code ``code`` sends its push notifications to."""
    return EVENTS_ROUTE.replace("<string:code>", code)


# the path of each kind of webhook route a connector may name (Connector.webhook_route)
WEBHOOK_PATHS = {"orders": orders_path, "events": events_path}


class StockChannel(models.Model):
    _inherit = "stock.channel"

    connection_ok = fields.Boolean(readonly=True, copy=False)
    connection_message = fields.Char(
        readonly=True, copy=False, help="What the last Test connection answered, in words."
    )
    connection_tested_at = fields.Datetime(readonly=True, copy=False)
    connection_status = fields.Char(compute="_compute_connection_status", string="Connection")
    mapping_offered = fields.Boolean(
        compute="_compute_connection_status",
        help="The connection answered and the mapping was never imported: Import mapping "
        "comes first (nothing is pushed before it).",
    )
    webhook_url = fields.Char(
        compute="_compute_webhook",
        string="Webhook URL",
        help="The address to paste in the platform's webhook (notification) settings.",
    )
    webhook_secret_shown = fields.Char(
        compute="_compute_webhook",
        string="Webhook Secret to Use",
        groups=CHANNEL_MANAGER,
        help="The secret the platform signs its webhooks with: paste it in the platform's "
        "webhook settings (the Webhook Secret setting, else the API Secret).",
    )

    @api.depends("connection_ok", "connection_tested_at", "imports_mapping", "mapping_imported_at")
    @api.depends_context("tz")
    def _compute_connection_status(self):
        for channel in self:
            tested = channel.connection_tested_at
            channel.mapping_offered = bool(
                tested
                and channel.connection_ok
                and channel.imports_mapping
                and not channel.mapping_imported_at
            )
            if not tested:
                channel.connection_status = self.env._("not tested")
                continue
            when = fields.Datetime.context_timestamp(channel, tested).strftime("%Y-%m-%d %H:%M")
            channel.connection_status = (
                self.env._("OK, tested at %(when)s", when=when)
                if channel.connection_ok
                else self.env._("failed at %(when)s", when=when)
            )

    @api.depends("connector", "code")
    def _compute_webhook(self):
        for channel in self:
            connector = CONNECTORS.get(channel.connector or "")
            path = connector and WEBHOOK_PATHS.get(connector.webhook_route)
            channel.webhook_url = (
                f"{channel.get_base_url()}{path(channel.code)}" if path and channel.code else False
            )
            pasted = bool(path and connector.webhook_secret_pasted)
            channel.webhook_secret_shown = (pasted and channel._webhook_secret()) or False

    # ------------------------------------------------------------------
    # Test connection: on the button, and on save of the connection
    # ------------------------------------------------------------------
    def action_test_connection(self):
        """Test connection (a manager's button): the answer is kept on the channel and
        shown in the form (the sentence in red when it failed)."""
        check_manager_of(self)
        self._test_connection()
        return True

    def _test_connection(self):
        """Run each channel's cheap authenticated read and keep its answer (never raises:
        a failure is a sentence)."""
        for channel in self.sudo().filtered("connector"):
            check = channel._connection_check()
            channel.write(
                {
                    "connection_ok": check.ok,
                    "connection_message": check.message,
                    "connection_tested_at": fields.Datetime.now(),
                }
            )

    def _connection_check(self):
        self.ensure_one()
        try:
            with self._connector() as connector:
                return connector.test_connection()
        except (SyncError, NotImplementedError, ValueError) as error:
            return ConnectionCheck(False, str(error))

    def web_save(self, vals, specification, next_id=None):
        """The form's save: a connection changed is tested once written (the answer comes
        back with the record; a failure does not block the save)."""
        channels = self.with_context(**{TEST_ON_SAVE: True})
        return super(StockChannel, channels).web_save(vals, specification, next_id=next_id)

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        if self.env.context.get(TEST_ON_SAVE):
            channels._test_connection()
        return channels

    def write(self, vals):
        res = super().write(vals)
        if CONNECTION_FIELDS.isdisjoint(vals):
            return res
        if self.env.context.get(TEST_ON_SAVE):
            self._test_connection()
        elif any(self.mapped("connection_tested_at")):
            # changed elsewhere (an import, RPC): the last answer is of other credentials
            self.sudo().write({"connection_tested_at": False, "connection_message": False})
        return res
