"""Planning a round's pushes, in the transaction that took the rows."""

import logging
from datetime import UTC

from odoo import fields, models

from ...core.connectors import PushItem
from ...core.dispatch import CORRECTION, LIVE, PushBatch, utcnow
from ...core.errors import RetryableError

_logger = logging.getLogger(__name__)


class StockChannelDispatcher(models.AbstractModel):
    """A round's pushes: planned in the transaction that took the rows, pushed outside
    any transaction work, recorded in a new transaction."""

    _inherit = "stock.channel.dispatcher"

    def _plan(self, channel, connector, rows):
        """The jobs of a round (`rows`: the outbox's TakenRow). Rows with nothing to send
        are deleted, rows that cannot be sent become dead letters, here; the others are
        marked in doubt with sequences."""
        Outbox = self.env["stock.channel.outbox"]
        status_rows = Outbox.browse([row.id for row in rows if row.sale_order_id])
        jobs = [job for row in status_rows if (job := self._plan_status(row))]
        stock_rows = [row for row in rows if not row.sale_order_id]
        if stock_rows:
            jobs += self._plan_stock(channel, connector, stock_rows)
        return jobs

    @staticmethod
    def _row_key(row):
        """(id, generation, attempts, event_at) of an outbox row (a record or a TakenRow)."""
        return (row.id, row.generation, row.attempts, row.event_at)

    def _plan_status(self, row):
        order = row.sale_order_id
        body = order._channel_status_body()
        if body == order.channel_status_pushed and not row.force:
            row._delete_sent()
            return None
        label = f"{order.name} ({order.channel_order_ref}): {body['status']}"
        return PushBatch(rows=[self._row_key(row)], order_id=order.id, body=body, label=label)

    def _plan_stock(self, channel, connector, rows):
        """The stock pushes of `rows` (TakenRow): what each variant needs is asked once
        (stock.channel.quantity._for_push); the others, in the order they leave, are
        claimed (in doubt, with their sequences: in the statement that stores every
        variant's figures); the rows with nothing to send are deleted, those that cannot
        be sent become dead letters; the pushes batched."""
        Quantity, Outbox = self.env["stock.channel.quantity"], self.env["stock.channel.outbox"]
        products = self.env["product.product"].browse(dict.fromkeys(row.product_id for row in rows))
        variants, results = Quantity._for_push(channel, products)
        computed_at = fields.Datetime.now().replace(tzinfo=UTC)
        to_send, unchanged, conflicts = [], [], []
        for row in rows:
            variant = variants[row.product_id]
            if variant.own_stock:  # the channel's own stock
                unchanged.append(row.id)
            elif variant.conflict:
                conflicts.append((row.id, variant.conflict))
            elif not connector.addresses(variant.sku, variant.external_id):
                unchanged.append(row.id)  # waiting for its binding: queued again when bound
            elif variant.in_sync and not row.force:
                unchanged.append(row.id)
            else:
                to_send.append((row, variant))
        # quantities falling to 0 first, then priority, then the oldest change
        to_send.sort(
            key=lambda t: (t[1].publishable != 0, -(t[0].priority or 0), t[0].event_at, t[0].id)
        )
        claims = Quantity._claim_for_push(channel, [row.product_id for row, _v in to_send], results)
        for row_id, conflict in conflicts:
            Outbox.browse(row_id)._to_dead_letter(conflict)
        Outbox.browse(unchanged)._delete_sent()
        return [
            self._stock_job(batch, *claims, computed_at) for batch in connector.batches(to_send)
        ]

    def _stock_job(self, batch, sequences, bases, computed_at):
        """The PushBatch of one batch of (TakenRow, VariantOnChannel); `bases`: the
        quantities read on the channel that a reconciliation's corrections compare with."""
        job = PushBatch(
            rows=[(row.id, row.generation, row.attempts, row.event_at) for row, _v in batch]
        )
        for row, variant in batch:
            product_id = row.product_id
            correction = product_id in bases
            job.products.append(product_id)
            job.explains.append(variant.explain)
            job.kinds.append(CORRECTION if correction else row.push_kind or LIVE)
            job.items.append(
                PushItem(
                    sku=variant.sku,
                    quantity=variant.publishable,
                    sequence=sequences[product_id],
                    computed_at=computed_at,
                    external_id=variant.external_id,
                    external_location_id=variant.external_location_id,
                    external_parent_id=variant.external_parent_id,
                    previous_quantity=bases[product_id] if correction else variant.published,
                    correction=correction,
                    available_at=variant.available_at,
                    previous_available_at=variant.published_available_at,
                    on_hand=variant.on_hand,
                    stores=variant.stores,
                    previous_detail=variant.published_detail or "",
                )
            )
        return job

    def _failed_plan(self, rows, trace):
        job = PushBatch(rows=[self._row_key(row) for row in rows], sent_at=utcnow(), trace=trace)
        job.outcome = RetryableError(f"could not prepare the push: {trace.splitlines()[-1]}")
        return job
