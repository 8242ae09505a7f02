"""Progress of background jobs: rate, percent, estimated end, stale verdict (no Odoo)."""

from datetime import datetime, timedelta

from core import progress

T0 = datetime(2026, 11, 23, 10, 2, 0)


def test_rate_is_items_per_second_since_the_start():
    assert progress.rate(340, 8) == 42.5
    assert progress.rate(0, 30) == 0.0


def test_rate_is_unknown_before_any_time_has_passed():
    assert progress.rate(10, 0) is None
    assert progress.rate(10, -1) is None


def test_percent_is_floored_and_capped():
    assert progress.percent(340, 1200) == 28
    assert progress.percent(1199, 1200) == 99  # 100 only when all of it is done
    assert progress.percent(1200, 1200) == 100
    assert progress.percent(1300, 1200) == 100
    assert progress.percent(5, 0) == 0


def test_estimated_end_keeps_the_pace_so_far():
    now = T0 + timedelta(seconds=60)
    # 300 of 1,200 in 60 s: 900 left at 5 a second, 180 s more
    assert progress.estimated_end(300, 1200, T0, now) == now + timedelta(seconds=180)
    assert progress.estimated_end(1200, 1200, T0, now) == now


def test_estimated_end_is_unknown_before_the_first_item():
    now = T0 + timedelta(seconds=60)
    assert progress.estimated_end(0, 1200, T0, now) is None
    assert progress.estimated_end(5, 0, T0, now) is None
    assert progress.estimated_end(5, 10, None, now) is None


def test_a_job_whose_worker_ended_three_times_is_given_up():
    assert progress.MAX_ATTEMPTS == 3
    assert [progress.gives_up(n) for n in range(5)] == [False, False, False, True, True]
    assert progress.gives_up(1, max_attempts=1)


def test_figures_are_written_for_people():
    assert progress.format_count(1200) == "1,200"
    assert progress.format_count(7) == "7"
    assert progress.format_rate(45.4) == "45"
    assert progress.format_rate(1234.6) == "1,235"
    assert progress.format_rate(2.54) == "2.5"
    assert progress.format_rate(0) == "0.0"
