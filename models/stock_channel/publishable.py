"""The publishable quantities of a batch of variants (_compute_publishable's loop): the
variants in chunks, each chunk's stock figures read once per warehouse and shared by
every channel drawing from it, each distinct allocation and combination computed once
(core.batch.Shared)."""

from odoo import models
from odoo.tools import split_every

from ...core import allocation, batch
from ...core.connectors import quantity_ceiling

# variants per chunk: their figures (one set of grouped queries per warehouse) and
# records are held for one chunk at a time
CHUNK = 5000


class StockChannel(models.Model):
    _inherit = "stock.channel"

    def _publishable_batch(self, products, plan, combiners, today):
        """{(channel_id, product_id): allocation.Result} for self x `products`, by the
        `plan` and `combiners` of _publishing_plan, chunk by chunk."""
        every = self.browse(sorted({ch.id for _chs, sibs in plan.values() for ch in sibs}))
        state = {
            "resolve": self.env["stock.channel.policy.rule"]._resolver(every),
            "ceilings": {ch.id: quantity_ceiling(ch.connector) for ch in self if not ch.source_ids},
            "backorder": {ch.id: ch.allow_backorder for ch in every},
            "velocity_of": None,  # velocity(channel, product), read at the first rule needing it
            "products": products,
            "today": today,
            "shared": batch.Shared(),
        }
        results = {}
        for ids in split_every(CHUNK, products.ids):
            chunk = products.browse(ids)
            figures = {wh.id: wh._channel_stock_figures(chunk) for wh in plan}
            for product in chunk:
                per_warehouse = {
                    warehouse.id: self._publishable_at(warehouse, channels, siblings,
                                                       figures[warehouse.id][product.id],
                                                       product, state)
                    for warehouse, (channels, siblings) in plan.items()
                }  # fmt: skip
                for channel in self:
                    results[channel.id, product.id] = state["shared"].combined(
                        channel.id, per_warehouse, combiners[channel.id]
                    )
        return results

    def _publishable_at(self, warehouse, channels, siblings, stock, product, state):
        """{channel_id: allocation.Result} of `product` in `warehouse` (its `stock`) for
        the `siblings` sharing it (core.allocation.allocate, once per distinct input)."""
        resolve = state["resolve"]
        rules = {ch.id: resolve(ch, product, warehouse) for ch in siblings}
        if not state["velocity_of"] and any(rules[ch.id].latency_buffer for ch in channels):
            state["velocity_of"] = self._velocity_reader(state["products"])
        velocity_of = state["velocity_of"]
        velocity = velocity_of and {ch.id: velocity_of(ch, product) for ch in channels}

        def compute():
            return allocation.allocate(
                stock,
                rules,
                allow_backorder=state["backorder"],
                today=state["today"],
                velocity=velocity,
                ceilings=state["ceilings"],
            )

        return state["shared"].allocation(warehouse.id, stock, rules, velocity, compute)
