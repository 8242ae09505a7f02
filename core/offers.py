"""Stores competing for an order (no Odoo): the states of an offer and of the order, which
stores are offered next, where the order goes when no store answers."""

from datetime import timedelta

# an offer to one store
OFFERED, ACCEPTED, LOST, EXPIRED, DECLINED, WITHDRAWN = (
    "offered",
    "accepted",
    "lost",
    "expired",
    "declined",
    "withdrawn",
)
STATES = [
    (OFFERED, "Offered"),
    (ACCEPTED, "Accepted"),
    (LOST, "Lost (another store won)"),
    (EXPIRED, "Expired"),
    (DECLINED, "Declined"),
    (WITHDRAWN, "Withdrawn"),
]
# the order's offer state
ORDER_OFFERED, ORDER_ACCEPTED, ORDER_FALLBACK = "offered", "accepted", "fallback"
ORDER_STATES = [
    (ORDER_OFFERED, "Offered to stores"),
    (ORDER_ACCEPTED, "Accepted by a store"),
    (ORDER_FALLBACK, "Back to the warehouse"),
]


def next_stores(ranked, stores, tried, count):
    """The next `count` keys of `ranked` that are offered stores able to serve (`stores`)
    and were not offered the order yet (`tried`), best first."""
    return [key for key in ranked if key in stores and key not in tried][: max(count, 0)]


def fallback(ranked, stores, usable):
    """The first key of `ranked` that can ship the order (`usable`: promise met, capacity
    left, the whole order in stock) and is not a store taking offers (the warehouse), or
    None: then nobody can, the order is to check."""
    return next((key for key in ranked if key in usable and key not in stores), None)


def expires_at(now, minutes):
    return now + timedelta(minutes=max(minutes, 1))


def offered_line(names, until):
    """The explain line of a round: 'offered to Lyon store, Lille store until 14:32'."""
    return f"offered to {', '.join(names)} until {until}"
