"""Per-channel publishable quantity: the arithmetic, as pure functions.

sellable    = on hand - reserved - non-sellable - held for customers (never below 0)
publishable = sellable after the channel's rule, step by step:

 1. ring-fenced units of every channel are set aside from sellable (when the
    quotas exceed sellable they are scaled down proportionally, so that the
    channels together never hold more than exists);
 2. confirmed receipts due within the rule's horizon are added to the shared pool;
 3. share % of the shared pool (rounded down);
 4. minus the safety buffer;
 5. latency-adaptive buffer (rules with the option): minus the units expected to sell
    while a quantity is on its way to the channel, the variant's sales per day on the
    channel x the channel's p95 push latency, rounded up (see Velocity);
 6. plus the channel's own ring-fenced units;
 7. capped at the maximum exposure;
 8. 0 below the minimum publish threshold;
 9. backorder: when sellable is 0 and the channel allows backorder, the backorder quantity;
10. capped at the most the channel's platform takes (its connector's ``max_quantity``,
    e.g. bol.com's 999): what is pushed, what the channel is expected to hold and what a
    read-back compares are that capped quantity.

Future stock (see covered_on): when counted receipts raise the quantity above what the
same rule publishes from the stock on hand alone, the result carries the units they add
(``future``) and the date by which the receipts cover them (``available_at``).

Results are whole units, rounded down, never negative and never above
sellable + counted incoming, except for backorder.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

EPSILON = 1e-6

# Explanation step codes, in order.
STEP_ON_HAND = "on_hand"
STEP_RESERVED = "reserved"
STEP_NON_SELLABLE = "non_sellable"
STEP_HELD = "held"  # units held for customers (stock.channel.hold), only when some are
STEP_SELLABLE = "sellable"
STEP_RING_FENCED_OTHERS = "ring_fenced_others"
STEP_INCOMING = "incoming"
STEP_SHARE = "share"
STEP_SAFETY_BUFFER = "safety_buffer"
STEP_LATENCY_BUFFER = "latency_buffer"
STEP_RING_FENCED_OWN = "ring_fenced_own"
STEP_MAX_EXPOSURE = "max_exposure"
STEP_MIN_THRESHOLD = "min_threshold"
STEP_BACKORDER = "backorder"
STEP_CHANNEL_MAX = "channel_max"
STEP_PUBLISHABLE = "publishable"
STEP_EXCLUDED = "excluded"  # an exclusion rule makes the variant invisible on the channel


def whole_units(qty):
    """Round a quantity down to whole units, tolerating float noise (2.9999999 -> 3)."""
    return max(0, math.floor(qty + EPSILON))


@dataclass(frozen=True)
class Rule:
    """The allocation rule that applies to one (channel, variant). Units are whole units."""

    share_percent: float = 100.0
    safety_buffer: int = 0
    max_exposure: int = 0  # 0 = no cap
    ring_fenced_qty: int = 0
    include_incoming_days: int = 0  # 0 = never count incoming
    backorder_qty: int = 0
    min_publish_threshold: int = 0  # 0 = no threshold
    latency_buffer: bool = False  # add the units selling during the p95 push latency
    label: str = ""  # what names the rule in explanations (scope, policy version)

    def errors(self):
        """The reasons this rule is invalid (empty when it is valid)."""
        problems = []
        if not 0 <= self.share_percent <= 100:
            problems.append("share_percent must be between 0 and 100")
        for name in RULE_VALUES[1:]:
            if getattr(self, name) < 0:
                problems.append(f"{name} must not be negative")
        return problems


# The values of a rule, in order; share_percent first, then the non-negative units and days.
RULE_VALUES = (
    "share_percent",
    "safety_buffer",
    "max_exposure",
    "ring_fenced_qty",
    "include_incoming_days",
    "backorder_qty",
    "min_publish_threshold",
)
# The options (booleans) of a rule; a missing one is off (versions stored before it existed).
RULE_OPTIONS = ("latency_buffer",)
DEFAULT_RULE = Rule(label="default: no rule, 100 % of sellable")


@dataclass(frozen=True, slots=True)
class Stock:
    """The stock figures of one variant in one warehouse, in the product's unit."""

    on_hand: float = 0.0
    reserved: float = 0.0
    non_sellable: float = 0.0
    incoming: tuple = ()  # ((date, qty), ...) confirmed receipts into sellable locations
    held: float = 0.0  # held for customers (stock.channel.hold): invisible to every channel

    @property
    def sellable(self):
        return whole_units(self.on_hand - self.reserved - self.non_sellable - self.held)

    def incoming_within(self, days, today):
        if days <= 0:
            return 0
        horizon = today + timedelta(days=days)
        return whole_units(sum(qty for when, qty in self.incoming if when <= horizon))


