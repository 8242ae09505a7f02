"""What a channel's connector can address: the SKU and id of each variant queued for it
(its binding's, else the internal reference), read for every channel of a flush at once."""

from odoo import api, models

from ...core.connectors import get_connector
from ...core.sql_arrays import array_text

# the variants `ids` as each channel of `channels` names them: one row per (channel, variant)
ADDRESSES_OF_CHANNELS = """
SELECT ch.id, pp.id, CASE WHEN b.id IS NULL THEN pp.default_code ELSE b.external_sku END,
       b.external_id
  FROM unnest(%(channels)s::int[]) AS ch(id)
  JOIN product_product pp ON pp.id = ANY(%(ids)s::int[])
  LEFT JOIN stock_channel_binding b
         ON b.product_id = pp.id AND b.channel_id = ch.id AND b.active
"""


class StockChannelOutbox(models.Model):
    _inherit = "stock.channel.outbox"

    def _addressable_rows_of(self, channels, targets):
        """[(channel_id, product_id, priority, force)] of `targets` ({channel_id: wanted,
        see _addressable_rows}) for `channels`, in their order: the address books of the
        channels wanting named variants read in one query."""
        named = channels.filtered(
            lambda channel: None not in targets[channel.id] and not channel._waits_for_mapping()
        )
        books = self._address_books(named, targets)
        rows = []
        for channel in channels:
            rows += self._addressable_rows(channel, targets[channel.id], books.get(channel.id))
        return rows

    def _addressable_rows(self, channel, wanted, book=None):
        """[(channel_id, product_id, priority, force)] of `wanted` ({product_id or None
        (every variant the channel publishes): (priority, force)}) that the channel's
        connector can address: a variant waiting for its binding is not queued, nor
        anything of a channel waiting for its first Import mapping. `book`: the
        channel's address book of `wanted`, when read already (_address_books)."""
        if channel._waits_for_mapping():
            return []
        every = wanted.get(None)
        ids = [product_id for product_id in wanted if product_id is not None]
        if book is None:
            book = self._address_book(channel, ids, every=bool(every))
        rows = []
        for product_id, addressable in book.items():
            if not addressable:
                continue
            prio, force = wanted.get(product_id, every)
            if every:
                prio, force = max(prio, every[0]), force or every[1]
            rows.append((channel.id, product_id, prio, force))
        return rows

    @api.model
    def _address_books(self, channels, targets):
        """{channel_id: {product_id: addressable}} of the named variants `targets` wants
        on each of `channels` (as _address_book without `every`), in one query."""
        if not channels:
            return {}
        ids = sorted({pid for channel in channels for pid in targets[channel.id]})
        self.env["stock.channel.binding"].flush_model()
        self.env["product.product"].flush_model(["default_code", "active"])
        self.env.cr.execute(
            ADDRESSES_OF_CHANNELS, {"channels": channels.ids, "ids": array_text(ids)}
        )
        books = {channel.id: {} for channel in channels}
        addresses = {channel.id: get_connector(channel.connector).addresses for channel in channels}
        for channel_id, pid, sku, ext in self.env.cr.fetchall():
            if pid in targets[channel_id]:
                books[channel_id][pid] = addresses[channel_id](sku, ext or "")
        return books

    @api.model
    def _address_book(self, channel, product_ids=(), every=True):
        """{product_id: whether `channel`'s connector can address it} for `product_ids`
        and, with `every`, every active storable variant of the channel's company, from
        the binding's SKU and id (else the internal reference), in one query."""
        self.env["stock.channel.binding"].flush_model()
        self.env["product.product"].flush_model(["default_code", "active"])
        self.env.cr.execute(
            """
            SELECT pp.id, CASE WHEN b.id IS NULL THEN pp.default_code ELSE b.external_sku END,
                   b.external_id
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN stock_channel_binding b
                     ON b.product_id = pp.id AND b.channel_id = %(channel)s AND b.active
             WHERE pp.id = ANY(%(ids)s::int[])
                OR (%(every)s AND pt.is_storable AND pt.active AND pp.active
                    AND (pt.company_id IS NULL OR pt.company_id = %(company)s))
            """,
            {
                "channel": channel.id,
                "company": channel.company_id.id,
                "every": every,
                "ids": array_text(product_ids),
            },
        )
        addresses = get_connector(channel.connector).addresses
        return {pid: addresses(sku, ext or "") for pid, sku, ext in self.env.cr.fetchall()}
