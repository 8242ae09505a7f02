"""Publishable quantities of a batch of variants, each distinct computation done once.

core.allocation.allocate and core.promise.combine are pure functions of their inputs:
variants whose figures in a warehouse and whose rules there are the same get the same
allocation, and a channel whose warehouses' allocations are the same gets the same
combined Result. A catalogue of 100,000 variants has far fewer distinct inputs (most
variants hold 0, 1, 2... units), so a batch computes each once and shares the Results,
explain steps included. Nothing changes a Result in place (every later step, kits,
exclusions, hold_back, cap, builds a new one with dataclasses.replace; a Result is
frozen, its steps a tuple), so sharing is safe; memory is one Result per distinct
input, not one per variant.
"""


class Shared:
    """The allocations and combined Results of one batch (one `today`, one set of
    channels, ceilings and backorder flags), by their inputs."""

    def __init__(self):
        self._allocations = {}  # (warehouse, stock, rule ids, velocity) -> (rules, results)
        self._combined = {}  # allocation ids -> {channel: Result}

    def allocation(self, warehouse, stock, rules, velocity, compute):
        """compute(): {channel: Result} of `stock` under `rules` ({channel: Rule}, in the
        same channel order every call for one warehouse) and `velocity` ({channel:
        Velocity} or None), once per distinct input. The rules are keyed by identity
        (a batch's resolver returns one Rule object per policy rule; kept alive here)."""
        key = (
            warehouse,
            stock,
            tuple(rules),
            tuple(map(id, rules.values())),
            tuple(velocity.items()) if velocity else None,
        )
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
