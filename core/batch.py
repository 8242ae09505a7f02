"""Publishable quantities of a batch of variants: the numbers first, each distinct
computation once, the explain when a caller reads it.

core.allocation.allocate and core.promise.combine are pure functions of their inputs,
and most of their cost is the explain, a sentence per step. A batch (Batch) computes
the quantities alone (allocation.quantities, Own.result, Combined.result: the same
arithmetic without the sentences) and gives each Result its explain steps (and its
sources) as Deferred tuples: the first read runs the full path (allocate, then the
channel's combine and cap) for that channel and variant only, so a Result reads and
compares as the full path's own.

Variants whose figures in a warehouse and whose rules there are the same get the same
allocation, and a channel whose warehouses' allocations are the same gets the same
combined Result (Shared): a catalogue of 100,000 variants mostly holding 0, 1, 2...
units computes each distinct input once and shares the Results. Nothing changes a
Result in place (every later step, kits, exclusions, hold_back, cap, builds a new one
with dataclasses.replace; a Result is frozen, its steps a tuple or a Deferred one), so
sharing is safe; memory is one Result per distinct input, not one per variant.
"""

from functools import partial

from . import allocation, promise
from .allocation import Deferred, Later, Result, Stock


class Shared:
    """The allocations and combined Results of one batch (one `today`, one set of
    channels, ceilings and backorder flags), by their inputs."""

    def __init__(self):
        self._allocations = {}  # (warehouse, stock, rule ids, velocity) -> (rules, results)
        self._combined = {}  # allocation ids -> {channel: Result}
        self._rules = {}  # id of a rules dict -> (the dict, kept alive; its key)

    def allocation(self, warehouse, stock, rules, velocity, compute):
        """compute(): {channel: Result} of `stock` under `rules` ({channel: Rule}, in the
        same channel order every call for one warehouse) and `velocity` ({channel:
        Velocity} or None), once per distinct input. The rules are keyed by identity
        (a batch's resolver returns one Rule object per policy rule; kept alive here)."""
        known = self._rules.get(id(rules))
        if known is None:  # a batch passes one dict for every variant when nobody has rules
            known = self._rules[id(rules)] = (rules, (tuple(rules), tuple(map(id, rules.values()))))
        key = (warehouse, stock, known[1], tuple(velocity.items()) if velocity else None)
        found = self._allocations.get(key)
        if found is None:
            found = self._allocations[key] = (rules, compute())
        return found[1]

    def combined(self, per_warehouse, combine):
        """combine(per_warehouse): {channel: Result} of the batch's channels, once per
        distinct set of allocations (per_warehouse {warehouse: the allocation's results,
        an object `allocation` returned, alive for the batch}, in the same warehouse
        order every call)."""
        key = tuple(map(id, per_warehouse.values()))
        found = self._combined.get(key)
        if found is None:
            found = self._combined[key] = combine(per_warehouse)
        return found

    def __len__(self):
        return len(self._allocations) + len(self._combined)


class Own:
    """How a channel without sources gets its Result: its warehouse's allocation."""

    __slots__ = ("warehouse",)

    def __init__(self, warehouse):
        self.warehouse = warehouse

    def full(self, channel, per_warehouse):
        """The full path: per_warehouse {warehouse: {channel: allocation.Result}}."""
        return per_warehouse[self.warehouse][channel]

    def result(self, channel, per_warehouse, later, _stocks):
        """The Result from per_warehouse {warehouse: {channel: allocation.Quantity}}, its
        steps those of `later` (a Later making the full path's Result)."""
        return allocation.explained_result(per_warehouse[self.warehouse][channel], later)


class Combined:
    """How a channel fed by sources gets its Result: its qualified sources' allocations
    combined (core.promise.combine), then capped at its platform's ceiling."""

    __slots__ = ("ceiling", "counting", "qualified", "sources")

    def __init__(self, sources, qualified, ceiling):
        self.sources, self.qualified, self.ceiling = tuple(sources), qualified, ceiling
        # the qualified sources, in order: what result() adds up
        self.counting = tuple(
            (source.key, source.safety_stock, source.fallback, source.fallback_threshold)
            for source in self.sources
            if qualified[source.key][0]
        )

    def full(self, channel, per_warehouse):
        """The full path: per_warehouse {warehouse: {channel: allocation.Result}}."""
        results = {
            source.key: per_warehouse[source.key][channel]
            for source in self.sources
            if self.qualified[source.key][0]
        }
        return promise.cap(promise.combine(self.sources, self.qualified, results), self.ceiling)

    def result(self, channel, per_warehouse, later, stocks):
        """full()'s Result from per_warehouse {warehouse: {channel: Quantity}}, as
        core.promise.combine counts (qualified sources in order, a fallback only while
        the total before it is under its threshold, each without its backorder and less
        its safety stock) and sums (see _Sums); its steps and sources those of `later`
        (the full path's) when read; `stocks` {figures: Stock} of a variant's channels."""
        total = backorder = 0
        sums = _Sums()
        for key, safety, fallback, threshold in self.counting:
            part = per_warehouse[key][channel]
            added = part.backorder
            if added and added[1] > backorder:
                backorder = added[1]
            if fallback and total >= threshold:
                continue
            qty = part.publishable - added[0] if added else part.publishable
            total += max(0, qty - safety) if safety else qty
            sums.add(part)
        if not sums.sellable and backorder > total:
            total = backorder
        if self.ceiling and total > self.ceiling.quantity:
            total = self.ceiling.quantity
        return Result(
            publishable=total,
            sellable=sums.sellable,
            stock=sums.stock(stocks),
            future=sums.future,
            available_at=sums.latest,
            incoming=sums.incoming,
            ring_fenced=sums.ring_fenced,
            fence_shortfall=sums.shortfall,
            rule="; ".join(sums.rules),
            steps=Deferred(later, "steps"),
            sources=Deferred(later, "sources"),
        )


