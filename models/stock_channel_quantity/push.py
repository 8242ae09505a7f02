"""stock.channel.quantity: a push's side (the dispatcher: planned, claimed, then
published)."""

from odoo import api, models

from ...core.dispatch import VariantOnChannel, explain_inputs
from ...core.promise import on_hand_units
from ...core.sql_arrays import array_text
from .quantity import RESULT_COLUMNS, RESULT_SET, RESULT_TYPES

# the database clock in microseconds: a new sequence's floor (see _claim_sequences)
CLOCK_US = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
# a round's figures stored (as _store_results) and, in the same statement, the lines of
# the variants about to be pushed claimed (as _claim_sequences): each line written once
# before the push instead of twice (the second write found its page full: not in place).
# The figures come as one array a column (core.sql_arrays: a row of VALUES a variant
# was parsed and planned value by value, a third of a round's database time)
UPSERT_CLAIM = f"""
    INSERT INTO stock_channel_quantity AS q ({", ".join(RESULT_COLUMNS)}, push_in_doubt,
           last_sequence)
    SELECT {", ".join(f"v.{name}" for name in RESULT_COLUMNS)},
           CASE WHEN v.claimed THEN true END, CASE WHEN v.claimed THEN {CLOCK_US} END
      FROM unnest({", ".join(f"%s::{kind}[]" for kind in RESULT_TYPES)}, %s::bool[])
           AS v({", ".join(RESULT_COLUMNS)}, claimed)
    ON CONFLICT (channel_id, product_id) DO UPDATE SET
        {RESULT_SET},
        push_in_doubt = COALESCE(EXCLUDED.push_in_doubt, q.push_in_doubt),
        last_sequence = CASE WHEN EXCLUDED.last_sequence IS NULL THEN q.last_sequence
            ELSE GREATEST(COALESCE(q.last_sequence, 0) + 1, EXCLUDED.last_sequence) END
    RETURNING q.product_id, q.last_sequence
"""


