"""Channel alerts: which thresholds a channel's figures cross, as pure functions.

Per channel and alert, ``transition`` decides from the figure, the threshold in force
and whether the alert is open already:

 - a threshold of 0 turns the alert off: an open alert is resolved;
 - a figure that is not measured yet (None) never fires, and never resolves an open
   alert (not knowing is not being back under);
 - crossed and not open: OPEN; crossed and open: KEEP (no duplicate);
 - not crossed and open: RESOLVE.

Crossed means above the threshold, except for the dead letters, crossed when their
count reaches it. A channel's own threshold (above 0) overrides the company's.
Acceptance: on a channel where the seller accepts each order (Mirakl's OR21), how long
the oldest order has waited for the channel to have Odoo's decision (a marketplace
refuses orders left unaccepted past its deadline); on other channels, how long an order
answered from a reservation has been confirming (not measured while none is).
Critical stock: a variant whose publishable quantity on a channel falls below the
``critical_qty`` of the rule in force (0 = none). Unreachable: opened when the channel
cannot be reached (no connection), resolved when it answers again; meanwhile its backlog
and stall are not measured (its pushes wait for it: one alert, not three).

API version: the channel's answers say its API version is no longer served or uses what
is deprecated (``api_version_transition``).

Item issue: the channel took a variant's push but says something is wrong with the item
(Google Merchant Center's item-level issues: a disapproval for mismatched availability);
one alert per variant naming it, resolved by a later verdict without an issue
(``issue_transition``).

Datetimes are naive UTC throughout.
"""

from dataclasses import dataclass
from datetime import datetime

from . import units

BACKLOG = "backlog"
P95 = "p95"
DEAD_LETTERS = "dead_letters"
DRIFT = "drift"
OVERSELL = "oversell"
STALL = "stall"
CRITICAL_STOCK = "critical_stock"
ACCEPTANCE = "acceptance"
UNREACHABLE = "unreachable"
API_VERSION = "api_version"
ITEM_ISSUE = "item_issue"
# Ordered (code, label) pairs, usable as an Odoo selection.
ALERT_KINDS = [
    (BACKLOG, "Push Backlog"),
    (P95, "Slow Pushes (p95, 1 h)"),
    (DEAD_LETTERS, "Failed Updates"),
    (DRIFT, "Drift Rate"),
    (OVERSELL, "Oversell Rate"),
    (STALL, "Dispatcher Stalled"),
    (CRITICAL_STOCK, "Critical Stock"),
    (ACCEPTANCE, "Order Waiting for Acceptance"),
    (UNREACHABLE, "Channel Unreachable"),
    (API_VERSION, "API Version to Change"),
    (ITEM_ISSUE, "Item Issue on the Channel"),
]


@dataclass(frozen=True)
class Threshold:
    """A figure's threshold: the field holding it (on the channel; on the company with
    the ``channel_`` prefix), its default and unit."""

    field: str
    default: float
    unit: str


# The alerts on a channel's figures, in order (critical stock is per variant).
THRESHOLDS = {
    BACKLOG: Threshold("alert_backlog_minutes", 10, "min"),
    P95: Threshold("alert_p95_seconds", 5.0, "s"),
    DEAD_LETTERS: Threshold("alert_dead_letters", 1, ""),
    DRIFT: Threshold("alert_drift_percent", 0.2, "%"),
    OVERSELL: Threshold("alert_oversell_percent", 0.5, "%"),
    STALL: Threshold("alert_stall_minutes", 5, "min"),
    ACCEPTANCE: Threshold("alert_acceptance_minutes", 60, "min"),
}
FIGURE_KINDS = tuple(THRESHOLDS)
# the alerts opened by what happens, not by a figure's threshold
EVENT_KINDS = (CRITICAL_STOCK, API_VERSION, UNREACHABLE, ITEM_ISSUE)
# Crossed when the figure reaches the threshold (the others: when above it).
REACHED = frozenset({DEAD_LETTERS})

OPEN = "open"
KEEP = "keep"
RESOLVE = "resolve"
NOT_MEASURED = units.NOT_MEASURED


