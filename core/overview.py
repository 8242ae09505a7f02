"""The overview's verdict on a channel: green, amber or red, and why.

 - red: a watched figure crosses its threshold (the figure an alert is open for, see
   core.alerts.crossed);
 - amber: nothing crossed, but a figure is at half its threshold or more, or something
   waits for a person (orders in exception, open drift), or pushes wait that were never
   sent (never "Healthy" while a quantity has not reached the channel even once);
 - green: everything else, also while a figure is not measured yet (not knowing is not
   a fault: the card says "not measured yet").

Thresholds of 0 (an alert turned off) never colour a card.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import alerts

GREEN = "green"
AMBER = "amber"
RED = "red"
HEALTH = [(GREEN, "Healthy"), (AMBER, "Needs Attention"), (RED, "Failing")]
UNSENT_LABEL = "Pushes waiting, never sent"
# amber from this share of a threshold on
WARNING_SHARE = 0.5


def health(
    figures: dict,
    thresholds: dict,
    labels: dict,
    waiting: dict | None = None,
    unsent: int = 0,
) -> tuple[str, list[str]]:
    """(colour, reasons) of a channel.

    `figures` and `thresholds`: {kind: value} for the kinds of core.alerts.THRESHOLDS
    (a figure None: not measured); `labels`: {kind: label}; `waiting`: {label: count}
    of what waits for a person; `unsent`: pushes pending that were never attempted.
    """
    red, amber = [], []
    for kind in alerts.FIGURE_KINDS:
        figure, threshold = figures.get(kind), thresholds.get(kind) or 0
        if figure is None or threshold <= 0:
            continue
        text = (
            f"{labels[kind]}: {alerts.format_figure(kind, figure)} "
            f"(threshold {alerts.format_figure(kind, threshold)})"
        )
        if alerts.crossed(kind, figure, threshold):
            red.append(text)
        elif figure > 0 and figure >= threshold * WARNING_SHARE:
            amber.append(text)
    amber += [f"{label}: {count}" for label, count in (waiting or {}).items() if count]
    if unsent:
        amber.append(f"{UNSENT_LABEL}: {unsent}")
    if red:
        return RED, red + amber
    if amber:
        return AMBER, amber
    return GREEN, []


def day_start(now: datetime, tz_name: str | None) -> datetime:
    """Midnight of `now`'s day in the time zone `tz_name` (UTC when unknown), as naive
    UTC like `now`: where "today" starts for a store manager."""
    try:
        zone = ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = now.replace(tzinfo=UTC).astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC).replace(tzinfo=None)