class StockChannelQuantity(models.Model):
    _inherit = "stock.channel.quantity"

    @api.model
    def _for_push(self, channel, products):
        """({product_id: core.dispatch.VariantOnChannel}, the allocation results) of
        `products` on `channel`: what a push needs, read once. Their publishable
        quantities are computed, not stored yet: _claim_for_push stores them (the lines
        are what the push is judged against) with the claim of the pushes."""
        results = channel._compute_publishable(products)
        published = self._published(channel, products)
        Binding = self.env["stock.channel.binding"]
        bindings = channel._bindings(products)
        skus, conflicts = Binding._channel_skus(channel, products, bindings)
        stores = channel._store_figures(products) if channel._sends_detail() else None
        variants = {}
        for product_id in products.ids:
            result = results[channel.id, product_id]
            qty, day, in_doubt, detail = published.get(product_id, (None, None, False, ""))
            binding = bindings.get(product_id)
            variants[product_id] = VariantOnChannel(
                sku=skus.get(product_id) or "",
                publishable=result.publishable,
                explain=explain_inputs(result),
                published=qty,
                available_at=result.available_at,
                published_available_at=day,
                in_doubt=in_doubt,
                conflict=conflicts.get(product_id, ""),
                on_hand=on_hand_units(result) if stores is not None else None,
                stores=stores.get(product_id, ()) if stores is not None else (),
                published_detail=detail or "",
                **(self._binding_facts(binding) if binding else {}),
            )
        return variants, results

    @staticmethod
    def _binding_facts(binding):
        """What a push reads of a variant's binding (none: VariantOnChannel's defaults)."""
        return {
            "bound": True,
            "external_id": binding.external_id or "",
            "external_location_id": binding.external_location_id or "",
            "external_parent_id": binding.external_parent_id or "",
            "own_stock": binding.fulfilled_by_channel,
        }

    @api.model
    def _published(self, channel, products):
        """{product_id: (what `channel` was last set to (None: never), its date, whether a
        push is in doubt, the detail it took)} of `products`, in one query (a round reads
        thousands)."""
        self.flush_model(
            ["published_qty", "published_at", "published_available_at", "push_in_doubt",
             "published_detail"]
        )  # fmt: skip
        self.env.cr.execute(
            "SELECT product_id, CASE WHEN published_at IS NOT NULL THEN "
            "COALESCE(published_qty, 0) END, published_available_at, "
            "COALESCE(push_in_doubt, false), published_detail FROM stock_channel_quantity "
            "WHERE channel_id = %s AND product_id = ANY(%s::int[])",
            [channel.id, array_text(products.ids)],
        )
        return {product_id: tuple(rest) for product_id, *rest in self.env.cr.fetchall()}

    @api.model
    def _claim_for_push(self, channel, product_ids, results=None):
        """The pushes of `product_ids` are about to leave: marked in doubt, each with its
        sequence (see _claim_sequences); with `results` (_for_push's), those figures are
        stored in the same statement, claimed or not. Returns ({product_id: sequence},
        {product_id: quantity read on the channel}: the base of a reconciliation's
        correction)."""
        if results is None:
            sequences = self._claim_sequences(channel, product_ids)
        else:
            sequences = self._store_and_claim(results, product_ids)
        products = self.env["product.product"].browse(list(product_ids))
        return sequences, self.env["stock.channel.drift"]._correction_bases(channel, products)

    @api.model
    def _store_and_claim(self, results, product_ids):
        """Upsert `results` ({(channel_id, product_id): allocation.Result}) as
        _store_results does, the lines of `product_ids` claimed as _claim_sequences
        does, in one statement: {product_id: sequence} of those claimed."""
        if not results:
            return {}
        claimed = set(product_ids)
        self.flush_model()
        rows = self._result_rows(results, list({key[0] for key in results}))
        columns = [array_text(column) for column in zip(*rows, strict=True)]
        columns.append(array_text([row[2] in claimed for row in rows]))
        self.env.cr.execute(UPSERT_CLAIM, columns)
        returned = self.env.cr.fetchall()
        self.invalidate_model()
        return {product_id: seq for product_id, seq in returned if product_id in claimed}

    @api.model
    def _claim_sequences(self, channel, product_ids):
        """Mark the pushes about to leave as in doubt and give each its sequence, in one
        statement: {product_id: sequence}.

        A sequence is the database clock in microseconds, and always above the variant's
        previous one on the channel: it keeps growing across a restore of the database
        (that sets every counter back, not the clock), and across workers.
        """
        if not product_ids:
            return {}
        self.flush_model(["push_in_doubt"])
        self.env.cr.execute(
            """
            UPDATE stock_channel_quantity q
               SET push_in_doubt = true,
                   last_sequence = GREATEST(
                       COALESCE(q.last_sequence, 0) + 1,
                       (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
              FROM unnest(%s::int[]) AS v(product_id)
             WHERE q.channel_id = %s AND q.product_id = v.product_id
            RETURNING q.product_id, q.last_sequence
            """,
            [list(product_ids), channel.id],
        )
        sequences = dict(self.env.cr.fetchall())
        self.invalidate_model(["push_in_doubt"])
        return sequences

    @api.model
    def _mark_published(self, channel, quantities, when, sequences=None, dates=None, details=None):
        """Record what `channel` accepted: {product_id: quantity}, in one statement.
        With `sequences` ({product_id: sequence}: a verdict that came later), only where
        no newer push of the variant left since. `dates`: {product_id: the availability
        date sent with it (None: none)}; without them, the line's own. `details`:
        {product_id: the detail sent with it (core.dispatch.item_detail)}, "" without."""
        if not quantities:
            return
        written = ["published_qty", "published_at", "push_in_doubt", "published_available_at"]
        written.append("published_detail")
        self.flush_model([*written, "available_at"])
        products = list(quantities)
        seqs = [(sequences or {}).get(product_id) for product_id in products]
        days, ch = [(dates or {}).get(product_id) for product_id in products], channel.id
        texts = [(details or {}).get(product_id) or None for product_id in products]
        self.env.cr.execute(
            """
            UPDATE stock_channel_quantity q
               SET published_qty = v.qty, published_at = %s, push_in_doubt = false,
                   published_available_at = CASE WHEN %s THEN v.day ELSE q.available_at END,
                   published_detail = v.detail
              FROM unnest(%s::int[], %s::numeric[], %s::bigint[], %s::date[], %s::varchar[])
                   AS v(product_id, qty, seq, day, detail)
             WHERE q.channel_id = %s AND q.product_id = v.product_id
               AND (v.seq IS NULL OR q.last_sequence = v.seq)
            """,
            [when, dates is not None, *map(array_text, (
                products, [quantities[p] for p in products], seqs, days, texts)), ch],
        )  # fmt: skip
        self.invalidate_model(written)
        # a reconciliation's corrections that the channel now holds
        self.env["stock.channel.drift"]._mark_corrected(channel, products, when)
