"""Channel alerts: thresholds in force, crossing, open/keep/resolve, stall (no Odoo)."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import alerts
from core.alerts import (
    ACCEPTANCE,
    ALERT_KINDS,
    BACKLOG,
    DEAD_LETTERS,
    DRIFT,
    EVENT_KINDS,
    FIGURE_KINDS,
    KEEP,
    NOT_MEASURED,
    OPEN,
    OVERSELL,
    P95,
    RESOLVE,
    STALL,
    THRESHOLDS,
    UNREACHABLE,
    api_version_transition,
)

NOW = datetime(2026, 11, 26, 10, 0, 0)


def _ago(minutes):
    return NOW - timedelta(minutes=minutes)


# -- vocabulary ------------------------------------------------------------------------------


def test_every_figure_has_a_threshold_and_a_label():
    labels = dict(ALERT_KINDS)
    assert set(FIGURE_KINDS) | set(EVENT_KINDS) == set(labels)
    assert not set(EVENT_KINDS) & set(THRESHOLDS)
    assert UNREACHABLE in EVENT_KINDS  # opened by the dispatcher, not a figure


def test_an_api_version_alert_opens_on_a_warning_and_closes_once_the_version_moved():
    warning = "Set the channel's API Version to 2026-10."
    assert api_version_transition(warning, "2025-10", None) == OPEN
    assert api_version_transition(warning, "2025-10", "2025-10") == KEEP
    assert api_version_transition(None, "2025-10", "2025-10") is None  # nothing said
    assert api_version_transition("", "2025-10", "2025-10") is None  # said of some requests
    assert api_version_transition("", "2026-10", "2025-10") == RESOLVE
    assert api_version_transition("", "2026-10", None) is None


def test_defaults_are_the_documented_ones():
    defaults = {kind: threshold.default for kind, threshold in THRESHOLDS.items()}
    assert defaults == {
        BACKLOG: 10, P95: 5.0, DEAD_LETTERS: 1, DRIFT: 0.2, OVERSELL: 0.5, STALL: 5,
        ACCEPTANCE: 60,
    }  # fmt: skip


# -- thresholds in force ---------------------------------------------------------------------


def test_the_channels_own_threshold_overrides_the_company():
    assert alerts.in_force(3, 10) == 3


def test_an_unset_channel_threshold_takes_the_company_default():
    assert alerts.in_force(0, 10) == 10
    assert alerts.in_force(None, 0.2) == 0.2


def test_a_company_threshold_of_0_turns_the_alert_off():
    assert alerts.in_force(0, 0) == 0
    assert alerts.in_force(0, -1) == 0


# -- crossing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "figure", "threshold", "expected"),
    [
        (BACKLOG, 10.1, 10, True),
        (BACKLOG, 10, 10, False),  # older than 10 minutes, not 10 minutes old
        (P95, 5.01, 5, True),
        (P95, 4.99, 5, False),
        (DEAD_LETTERS, 1, 1, True),  # one dead letter reaches a threshold of 1
        (DEAD_LETTERS, 0, 1, False),
        (DRIFT, 0.21, 0.2, True),
        (DRIFT, 0.2, 0.2, False),
        (OVERSELL, 0.6, 0.5, True),
        (STALL, 5.1, 5, True),
    ],
)
def test_crossed(kind, figure, threshold, expected):
    assert alerts.crossed(kind, figure, threshold) is expected


def test_a_figure_not_measured_never_crosses():
    for kind in FIGURE_KINDS:
        assert alerts.crossed(kind, None, 0.001) is False


def test_a_threshold_of_0_never_crosses():
    assert alerts.crossed(DEAD_LETTERS, 5, 0) is False


# -- transitions -----------------------------------------------------------------------------


def test_crossing_opens_once_then_keeps():
    assert alerts.transition(BACKLOG, 14, 10, is_open=False) == OPEN
    assert alerts.transition(BACKLOG, 20, 10, is_open=True) == KEEP


def test_back_under_resolves_an_open_alert():
    assert alerts.transition(BACKLOG, 2, 10, is_open=True) == RESOLVE
    assert alerts.transition(BACKLOG, 2, 10, is_open=False) is None


def test_not_measured_neither_opens_nor_resolves():
    assert alerts.transition(DRIFT, None, 0.2, is_open=False) is None
    assert alerts.transition(DRIFT, None, 0.2, is_open=True) == KEEP


def test_an_alert_turned_off_is_resolved():
    assert alerts.transition(P95, 30, 0, is_open=True) == RESOLVE
    assert alerts.transition(P95, 30, 0, is_open=False) is None


@given(
    kind=st.sampled_from(FIGURE_KINDS),
    figure=st.one_of(st.none(), st.floats(0, 1000)),
    threshold=st.floats(0, 100),
    is_open=st.booleans(),
)
def test_transitions_are_consistent(kind, figure, threshold, is_open):
    action = alerts.transition(kind, figure, threshold, is_open)
    if is_open:
        assert action in (KEEP, RESOLVE)
    else:
        assert action in (OPEN, None)
    assert (action == OPEN) == (not is_open and alerts.crossed(kind, figure, threshold))


# -- critical stock --------------------------------------------------------------------------


def test_critical_stock_below_the_critical_quantity():
    assert alerts.critical_transition(2, 5, is_open=False) == OPEN
    assert alerts.critical_transition(4, 5, is_open=True) == KEEP
    assert alerts.critical_transition(5, 5, is_open=True) == RESOLVE
    assert alerts.critical_transition(5, 5, is_open=False) is None


def test_no_critical_quantity_no_alert():
    assert alerts.critical_transition(0, 0, is_open=False) is None
    assert alerts.critical_transition(0, 0, is_open=True) == RESOLVE


# -- figures ---------------------------------------------------------------------------------


def test_backlog_is_the_age_of_the_oldest_pending_push():
    assert alerts.backlog_minutes(NOW, _ago(14)) == 14.0
    assert alerts.backlog_minutes(NOW, NOW - timedelta(seconds=90)) == 1.5
    assert alerts.backlog_minutes(NOW, None) == 0.0


def test_stalled_since_the_later_of_the_oldest_due_row_and_the_last_push():
    assert alerts.stall_minutes(NOW, oldest_due=_ago(20), last_push=_ago(8)) == 8.0
    assert alerts.stall_minutes(NOW, oldest_due=_ago(3), last_push=_ago(60)) == 3.0
    assert alerts.stall_minutes(NOW, oldest_due=_ago(7), last_push=None) == 7.0


def test_not_stalled_when_nothing_is_due():
    assert alerts.stall_minutes(NOW, oldest_due=None, last_push=_ago(60)) == 0.0
    assert alerts.stall_minutes(NOW, oldest_due=NOW + timedelta(minutes=2), last_push=None) == 0


def test_figures_are_written_with_their_unit():
    assert alerts.format_figure(BACKLOG, 14.0) == "14 min"
    assert alerts.format_figure(P95, 7.25) == "7 s"
    assert alerts.format_figure(P95, 0.85) == "850 ms"
    assert alerts.format_figure(DEAD_LETTERS, 3) == "3"
    assert alerts.format_figure(DRIFT, 0.3456) == "0.35 %"
    assert alerts.format_figure(OVERSELL, None) == NOT_MEASURED


def test_an_order_waiting_for_acceptance_is_measured_only_where_orders_are_accepted():
    assert alerts.acceptance_minutes(NOW, _ago(75), accepts=True) == 75.0
    assert alerts.acceptance_minutes(NOW, None, accepts=True) == 0.0
    assert alerts.acceptance_minutes(NOW, _ago(75), accepts=False) is None
    # an order answered from a reservation, stuck confirming, on any channel
    assert alerts.acceptance_minutes(NOW, _ago(75), False, oldest_confirming=_ago(20)) == 20.0
    assert alerts.transition(ACCEPTANCE, 75.0, 60, is_open=False) == OPEN
