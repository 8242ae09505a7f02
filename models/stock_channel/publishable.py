"""The publishable quantities of a batch of variants (_compute_publishable's loop): the
variants in chunks, each chunk's stock figures read once per warehouse and shared by
every channel drawing from it, each distinct allocation and combination of a chunk
computed once (core.batch.Shared); the loop works on ids, the rules looked up only for
the channels that have some."""

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
        state = self._publishable_state(products, plan, today)
        channel_ids = self.ids

        def combine(per_warehouse):
            return {cid: combiners[cid](per_warehouse) for cid in channel_ids}

        results = {}
        for ids in split_every(CHUNK, products.ids):
            chunk = products.browse(ids)
            # shared within the chunk: what no later variant shares is freed with it
            state["shared"] = batch.Shared()
            figures = {wh.id: wh._channel_stock_figures(chunk) for wh in plan}
            for product_id, product in zip(ids, chunk, strict=True):
                per_warehouse = {
                    wh_id: self._publishable_at(at, figures[wh_id][product_id], product, state)
                    for wh_id, at in state["plan"].items()
                }
                combined = state["shared"].combined(per_warehouse, combine)
                for channel_id in channel_ids:
                    results[channel_id, product_id] = combined[channel_id]
        return results

    def _publishable_state(self, products, plan, today):
        """What every variant of the batch reads: the plan by warehouse id {id: (warehouse,
        its channels, the (id, channel) sharing it, the rules when none has its own)},
        the resolver, the ceilings, backorder flags, velocity reader and shared results."""
        every = self.browse(sorted({ch.id for _chs, sibs in plan.values() for ch in sibs}))
        resolve = self.env["stock.channel.policy.rule"]._resolver(every)
        by_id = {}
        for warehouse, (channels, siblings) in plan.items():
            pairs = tuple((ch.id, ch) for ch in siblings)
            fixed = None  # no sibling has rules: the default rule for each, every variant
            if not any(cid in resolve.ruled for cid, _ch in pairs):
                fixed = dict.fromkeys((cid for cid, _ch in pairs), allocation.DEFAULT_RULE)
            by_id[warehouse.id] = (warehouse, channels, pairs, fixed)
        return {
            "plan": by_id,
            "resolve": resolve,
            "ceilings": {ch.id: quantity_ceiling(ch.connector) for ch in self if not ch.source_ids},
            "backorder": {ch.id: ch.allow_backorder for ch in every},
            "velocity_of": None,  # velocity(channel, product), read at the first rule needing it
            "products": products,
            "today": today,
            "shared": None,  # core.batch.Shared of the chunk
        }

    def _publishable_at(self, at, stock, product, state):
        """{channel_id: allocation.Result} of `product` in a warehouse (`at`: its entry of
        the state's plan; `stock` its figures there) for the channels sharing it
        (core.allocation.allocate, once per distinct input)."""
        warehouse, channels, pairs, rules = at
        if rules is None:
            resolve = state["resolve"]
            rules = {cid: resolve(ch, product, warehouse) for cid, ch in pairs}
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
