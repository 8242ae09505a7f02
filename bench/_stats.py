"""Percentiles and times shared by the benchmarks."""

import statistics
from datetime import datetime


def percentile(values, pct):
    """The nearest-rank percentile `pct` (0-100) of `values` (nan when empty)."""
    if not values:
        return float("nan")
    values = sorted(values)
    index = max(0, min(len(values) - 1, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]


def interpolated_percentile(values, pct):
    """The percentile `pct` (1-99) of `values`, interpolated between ranks."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def epoch(iso):
    """An ISO 8601 time (a trailing Z for UTC) as seconds since the epoch."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
