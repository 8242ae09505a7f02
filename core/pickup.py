"""Click & collect: which stores a cart may be collected from, and when it is ready.

A store (a warehouse of the webshop's in-store delivery method) is offered for a cart
only when its publishable quantity for the webshop's channel covers every line, and only
for products that may be picked up on that channel. The words of the pickup location
list: "Ready in 2 h" when the store is open now and holds the cart; when it is closed,
the time it will be ready after it opens ("Ready tomorrow from 11:00"); nothing (Odoo's
own wording) when it does not hold the cart or opens in more than a week.
"""

from datetime import timedelta

from .kits import kit_quantity

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def shortfalls(needed, available, blocked=()):
    """{key: units available} of the lines a store cannot serve.

    needed: {key: units in the cart}; available: {key: the store's publishable units}
    (a missing key: 0); blocked: the keys that may not be picked up (0 available)."""
    short = {}
    for key, qty in needed.items():
        units = 0 if key in blocked else max(0, available.get(key, 0))
        if qty > units:
            short[key] = units
    return short


def kit_shortfalls(plans, short, available, blocked=()):
    """{kit: kits the store makes} of the kits a store cannot serve: a kit not for pickup
    (in `blocked`: 0) or one of whose components is `short` (shortfalls' answer).

    plans: {kit: {component: units per kit}}; available: {component: the store's units};
    blocked: the keys (kits, components) that may not be picked up (0 available)."""
    kits = {}
    for kit, per_kit in plans.items():
        if kit in blocked or any(component in short for component in per_kit):
            units = {c: 0 if c in blocked else available.get(c, 0) for c in per_kit}
            kits[kit] = 0 if kit in blocked else kit_quantity(per_kit, units)[0]
    return kits


def hours_text(hours):
    """A preparation time as a person reads it: "2 h", "1.5 h", "30 min"."""
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.2f}".rstrip("0").rstrip(".") + " h"


def opening_state(intervals, now, prep_hours=0):
    """(open now, next opening) of a store: `intervals` its opening hours as (start, end)
    datetimes in order, `now` a datetime of the same time zone. Open now: open long
    enough to prepare the cart (`prep_hours`) before it closes. The next opening is the
    start of the first interval after now (None when there is none)."""
    ready = now + timedelta(hours=prep_hours)
    open_now = any(start <= now < end and ready <= end for start, end in intervals)
    later = [start for start, _end in intervals if start > now]
    return open_now, min(later, default=None)


def ready_words(has_stock, open_now, prep_hours, next_open=None, now=None):
    """What the pickup location list says of a store: "Ready in 2 h" (open, holds the
    cart), "Ready today from 16:00" / "Ready tomorrow from 11:00" / "Ready on Monday from
    11:00" (closed: its next opening plus the preparation time), "" otherwise (no stock,
    or no opening within a week: Odoo's own words)."""
    if not has_stock:
        return ""
    if open_now:
        return f"Ready in {hours_text(prep_hours)}"
    if next_open is None or now is None:
        return ""
    ready = next_open + timedelta(hours=prep_hours)
    days = (ready.date() - now.date()).days
    if days == 0:
        when = "today"
    elif days == 1:
        when = "tomorrow"
    elif days < 7:
        when = f"on {WEEKDAYS[ready.weekday()]}"
    else:
        return ""
    return f"Ready {when} from {ready:%H:%M}"


def stock_values(units, show_availability=False, threshold=0):
    """The in-store stock figures website_sale_collect shows (its location list and
    product page), from the units a pickup may take: in stock when there is at least
    one, the quantity shown below the product's threshold."""
    in_stock = units > 0
    return {
        "in_stock": in_stock,
        "show_quantity": bool(show_availability and in_stock and threshold >= units),
        "quantity": units,
    }
