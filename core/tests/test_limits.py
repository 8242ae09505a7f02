"""Rate limits (GCRA) and access tokens, without Odoo."""

import threading

import pytest

from core.errors import RetryableError
from core.ratelimit import Limit, Limiter, hold, per_window, reserve
from core.tokens import Token, TokenStore


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_a_burst_leaves_at_once_then_one_every_interval():
    limit = Limit(rate=5, burst=5)
    tat, waits = None, []
    for _ in range(8):
        tat, wait = reserve(tat, 0.0, limit, max_wait=10)
        waits.append(round(wait, 6))
    assert waits == [0, 0, 0, 0, 0, 0.2, 0.4, 0.6]


def test_a_wait_over_the_maximum_reserves_nothing():
    limit = Limit(rate=1 / 60)  # Mirakl STO01: once a minute
    tat, wait = reserve(None, 0.0, limit, max_wait=10)
    assert wait == 0
    assert reserve(tat, 1.0, limit, max_wait=10) == (None, pytest.approx(59.0))
    assert reserve(tat, 60.0, limit, max_wait=10)[1] == 0


def test_a_hold_lets_nothing_leave_before_retry_after_then_no_burst():
    limit = Limit(rate=5, burst=5)
    tat = hold(None, 0.0, limit, 3.0)
    first = reserve(tat, 0.0, limit, max_wait=60)
    assert first[1] == pytest.approx(3.0)
    assert reserve(first[0], 0.0, limit, max_wait=60)[1] == pytest.approx(3.2)
    assert hold(100.0, 0.0, limit, 3.0) == 100.0, "never brings a slot forward"


def test_the_limiter_sleeps_its_turn_or_raises_throttled():
    clock = Clock()
    limiter = Limiter(clock=clock, sleep=clock.sleep)
    limit = Limit(rate=2, burst=1)
    for _ in range(3):
        limiter.wait_for(("bol", "stock"), limit, max_wait=5)
    assert clock.slept == [0.5, 0.5]
    limiter.hold(("bol", "stock"), limit, 30)
    with pytest.raises(RetryableError) as raised:
        limiter.wait_for(("bol", "stock"), limit, max_wait=5)
    assert raised.value.throttled and raised.value.seconds == pytest.approx(30)
    limiter.wait_for(("bol", "orders"), limit, max_wait=5)  # another endpoint: its own slot


def test_tokens_are_refreshed_before_they_expire_by_one_caller_at_a_time():
    clock = Clock()
    store = TokenStore(clock=clock)
    fetched = []
    gate = threading.Event()

    def fetch():
        fetched.append(clock.now)
        gate.wait(2)
        return Token(f"t{len(fetched)}", clock.now + 299)

    threads = [threading.Thread(target=store.get, args=("bol", fetch)) for _ in range(5)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert len(fetched) == 1
    assert store.get("bol", fetch) == "t1"
    clock.now += 299 - 29  # inside the margin: refreshed
    assert store.get("bol", fetch) == "t2"
    store.forget("bol", "t1")  # an old token refused: the current one stays
    assert store.get("bol", fetch) == "t2"
    store.forget("bol", "t2")
    assert store.get("bol", fetch) == "t3"
    assert "t3" not in repr(Token("t3", 0))


def test_callers_that_are_not_urgent_leave_the_reserved_slots_to_those_that_are():
    limit = Limit(rate=1 / 60, burst=3, reserved=2)
    tat, wait = reserve(None, 0.0, limit, max_wait=10, urgent=False)
    assert wait == 0, "a free budget: the poll leaves"
    assert reserve(tat, 0.0, limit, max_wait=10, urgent=False) == (None, pytest.approx(60.0))
    tat, wait = reserve(tat, 0.0, limit, max_wait=10)  # an acceptance: a reserved slot
    assert wait == 0
    tat, wait = reserve(tat, 0.0, limit, max_wait=10)
    assert wait == 0
    assert reserve(tat, 0.0, limit, max_wait=10)[0] is None, "the burst is used"
    assert reserve(tat, 150.0, limit, max_wait=10, urgent=False)[1] == pytest.approx(30.0)


def test_a_window_with_a_burst_never_lets_more_than_its_requests_through():
    limit = per_window(9, 3600, burst=4)  # bol.com's offers export: 9 an hour
    tat, sent = None, []
    for second in range(0, 4 * 3600, 10):  # a caller at every turn, for 4 hours
        new_tat, _wait = reserve(tat, float(second), limit, max_wait=0)
        if new_tat is not None:
            tat = new_tat
            sent.append(second)
    assert sent[:5] == [0, 10, 20, 30, 880], "a burst of 4, then one every 880 s"
    assert max(sum(1 for t in sent if start <= t < start + 3600) for start in sent) <= 9
    assert per_window(9, 3600) == Limit(rate=9 / 3600 * 0.9, burst=1), "no burst: as before"
