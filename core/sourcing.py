"""Order sourcing: which of a channel's sources an order ships from.

Each candidate is a source (a warehouse or a store) with what an order of the channel
may take there (`available`, {product_id: units}), whether it keeps the promise, its
cost rank, its position in the list and today's load against its daily capacity.

    strategy "ordered": the sources in the list's order
    strategy "score":   promise met first, then the whole order coverable, then the
                        lowest cost rank, then the nearest (fewest days), then the lowest
                        load / capacity, then the order
    a source keeping no promise, or whose daily capacity the order would pass (its load
    plus what the order adds, `need`: 1 order or its lines), is never chosen
    split "none": the first candidate covering every line (else the order is short)
    split "line": each product whole at the first candidate covering it
    split "unit": a product's units taken from the candidates in turn

A short order still gets allocations (the best candidate takes what it lacks, for a
channel that takes backorders); `shortfall` says what is missing.
"""

from dataclasses import dataclass, field

EPSILON = 1e-9


@dataclass(frozen=True)
class Candidate:
    """One source as order sourcing sees it."""

    key: int  # the source's warehouse id
    name: str
    days: int | None = None  # handling + transit, None when unknown
    promise_met: bool = True
    available: dict = field(default_factory=dict)  # {product_id: units an order may take}
    cost_rank: int = 0
    sequence: int = 0
    load: int = 0  # orders (or lines) sourced here today
    capacity: int = 0  # 0: no limit
    store: bool = False
    unit: str = "orders"  # what load and capacity count: "orders" or "lines"
    need: int = 1  # what this order adds to the load: 1 order, or its lines
    reason: str = ""  # why the promise is not met ("Lyon store: 4 days > promise 2")

    @property
    def full(self):
        return bool(self.capacity) and self.load + max(self.need, 1) > self.capacity

    @property
    def ratio(self):
        return self.load / self.capacity if self.capacity else 0.0

    def has(self, product_id, qty):
        return self.available.get(product_id, 0) + EPSILON >= qty

    def covers(self, needs):
        return all(self.has(product_id, qty) for product_id, qty in needs.items())

    def usable(self):
        return self.promise_met and not self.full


@dataclass(frozen=True)
class Decision:
    """Where an order ships from: allocations [(key, {product_id: qty})] in rank order,
    what no allocation covers ({product_id: qty short}), one line of words per candidate,
    and the candidates' keys in rank order."""

    allocations: list
    shortfall: dict
    lines: list
    ranked: list

    @property
    def keys(self):
        return [key for key, _quantities in self.allocations]


def rank(candidates, needs, strategy="ordered"):
    """The candidates in the strategy's order."""
    if strategy == "score":
        return sorted(
            candidates,
            key=lambda c: (
                not c.promise_met,
                not c.covers(needs),
                c.cost_rank,
                c.days if c.days is not None else float("inf"),
                c.ratio,
                c.sequence,
                c.key,
            ),
        )
    return sorted(candidates, key=lambda c: (c.sequence, c.key))


def choose(candidates, needs, strategy="ordered", split="none"):
    """The Decision for an order needing `needs` {product_id: units} (see the module)."""
    needs = {pid: qty for pid, qty in needs.items() if qty > EPSILON}
    ranked = rank(candidates, needs, strategy)
    usable = [c for c in ranked if c.usable()]
    if split == "unit":
        taken, shortfall = _by_unit(usable, needs)
    elif split == "line":
        taken, shortfall = _by_line(usable, needs)
    else:
        taken, shortfall = _whole(usable, needs)
    allocations = [(c.key, taken[c.key]) for c in ranked if taken.get(c.key)]
    return Decision(
        allocations=allocations,
        shortfall=shortfall,
        lines=[_line(c, needs, taken.get(c.key)) for c in ranked],
        ranked=[c.key for c in ranked],
    )


def _whole(usable, needs):
    best = next((c for c in usable if c.covers(needs)), None)
    if best:
        return {best.key: dict(needs)}, {}
    if not usable or not needs:
        return {}, dict(needs)
    # short: the candidate holding most of the order takes it (backorders)
    best = max(usable, key=lambda c: (_covered(c, needs), -usable.index(c)))
    return {best.key: dict(needs)}, _missing(best, needs)