@dataclass(frozen=True)
class Velocity:
    """The variant's sales on one channel and the channel's push latency."""

    units_per_day: float = 0.0
    p95_seconds: float = 0.0  # p95 of the channel's accepted push latency

    @property
    def units(self):
        """Whole units expected to sell during the p95 latency, rounded to the nearest
        (half a unit up): a variant expected to sell less than half a unit meanwhile
        keeps no cushion (0 when either figure is 0)."""
        if self.units_per_day <= 0 or self.p95_seconds <= 0:
            return 0
        return math.floor(self.units_per_day / 86400 * self.p95_seconds + 0.5 + EPSILON)

    def describe(self):
        """Where the units come from, e.g. "12.5 units/day x p95 95 s"."""
        return f"{_figure(self.units_per_day)} units/day x p95 {_figure(self.p95_seconds)} s"


def _figure(value):
    """A figure with at most 2 decimals, without trailing zeros (2.0 -> "2")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Ceiling:
    """The most a channel's platform takes (e.g. bol.com: 999), and who says so."""

    quantity: int
    why: str = ""
    who: str = ""  # the platform, as the explain names it ("bol.com's maximum")


class Later:
    """The full Result of a quantity computed without its explain (core.batch): made by
    ``make(*args)`` the first time a Deferred of it is read, then kept."""

    __slots__ = ("_args", "_make", "_result")

    def __init__(self, make, *args):
        self._make, self._args, self._result = make, args, None

    def result(self):
        if self._make is not None:
            self._result = self._make(*self._args)
            self._make = self._args = None
        return self._result


class Deferred(Sequence):
    """A tuple field of a Result (its steps, its sources) read from the full Result of a
    Later when first used: a batch computes the quantities, the explain waits for a
    caller that reads it. Read, compared and sliced as the tuple it stands for."""

    __slots__ = ("_items", "_later", "_name")

    def __init__(self, later, name):
        self._later, self._name, self._items = later, name, None

    def _tuple(self):
        if self._items is None:
            self._items = tuple(getattr(self._later.result(), self._name))
            self._later = None
        return self._items

    def __getitem__(self, index):
        return self._tuple()[index]

    def __len__(self):
        return len(self._tuple())

    def __iter__(self):
        return iter(self._tuple())

    def __eq__(self, other):
        if isinstance(other, Deferred):
            other = other._tuple()
        return self._tuple() == other if isinstance(other, tuple) else NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(self._tuple())


