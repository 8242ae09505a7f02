"""Sources and promise: which warehouses feed a channel, and how much each brings.

A channel is fed by an ordered list of sources (warehouses, stores as warehouses). A
source counts for the channel only when it can keep the channel's promise:

    days = handling days (+ 1 when the source's cut-off hour has passed today)
           + transit days from the source to the channel's market zone
    the source qualifies when it ships to that zone, its transit time is known and
    days <= the promise (a promise of 0 days: no promise, every source shipping there
    counts).

A fallback source ("the store takes over when the warehouse runs out") counts only
while the qualifying sources before it publish fewer units than its threshold.

`combine` is the single place where the per-source allocation Results become ONE
Result for the channel: publishable and stock figures summed, one explain step per
source (its contribution, or why it was left out), then the total.
"""

import dataclasses
from dataclasses import dataclass, field

from .allocation import (
    EPSILON,
    STEP_BACKORDER,
    STEP_CHANNEL_MAX,
    STEP_PUBLISHABLE,
    Result,
    Stock,
    _figure,
    _step,
    signed,
)
from .connectors.types import StoreStock

STEP_SOURCE = "source"
STEP_SOURCE_SAFETY = "source_safety"
STEP_SOURCE_LEFT_OUT = "source_left_out"


@dataclass(frozen=True)
class Source:
    """One source of a channel, as the promise sees it."""

    key: int  # the source's warehouse id (what the per-source Results are keyed by)
    name: str
    handling_days: int = 0
    cutoff_hour: float = 0.0  # 0 = no cut-off; after it, handling counts one day more
    zones: frozenset = frozenset()  # the zone ids it ships to (empty: everywhere)
    transit: dict = field(default_factory=dict)  # {zone_id: days} from this source
    cost_rank: int = 0
    safety_stock: int = 0  # units held back at this source
    fallback: bool = False
    fallback_threshold: int = 0


@dataclass(frozen=True)
class Market:
    """The channel's promise and market zone (zone None: no zone, no transit)."""

    promise_days: int = 0  # 0 = no promise
    zone: int | None = None
    zone_name: str = ""


@dataclass(frozen=True)
class Contribution:
    """What one source brought to the channel (counted False: left out, and why)."""

    key: int
    name: str
    days: int | None
    publishable: int
    counted: bool
    reason: str = ""
    rule: str = ""  # the rule of its allocation


def past_cutoff(cutoff_hour, local_hour):
    """Whether the source's cut-off (0 = none) has passed at `local_hour` (0-24)."""
    return bool(cutoff_hour) and local_hour is not None and local_hour + EPSILON >= cutoff_hour


def qualifies(source, market, local_hour=None):
    """(ok, days, reason): whether `source` keeps the `market`'s promise at the source's
    `local_hour` (hours of its day, None: the cut-off is not looked at), the days it
    takes, and the reason in words when it does not ("Lyon store: 3 days > promise 2")."""
    days = source.handling_days + (1 if past_cutoff(source.cutoff_hour, local_hour) else 0)
    if market.zone is not None:
        where = market.zone_name or "the channel's market"
        if source.zones and market.zone not in source.zones:
            return False, None, f"{source.name}: does not ship to {where}"
        transit = source.transit.get(market.zone)
        if transit is None:
            if market.promise_days:
                return False, None, f"{source.name}: no transit time to {where}"
            transit = 0
        days += transit
    if market.promise_days and days > market.promise_days:
        return False, days, f"{source.name}: {_days(days)} > promise {market.promise_days}"
    return True, days, ""


def _days(days):
    return "1 day" if days == 1 else f"{days} days"


def hold_back(result, units, name):
    """`result` less `units` of safety stock held at the source `name` (a step says it)."""
    if not units:
        return result
    before = result.publishable
    qty = max(0, before - units)
    text = f"safety stock at {name} {units}: {_figure(before)} \u2192 {_figure(qty)}"
    step = {"step": STEP_SOURCE_SAFETY, "qty": qty - before, "rule": "", "figures": {}}
    step["text"] = text
    steps = [*result.steps[:-1], step, result.steps[-1]] if result.steps else [step]
    if steps[-1]["step"] == STEP_PUBLISHABLE:
        steps[-1] = {**steps[-1], "qty": qty, "text": f"publishable {qty}"}
    return dataclasses.replace(result, publishable=qty, steps=steps)


def _contributions(sources, qualified, results):
    """[(Contribution, its allocation Result or None)] in the sources' order: qualifying
    sources counted (a fallback only while the sources counted before it publish fewer
    than its threshold), each less its safety stock."""
    total = 0
    out = []
    for source in sources:
        ok, days, reason = qualified[source.key]
        result = results.get(source.key)
        if ok and result is None:
            ok, reason = False, f"{source.name}: no stock figures"
        if ok and source.fallback and total >= source.fallback_threshold:
            ok = False
            reason = (
                f"{source.name} (fallback): not needed, {total} \u2265 threshold "
                f"{source.fallback_threshold}"
            )
        if not ok:
            out.append((Contribution(source.key, source.name, days, 0, False, reason), None))
            continue
        result = hold_back(result, source.safety_stock, source.name)
        total += result.publishable
        contribution = Contribution(
            source.key, source.name, days, result.publishable, True, rule=result.rule
        )
        out.append((contribution, result))
    return out