def _by_line(usable, needs):
    taken, shortfall = {}, {}
    for pid, qty in needs.items():
        best = next((c for c in usable if c.has(pid, qty)), None)
        if best is None and usable:
            best = max(usable, key=lambda c: (c.available.get(pid, 0), -usable.index(c)))
            shortfall[pid] = qty - max(0, best.available.get(pid, 0))
        elif best is None:
            shortfall[pid] = qty
            continue
        taken.setdefault(best.key, {})[pid] = qty
    return taken, shortfall


def _by_unit(usable, needs):
    taken, shortfall = {}, {}
    for pid, qty in needs.items():
        left = qty
        for candidate in usable:
            units = min(left, max(0, candidate.available.get(pid, 0)))
            if units > EPSILON:
                taken.setdefault(candidate.key, {})[pid] = units
                left -= units
            if left <= EPSILON:
                break
        if left > EPSILON:
            shortfall[pid] = left
            if usable:  # the first candidate takes what is missing (backorders)
                first = taken.setdefault(usable[0].key, {})
                first[pid] = first.get(pid, 0) + left
    return taken, shortfall


def _covered(candidate, needs):
    return sum(min(qty, max(0, candidate.available.get(pid, 0))) for pid, qty in needs.items())


def _missing(candidate, needs):
    return {
        pid: qty - max(0, candidate.available.get(pid, 0))
        for pid, qty in needs.items()
        if not candidate.has(pid, qty)
    }


def _units(qty):
    return f"{qty:g}"


def _line(candidate, needs, taken):
    """The words of one candidate: why it was left out, or what it holds and its part."""
    name = candidate.name
    if not candidate.promise_met:
        return candidate.reason or f"{name}: does not keep the promise"
    if candidate.full:
        unit = "lines" if candidate.unit == "lines" else "orders"
        return f"{name}: at capacity ({candidate.load}/{candidate.capacity} {unit} today)"
    held = sum(max(0, candidate.available.get(pid, 0)) for pid in needs)
    text = f"{name}: promise met, {_units(held)} in stock, cost {candidate.cost_rank}"
    if taken:
        units = sum(taken.values())
        whole = all(abs(taken.get(pid, 0) - qty) <= EPSILON for pid, qty in needs.items())
        return f"{text} \u2014 chosen" + ("" if whole else f" for {_units(units)} units")
    if candidate.covers(needs):
        return f"{text} \u2014 not needed"
    return f"{text} \u2014 short"


def split_parts(parts, lines):
    """[(key, line, qty)]: the order's `lines` [(line, units)] of one product served from
    `parts` [(key, units)] in turn; a line whose units come from several keys appears once
    per key (the first keeps the line, the others are new lines of it)."""
    plan = []
    parts = [[key, qty] for key, qty in parts]
    index = 0
    for line, units in lines:
        left = units
        while left > EPSILON:
            if index >= len(parts):  # more than allocated: the last part takes it
                if plan and plan[-1][1] is line:
                    plan[-1] = (plan[-1][0], line, plan[-1][2] + left)
                else:
                    plan.append((parts[-1][0] if parts else None, line, left))
                break
            key, room = parts[index]
            take = min(left, room)
            if take > EPSILON:
                plan.append((key, line, take))
                left -= take
                parts[index][1] -= take
            if parts[index][1] <= EPSILON:
                index += 1
    return plan


# a channel line split over sources: its parts merged, the least advanced status wins
_PROGRESS = ("to_check", "created", "accepted", "in_preparation", "shipped", "delivered",
             "returned", "cancelled")  # fmt: skip


def merge_body_lines(lines):
    """A status body's lines with the parts of one channel line (same id, split over
    sources) merged into one: quantities and returned summed, the least advanced status
    (a cancelled part counts only when every part is)."""
    merged, order = {}, []
    for line in lines:
        key = line["id"]
        if key not in merged:
            merged[key] = dict(line)
            order.append(key)
            continue
        into = merged[key]
        for figure in ("quantity", "returned"):
            total = float(into.get(figure) or 0) + float(line.get(figure) or 0)
            into[figure] = round(total) if abs(total - round(total)) <= EPSILON else total
        into["status"] = min(into["status"], line["status"], key=_progress)
    return [merged[key] for key in order]


def _progress(status):
    return _PROGRESS.index(status) if status in _PROGRESS else len(_PROGRESS)
