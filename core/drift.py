"""Stock drift: what a read-back of a channel's quantity means, as pure functions.

Odoo publishes a quantity per SKU to each channel; a reconciliation reads back what
the channel holds and ``classify`` names the cause of a difference, rules in order:

 1. the SKU is not mapped on the channel, or the channel does not list it and no push
    of it is on its way: UNBOUND;
 2. the channel holds the publishable quantity: IN_SYNC (not a drift);
 3. a push of the SKU is queued or was sent after the read started: IN_FLIGHT, also
    when the channel does not list the SKU yet (its first push is on its way);
 4. Odoo's last push of the SKU was never confirmed or is a dead letter (a later push
    the channel accepted supersedes both): LOST_PUSH;
 5. the channel is below its reference by exactly the units of the orders Odoo has
    not imported yet: UNIMPORTED_ORDER (reference: the quantity last accepted by the
    channel, else the publishable quantity);
 6. the channel holds something else than what it last accepted: CHANNEL_EDIT;
 7. otherwise UNKNOWN (e.g. the channel holds what Odoo last pushed but Odoo now
    publishes something else with nothing queued, or Odoo never published).

CHANNEL_EDIT, LOST_PUSH and UNKNOWN are corrected by pushing the publishable quantity.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass

IN_SYNC = "in_sync"  # not a drift
IN_FLIGHT = "in_flight"
UNIMPORTED_ORDER = "unimported_order"
CHANNEL_EDIT = "channel_edit"
LOST_PUSH = "lost_push"
UNBOUND = "unbound"
UNKNOWN = "unknown"
# Ordered (code, label) pairs, usable as an Odoo selection.
DRIFT_CAUSES = [
    (IN_FLIGHT, "In Flight"),
    (UNIMPORTED_ORDER, "Order Not Imported Yet"),
    (CHANNEL_EDIT, "Edited on the Channel"),
    (LOST_PUSH, "Push Lost"),
    (UNBOUND, "Not Mapped"),
    (UNKNOWN, "Unknown"),
]
# Causes corrected by pushing the publishable quantity.
CORRECTABLE = frozenset({CHANNEL_EDIT, LOST_PUSH, UNKNOWN})
# Causes counted in the drift rate: a push in flight is not a drift yet.
COUNTED = frozenset(code for code, _label in DRIFT_CAUSES) - {IN_FLIGHT}
DEFAULT_RUNS_PER_DAY = 24
STORE_SEPARATOR = " @ "


@dataclass(frozen=True)
class SkuFacts:
    """What the ORM knows about one SKU of one channel when its quantity is read back."""

    sku: str
    channel_qty: int | None  # what the channel holds; None: the channel does not list the SKU
    bound: bool  # a variant of Odoo maps this SKU on this channel
    expected_qty: int | None  # what Odoo last published and the channel accepted; None: never
    publishable_qty: int | None  # what Odoo would publish now (None when not bound)
    pending_push: bool = False  # a push is queued, or was sent after the read started
    last_push_lost: bool = False  # the last push was never confirmed, or is a dead letter
    unimported_qty: int = 0  # units of orders the channel has that Odoo has not imported yet


def _unimported_order(facts):
    """The channel is below its reference by exactly the units not imported yet."""
    reference = facts.expected_qty if facts.expected_qty is not None else facts.publishable_qty
    if facts.unimported_qty <= 0 or reference is None:
        return False
    return reference - facts.channel_qty == facts.unimported_qty


def last_push_lost(accepted_at, failed_at, in_doubt=False):
    """Whether Odoo's last push of a SKU is lost: its newest failure (`failed_at`: when
    it became a dead letter, or when a push left that has no verdict by its deadline;
    None: none) is not older than the last push the channel accepted (`accepted_at`;
    None: never), or a push left without a known outcome (`in_doubt`). A dead letter
    older than an accepted push is history: it says nothing of what the channel holds."""
    if in_doubt:
        return True
    if failed_at is None:
        return False
    return accepted_at is None or failed_at >= accepted_at


def classify(facts: SkuFacts) -> str:
    """The cause of the difference between the channel and Odoo (IN_SYNC: none)."""
    listed = facts.bound and facts.channel_qty is not None
    if listed and facts.channel_qty == facts.publishable_qty:
        return IN_SYNC
    if facts.bound and facts.pending_push:
        return IN_FLIGHT
    if not listed:
        return UNBOUND
    if facts.last_push_lost:
        return LOST_PUSH
    if _unimported_order(facts):
        return UNIMPORTED_ORDER
    if facts.expected_qty is not None and facts.channel_qty != facts.expected_qty:
        return CHANNEL_EDIT
    return UNKNOWN


def store_sku(sku, code):
    """The name of a variant's figure at one store, as a drift shows it: "SKU @ STORE"."""
    return f"{sku}{STORE_SEPARATOR}{code}"


def store_facts(variant, published, publishable, held):
    """[SkuFacts] of a variant's stores (channels that keep a quantity per store: Google
    Merchant Center's local inventory), each named store_sku. ``variant``: the variant's
    own SkuFacts (its pushes in flight or lost are its stores' too); ``published``:
    {store code: quantity} Odoo last gave the channel (None: never published);
    ``publishable``: {store code: quantity} of the channel's stores now (only these are
    judged: a store Odoo no longer feeds is not its to correct); ``held``: {store code:
    quantity} read back, a store the channel has no figure of holding 0."""
    return [
        SkuFacts(
            sku=store_sku(variant.sku, code),
            channel_qty=held.get(code, 0),
            bound=True,
            expected_qty=None if published is None else published.get(code),
            publishable_qty=quantity,
            pending_push=variant.pending_push,
            last_push_lost=variant.last_push_lost,
        )
        for code, quantity in publishable.items()
    ]


def drift_rate(drifted: int, read: int) -> float | None:
    """Percent (0-100) of the SKUs read that drifted; None when none was read."""
    if read <= 0:
        return None
    return min(100.0, max(0.0, 100.0 * drifted / read))


def rolling_slice_size(total: int, runs_per_day: int = DEFAULT_RUNS_PER_DAY) -> int:
    """SKUs a rolling run reads so that every SKU is read at least once per day."""
    if total <= 0:
        return 0
    return math.ceil(total / max(runs_per_day, 1))


def rolling_slice(ids: list[int], after_id: int, size: int) -> tuple[list[int], int]:
    """The next ``size`` ids strictly after ``after_id``, wrapping to the start, and the
    new cursor (the last id of the slice; 0 when ``ids`` is empty).

    An id appears at most once in a slice, so a slice never holds more than all ids.
    """
    ordered = sorted(set(ids))
    if not ordered:
        return [], 0
    size = min(max(size, 0), len(ordered))
    if not size:
        return [], after_id
    start = bisect_right(ordered, after_id)
    chosen = (ordered[start:] + ordered[:start])[:size]
    return chosen, chosen[-1]


@dataclass
class RunTotals:
    """The counters of one reconciliation run."""

    read: int = 0
    in_sync: int = 0
    drifted: int = 0  # every cause of COUNTED, UNBOUND included
    in_flight: int = 0
    unbound: int = 0
    unknown_on_channel: int = 0  # listed by the channel, mapped to no variant of Odoo

    def add(self, cause: str, listed_by_channel: bool) -> None:
        """Count one SKU read, classified as ``cause``."""
        self.read += 1
        if cause == IN_SYNC:
            self.in_sync += 1
        elif cause == IN_FLIGHT:
            self.in_flight += 1
        else:
            self.drifted += 1
        if cause == UNBOUND:
            self.unbound += 1
            if listed_by_channel:
                self.unknown_on_channel += 1
