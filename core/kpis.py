"""Order-flow KPIs as plain arithmetic: percentiles and rates.

The ORM gathers the counts of each channel in one grouped query (``OrderFlowCounts``);
``order_flow_kpis`` turns them into figures. Percentiles interpolate linearly between
the closest ranks, as PostgreSQL's ``percentile_cont`` does, so that a figure computed
here and one a report view computes agree. A figure with nothing to measure is None
("not measured yet"), never 0.
"""

import math
from dataclasses import dataclass

SECONDS_PER_HOUR = 3600.0


def percentile(values, fraction):
    """The ``fraction`` (0 to 1) percentile of ``values``, interpolated linearly between
    the closest ranks; None when there are no values."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"a percentile's fraction is between 0 and 1, not {fraction!r}")
    ordered = sorted(values)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def rate(part, whole):
    """Percent (0-100) of ``whole`` that ``part`` is; None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return min(100.0, max(0.0, 100.0 * part / whole))


def hours(seconds):
    """Seconds in hours (None stays None)."""
    return None if seconds is None else seconds / SECONDS_PER_HOUR


@dataclass(frozen=True)
class OrderFlowCounts:
    """One channel's orders over the window, as the grouped query counts them."""

    shipped: int = 0  # orders whose first delivery to the customer was validated
    touchless: int = 0  # of those: never held, never edited by a person before it
    ship_seconds: tuple = ()  # of those: seconds from the import to that delivery
    tracking_decided: int = 0  # of those: tracking accepted, or validated over 1 h ago
    tracking_fresh: int = 0  # of those: tracking accepted within 1 h of the validation
    sla_decided: int = 0  # orders shipped in time, or whose handling time ran out
    sla_kept: int = 0  # of those: shipped within the channel's handling time


@dataclass(frozen=True)
class OrderFlowKpis:
    """The figures of one channel (None: not measured yet). Rates in %, times in hours."""

    touchless_rate: float | None = None
    ship_p50_hours: float | None = None
    ship_p95_hours: float | None = None
    sla_rate: float | None = None
    tracking_rate: float | None = None


def order_flow_kpis(counts, tracking=True):
    """The KPIs of ``counts`` (OrderFlowCounts). ``tracking``: the channel takes status
    pushes (otherwise its tracking freshness is not measured)."""
    return OrderFlowKpis(
        touchless_rate=rate(counts.touchless, counts.shipped),
        ship_p50_hours=hours(percentile(counts.ship_seconds, 0.5)),
        ship_p95_hours=hours(percentile(counts.ship_seconds, 0.95)),
        sla_rate=rate(counts.sla_kept, counts.sla_decided),
        tracking_rate=rate(counts.tracking_fresh, counts.tracking_decided) if tracking else None,
    )