def in_force(channel_value: float, company_value: float) -> float:
    """The threshold that applies: the channel's own when set (above 0), else the
    company's (0 or less: the alert is off)."""
    if channel_value and channel_value > 0:
        return channel_value
    return max(company_value or 0, 0)


def crossed(kind: str, figure: float | None, threshold: float) -> bool:
    """Whether `figure` crosses `threshold` (never when not measured, or off)."""
    if figure is None or not threshold or threshold <= 0:
        return False
    return figure >= threshold if kind in REACHED else figure > threshold


def transition(kind: str, figure: float | None, threshold: float, is_open: bool) -> str | None:
    """OPEN, KEEP, RESOLVE, or None (nothing to do), see the module's docstring."""
    if not threshold or threshold <= 0:
        return RESOLVE if is_open else None
    if figure is None:
        return KEEP if is_open else None
    if crossed(kind, figure, threshold):
        return KEEP if is_open else OPEN
    return RESOLVE if is_open else None


def critical_transition(publishable: int, critical_qty: int, is_open: bool) -> str | None:
    """The same decision for critical stock: below `critical_qty` (0 = none) is crossed."""
    if not critical_qty or critical_qty <= 0:
        return RESOLVE if is_open else None
    if publishable < critical_qty:
        return KEEP if is_open else OPEN
    return RESOLVE if is_open else None


def api_version_transition(notice: str | None, version: str, open_for: str | None) -> str | None:
    """The API version alert from what the channel last said (`notice`: None nothing,
    "" all well, else why to move) of the channel's `version`, the alert being open for
    the version `open_for` (None: not open). A clean answer resolves it only once the
    version changed (a deprecation is said of some requests only)."""
    if notice:
        return KEEP if open_for is not None else OPEN
    if notice == "" and open_for is not None and open_for != version:
        return RESOLVE
    return None


def minutes_between(start: datetime | None, end: datetime) -> float:
    """Minutes from `start` to `end`, to 0.1 (0 when there is no start or it is later)."""
    if start is None or start >= end:
        return 0.0
    return round((end - start).total_seconds() / 60, 1)


def backlog_minutes(now: datetime, oldest_pending: datetime | None) -> float:
    """How old the oldest pending push is (0 when nothing is pending)."""
    return minutes_between(oldest_pending, now)


def stall_minutes(now: datetime, oldest_due: datetime | None, last_push: datetime | None) -> float:
    """How long pushes have been due with none sent: since the later of the oldest due
    row and the last push attempt (0 when nothing is due)."""
    if oldest_due is None or oldest_due > now:
        return 0.0
    since = max(oldest_due, last_push) if last_push else oldest_due
    return minutes_between(since, now)


def acceptance_minutes(
    now: datetime,
    oldest_waiting: datetime | None,
    accepts: bool,
    oldest_confirming: datetime | None = None,
):
    """How long the oldest order has waited for its acceptance to reach the channel (0
    when none waits); on a channel that does not accept orders, how long the oldest
    order answered from a reservation has waited for its confirmation (stuck there when
    the confirmation crons are inactive or failing), None when none waits."""
    if not accepts:
        return None if oldest_confirming is None else minutes_between(oldest_confirming, now)
    return minutes_between(oldest_waiting, now)


def format_figure(kind: str, value: float | None) -> str:
    """A figure or threshold with its unit ("12.5 min", "0.35 %"; a latency as
    core.units.format_latency: "850 ms", "7 s"), or NOT_MEASURED."""
    if value is None:
        return NOT_MEASURED
    if kind == P95:
        return units.format_latency_seconds(value)
    unit = THRESHOLDS[kind].unit if kind in THRESHOLDS else ""
    text = f"{round(value, 2):g}"
    return f"{text} {unit}" if unit else text


def issue_transition(issue, open_detail):
    """OPEN, KEEP (the detail changed: kept current), RESOLVE or None for a variant's item
    issue: ``issue`` what the channel's last verdict says ("" none), ``open_detail`` the
    open alert's detail (None: no alert open)."""
    if issue and open_detail is None:
        return OPEN
    if issue and issue != open_detail:
        return KEEP
    if not issue and open_detail is not None:
        return RESOLVE
    return None
