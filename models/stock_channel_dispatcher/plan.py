"""Planning a round's pushes, in the transaction that took the rows."""

import logging
from datetime import UTC

from odoo import fields, models

from ...core.connectors import PushItem
from ...core.dispatch import CORRECTION, LIVE, PushBatch, explain_inputs, utcnow
from ...core.errors import RetryableError

_logger = logging.getLogger(__name__)


class StockChannelDispatcher(models.AbstractModel):
    """A round's pushes: planned in the transaction that took the rows, pushed outside
    any transaction work, recorded in a new transaction."""

    _inherit = "stock.channel.dispatcher"

    def _plan(self, channel, connector, rows):
        """The jobs of a round. Rows with nothing to send are deleted, rows that cannot be
        sent become dead letters, here; the others are marked in doubt with sequences."""
        status_rows = rows.filtered("sale_order_id")
        jobs = [job for row in status_rows if (job := self._plan_status(row))]
        stock_rows = rows - status_rows
        if stock_rows:
            jobs += self._plan_stock(channel, connector, stock_rows)
        return jobs

    @staticmethod
    def _row_key(row):
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
        results = channel._compute_publishable(rows.product_id)
        Quantity = self.env["stock.channel.quantity"]
        Quantity._store_results(results)
        published = {
            line.product_id.id: line
            for line in Quantity.search(
                [("channel_id", "=", channel.id), ("product_id", "in", rows.product_id.ids)]
            )
        }
        bindings = channel._bindings(rows.product_id)
        Binding = self.env["stock.channel.binding"]
        skus, conflicts = Binding._channel_skus(channel, rows.product_id, bindings)
        computed_at = fields.Datetime.now().replace(tzinfo=UTC)
        to_send, unchanged = [], rows.browse()
        for row in rows:
            product_id = row.product_id.id
            binding = bindings.get(product_id)
            if binding and binding.fulfilled_by_channel:  # the channel's own stock
                unchanged |= row
                continue
            if product_id in conflicts:
                row._to_dead_letter(conflicts[product_id])
                continue
            external_id = binding.external_id or "" if binding else ""
            if not connector.addresses(skus.get(product_id), external_id):
                unchanged |= row  # waiting for its binding: queued again when it is bound
                continue
            result = results[channel.id, product_id]
            line = published.get(product_id)
            known = line and line.published_at and not line.push_in_doubt
            if known and line.published_qty == result.publishable and not row.force:
                unchanged |= row
                continue
            to_send.append((row, result, line))
        unchanged._delete_sent()
        # quantities falling to 0 first, then priority, then the oldest change
        to_send.sort(key=lambda t: (t[1].publishable != 0, -t[0].priority, t[0].event_at, t[0].id))
        sequences = Quantity._claim_sequences(channel, [t[0].product_id.id for t in to_send])
        # reconciliation's corrections: compared with what the channel was read holding
        sent = self.env["product.product"].browse([t[0].product_id.id for t in to_send])
        read = self.env["stock.channel.drift"]._correction_bases(channel, sent)
        context = (skus, bindings, sequences, computed_at, read)
        return [self._stock_job(batch, *context) for batch in connector.batches(to_send)]

    def _stock_job(self, batch, skus, bindings, sequences, computed_at, read):
        """The PushBatch of one batch of (row, publishable result, quantity line)."""
        job = PushBatch(rows=[self._row_key(row) for row, _result, _line in batch])
        for row, result, line in batch:
            product_id = row.product_id.id
            binding = bindings.get(product_id)
            job.products.append(product_id)
            job.explains.append(explain_inputs(result))
            correction = product_id in read
            job.kinds.append(CORRECTION if correction else row.push_kind or LIVE)
            previous = line.published_qty if line.published_at else None
            job.items.append(
                PushItem(
                    sku=skus[product_id],
                    quantity=result.publishable,
                    sequence=sequences[product_id],
                    computed_at=computed_at,
                    external_id=binding.external_id or "" if binding else "",
                    external_location_id=binding.external_location_id or "" if binding else "",
                    external_parent_id=binding.external_parent_id or "" if binding else "",
                    previous_quantity=read[product_id] if correction else previous,
                    correction=correction,
                )
            )
        return job

    def _failed_plan(self, rows, trace):
        job = PushBatch(rows=[self._row_key(row) for row in rows], sent_at=utcnow(), trace=trace)
        job.outcome = RetryableError(f"could not prepare the push: {trace.splitlines()[-1]}")
        return job
