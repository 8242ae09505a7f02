"""The order intake's fast path: answer an order once its stock is reserved (a ledger row
under the variant lock), confirm it in background batches. What decides whether an order
may take it, and what it is answered, without Odoo.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from . import status as status_core
from .inbound import DONE, EXCEPTION, KIND_CANCEL, KIND_ORDER, RECEIVED, WAITING

ANSWER_CONFIRMED = "confirmed"
ANSWER_RESERVED = "reserved"
INTAKE_ANSWERS = [
    (ANSWER_CONFIRMED, "After confirming the order"),
    (ANSWER_RESERVED, "As soon as its stock is reserved"),
]

# the ledger rows of stock.channel.reservation
CONFIRMING = "confirming"
CONFIRMED = "done"
RELEASED = "released"
RESERVATION_STATES = [
    (CONFIRMING, "Reserved, confirming"),
    (CONFIRMED, "Confirmed"),
    (RELEASED, "Released"),
]
# orders a background confirmation takes in one transaction
CONFIRM_BATCH = 40
# the oldest reserved orders a claim looks at, per order of its batch: those whose
# variants another worker is confirming are passed over, the batch filled with others
CLAIM_WINDOW = 4
# the seconds of arrivals the confirmation counts to see a burst (confirmation_defers)
BURST_WINDOW = 3.0
# the orders a batch claims while the backlog is younger than that window (claim_size)
YOUNG_BATCH = 5
# the defaults of the two settings: orders a second above which the confirmation waits
# (0: never), and the minutes the oldest reserved order may wait for it
DEFER_RATE = 20.0
DEFER_MINUTES = 10
# during a burst (the same rate), a channel's pushes leave at most once in this many
# seconds, each carrying every change since: pushed in rounds back to back, a round for
# every few changes, the dispatcher took a third of the cores the answers needed
# (docs/benchmarks.md, "The pushes wait during a burst")
BURST_PUSH_SECONDS = 1.0


@dataclass(frozen=True)
class Shape:
    """What the fast path needs to know of an order and its channel."""

    kits: bool = False  # a line's variant is a kit
    sourcing: bool = False  # the channel has sources (its orders are sourced)
    line_by_line: bool = False  # the connector accepts orders line by line
    address_later: bool = False  # the channel gives the address once it is accepted
    cancelled: bool = False  # cancelled in the payload, or a cancellation waits for it
    not_storable: bool = False  # a line's variant is not a storable product
    held_before: bool = False  # a person retried it, or it was held before


@dataclass(frozen=True)
class OrderMessages:
    """What the other messages of an order say when one of its messages is judged."""

    cancelled_before_import: bool = False  # a cancellation done without a sale order
    held_ids: tuple = ()  # earlier versions still held or never judged: replaced by it
    cancel_waiting: bool = False  # a cancellation of the order waits
    replaced_held: bool = False  # a version it replaces (or replaced before) was held


def order_messages(rows):
    """OrderMessages of `rows` (id, kind, state, has no sale order, in exception, of the
    same order, replaced by the message judged): the channel's other messages of the
    order, and those the message judged replaced before."""
    held_ids = []
    cancelled = waiting = replaced_held = False
    for row_id, kind, state, no_order, in_exception, same_order, replaced in rows:
        if same_order and kind == KIND_CANCEL:
            cancelled = cancelled or (state == DONE and no_order)
            waiting = waiting or state == WAITING
        elif same_order and kind == KIND_ORDER and state in (EXCEPTION, RECEIVED):
            held_ids.append(row_id)  # replaced by the message judged from now on
            replaced = True
        replaced_held = replaced_held or (replaced and in_exception)
    return OrderMessages(cancelled, tuple(sorted(held_ids)), waiting, replaced_held)


def inline_reason(shape):
    """Why an order takes the confirmed path inline (its answer after the sale order is
    confirmed), or None when it may be answered from a reservation."""
    reasons = (
        (shape.kits, "a line is a kit"),
        (shape.sourcing, "the channel sources its orders"),
        (shape.line_by_line, "the channel accepts orders line by line"),
        (shape.address_later, "the address comes later"),
        (shape.cancelled, "a cancellation is waiting"),
        (shape.not_storable, "a line is not a storable product"),
        (shape.held_before, "the order was held for a person"),
    )
    return next((why for cond, why in reasons if cond), None)


def needed_units(lines):
    """{product key: units} of an order's (product key, quantity) lines, summed."""
    needed = defaultdict(float)
    for product, quantity in lines:
        needed[product] += quantity
    return dict(needed)


