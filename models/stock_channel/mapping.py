"""The mapping of a channel's catalogue to variants by SKU."""

import logging

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ...core.connectors import implements
from ...core.errors import SyncError, window_wait
from ...core.progress import IMPORT_MAPPING
from ..access import check_manager_of

_logger = logging.getLogger(__name__)

MAPPING_LISTED = 50  # SKUs and variants named in the mapping report, at most
MAPPING_CHUNK = 500  # catalogue entries bound between two progress records


class StockChannel(models.Model):
    _inherit = "stock.channel"

    # ------------------------------------------------------------------
    # The mapping: the channel's catalogue bound to variants by SKU
    # ------------------------------------------------------------------
    @api.depends("connector")
    def _compute_imports_mapping(self):
        for channel in self:
            channel.imports_mapping = implements(channel.connector, "list_catalog")

    def _waits_for_mapping(self):
        """Nothing is pushed to a channel that reads its catalogue before its mapping is
        imported (the first Import mapping after Test connection), unless variants were
        bound by hand: what the platform holds is not overwritten blindly."""
        self.ensure_one()
        channel = self.sudo()
        return bool(
            channel.imports_mapping and not channel.mapping_imported_at and not channel.binding_ids
        )

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
        catalog = self._read_catalog()
        bound, unmatched = self._bind_catalog(catalog, progress)
        missing = self._channel_products(self.company_id).filtered("default_code") - bound
        self.write(
            {
                "mapping_imported_at": fields.Datetime.now(),
                "mapping_report": self._mapping_report(len(catalog), bound, unmatched, missing),
            }
        )
        return bound, unmatched, missing

    def _read_catalog(self):
        """The channel's catalogue entries that have a SKU (and the keys that sign its
        push notifications, kept); UserError when the read fails, WindowWait when the
        channel's window holds it."""
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
        return catalog

    def _bind_catalog(self, catalog, progress=None):
        """(variants bound, SKUs matching no variant or several): each entry bound to the
        variant its SKU (else its barcode) names, MAPPING_CHUNK entries at a time."""
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
        return bound, unmatched

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


def _listed(names):
    names = list(names)
    shown = ", ".join(names[:MAPPING_LISTED])
    return shown if len(names) <= MAPPING_LISTED else f"{shown} (+{len(names) - MAPPING_LISTED})"
