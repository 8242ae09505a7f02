"""Backoff: full jitter stays within its ceiling, Retry-After is honoured and parsed."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import backoff

attempts = st.integers(min_value=-5, max_value=5000)
bases = st.floats(min_value=0.0, max_value=1e6, allow_nan=False)
caps = st.floats(min_value=0.0, max_value=1e7, allow_nan=False)
seeds = st.integers(min_value=0, max_value=2**32)


def _ceiling(attempt, base, cap):
    """The documented bound min(cap, base * 2 ** attempt), in exact arithmetic."""
    return float(min(Fraction(cap), Fraction(base) * 2 ** max(attempt, 0)))


@given(attempt=attempts, base=bases, cap=caps, seed=seeds)
def test_full_jitter_is_always_between_zero_and_the_ceiling(attempt, base, cap, seed):
    delay = backoff.full_jitter(attempt, base=base, cap=cap, rng=random.Random(seed))
    assert 0.0 <= delay <= _ceiling(attempt, base, cap)


@given(attempt=attempts, base=bases, cap=caps)
def test_ceiling_is_min_of_cap_and_exponential(attempt, base, cap):
    assert backoff.backoff_ceiling(attempt, base, cap) == pytest.approx(
        _ceiling(attempt, base, cap)
    )


@given(
    attempt=attempts,
    retry_after=st.floats(min_value=0.0, max_value=10_000, allow_nan=False),
    seed=seeds,
)
def test_next_delay_never_shorter_than_retry_after(attempt, retry_after, seed):
    delay = backoff.next_delay(attempt, retry_after, base=1.0, cap=60.0, rng=random.Random(seed))
    honoured = min(retry_after, backoff.DEFAULT_RETRY_AFTER_CAP)
    assert honoured <= delay <= max(honoured, _ceiling(attempt, 1.0, 60.0))


@given(attempt=attempts, seed=seeds)
def test_next_delay_without_retry_after_is_full_jitter(attempt, seed):
    expected = backoff.full_jitter(attempt, rng=random.Random(seed))
    assert backoff.next_delay(attempt, rng=random.Random(seed)) == expected


def test_huge_retry_after_is_capped():
    assert backoff.next_delay(0, 10**9, retry_after_cap=600.0) == 600.0


def test_huge_attempt_does_not_overflow():
    assert 0.0 <= backoff.full_jitter(10**6, base=1.0, cap=30.0) <= 30.0


def test_full_jitter_spreads_over_the_whole_range():
    rng = random.Random(42)
    delays = [backoff.full_jitter(5, base=1.0, cap=300.0, rng=rng) for _ in range(2000)]
    assert min(delays) < 3.2
    assert max(delays) > 28.8


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), (" 3 ", 3.0), ("0", 0.0), ("1.5", 1.5), (7, 7.0)],
)
def test_retry_after_in_seconds(header, seconds):
    assert backoff.parse_retry_after(header) == seconds


def test_retry_after_as_http_date():
    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert header == "Mon, 23 Nov 2026 10:01:30 GMT"
    assert backoff.parse_retry_after(header, now=now) == 90.0


def test_retry_after_date_in_the_past_means_now():
    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert backoff.parse_retry_after("Mon, 23 Nov 2026 09:00:00 GMT", now=now) == 0.0


@pytest.mark.parametrize("header", [None, "", "   ", "soon", "-5", "1e3", "Mon, 99 Foo"])
def test_unusable_retry_after_is_none(header):
    assert backoff.parse_retry_after(header) is None


def test_after_failure_retries_then_dies_at_the_limit():
    rng = random.Random(1)
    first = backoff.after_failure(0, retryable=True, max_attempts=3, base=1, cap=10, rng=rng)
    assert (first.attempts, first.dead) == (1, False)
    assert 0 <= first.delay <= 1
    second = backoff.after_failure(1, retryable=True, max_attempts=3, retry_after=7, rng=rng)
    assert (second.attempts, second.dead, second.delay >= 7) == (2, False, True)
    assert backoff.after_failure(2, retryable=True, max_attempts=3) == backoff.RetryDecision(
        3, True
    )


def test_after_failure_of_a_permanent_error_is_dead_at_once():
    assert backoff.after_failure(0, retryable=False, max_attempts=8) == backoff.RetryDecision(
        1, True
    )


def test_a_channel_that_cannot_be_reached_is_probed_for_hours_never_given_up():
    rng = random.Random(7)
    pauses = [backoff.unreachable_pause(probes, rng=rng) for probes in range(1, 13)]
    assert 0.9 * backoff.UNREACHABLE_BASE <= pauses[0] <= backoff.UNREACHABLE_BASE
    assert all(pause <= backoff.UNREACHABLE_CAP for pause in pauses)
    assert pauses[-1] >= 0.9 * backoff.UNREACHABLE_CAP  # once an hour, for as long as it lasts
    assert sum(pauses[:8]) > 1.5 * 3600  # the first eight tries span hours, not minutes
    assert pauses[:8] == sorted(pauses[:8])
