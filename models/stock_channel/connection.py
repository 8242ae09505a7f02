"""The connection to a channel: its connector, credentials and limits, the poll of orders."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ...core.connectors import ChannelConfig, check
from ...core.connectors.pool import POOL
from ...core.errors import SyncError
from .. import runtime
from ..access import check_manager_of
from ..stock_channel_rate_slot import DatabaseLimiter
from ..stock_channel_token import DatabaseTokenStore

_logger = logging.getLogger(__name__)


class StockChannel(models.Model):
    """The channel's marketplace side: its connector (configured from the channel, with
    the limits and token shared by the workers), the secrets and switches it needs, the
    poll of orders, the import of the mapping, reading quantities back."""

    _inherit = "stock.channel"

    imports_mapping = fields.Boolean(
        compute="_compute_imports_mapping",
        help="The channel's connector can read its catalogue (Import mapping).",
    )
    order_poll_cursor = fields.Char(
        readonly=True, help="The last change of an order the poll has read (the channel's time)."
    )
    order_polled_at = fields.Datetime(readonly=True)
    order_poll_error = fields.Char(
        string="Last Poll Failed",
        readonly=True,
        copy=False,
        help="Why the last scheduled poll of the orders failed (cleared by the next one "
        "that succeeds).",
    )
    order_poll_failed_at = fields.Datetime(string="Poll Failed At", readonly=True, copy=False)
    mapping_imported_at = fields.Datetime(readonly=True)
    mapping_report = fields.Html(readonly=True, sanitize=True)
    polls_orders = fields.Boolean(compute="_compute_connector_abilities")
    confirms_async = fields.Boolean(compute="_compute_connector_abilities")

    @api.constrains("connector", "endpoint_url")
    def _check_credentials_transport(self):
        """A connector that sends credentials never sends them over plain http:// (but to
        a loopback host); an address stored before is refused again at send, by every
        request of the connector (core.connectors.base.Connector._request)."""
        for channel in self.filtered("connector"):
            connector = channel._webhook_connector()
            urls = (channel.endpoint_url, *channel._setting_urls())
            refusal = connector.clear_text_refusal(*urls)
            if refusal:
                raise ValidationError(
                    self.env._(
                        "Channel %(name)s: %(refusal)s", name=channel.display_name, refusal=refusal
                    )
                )

    @api.depends("connector")
    def _compute_connector_abilities(self):
        for channel in self:
            connector = channel.connector and channel._webhook_connector()
            channel.polls_orders = bool(connector and connector.polls_orders)
            channel.confirms_async = bool(connector and connector.confirms_async)

    @contextmanager
    def _connector(self):
        """The channel's connector, kept per process (core.connectors.pool)."""
        self.ensure_one()
        key = (self.env.cr.dbname, self.id)
        with POOL.connector(key, self.sudo().connector, self._connector_config()) as connector:
            # the channel's limits and token, shared by every worker of the database
            # (a connector with no documented limit, or no token, has no use of them)
            if connector.limits:
                connector.limiter = DatabaseLimiter(self.env, self.id)
            if connector.fetches_tokens:
                connector.tokens = DatabaseTokenStore(self.env, self.id)
            connector.take_api_notice()  # said to an earlier user of the pooled connector
            yield connector
            # the channel named another API version to use (Shopify's fall-forward or
            # deprecation headers): an alert (core.connectors.shopify_graphql)
            self.env["stock.channel.alert"]._api_version_notice(
                self, connector.config.settings.get("api_version"), connector.take_api_notice()
            )

    def _connector_config(self):
        channel = self.sudo()
        return ChannelConfig(
            code=channel.code,
            endpoint_url=channel.endpoint_url or "",
            api_key=channel.api_key or "",
            api_secret=channel.api_secret or "",
            batch_size=channel.batch_size,
            connect_timeout=channel.connect_timeout,
            read_timeout=channel.read_timeout,
            settings=channel._setting_values(),
        )

    def _confirm_timeout_minutes(self):
        """Minutes a push waits for the channel's verdict before it is sent again."""
        self.ensure_one()
        minutes = self._setting_value("confirm_timeout_minutes")
        return minutes or self._webhook_connector().confirm_timeout_minutes

    def _webhook_secret(self):
        """The secret that signs the channel's webhooks."""
        channel = self.sudo()
        return channel._webhook_secret_setting() or channel.api_secret

    # ------------------------------------------------------------------
    # Orders read by polling (WooCommerce's catch-up; the only way in for others)
    # ------------------------------------------------------------------
    @api.model
    def _cron_poll_orders(self):
        """Scheduled action: every channel whose connector polls orders, when its
        interval has passed; each channel in its own transaction."""
        for channel in self.search([("connector", "!=", False)]):
            if channel.polls_orders and channel._poll_due():
                channel._poll_orders()
                runtime.commit_chunk(self.env, 1)

    def _poll_due(self):
        interval = timedelta(minutes=self._webhook_connector().poll_interval_minutes)
        return not self.order_polled_at or self.order_polled_at + interval <= fields.Datetime.now()

    def _poll_orders(self, raise_errors=False):
        """Read the orders changed since the cursor and take each one through the
        webhooks' path (stored, then judged); a version already stored is skipped. A poll
        that fails keeps its cursor (``raise_errors``: and says why, as a UserError).
        Returns the messages stored."""
        self.ensure_one()
        channel = self.sudo()
        try:
            with channel._connector() as connector:
                messages, cursor = connector.poll_orders(channel.order_poll_cursor)
        except SyncError as error:
            if getattr(error, "throttled", False) and not raise_errors:
                # the channel's window (another caller used it): the next run polls
                _logger.info("channel %s: orders polled later: %s", channel.code, error)
                return self.env["stock.channel.inbound"]
            channel._poll_failed(error)
            if raise_errors:
                raise UserError(
                    self.env._(
                        "Polling the orders of %(channel)s failed: %(error)s",
                        channel=channel.display_name,
                        error=error,
                    )
                ) from None
            return self.env["stock.channel.inbound"]
        stored = self.env["stock.channel.inbound"].sudo()._take_polled(channel, messages)
        channel.write(
            {
                "order_poll_cursor": cursor,
                "order_polled_at": fields.Datetime.now(),
                "order_poll_error": False,
                "order_poll_failed_at": False,
            }
        )
        return stored

    def _poll_failed(self, error):
        """A failed poll: kept on the channel (its form and card say why) until the next
        one succeeds; the cursor stays."""
        _logger.warning("channel %s: polling orders failed: %s", self.code, error)
        now = fields.Datetime.now()
        self.write(
            {
                "order_polled_at": now,
                "order_poll_error": self._poll_error_words(error),
                "order_poll_failed_at": now,
            }
        )

    def _poll_error_words(self, error):
        """What a failed poll says to the store manager: the Test connection sentence when
        the credentials or the address are to blame, else the error."""
        with self._connector() as connector:
            return check.explain(connector, connector.config.endpoint_url, error).message

    def action_poll_orders(self):
        check_manager_of(self)
        for channel in self:
            channel._poll_orders(raise_errors=True)
        return True
