import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..core.connectors import ChannelConfig, implements
from ..core.connectors.pool import POOL
from ..core.errors import SyncError, window_wait
from ..core.progress import IMPORT_MAPPING
from .access import check_manager_of
from .stock_channel_limits import DatabaseLimiter, DatabaseTokenStore

_logger = logging.getLogger(__name__)

MAPPING_LISTED = 50  # SKUs and variants named in the mapping report, at most
MAPPING_CHUNK = 500  # catalogue entries bound between two progress records


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
            connector.limiter = DatabaseLimiter(self.env, self.id)
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
        testing = getattr(threading.current_thread(), "testing", False)
        for channel in self.search([("connector", "!=", False)]):
            if channel.polls_orders and channel._poll_due():
                channel._poll_orders()
                if not testing:
                    self.env["ir.cron"]._commit_progress(1)

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
            _logger.warning("channel %s: polling orders failed: %s", channel.code, error)
            channel.order_polled_at = fields.Datetime.now()
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
        channel.write({"order_poll_cursor": cursor, "order_polled_at": fields.Datetime.now()})
        return stored

    def action_poll_orders(self):
        check_manager_of(self)
        for channel in self:
            channel._poll_orders(raise_errors=True)
        return True

    # ------------------------------------------------------------------
    # The mapping: the channel's catalogue bound to variants by SKU
    # ------------------------------------------------------------------
    @api.depends("connector")
    def _compute_imports_mapping(self):
        for channel in self:
            channel.imports_mapping = implements(channel.connector, "list_catalog")

    def action_import_mapping(self):
        """Queue the import (a background job): read the channel's catalogue and bind its
        products to variants by SKU; report the SKUs that match no variant and the
        variants that match no product. A failed read is the job's error."""
        check_manager_of(self)
        if cannot := self.filtered(lambda channel: not channel.imports_mapping):
            raise UserError(
                self.env._(
                    "%(channels)s cannot read its catalogue: bind its variants by hand.",
                    channels=", ".join(cannot.mapped("display_name")),
                )
            )
        return self.env["stock.channel.job"]._start_on(IMPORT_MAPPING, self)

    def _import_mapping(self, progress=None):
        """Bind the catalogue MAPPING_CHUNK entries at a time; `progress(done, total)`
        once it is read and after each chunk (a background job records it). A read the
        channel's window holds raises core.errors.WindowWait (the job waits for it)."""
        self.ensure_one()
        try:
            with self._connector() as connector:
                catalog = [entry for entry in connector.list_catalog() if entry.sku]
                if hasattr(connector, "signature_keys"):  # of its push notifications
                    self._set_settings({"webhook_secret": connector.signature_keys()})
        except SyncError as error:
            if wait := window_wait(error):  # a documented window: the job waits for it
                raise wait from None
            raise UserError(
                self.env._(
                    "Reading the catalogue of %(channel)s failed: %(error)s",
                    channel=self.display_name,
                    error=error,
                )
            ) from None
        Binding = self.env["stock.channel.binding"].with_context(active_test=False)
        owners = Binding._sku_owners(self, [entry.sku for entry in catalog])
        by_barcode = self._barcode_owners([entry.barcode for entry in catalog if entry.barcode])
        bindings = {b.product_id.id: b for b in Binding.search([("channel_id", "=", self.id)])}
        bound, unmatched = self.env["product.product"], []
        if progress:
            progress(0, len(catalog))
        for start in range(0, len(catalog), MAPPING_CHUNK):
            chunk = catalog[start : start + MAPPING_CHUNK]
            for entry in chunk:
                product_ids = owners.get(entry.sku) or by_barcode.get(entry.barcode) or []
                if len(product_ids) != 1:
                    unmatched.append(entry.sku)
                    continue
                self._bind_entry(Binding, bindings.get(product_ids[0]), product_ids[0], entry)
                bound |= self.env["product.product"].browse(product_ids)
            if progress:
                progress(start + len(chunk))
        missing = self._channel_products(self.company_id).filtered("default_code") - bound
        self.write(
            {
                "mapping_imported_at": fields.Datetime.now(),
                "mapping_report": self._mapping_report(len(catalog), bound, unmatched, missing),
            }
        )
        return bound, unmatched, missing

    def _bind_entry(self, Binding, binding, product_id, entry):
        """Bind the catalogue's `entry` to the variant (its binding updated, or made)."""
        vals = {
            "external_sku": entry.sku,
            "external_id": entry.external_id,
            "external_parent_id": entry.external_parent_id or False,
            "fulfilled_by_channel": entry.fulfilled_by_channel,
            "active": True,
        }
        if binding:
            binding.write(vals)
        else:
            Binding.create({"channel_id": self.id, "product_id": product_id, **vals})

    def _barcode_owners(self, barcodes):
        """{barcode: [product ids]} of the company's storable variants (an EAN the channel
        knows its products by, when their SKU matches no variant)."""
        if not barcodes:
            return {}
        owners = {}
        products = self.env["product.product"].search(
            [
                ("barcode", "in", barcodes),
                ("is_storable", "=", True),
                ("company_id", "in", [False, self.company_id.id]),
            ]
        )
        for product in products:
            owners.setdefault(product.barcode, []).append(product.id)
        return owners

    def _mapping_report(self, read, bound, unmatched, missing):
        env = self.env
        parts = [
            escape(env._("%(read)s products read, %(bound)s bound.", read=read, bound=len(bound)))
        ]
        if unmatched:
            parts.append(
                escape(
                    env._(
                        "SKUs of the channel matching no variant (or several): %(skus)s",
                        skus=_listed(unmatched),
                    )
                )
            )
        if missing:
            names = missing.mapped("display_name")
            parts.append(
                escape(
                    env._(
                        "Variants matching no product of the channel: %(names)s",
                        names=_listed(names),
                    )
                )
            )
        return Markup("<br/>").join(parts)

    # ------------------------------------------------------------------
    # Reading back what the channel holds
    # ------------------------------------------------------------------
    def _read_back(self, products):
        """{product_id: quantity on the channel} of `products` (bound, or published under
        their internal reference); those the channel does not know are left out."""
        self.ensure_one()
        Binding = self.env["stock.channel.binding"]
        bindings = self._bindings(products)
        skus, _conflicts = Binding._channel_skus(self, products, bindings)
        refs = {
            sku: (bindings[pid].external_id or "", bindings[pid].external_parent_id or "")
            for pid, sku in skus.items()
            if sku and pid in bindings
        }
        with self._connector() as connector:
            quantities = connector.read_quantities([sku for sku in skus.values() if sku], refs)
        return {pid: quantities[sku] for pid, sku in skus.items() if sku in quantities}


def _listed(names):
    names = list(names)
    shown = ", ".join(names[:MAPPING_LISTED])
    return shown if len(names) <= MAPPING_LISTED else f"{shown} (+{len(names) - MAPPING_LISTED})"
