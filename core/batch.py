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

When every variant has its own figures, nothing is shared between variants; within a
variant, channels counting the same sources in the same order (and the same
Quantity at each) are twins: their figures are summed once (Batch._plan), each
Result its own explain.
"""

from . import allocation, promise
from .allocation import Deferred, Later, Stock, deferred_result

# whole figures below it add up to the same float in any order
WHOLE = 2**40


def _whole(stock):
    """Whether the figures of `stock` add up the same in any order (Combined.figures):
    whole numbers (as floats, exact below WHOLE), no receipts (concatenated in order)."""
    if stock.incoming:
        return False
    on_hand, reserved, non_sellable, held = (
        stock.on_hand, stock.reserved, stock.non_sellable, stock.held,
    )  # fmt: skip
    if on_hand % 1 or reserved % 1 or non_sellable % 1 or held % 1:  # NaN % 1 is NaN: true
        return False
    return abs(on_hand) + abs(reserved) + abs(non_sellable) + abs(held) < WHOLE


class Shared:
    """The allocations and combined Results of one batch (one `today`, one set of
    channels, ceilings and backorder flags), by their inputs."""

    def __init__(self):
        self._allocations = {}  # (warehouse, stock, rule ids, velocity) -> (rules, results)
        self._combined = {}  # allocation ids -> {channel: Result}
        self._rules = {}  # id of a rules dict -> (the dict, kept alive; its key)

    def rules_key(self, rules):
        """The key of `rules` ({channel: Rule}): its channels and its Rule objects (a
        batch's resolver returns one Rule object per policy rule), the dict kept alive
        (a batch passes one dict for every variant when nobody has rules)."""
        known = self._rules.get(id(rules))
        if known is None:
            known = self._rules[id(rules)] = (rules, (tuple(rules), tuple(map(id, rules.values()))))
        return known[1]

    def allocation(self, warehouse, stock, rules, velocity, compute, *args):
        """compute(*args): {channel: Result} of `stock` under `rules` ({channel: Rule}, in
        the same channel order every call for one warehouse) and `velocity` ({channel:
        Velocity} or None), once per distinct input (the rules keyed by rules_key)."""
        velocity = tuple(velocity.items()) if velocity else None
        key = (warehouse, stock, self.rules_key(rules), velocity)
        found = self._allocations.get(key)
        if found is None:
            found = self._allocations[key] = (rules, compute(*args))
        return found[1]

    def combined(self, per_warehouse, combine, *args):
        """combine(per_warehouse, *args): {channel: Result} of the batch's channels, once
        per distinct set of allocations (per_warehouse {warehouse: the allocation's
        results, an object `allocation` returned, alive for the batch}, in the same
        warehouse order every call)."""
        key = tuple(map(id, per_warehouse.values()))
        found = self._combined.get(key)
        if found is None:
            found = self._combined[key] = combine(per_warehouse, *args)
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

    def result(self, channel, per_warehouse, later, stocks):
        """The Result from per_warehouse {warehouse: {channel: allocation.Quantity}}, its
        steps those of `later` (a Later making the full path's Result)."""
        return self.make(self.figures(channel, per_warehouse, stocks), later)

    def figures(self, channel, per_warehouse, _stocks):
        """What make() reads: the channel's Quantity at its warehouse."""
        return per_warehouse[self.warehouse][channel]

    make = staticmethod(allocation.explained_result)


class Combined:
    """How a channel fed by sources gets its Result: its qualified sources' allocations
    combined (core.promise.combine), then capped at its platform's ceiling."""

    __slots__ = ("ceiling", "counting", "qualified", "sources")

    def __init__(self, sources, qualified, ceiling):
        self.sources, self.qualified, self.ceiling = tuple(sources), qualified, ceiling
        # the qualified sources, in order: what figures() adds up
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
        """full()'s Result from per_warehouse {warehouse: {channel: Quantity}} (see
        figures), its steps and sources those of `later` (the full path's) when read."""
        return self.make(self.figures(channel, per_warehouse, stocks), later)

    @staticmethod
    def make(figures, later):
        """The Result of figures() (a Combined channel's), its steps and sources read
        from `later` when asked."""
        head, future, latest = figures
        steps, sources = Deferred(later, "steps"), Deferred(later, "sources")
        return deferred_result(*head, steps, future, latest, "", "", sources)

    def figures(self, channel, per_warehouse, stocks):
        """((publishable, sellable, stock, incoming, ring fenced, fence shortfall, rule),
        future, available at) of full()'s Result, as core.promise.combine counts (the
        qualified sources in order, a fallback only while the total before it is under
        its threshold, each without its backorder and less its safety stock) and sums
        (Stock fields as floats from 0, receipts concatenated, the rules' labels once
        each, the latest day); `stocks` {figures: Stock} of a variant's channels."""
        total = backorder = sellable = incoming = fenced = future = 0
        on_hand = reserved = non_sellable = held = 0
        receipts, shortfall, latest, rules = (), False, None, {}
        for key, safety, fallback, threshold in self.counting:
            qty, units, stock, due, own, short, rule, later, day, added = per_warehouse[key][
                channel
            ]
            if added:
                backorder = max(backorder, added[1])
                qty -= added[0]
            if fallback and total >= threshold:
                continue
            total += max(0, qty - safety) if safety else qty
            sellable += units
            incoming += due
            fenced += own
            future += later
            shortfall = shortfall or short
            if rule:
                rules[rule] = None
            if day and (latest is None or day > latest):
                latest = day
            on_hand += stock.on_hand
            reserved += stock.reserved
            non_sellable += stock.non_sellable
            receipts += stock.incoming
            held += stock.held
        if not sellable and backorder > total:
            total = backorder
        if self.ceiling and total > self.ceiling.quantity:
            total = self.ceiling.quantity
        summed = (on_hand, reserved, non_sellable, receipts, held)
        found = stocks.get(summed)
        if found is None:  # one Stock per distinct sum of a variant's channels
            found = stocks[summed] = Stock(*summed)
        head = (total, sellable, found, incoming, fenced, shortfall, "; ".join(rules))
        return head, future, latest


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
        self.chunk()

    def chunk(self):
        """A new chunk of variants: the shared computations of the last one dropped."""
        self.shared = Shared()
        self._groups = {}  # (rules key, channels, velocity) -> channel groups
        self._plans = {}  # ((warehouse, id of its channel groups), ...) -> plan

    def results(self, inputs):
        """{channel: Result} of one variant from `inputs`, ((warehouse, Stock, rules
        {channel: Rule} of every channel sharing the warehouse, the batch's channels
        drawing from it, velocity {channel: Velocity} or None), ...) in the same warehouse
        order for every variant."""
        shared = self.shared
        per_warehouse, shape = {}, []
        for warehouse, stock, rules, keys, velocity in inputs:
            groups, found = shared.allocation(
                warehouse, stock, rules, velocity, self._quantities, stock, rules, keys, velocity
            )
            per_warehouse[warehouse] = found
            shape.append((warehouse, id(groups)))
        return shared.combined(per_warehouse, self._combine, inputs, shape)

    def _quantities(self, stock, rules, keys, velocity):
        """(channel groups, allocation.grouped_quantities): the channels grouped once per
        rules (see allocation.channel_groups; kept for the chunk)."""
        groups = self._channel_groups(rules, keys, velocity)
        return groups, allocation.grouped_quantities(stock, rules, groups, self.today)

    def _channel_groups(self, rules, keys, velocity):
        """allocation.channel_groups, once per rules (by Shared.rules_key), channels and
        velocity in a chunk."""
        key = (self.shared.rules_key(rules), keys, tuple(velocity.items()) if velocity else None)
        groups = self._groups.get(key)
        if groups is None:
            groups = self._groups[key] = allocation.channel_groups(
                rules, keys, self.allow_backorder, velocity, self.ceilings
            )
        return groups

    def fixed_results(self, ids, columns):
        """(product id, {channel: Result}) of a chunk's variants `ids` whose rules at each
        warehouse are the same for every variant, their velocity not read: `columns`
        ((warehouse, {product_id: Stock}, rules, keys), ...), a warehouse's variants of
        the same figures sharing one Stock object (as _channel_stock_figures makes
        them). The Results results() gives for ((warehouse, Stock, rules, keys, None),
        ...): each Stock of a warehouse allocated once, the plan made once, each
        variant's explain built from `columns` when read."""
        memos, inputs, combined = [], [], {}
        for warehouse, stocks, rules, keys in columns:
            groups = self._channel_groups(rules, keys, None)
            memos.append((warehouse, stocks, rules, groups, {}))  # id(Stock): (quantities, whole)
            inputs.append((warehouse, None, rules, keys, None))
        plan, today = self._plan(inputs), self.today
        for product_id in ids:
            per_warehouse, whole = {}, True
            for warehouse, stocks, rules, groups, memo in memos:
                stock = stocks[product_id]  # alive in `stocks`: its id is its for the chunk
                found = memo.get(id(stock))
                if found is None:
                    found = memo[id(stock)] = (
                        allocation.grouped_quantities(stock, rules, groups, today),
                        _whole(stock),
                    )
                per_warehouse[warehouse] = found[0]
                whole = whole and found[1]
            key = tuple(map(id, per_warehouse.values()))
            out = combined.get(key)
            if out is None:
                out = combined[key] = self._make(
                    per_warehouse, plan, whole, self._explained_at, product_id, columns
                )
            yield product_id, out

    def _combine(self, per_warehouse, inputs, shape):
        """{channel: Result} of results(), the plan made once per channel groups."""
        key = tuple(shape)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(inputs)
        return self._make(per_warehouse, plan, False, self.explained, inputs)

    @staticmethod
    def _make(per_warehouse, plan, whole, explain, *args):
        """{channel: Result} by `plan` (see _plan), the figures computed once for the
        channels of the same twin (loose twins when the variant's figures are `whole`),
        each Result its own explain, explain(channel, *args), but the same channel's."""
        stocks, done, out = {}, {}, {}
        for channel, how, twin, loose, same in plan:
            if same is not None:
                out[channel] = out[same]
                continue
            if whole:
                twin = loose
            figures = done.get(twin)
            if figures is None:
                figures = done[twin] = how.figures(channel, per_warehouse, stocks)
            out[channel] = how.make(figures, Later(explain, channel, *args))
        return out

    def _plan(self, inputs):
        """((channel, combiner, twin, loose twin, same), ...) in the batch's channel order
        (see _twins); `same`: an earlier channel whose Result is this one's too (an equal
        combiner, the same channel group at each of its warehouses: the same figures,
        the same explain), or None."""
        where = {}  # warehouse -> {channel: (its group there, the group's rule label)}
        for warehouse, _stock, rules, keys, velocity in inputs:
            groups = self._channel_groups(rules, keys, velocity)
            where[warehouse] = {
                key: (i, group[0].label) for i, group in enumerate(groups[1]) for key in group[2]
            }
        plan, earlier = [], []
        for channel, how in self.combiners.items():
            twin, loose, at = _twins(channel, how, where)
            same = next((c for c, known, a in earlier if a == at and _equal(known, how)), None)
            earlier.append((channel, how, at))
            plan.append((channel, how, twin, loose, same))
        return tuple(plan)

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

    def _explained_at(self, channel, product_id, columns):
        """explained() of a variant of fixed_results (`columns` its chunk's)."""
        inputs = tuple(
            (warehouse, stocks[product_id], rules, keys, None)
            for warehouse, stocks, rules, keys in columns
        )
        return self.explained(channel, inputs)


def _twins(channel, how, where):
    """(twin, loose twin, its groups at its warehouses) of `channel` (`how` its combiner,
    `where` {warehouse: {channel: (its channel group, its rule label)}}): Combined
    channels counting the same sources in the same order under the same ceiling, in the
    same channel group at each of them (the same Quantity, see channel_groups), are twins
    (their figures the same); loose twins count the same sources in any order, none a
    fallback, under rules of one label: the same figures when the variant's are whole
    (see _whole); any other channel its own."""
    if not isinstance(how, Combined):
        return channel, channel, (where[how.warehouse][channel][0],)
    at = [where[counted[0]][channel] for counted in how.counting]
    groups = tuple(group for group, _label in at)
    twin = loose = (how.counting, how.ceiling, groups)
    labels = {label for _group, label in at if label}
    if len(labels) <= 1 and not any(counted[2] for counted in how.counting):
        loose = (tuple(sorted(zip(how.counting, groups, strict=True))), how.ceiling)
    return twin, loose, groups


def _equal(one, other):
    """Whether two combiners make the same Result of the same allocations, explain
    included (Own: the same warehouse; Combined: the same sources, qualified or not,
    and ceiling)."""
    if type(one) is not type(other):
        return False
    if isinstance(one, Own):
        return one.warehouse == other.warehouse
    mine = (one.sources, one.qualified, one.ceiling)
    return mine == (other.sources, other.qualified, other.ceiling)
