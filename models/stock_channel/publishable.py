"""The publishable quantities of a batch of variants (_compute_publishable's loop): the
variants in chunks, each chunk's stock figures read once per warehouse (the quants of
every warehouse by one query) and shared by every channel drawing from it; the
quantities computed by core.batch (each distinct allocation and combination of a chunk
once, the explain of a Result only when read; without rules per variant, the chunk at
once: Batch.fixed_results); the loop works on ids, the rules looked up only for the
channels that have some."""

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
        `plan` and `combiners` ({channel_id: core.batch.Own or Combined}) of
        _publishing_plan, chunk by chunk."""
        state = self._publishable_state(products, plan, today)
        work = batch.Batch(
            {cid: combiners[cid] for cid in self.ids}, state["backorder"], state["ceilings"], today
        )
        # the records of the variants only for the rules and velocities read per variant
        ruled = any(at[3] is None for at in state["plan"].values())
        warehouses = self.env["stock.warehouse"].union(*state["plan"])
        plan_at = [state["plan"][warehouse] for warehouse in warehouses]
        once = warehouses._channel_batch_state()  # their locations, pending reservations
        results = {}
        for ids in split_every(CHUNK, products.ids):
            chunk = products.browse(ids)
            work.chunk()  # shared within the chunk: what no later variant shares is freed
            stocks = warehouses._channel_batch_figures(chunk, once)
            figures = list(zip(plan_at, stocks, strict=True))
            for product_id, found in self._publishable_chunk(
                work, ids, chunk, figures, state, ruled
            ):
                for channel_id, result in found.items():
                    results[channel_id, product_id] = result
        work.chunk()  # the Results' explain keeps `work`, not what the last chunk shared
        return results

    def _publishable_chunk(self, work, ids, chunk, figures, state, ruled):
        """(product id, {channel_id: Result}) of the chunk's variants, `figures` [(the
        warehouse's entry of the plan, {product_id: Stock})]: without rules per variant
        (the same rules, no velocity at each warehouse), Batch.fixed_results."""
        if not ruled:
            columns = [(at[0], stocks, at[3], at[4]) for at, stocks in figures]
            yield from work.fixed_results(ids, columns)
            return
        for product_id, product in zip(ids, chunk, strict=False):
            inputs = tuple(
                self._publishable_at(at, stocks[product_id], product, state)
                for at, stocks in figures
            )
            yield product_id, work.results(inputs)

    def _publishable_state(self, products, plan, today):
        """What every variant of the batch reads: the plan {warehouse: (its id, its channels
        of self, the (id, channel) sharing it, the rules when none has its own, the ids of
        its channels, itself)}, the resolver, the ceilings, backorder flags and velocity
        reader."""
        every = self.browse(sorted({ch.id for _chs, sibs in plan.values() for ch in sibs}))
        resolve = self.env["stock.channel.policy.rule"]._resolver(every)
        by_warehouse = {}
        for warehouse, (channels, siblings) in plan.items():
            pairs = tuple((ch.id, ch) for ch in siblings)
            fixed = None  # no sibling has rules: the default rule for each, every variant
            if not any(cid in resolve.ruled for cid, _ch in pairs):
                fixed = dict.fromkeys((cid for cid, _ch in pairs), allocation.DEFAULT_RULE)
            by_warehouse[warehouse] = (
                warehouse.id,
                channels,
                pairs,
                fixed,
                tuple(ch.id for ch in channels),
                warehouse,
            )
        return {
            "plan": by_warehouse,
            "resolve": resolve,
            "ceilings": {ch.id: quantity_ceiling(ch.connector) for ch in self if not ch.source_ids},
            "backorder": {ch.id: ch.allow_backorder for ch in every},
            "velocity_of": None,  # velocity(channel, product), read at the first rule needing it
            "products": products,
        }

    def _publishable_at(self, at, stock, product, state):
        """(warehouse id, `stock`, rules {channel_id: Rule} of the channels sharing it,
        the ids of self's channels drawing from it, velocity {channel_id: Velocity} or
        None): what core.batch.Batch.results reads of `product` in a warehouse (`at`: its
        entry of the state's plan; `stock` its figures there)."""
        warehouse_id, channels, pairs, rules, keys, warehouse = at
        if rules is None:
            resolve = state["resolve"]
            rules = {cid: resolve(ch, product, warehouse) for cid, ch in pairs}
            if not state["velocity_of"] and any(rules[ch.id].latency_buffer for ch in channels):
                state["velocity_of"] = self._velocity_reader(state["products"])
        velocity_of = state["velocity_of"]
        velocity = velocity_of and {ch.id: velocity_of(ch, product) for ch in channels}
        return warehouse_id, stock, rules, keys, velocity
