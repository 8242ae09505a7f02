"""The what-if of a policy change: what each channel would publish before and after, in
figures, as pure functions.

Inputs, all keyed by ids (no Odoo here):

- ``before`` and ``after``: {(channel_id, variant_id): publishable units} under the
  policy in force and under the changed one (a key missing on one side counts 0);
- ``daily``: {(channel_id, variant_id): units sold per day} (the last 30 days of sales
  of the channel, divided by 30; a missing key sells nothing);
- ``sellable``: {variant_id: sellable units} (the units the company can actually serve).

Figures, per channel (``ChannelFigures``):

- ``variants``: the variants computed for the channel; ``up`` / ``down``: those whose
  quantity rises / falls; ``to_zero``: falls to 0 (also counted in ``down``);
  ``from_zero``: rises from 0 (also counted in ``up``);
- ``units_before`` / ``units_after``: the units published, summed over its variants;
- ``moved_in`` / ``moved_out``: the units it gains from / loses to other channels
  (``moves`` below);
- ``cover_before`` / ``cover_after``: days of cover, its units / its units sold per day
  (all its variants); None when it sells nothing;
- ``stockouts_before`` / ``stockouts_after``: expected stock-outs, the variants selling
  on the channel (sold per day > 0) whose own cover (publishable / sold per day) is below
  the horizon (``horizon_days``, 7 by default).

Units moved between channels (``moves``): per variant, the units the channels losing some
lose go to the channels gaining some, paired in a fixed order: losers by channel id,
gainers by channel id, each loser's units filling the gainers in turn; summed per
(from channel, to channel). Units lost with no gainer (or gained with no loser) left the
published total (or came into it): they are in the counts and units, not in the moves.

Oversell risk (whole what-if, before / after): per variant, the units published beyond
what can be served, max(0, sum over the channels of its publishable - its sellable),
summed over the variants; ``oversell_variants``: the variants where it is above 0. Each
channel alone never publishes more than the sellable (except on backorder): the risk is
the channels together promising the same units twice.
"""

from dataclasses import dataclass, field

DEFAULT_HORIZON_DAYS = 7
# the units sold per day are the last SALES_DAYS days' sales / SALES_DAYS
SALES_DAYS = 30


@dataclass
class ChannelFigures:
    """The what-if's figures of one channel (see the module's docstring)."""

    variants: int = 0
    up: int = 0
    down: int = 0
    to_zero: int = 0
    from_zero: int = 0
    units_before: int = 0
    units_after: int = 0
    moved_in: int = 0
    moved_out: int = 0
    sales_per_day: float = 0.0
    stockouts_before: int = 0
    stockouts_after: int = 0

    @property
    def cover_before(self):
        return cover(self.units_before, self.sales_per_day)

    @property
    def cover_after(self):
        return cover(self.units_after, self.sales_per_day)


@dataclass
class Summary:
    """The figures of a what-if: {channel_id: ChannelFigures}, the moves {(from channel
    id, to channel id): units}, the oversell risk before and after."""

    channels: dict = field(default_factory=dict)
    moves: dict = field(default_factory=dict)
    oversell_before: int = 0
    oversell_after: int = 0
    oversell_variants_before: int = 0
    oversell_variants_after: int = 0


def cover(units, per_day):
    """Days of cover of `units` selling `per_day` (None when nothing sells)."""
    return units / per_day if per_day > 0 else None


def stocks_out(units, per_day, horizon_days):
    """Whether `units` selling `per_day` run out within the horizon (False when nothing
    sells)."""
    return per_day > 0 and units / per_day < horizon_days


def pair_moves(changes):
    """[(from channel id, to channel id, units)] of one variant's `changes` {channel_id:
    after - before}: the losers (by id) fill the gainers (by id) in turn."""
    losers = [[cid, -delta] for cid, delta in sorted(changes.items()) if delta < 0]
    gainers = [[cid, delta] for cid, delta in sorted(changes.items()) if delta > 0]
    moves, i, j = [], 0, 0
    while i < len(losers) and j < len(gainers):
        units = min(losers[i][1], gainers[j][1])
        moves.append((losers[i][0], gainers[j][0], units))
        losers[i][1] -= units
        gainers[j][1] -= units
        i += not losers[i][1]
        j += not gainers[j][1]
    return moves


def changed_rows(before, after):
    """[(channel_id, variant_id, before, after)] of the pairs whose quantity changes, in
    key order."""
    rows = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key, 0), after.get(key, 0)
        if old != new:
            rows.append((*key, old, new))
    return rows


class WhatIf:
    """Accumulates the figures chunk by chunk (``add``: the variants of a chunk, each
    variant in one chunk only), then ``summary()``; memory: one ChannelFigures per
    channel and one total per pair of channels, whatever the number of variants."""

    def __init__(self, horizon_days=DEFAULT_HORIZON_DAYS):
        if horizon_days <= 0:
            raise ValueError("the horizon of the expected stock-outs is a positive number of days")
        self.horizon_days = horizon_days
        self._summary = Summary()

    def add(self, before, after, daily, sellable):
        """Add a chunk of variants (the module's inputs, restricted to them)."""
        totals = {}  # variant_id: [units before, units after]
        changes = {}  # variant_id: {channel_id: after - before}
        for key in before.keys() | after.keys():
            channel_id, variant_id = key
            old, new = before.get(key, 0), after.get(key, 0)
            self._count(self._channel(channel_id), old, new, daily.get(key, 0.0))
            total = totals.setdefault(variant_id, [0, 0])
            total[0] += old
            total[1] += new
            if old != new:
                changes.setdefault(variant_id, {})[channel_id] = new - old
        for variant_changes in changes.values():
            self._move(variant_changes)
        for variant_id, (old, new) in totals.items():
            self._oversell(old, new, sellable.get(variant_id, 0))
        return self

    def summary(self):
        return self._summary

    def _channel(self, channel_id):
        return self._summary.channels.setdefault(channel_id, ChannelFigures())

    def _count(self, figures, old, new, per_day):
        figures.variants += 1
        figures.up += new > old
        figures.down += new < old
        figures.to_zero += old > 0 and new == 0
        figures.from_zero += old == 0 and new > 0
        figures.units_before += old
        figures.units_after += new
        figures.sales_per_day += per_day
        figures.stockouts_before += stocks_out(old, per_day, self.horizon_days)
        figures.stockouts_after += stocks_out(new, per_day, self.horizon_days)

    def _move(self, variant_changes):
        moves = self._summary.moves
        for from_id, to_id, units in pair_moves(variant_changes):
            moves[from_id, to_id] = moves.get((from_id, to_id), 0) + units
            self._channel(from_id).moved_out += units
            self._channel(to_id).moved_in += units

    def _oversell(self, old, new, sellable):
        summary = self._summary
        over_before, over_after = max(0, old - sellable), max(0, new - sellable)
        summary.oversell_before += over_before
        summary.oversell_after += over_after
        summary.oversell_variants_before += over_before > 0
        summary.oversell_variants_after += over_after > 0


def compute(before, after, daily, sellable, horizon_days=DEFAULT_HORIZON_DAYS):
    """The Summary of a what-if in one chunk (see the module's docstring)."""
    return WhatIf(horizon_days).add(before, after, daily, sellable).summary()