@dataclass(frozen=True, slots=True)
class Result:
    """A channel's publishable quantity of a variant and its explain steps. Frozen (its
    steps a tuple, or a Deferred one): a batch shares one Result among the variants of
    the same inputs (core.batch), so a later step builds a new one (dataclasses.replace)."""

    publishable: int
    sellable: int
    stock: Stock = field(default_factory=Stock)
    incoming: int = 0  # incoming units counted
    ring_fenced: int = 0  # own effective ring-fenced units
    fence_shortfall: bool = False  # quotas of the channels exceed sellable
    rule: str = ""
    steps: tuple = ()
    # future stock: the units the counted receipts add, and the day they are all in
    # (None: every publishable unit is on hand now)
    future: int = 0
    available_at: object = None  # datetime.date or None
    excluded: str = ""  # the label of the exclusion rule that hides the variant, "" if none
    limited_by: str = ""  # a kit: the component that limits it (core.kits)
    sources: tuple = ()  # per-source contributions (core.promise.Contribution), if any

    def __post_init__(self):
        if not isinstance(self.steps, Deferred):
            object.__setattr__(self, "steps", tuple(self.steps))  # from any list of steps


class _Unfrozen:
    """Result's slots, in its field order, set by a plain __init__ (see deferred_result)."""

    __slots__ = Result.__slots__

    def __init__(self, *values):
        (self.publishable, self.sellable, self.stock, self.incoming, self.ring_fenced,
         self.fence_shortfall, self.rule, self.steps, self.future, self.available_at,
         self.excluded, self.limited_by, self.sources) = values  # fmt: skip


def deferred_result(*values):
    """Result(*values), every field given in order, its steps a Deferred (or a tuple):
    what a batch builds for each channel and variant (core.batch), at a fifth of the
    cost of the frozen dataclass's __init__ (which sets each of the 13 fields through
    object.__setattr__): the same slots set by a plain __init__, then the object made
    a Result (the same layout: Python allows the __class__ assignment), frozen from
    then on like any other."""
    result = _Unfrozen(*values)
    result.__class__ = Result
    return result