def cap(result, ceiling):
    """The combined `result` capped at the most the channel's platform takes (a Ceiling,
    None: no cap), as allocation.publishable caps one warehouse's."""
    if not ceiling or result.publishable <= ceiling.quantity:
        return result
    qty = result.publishable
    figures = {"limit": ceiling.quantity, "before": qty, "who": ceiling.who}
    step = _step(STEP_CHANNEL_MAX, ceiling.quantity - qty, ceiling.why, figures)
    total = {**result.steps[-1], "qty": ceiling.quantity, "text": f"publishable {ceiling.quantity}"}
    steps = [*result.steps[:-1], step, total]
    return dataclasses.replace(result, publishable=ceiling.quantity, steps=steps)


def combine(sources, qualified, results):
    """ONE allocation.Result for the channel from its sources' Results.

    sources: [Source] in order; qualified: {source.key: (ok, days, reason)} (see
    qualifies); results: {source.key: allocation.Result} of each source's warehouse.
    publishable = the sum over the counted sources; stock figures summed over them;
    steps: each source's contribution or why it was left out, then the total;
    `sources`: the contributions."""
    pairs = _contributions(sources, qualified, _without_backorder(results))
    steps = []
    for contribution, result in pairs:
        steps += _source_steps(contribution, result)
    parts = [result for _contribution, result in pairs if result is not None]
    total = sum(part.publishable for part in parts)
    sellable = sum(part.sellable for part in parts)
    backorder = max((_backorder_units(result) for result in results.values()), default=0)
    if not sellable and backorder > total:
        figures = {"backorder": backorder, "before": total}
        steps.append(_step(STEP_BACKORDER, backorder - total, "", figures))
        total = backorder
    steps.append(
        {
            "step": STEP_PUBLISHABLE,
            "qty": total,
            "rule": "",
            "figures": {},
            "text": f"publishable {total}",
        }
    )
    rules = list(dict.fromkeys(part.rule for part in parts if part.rule))
    return Result(
        publishable=total,
        sellable=sellable,
        stock=Stock(
            on_hand=sum(part.stock.on_hand for part in parts),
            reserved=sum(part.stock.reserved for part in parts),
            non_sellable=sum(part.stock.non_sellable for part in parts),
            incoming=tuple(item for part in parts for item in part.stock.incoming),
            held=sum(part.stock.held for part in parts),
        ),
        future=sum(part.future for part in parts),
        available_at=max(dates)
        if (dates := [p.available_at for p in parts if p.available_at])
        else None,
        incoming=sum(part.incoming for part in parts),
        ring_fenced=sum(part.ring_fenced for part in parts),
        fence_shortfall=any(part.fence_shortfall for part in parts),
        rule="; ".join(rules),
        steps=steps,
        sources=tuple(contribution for contribution, _result in pairs),
    )


def _backorder_step(result):
    """The backorder step of a source's allocation (None: it added no backorder)."""
    return next((step for step in result.steps if step["step"] == STEP_BACKORDER), None)


def _backorder_units(result):
    """The backorder quantity of a source's allocation (0: none)."""
    step = _backorder_step(result)
    return step["figures"].get("backorder", 0) if step else 0


def _without_backorder(results):
    """The sources' Results without the backorder their allocation added: the channel
    takes backorders once, when nothing is sellable at any counted source (combine),
    not once per source."""
    out = {}
    for key, result in results.items():
        step = _backorder_step(result)
        if step:
            qty = result.publishable - step["qty"]
            steps = [step for step in result.steps if step["step"] != STEP_BACKORDER]
            result = dataclasses.replace(result, publishable=qty, steps=steps)
        out[key] = result
    return out


def _source_steps(contribution, result):
    """The explain steps of one source: its safety stock, then its contribution (or the
    reason it was left out)."""
    if not contribution.counted:
        return [
            {
                "step": STEP_SOURCE_LEFT_OUT,
                "qty": 0,
                "rule": "",
                "figures": {},
                "text": contribution.reason,
            }
        ]
    steps = [s for s in result.steps if s["step"] == STEP_SOURCE_SAFETY]
    days = f" ({_days(contribution.days)})" if contribution.days is not None else ""
    qty = contribution.publishable
    steps.append(
        {
            "step": STEP_SOURCE,
            "qty": qty,
            "rule": contribution.rule,
            "figures": {},
            "text": f"{contribution.name}{days}: {signed(qty)}",
        }
    )
    return steps


def on_hand_units(result):
    """Of `result`'s publishable quantity, the units on hand now: what is neither future
    stock (the counted receipts' `future`) nor a backorder (units beyond the sellable
    ones): never below 0."""
    now = result.publishable - (result.future or 0)
    return max(0, min(now, max(int(result.sellable or 0), 0)))


def store_figures(stores, units, blocked=False):
    """The StoreStock of each of `stores` [(warehouse id, store code, click & collect)]:
    the units {warehouse id: units} the store's shelf holds for the channel (its
    click & collect figure: on hand, no receipt, no backorder), collectable when the store
    offers click & collect, the variant is not `blocked` from pickup and a unit is there."""
    figures = []
    for key, code, pickup in stores:
        quantity = max(0, int(units.get(key) or 0))
        figures.append(StoreStock(code, quantity, bool(pickup) and not blocked and quantity > 0))
    return tuple(figures)