class _Sums:
    """The figures of the counted sources' Quantities summed, in their order, as
    core.promise.combine sums them (Stock fields as floats from 0, receipts
    concatenated, the rules' labels once each, the latest availability date)."""

    __slots__ = (
        "future", "held", "incoming", "latest", "non_sellable", "on_hand", "receipts",
        "reserved", "ring_fenced", "rules", "sellable", "shortfall",
    )  # fmt: skip

    def __init__(self):
        self.sellable = self.incoming = self.ring_fenced = self.future = 0
        self.on_hand = self.reserved = self.non_sellable = self.held = 0
        self.receipts, self.shortfall, self.rules, self.latest = (), False, {}, None

    def add(self, part):
        _qty, sellable, stock, incoming, ring_fenced, shortfall, rule, future, day, _bo = part
        self.sellable += sellable
        self.incoming += incoming
        self.ring_fenced += ring_fenced
        self.future += future
        self.shortfall = self.shortfall or shortfall
        if rule:
            self.rules[rule] = None
        if day and (self.latest is None or day > self.latest):
            self.latest = day
        self.on_hand += stock.on_hand
        self.reserved += stock.reserved
        self.non_sellable += stock.non_sellable
        self.receipts += stock.incoming
        self.held += stock.held

    def stock(self, stocks):
        """The summed Stock, one object per distinct figures of a variant (`stocks`)."""
        figures = (self.on_hand, self.reserved, self.non_sellable, self.receipts, self.held)
        found = stocks.get(figures)
        if found is None:
            found = stocks[figures] = Stock(*figures)
        return found


class Batch:
    """The publishable Results of a batch of variants for some channels: one `today`,
    the channels' backorder flags and ceilings, and how each channel gets its Result
    from its warehouses' allocations (`combiners` {channel: Own or Combined}, in the
    batch's channel order). Variants come in chunks (chunk()), what a chunk's variants
    share forgotten with it."""

    def __init__(self, combiners, allow_backorder, ceilings, today):
        self.combiners = combiners
        self.allow_backorder = allow_backorder
        self.ceilings = ceilings
        self.today = today
        self.shared = Shared()
        self._groups = {}  # (rules id, channels, velocity) -> (rules, channel groups)

    def chunk(self):
        """A new chunk of variants: the shared computations of the last one dropped."""
        self.shared = Shared()
        self._groups = {}

    def results(self, inputs):
        """{channel: Result} of one variant from `inputs`, ((warehouse, Stock, rules
        {channel: Rule} of every channel sharing the warehouse, the batch's channels
        drawing from it, velocity {channel: Velocity} or None), ...) in the same warehouse
        order for every variant."""
        shared = self.shared
        per_warehouse = {}
        for warehouse, stock, rules, keys, velocity in inputs:
            per_warehouse[warehouse] = shared.allocation(
                warehouse,
                stock,
                rules,
                velocity,
                partial(self._quantities, stock, rules, keys, velocity),
            )
        return shared.combined(per_warehouse, lambda found: self._combine(found, inputs))

    def _quantities(self, stock, rules, keys, velocity):
        """allocation.quantities, the channels grouped once per rules (see
        allocation.channel_groups; the rules kept alive with their groups)."""
        key = (id(rules), keys, tuple(velocity.items()) if velocity else None)
        found = self._groups.get(key)
        if found is None:
            groups = allocation.channel_groups(
                rules, keys, self.allow_backorder, velocity, self.ceilings
            )
            found = self._groups[key] = (rules, groups)
        return allocation.grouped_quantities(stock, rules, found[1], self.today)

    def _combine(self, per_warehouse, inputs):
        stocks = {}
        return {
            channel: how.result(
                channel, per_warehouse, Later(self.explained, channel, inputs), stocks
            )
            for channel, how in self.combiners.items()
        }

    def explained(self, channel, inputs):
        """The full path's Result of `channel` for the variant of `inputs` (see results):
        each warehouse's allocate (the fences of every channel sharing it), the channel's
        combiner; what a Result's Deferred steps read."""
        per_warehouse = {
            warehouse: allocation.allocate(
                stock,
                rules,
                allow_backorder=self.allow_backorder,
                today=self.today,
                velocity=velocity,
                ceilings=self.ceilings,
                keys=(channel,),
            )
            for warehouse, stock, rules, keys, velocity in inputs
            if channel in keys
        }
        return self.combiners[channel].full(channel, per_warehouse)