def fenced_shares(sellable, quotas):
    """Split sellable among ring-fenced quotas {key: qty}.

    Quotas are honoured in full when they fit; otherwise each is scaled down
    proportionally (rounded down) so that their sum never exceeds sellable.
    """
    total = sum(quotas.values())
    if total <= sellable:
        return dict(quotas)
    return {key: (sellable * qty) // total for key, qty in quotas.items()}


def publishable(
    stock,
    rule,
    *,
    own_fence=0,
    others_fence=0,
    allow_backorder=False,
    fence_shortfall=False,
    today=None,
    velocity=None,
    ceiling=None,
):
    """Compute the publishable quantity of one channel and explain it.

    `own_fence` / `others_fence` are the effective ring-fenced units (see
    fenced_shares) of this channel and of all the other channels together.
    `velocity` (a Velocity) only counts when the rule has the latency buffer.
    `ceiling` (a Ceiling, or None) is the most the channel's platform takes.
    """
    today = today or datetime.now(UTC).date()  # incoming days are UTC days
    sellable = stock.sellable
    label = rule.label
    steps = [
        (STEP_ON_HAND, stock.on_hand, ""),
        (STEP_RESERVED, -stock.reserved or 0.0, ""),  # never "-0"
        (STEP_NON_SELLABLE, -stock.non_sellable or 0.0, ""),
        *([(STEP_HELD, -stock.held, "")] if stock.held else []),
        (STEP_SELLABLE, sellable, ""),
    ]
    shared = max(0, sellable - own_fence - others_fence)
    if others_fence:
        steps.append((STEP_RING_FENCED_OTHERS, -others_fence, "ring-fenced for other channels"))
    incoming = stock.incoming_within(rule.include_incoming_days, today)
    if incoming:
        steps.append((STEP_INCOMING, incoming, label, {"days": rule.include_incoming_days}))
        shared += incoming
    qty = math.floor(shared * rule.share_percent / 100 + EPSILON)
    if rule.share_percent != 100:
        figures = {"percent": rule.share_percent, "base": shared}
        steps.append((STEP_SHARE, qty - shared, label, figures))
    qty = _buffers(qty, rule, velocity, steps)
    qty = _after_buffers(qty, rule, own_fence, sellable == 0 and allow_backorder, steps)
    if ceiling and qty > ceiling.quantity:
        figures = {"limit": ceiling.quantity, "before": qty, "who": ceiling.who}
        steps.append((STEP_CHANNEL_MAX, ceiling.quantity - qty, ceiling.why, figures))
        qty = ceiling.quantity
    steps.append((STEP_PUBLISHABLE, qty, label))
    future, available_at = 0, None
    if incoming:
        now_qty = publishable(
            stock,
            replace(rule, include_incoming_days=0),
            own_fence=own_fence,
            others_fence=others_fence,
            allow_backorder=allow_backorder,
            today=today,
            velocity=velocity,
            ceiling=ceiling,
        ).publishable
        future = max(0, qty - now_qty)
        available_at = covered_on(stock.incoming, future, rule.include_incoming_days, today)
    return Result(
        publishable=qty,
        sellable=sellable,
        stock=stock,
        incoming=incoming,
        ring_fenced=own_fence,
        fence_shortfall=fence_shortfall,
        rule=label,
        steps=[_step(*step) for step in steps],
        future=future,
        available_at=available_at,
    )


def net_of_waiting(incoming, waiting):
    """The receipts ((date, qty), ...) left once ``waiting`` units (orders confirmed beyond
    the stock, waiting for goods) take the earliest ones: units promised once are never
    counted again for another order."""
    left = []
    for when, qty in sorted(incoming):
        taken = min(qty, max(0.0, waiting))
        waiting -= taken
        if qty - taken > EPSILON:
            left.append((when, qty - taken))
    return tuple(left)


def covered_on(incoming, units, days, today):
    """The day by which the receipts of ``incoming`` ((date, qty), ...) due within
    ``days`` of ``today`` bring ``units``, in date order: the date of the receipt that
    completes them (the last one counted when they never do: a minimum threshold may ask
    for more than they bring); a receipt already overdue is expected today. None when no
    unit is wanted."""
    if units <= 0 or days <= 0:
        return None
    horizon = today + timedelta(days=days)
    counted = sorted((when, qty) for when, qty in incoming if when <= horizon and qty > 0)
    if not counted:
        return None
    total, day = 0.0, counted[-1][0]
    for when, qty in counted:
        total += qty
        if total + EPSILON >= units:
            day = when
            break
    return max(day, today)


def _step(code, qty, why, figures=None):
    """An explain step: its code, quantity, rule, the figures it was computed from and
    the sentence that says it with them (see step_text)."""
    figures = figures or {}
    return {
        "step": code,
        "qty": qty,
        "rule": why,
        "figures": figures,
        "text": step_text(code, qty, figures),
    }


def _buffers(qty, rule, velocity, steps):
    """Steps 4 and 5 (safety and latency buffers) on the shared units; appends their
    explain steps; returns the units left."""
    label = rule.label
    if rule.safety_buffer:
        before, qty = qty, max(0, qty - rule.safety_buffer)
        figures = {"buffer": rule.safety_buffer, "before": before}
        steps.append((STEP_SAFETY_BUFFER, qty - before, label, figures))
    if rule.latency_buffer:
        velocity = velocity or Velocity()
        before, qty = qty, max(0, qty - velocity.units)
        why = f"{label}: {velocity.describe()}" if label else velocity.describe()
        figures = {"buffer": velocity.units, "before": before, "how": velocity.describe()}
        steps.append((STEP_LATENCY_BUFFER, qty - before, why, figures))
    return qty


def _after_buffers(qty, rule, own_fence, backorder, steps):
    """Steps 6 to 9 (own fence, cap, threshold, backorder); appends their explain
    steps; returns the publishable quantity."""
    label = rule.label
    if own_fence:
        qty += own_fence
        steps.append((STEP_RING_FENCED_OWN, own_fence, label))
    if rule.max_exposure and qty > rule.max_exposure:
        figures = {"limit": rule.max_exposure, "before": qty}
        steps.append((STEP_MAX_EXPOSURE, rule.max_exposure - qty, label, figures))
        qty = rule.max_exposure
    if rule.min_publish_threshold and 0 < qty < rule.min_publish_threshold:
        figures = {"minimum": rule.min_publish_threshold, "before": qty}
        steps.append((STEP_MIN_THRESHOLD, -qty, label, figures))
        qty = 0
    if backorder and rule.backorder_qty:
        figures = {"backorder": rule.backorder_qty, "before": qty}
        steps.append((STEP_BACKORDER, rule.backorder_qty - qty, label, figures))
        qty = rule.backorder_qty
    return max(0, int(qty))


# What each step is called in its sentence.
STEP_WORDS = {
    STEP_ON_HAND: "on hand",
    STEP_RESERVED: "reserved",
    STEP_NON_SELLABLE: "non-sellable (quarantine)",
    STEP_HELD: "held for customers",
    STEP_SELLABLE: "sellable",
    STEP_RING_FENCED_OTHERS: "ring-fenced for other channels",
    STEP_INCOMING: "incoming",
    STEP_SHARE: "share",
    STEP_SAFETY_BUFFER: "safety buffer",
    STEP_LATENCY_BUFFER: "latency buffer",
    STEP_RING_FENCED_OWN: "ring-fenced for this channel",
    STEP_MAX_EXPOSURE: "maximum exposure",
    STEP_MIN_THRESHOLD: "minimum",
    STEP_BACKORDER: "backorder",
    STEP_CHANNEL_MAX: "cap",
    STEP_PUBLISHABLE: "publishable",
    STEP_EXCLUDED: "excluded",
}
# the steps that are a level (on hand 12), not a change (reserved, the minus sign U+2212, 2)
LEVEL_STEPS = (STEP_ON_HAND, STEP_SELLABLE, STEP_PUBLISHABLE)
MINUS = "\u2212"  # the minus sign of the sentences (U+2212)
ARROW = "\u2192"


def signed(qty):
    """A change as the sentences write it: "+ 5", "(minus sign) 2" (0: "0")."""
    if not qty:
        return "0"
    return f"+ {_figure(qty)}" if qty > 0 else f"{MINUS} {_figure(-qty)}"


def step_text(code, qty, figures=None):
    """The sentence of an explain step, with its figures: "on hand 12", "reserved (minus) 2",
    "share 50 % of 3 = 1", "safety buffer 2: 5 → 3", "minimum 2 → 0", "backorder + 5",
    "cap 999 (bol.com's maximum)". Without its figures (a push logged before they were
    recorded), the step's word and its change."""
    figures = figures or {}
    word = STEP_WORDS.get(code, code.replace("_", " "))
    if code in LEVEL_STEPS:
        return f"{word} {_figure(qty)}"
    detail = _STEP_SENTENCES.get(code)
    if detail and all(name in figures for name in _STEP_FIGURES[code]):
        return detail(qty, figures)
    return f"{word} {signed(qty)}"


def _change(word, amount, before, qty):
    """E.g. "safety buffer 2: 5 → 3"."""
    return f"{word} {_figure(amount)}: {_figure(before)} {ARROW} {_figure(before + qty)}"


def _cap_text(qty, figures):
    """E.g. "cap 999 (bol.com's maximum): 1500 → 999"."""
    limit, before = _figure(figures["limit"]), _figure(figures["before"])
    who = f" ({figures['who']}'s maximum)" if figures.get("who") else ""
    return f"cap {limit}{who}: {before} {ARROW} {limit}"


def _backorder_text(qty, figures):
    if not figures["before"]:
        return f"backorder {signed(qty)}"
    return _change("backorder", figures["backorder"], figures["before"], qty)


_STEP_SENTENCES = {
    STEP_INCOMING: lambda qty, f: f"incoming within {f['days']} days {signed(qty)}",
    STEP_SHARE: lambda qty, f: (
        f"share {_figure(f['percent'])} % of {_figure(f['base'])} = {_figure(f['base'] + qty)}"
    ),
    STEP_SAFETY_BUFFER: lambda qty, f: _change("safety buffer", f["buffer"], f["before"], qty),
    STEP_LATENCY_BUFFER: lambda qty, f: (
        _change("latency buffer", f["buffer"], f["before"], qty) + f" ({f['how']})"
    ),
    STEP_MAX_EXPOSURE: lambda qty, f: _change("maximum exposure", f["limit"], f["before"], qty),
    STEP_MIN_THRESHOLD: lambda qty, f: (
        f"minimum {_figure(f['minimum'])} {ARROW} 0 ({_figure(f['before'])} is below it)"
    ),
    STEP_BACKORDER: _backorder_text,
    STEP_CHANNEL_MAX: _cap_text,
    STEP_EXCLUDED: lambda qty, f: f"excluded, by rule {f['rule']}",
}
# the figures each sentence needs
_STEP_FIGURES = {
    STEP_INCOMING: ("days",),
    STEP_SHARE: ("percent", "base"),
    STEP_SAFETY_BUFFER: ("buffer", "before"),
    STEP_LATENCY_BUFFER: ("buffer", "before", "how"),
    STEP_MAX_EXPOSURE: ("limit", "before"),
    STEP_MIN_THRESHOLD: ("minimum", "before"),
    STEP_BACKORDER: ("backorder", "before"),
    STEP_CHANNEL_MAX: ("limit", "before"),
    STEP_EXCLUDED: ("rule",),
}


def allocate(
    stock,
    channel_rules,
    *,
    allow_backorder=None,
    today=None,
    velocity=None,
    ceilings=None,
    keys=None,
):
    """Publishable quantity of one variant for several channels sharing one warehouse.

    channel_rules: {channel_key: Rule}; allow_backorder: {channel_key: bool};
    velocity: {channel_key: Velocity} (for the rules with the latency buffer);
    ceilings: {channel_key: Ceiling} (the channels whose platform caps the quantity);
    keys: the channels whose Results are wanted (None: every one; the fences are those
    of every channel of `channel_rules` either way).
    Returns {channel_key: Result}.
    """
    allow_backorder = allow_backorder or {}
    velocity = velocity or {}
    ceilings = ceilings or {}
    fences, total_fenced, shortfall = _fences(stock.sellable, channel_rules)
    return {
        key: publishable(
            stock,
            channel_rules[key],
            own_fence=fences[key],
            others_fence=total_fenced - fences[key],
            allow_backorder=allow_backorder.get(key, False),
            fence_shortfall=shortfall and channel_rules[key].ring_fenced_qty > 0,
            today=today,
            velocity=velocity.get(key),
            ceiling=ceilings.get(key),
        )
        for key in (channel_rules if keys is None else keys)
    }


def _fences(sellable, channel_rules):
    """({channel_key: effective ring-fenced units}, their total, whether the quotas
    exceed sellable) of the channels sharing a warehouse."""
    quotas = {key: rule.ring_fenced_qty for key, rule in channel_rules.items()}
    fences = fenced_shares(sellable, quotas)
    return fences, sum(fences.values()), sum(quotas.values()) > sellable


class Quantity(NamedTuple):
    """A channel's publishable quantity of a variant as publishable() computes it, without
    its explain (see quantities): a Result's figures, and the backorder the rule added
    ((the step's change, the rule's backorder quantity); None: none), which
    core.promise.combine takes back."""

    publishable: int
    sellable: int
    stock: Stock
    incoming: int
    ring_fenced: int
    fence_shortfall: bool
    rule: str
    future: int
    available_at: object
    backorder: tuple | None


def quantities(
    stock, channel_rules, keys, *, allow_backorder=None, today=None, velocity=None, ceilings=None
):
    """allocate()'s quantities without the explain: {channel_key: Quantity} of `keys`
    (channels of `channel_rules`), the same arithmetic step by step, once for the
    channels whose inputs are the same (see channel_groups). A batch computes these, and
    the explain (allocate) only when a caller reads it."""
    groups = channel_groups(channel_rules, keys, allow_backorder, velocity, ceilings)
    return grouped_quantities(stock, channel_rules, groups, today)


def channel_groups(channel_rules, keys, allow_backorder=None, velocity=None, ceilings=None):
    """(whether a rule ring-fences units, ((rule, (backorder, velocity, ceiling), their
    channel keys, whether the rule publishes sellable as it is), ...)): `keys` grouped by
    the same rule (object), backorder flag, velocity and ceiling, whose quantities are
    the same (their fences too: the same quota gets the same share). What quantities
    reads, once per batch when the rules are."""
    allow_backorder = allow_backorder or {}
    velocity = velocity or {}
    ceilings = ceilings or {}
    groups = {}
    for key in keys:
        rule = channel_rules[key]
        inputs = (allow_backorder.get(key, False), velocity.get(key), ceilings.get(key))
        groups.setdefault((id(rule), *inputs), (rule, inputs, []))[2].append(key)
    fenced = any(rule.ring_fenced_qty for rule in channel_rules.values())
    return fenced, tuple(
        (rule, inputs, tuple(keys), not fenced and inputs[2] is None and _passes(rule))
        for rule, inputs, keys in groups.values()
    )


def _passes(rule):
    """Whether `rule` publishes sellable as it is: 100 %, no receipts, buffers, cap,
    minimum or backorder (no fence either, see channel_groups)."""
    return rule.share_percent == 100 and not (
        rule.include_incoming_days > 0
        or rule.safety_buffer
        or rule.latency_buffer
        or rule.max_exposure
        or rule.min_publish_threshold
        or rule.backorder_qty
    )


def grouped_quantities(stock, channel_rules, groups, today=None):
    """quantities() of the channel_groups `groups` of `channel_rules`."""
    today = today or datetime.now(UTC).date()
    sellable = stock.sellable
    fenced, groups = groups
    fences, total_fenced, shortfall = None, 0, False  # no fence: each 0, no shortfall
    if fenced:
        fences, total_fenced, shortfall = _fences(sellable, channel_rules)
    out = {}
    for rule, inputs, keys, passes in groups:
        if passes:  # _quantity's arithmetic leaves sellable as it is, nothing counted
            found = Quantity(sellable, sellable, stock, 0, 0, False, rule.label, 0, None, None)
        else:
            own = fences[keys[0]] if fences else 0
            found = _quantity(stock, sellable, rule, total_fenced, shortfall, (own, *inputs), today)
        for key in keys:
            out[key] = found
    return out


def _quantity(stock, sellable, rule, total_fenced, shortfall, inputs, today):
    """The Quantity of one channel (see quantities): publishable()'s numbers."""
    own_fence = inputs[0]
    others = total_fenced - own_fence
    qty, incoming, added = _arithmetic(stock, sellable, rule, own_fence, others, inputs, today)
    future, available_at = 0, None
    if incoming:
        now_qty = _arithmetic(stock, sellable, rule, own_fence, others, inputs, None)[0]
        future = max(0, qty - now_qty)
        available_at = covered_on(stock.incoming, future, rule.include_incoming_days, today)
    return Quantity(
        qty,
        sellable,
        stock,
        incoming,
        own_fence,
        shortfall and rule.ring_fenced_qty > 0,
        rule.label,
        future,
        available_at,
        added,
    )


def _arithmetic(stock, sellable, rule, own_fence, others_fence, inputs, today):
    """(publishable, incoming counted, backorder added or None): publishable()'s steps 1
    to 10 as numbers; `today` None: no incoming counted (the quantity on hand now)."""
    _own, backorder, velocity, ceiling = inputs
    shared = max(0, sellable - own_fence - others_fence)
    incoming = stock.incoming_within(rule.include_incoming_days, today) if today else 0
    qty = math.floor((shared + incoming) * rule.share_percent / 100 + EPSILON)
    if rule.safety_buffer:
        qty = max(0, qty - rule.safety_buffer)
    if rule.latency_buffer:
        qty = max(0, qty - (velocity.units if velocity else 0))
    if own_fence:
        qty += own_fence
    if rule.max_exposure and qty > rule.max_exposure:
        qty = rule.max_exposure
    if rule.min_publish_threshold and 0 < qty < rule.min_publish_threshold:
        qty = 0
    added = None
    if sellable == 0 and backorder and rule.backorder_qty:
        added = (rule.backorder_qty - qty, rule.backorder_qty)
        qty = rule.backorder_qty
    qty = max(0, int(qty))
    if ceiling and qty > ceiling.quantity:
        qty = ceiling.quantity
    return qty, incoming, added


def explained_result(quantity, later):
    """The Result of a Quantity, its explain steps read from `later` (a Later making the
    full Result, allocate's) when asked."""
    # Result's fields in order: the Quantity's first seven, steps, future, available_at...
    steps = Deferred(later, "steps")
    return deferred_result(*quantity[:7], steps, quantity[7], quantity[8], "", "", ())


def orderable(stock, channel_rules, key):
    """Units an order of channel ``key`` may take now: the sellable quantity less what
    the other channels' ring fences keep for themselves (policy caps, shares and
    thresholds limit what a channel shows, not what an order of it may take)."""
    quotas = {other: rule.ring_fenced_qty for other, rule in channel_rules.items()}
    fences = fenced_shares(stock.sellable, quotas)
    return max(0, stock.sellable - (sum(fences.values()) - fences.get(key, 0)))


def shop_limit(orderable_qty, rule, allow_backorder, free=None, future=0):
    """Units the webshop of a channel may sell of a variant: its orderable quantity
    (within the warehouse's ``free`` quantity when given), beyond it only the rule's
    backorder quantity, and only when the channel takes backorders, plus the ``future``
    units its rule counts from receipts (they ship when those arrive). The product's own
    "sell when out of stock" plays no part: the channel decides."""
    return sum(shop_split(orderable_qty, rule, allow_backorder, free=free)) + max(0, future)


def shop_split(orderable_qty, rule, allow_backorder, free=None):
    """(in stock, on backorder): the two parts of ``shop_limit``, the units the shop
    sells from the channel's stock and those its backorder rule adds."""
    qty = orderable_qty if free is None else min(free, orderable_qty)
    backorder = max(0, rule.backorder_qty) if allow_backorder else 0
    return max(0, qty), backorder


def _units(qty):
    return f"{qty:g}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_words(day):
    """A date as the shop says it: "12 Dec" (the same in every locale of the server)."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def shop_words(in_stock, backorder, lead_days=0, future=0, available_at=None):
    """What the shop says of a variant, in the channel's words: "2 in stock, 3 more ship
    in 5 days" (the backorder units ship after the channel's lead time; without one, "3
    more on backorder"), "2 in stock, 3 more ship from 12 Dec" (``future`` units of
    receipts, all in by ``available_at``), "Out of stock" when the channel lets it sell
    nothing."""
    future = future if available_at else 0
    if in_stock <= 0 and backorder <= 0 and future <= 0:
        return "Out of stock"
    parts = [f"{_units(in_stock)} in stock"] if in_stock > 0 else []
    if future > 0:
        more = " more" if parts else ""
        parts.append(f"{_units(future)}{more} ship from {day_words(available_at)}")
    if backorder > 0:
        more = " more" if parts else ""
        if lead_days > 0:
            days = "1 day" if lead_days == 1 else f"{lead_days} days"
            parts.append(f"{_units(backorder)}{more} ship in {days}")
        else:
            parts.append(f"{_units(backorder)}{more} on backorder")
    return ", ".join(parts)
