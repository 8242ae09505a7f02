"""Oversell incidents: why a channel sold a unit Odoo could not serve, as pure functions.

``classify`` names the cause of an order line Odoo cannot serve, rules in order:

 0. the order had its units reserved when it arrived, and a later sale took them (a POS
    sale under the variant's lock): TAKEN; nothing at the order's time was wrong;
 1. the order was taken on backorder beyond the channel's backorder quantity: BACKORDER;
 2. the channel had accepted a quantity below what the line needs before the order,
    and sold anyway: CHANNEL_IGNORED;
 3. an inventory count lowered the stock after the channel's last accepted quantity
    (or with none known) and before the order: MANUAL;
 4. Odoo had committed a lower quantity the channel had not accepted yet when the
    order arrived: LATENCY, with the gap in whole seconds from commit to order;
 5. the units were there but ring-fenced for other channels: RING_FENCE;
 6. otherwise UNKNOWN.

Datetimes are naive UTC throughout.
"""

from dataclasses import dataclass
from datetime import datetime

from .allocation import EPSILON

LATENCY = "latency"
TAKEN = "taken"
CHANNEL_IGNORED = "channel_ignored"
RING_FENCE = "ring_fence"
MANUAL = "manual"
BACKORDER = "backorder"
UNKNOWN = "unknown"
# Ordered (code, label) pairs, usable as an Odoo selection.
INCIDENT_CAUSES = [
    (LATENCY, "Push Latency"),
    (CHANNEL_IGNORED, "Channel Sold Below Its Quantity"),
    (RING_FENCE, "Ring Fence"),
    (MANUAL, "Stock Counted Down"),
    (BACKORDER, "Backorder Beyond Limit"),
    (TAKEN, "Taken by Another Sale"),
    (UNKNOWN, "Unknown"),
]
RESOLUTIONS = [
    ("restocked", "Restocked"),
    ("cancelled", "Cancelled"),
    ("substituted", "Substituted"),
]


@dataclass(frozen=True)
class OversellFacts:
    """What the ORM knows about one order line Odoo could not serve, in the product's unit."""

    ordered_at: datetime  # when the channel took the order
    qty_needed: float  # units the order line needs
    qty_available: float  # units Odoo could give this channel when the order arrived
    accepted_qty: int | None = None  # last quantity the channel accepted before ordered_at
    accepted_at: datetime | None = None
    # Odoo committed (queued) a quantity lower than the channel showed, not accepted by
    # the channel by ordered_at.
    lower_committed_at: datetime | None = None
    counted_down_at: datetime | None = None  # an inventory count lowered the stock then
    fenced_for_others: float = 0  # units of the variant ring-fenced for other channels
    sellable: float = 0  # sellable units of the variant (before fences)
    backorder: bool = False  # taken on backorder beyond the channel's backorder quantity
    taken_later: bool = False  # reserved when it arrived, the units taken by a later sale


def _counted_down(facts):
    """Stock counted down before the order, after the channel's last accepted quantity."""
    when = facts.counted_down_at
    if when is None or when > facts.ordered_at:
        return False
    return facts.accepted_at is None or when >= facts.accepted_at


def _ring_fenced(facts):
    """The units were there, but ring-fenced for other channels."""
    return facts.fenced_for_others > EPSILON and facts.sellable + EPSILON >= facts.qty_needed


def classify(facts: OversellFacts) -> tuple[str, int | None]:
    """The cause of an oversell and, for LATENCY, the gap in seconds (else None)."""
    if facts.taken_later:
        return TAKEN, None
    if facts.backorder:
        return BACKORDER, None
    if facts.accepted_qty is not None and facts.accepted_qty < facts.qty_needed - EPSILON:
        return CHANNEL_IGNORED, None
    if _counted_down(facts):
        return MANUAL, None
    committed = facts.lower_committed_at
    if committed is not None and committed <= facts.ordered_at:
        return LATENCY, int((facts.ordered_at - committed).total_seconds())
    if _ring_fenced(facts):
        return RING_FENCE, None
    return UNKNOWN, None


def oversell_rate(short_lines: int, lines: int) -> float | None:
    """Percent (0-100) of the order lines that were short; None when there was none."""
    if lines <= 0:
        return None
    return min(100.0, max(0.0, 100.0 * short_lines / lines))


def qty_short(needed: float, available: float) -> float:
    """Units of ``needed`` that ``available`` (negative counts as 0) does not cover."""
    return max(0.0, needed - max(available, 0.0))