def shortfalls(needed, available, compare):
    """{product key: (needed, available)} of those the available units cannot serve;
    ``compare(product, a, b)`` compares quantities in the product's rounding (-1, 0, 1)."""
    return {
        product: (qty, available.get(product, 0.0))
        for product, qty in needed.items()
        if compare(product, qty, available.get(product, 0.0)) > 0
    }


def _units(units):
    return ", ".join(f"{name} x {qty:g}" for (name, _id), qty in sorted(units.items()))


def ledger_differences(needed, reserved):
    """Why an order's lines ({(variant name, variant id): units}, resolved now) are not
    what its ledger rows reserved (the same keys), or None when they are the same: two
    variants of the same name are told apart by their ids."""
    if needed == reserved:
        return None
    return (
        f"the order now maps to {_units(needed)}, but {_units(reserved)} was reserved "
        "(a SKU or binding moved since it was answered)"
    )


def claimable(candidates, busy, limit):
    """The ids of the first `limit` `candidates` ((order id, its variant ids), oldest
    first) none of whose variants is `busy` (another worker is confirming it): orders
    of the same variants may share a batch, never two workers' batches."""
    busy = set(busy)
    return [order_id for order_id, variants in candidates if busy.isdisjoint(variants)][:limit]


def burst_depth(rate, window=BURST_WINDOW):
    """How many messages arrived within `window` seconds make a burst of `rate` a
    second (at least 1); None when the rate is 0 (the confirmation never waits)."""
    if rate <= 0:
        return None
    return max(1, math.ceil(rate * window))


def orders_burst(nth_newest_age, rate, window=BURST_WINDOW):
    """Whether orders arrive at `rate` a second or faster: the burst_depth(rate)-th
    newest message (its age in seconds; None: fewer messages than that) arrived within
    `window` seconds. Never with a rate of 0."""
    if burst_depth(rate, window) is None or nth_newest_age is None:
        return False
    return nth_newest_age <= window


def claim_size(batch, oldest_reserved_age, rate, window=BURST_WINDOW):
    """The orders a confirmation batch claims: `batch`, or at most YOUNG_BATCH while the
    oldest reserved order (its age in seconds; None: none) arrived within a burst's
    `window`. The confirmation cannot tell a burst beginning: its orders are young, and
    a small batch ends before the burst is seen (the check after each batch), where a
    full one took the cores for seconds at the burst's start. With a `rate` of 0 (the
    confirmation never waits for a burst), always `batch`."""
    young = oldest_reserved_age is not None and oldest_reserved_age < window
    if rate > 0 and young:
        return min(batch, YOUNG_BATCH)
    return batch


def round_pause(started, now, pace, deadline=None):
    """The seconds a channel's dispatcher waits after a round begun at `started` so that
    its next round begins `pace` seconds after it (never past `deadline`); 0: at once.
    All in the same clock (time.monotonic())."""
    until = started + pace
    if deadline is not None:
        until = min(until, deadline)
    return max(0.0, until - now)


def confirmation_defers(nth_newest_age, oldest_reserved_age, rate, max_wait, window=BURST_WINDOW):
    """Whether the background confirmation waits for a burst of orders to end.

    The answers of a burst and the confirmations behind them share the same cores: on
    2 cores, 50 orders a second are answered in under 100 ms while the confirmations
    wait, in seconds when both run (docs/benchmarks.md). So while orders arrive at
    `rate` a second or faster, the reserved orders wait, visibly "reserved,
    confirming", their units already taken from every channel; never beyond `max_wait`
    seconds: once the oldest reserved order has waited that long, the confirmation runs
    whatever arrives. `nth_newest_age`: the age in seconds of the burst_depth(rate)-th
    newest message (None: fewer messages than that); `oldest_reserved_age`: the age of
    the oldest reserved order (None: none waits)."""
    if oldest_reserved_age is None or oldest_reserved_age >= max_wait:
        return False
    return orders_burst(nth_newest_age, rate, window)


def reserved_answer(order_name, line_ids):
    """The answer of an order reserved, in the confirmed path's shape: its name, status
    accepted, each line accepted."""
    return {
        "order": order_name,
        "status": status_core.ACCEPTED,
        "lines": [{"id": line_id, "status": status_core.ACCEPTED} for line_id in line_ids],
    }
