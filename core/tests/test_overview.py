"""The overview's health colour of a channel and its reasons (no Odoo)."""

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from core import alerts, overview
from core.alerts import BACKLOG, DEAD_LETTERS, DRIFT, FIGURE_KINDS, OVERSELL, P95, STALL
from core.overview import AMBER, GREEN, RED

LABELS = dict(alerts.ALERT_KINDS)
DEFAULTS = {kind: threshold.default for kind, threshold in alerts.THRESHOLDS.items()}
QUIET = {BACKLOG: 0.0, P95: 0.4, DEAD_LETTERS: 0, DRIFT: 0.0, OVERSELL: 0.0, STALL: 0.0}


def test_quiet_channel_is_green_without_reason():
    assert overview.health(QUIET, DEFAULTS, LABELS) == (GREEN, [])


def test_not_measured_figures_are_green():
    figures = dict.fromkeys(FIGURE_KINDS)
    assert overview.health(figures, DEFAULTS, LABELS) == (GREEN, [])


def test_one_dead_letter_is_red_and_named():
    colour, reasons = overview.health({**QUIET, DEAD_LETTERS: 1}, DEFAULTS, LABELS)
    assert colour == RED
    assert reasons == ["Failed Updates: 1 (threshold 1)"]


def test_half_a_threshold_is_amber():
    colour, reasons = overview.health({**QUIET, BACKLOG: 5.0}, DEFAULTS, LABELS)
    assert (colour, reasons) == (AMBER, ["Push Backlog: 5 min (threshold 10 min)"])
    assert overview.health({**QUIET, BACKLOG: 4.9}, DEFAULTS, LABELS) == (GREEN, [])


def test_red_lists_the_amber_reasons_after_the_red_ones():
    figures = {**QUIET, P95: 6.5, DRIFT: 0.1, OVERSELL: 0.7}
    colour, reasons = overview.health(figures, DEFAULTS, LABELS, {"Orders in Exception": 2})
    assert colour == RED
    assert reasons == [
        "Slow Pushes (p95, 1 h): 7 s (threshold 5 s)",
        "Oversell Rate: 0.7 % (threshold 0.5 %)",
        "Drift Rate: 0.1 % (threshold 0.2 %)",
        "Orders in Exception: 2",
    ]


def test_waiting_work_is_amber_and_nothing_waiting_is_not():
    waiting = {"Orders in Exception": 3, "Open Drift": 0}
    assert overview.health(QUIET, DEFAULTS, LABELS, waiting) == (AMBER, ["Orders in Exception: 3"])


def test_an_alert_turned_off_never_colours():
    thresholds = {**DEFAULTS, DEAD_LETTERS: 0}
    assert overview.health({**QUIET, DEAD_LETTERS: 40}, thresholds, LABELS) == (GREEN, [])


@given(
    st.dictionaries(
        st.sampled_from(FIGURE_KINDS),
        st.one_of(st.none(), st.floats(min_value=0, max_value=1e6, allow_nan=False)),
    )
)
def test_red_exactly_when_an_alert_would_open(figures):
    colour, reasons = overview.health(figures, DEFAULTS, LABELS)
    would_open = any(
        alerts.transition(kind, figures.get(kind), DEFAULTS[kind], False) == alerts.OPEN
        for kind in FIGURE_KINDS
    )
    assert (colour == RED) == would_open
    assert (colour == GREEN) == (not reasons)


def test_pushes_never_sent_are_never_healthy():
    colour, reasons = overview.health(QUIET, DEFAULTS, LABELS, unsent=3)
    assert (colour, reasons) == (AMBER, ["Pushes waiting, never sent: 3"])
    assert overview.health(QUIET, DEFAULTS, LABELS, unsent=0) == (GREEN, [])


def test_pushes_never_sent_stay_behind_a_red_figure():
    colour, reasons = overview.health({**QUIET, DEAD_LETTERS: 1}, DEFAULTS, LABELS, unsent=1)
    assert colour == RED
    assert reasons[-1] == "Pushes waiting, never sent: 1"


def test_today_starts_at_local_midnight():
    now = datetime(2026, 12, 7, 23, 30)  # 00:30 on the 8th in Brussels
    assert overview.day_start(now, "Europe/Brussels") == datetime(2026, 12, 7, 23, 0)
    assert overview.day_start(now, "America/New_York") == datetime(2026, 12, 7, 5, 0)
    assert overview.day_start(now, None) == datetime(2026, 12, 7)
    assert overview.day_start(now, "Nowhere/Atlantis") == datetime(2026, 12, 7)
