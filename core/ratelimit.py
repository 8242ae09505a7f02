"""Rate limits a channel documents, kept as a generic cell rate (GCRA): each request
reserves its slot, the time it may leave; a burst of ``burst`` requests may leave at
once, then one every ``1 / rate`` seconds. The arithmetic here, plain; where the slots
are kept (in the process, or in the database for every worker of it) is a Limiter's.

A limiter answers how long to wait before sending, or that the wait would be longer than
the caller accepts (nothing is then reserved: the caller comes back later). A 429 holds
the slot until the channel's ``Retry-After``: nobody sends before then.

Urgent callers go first: a limit may keep ``reserved`` slots of its burst for them (a
marketplace's order acceptance, before its deadline); the others (polls, read-backs)
leave only while those slots are free, so they never take the turn of an urgent one."""

import threading
import time
from dataclasses import dataclass

from .errors import RetryableError


@dataclass(frozen=True)
class Limit:
    """``rate`` requests per second, ``burst`` of them at once at most, ``reserved`` of
    the burst for urgent callers only."""

    rate: float
    burst: int = 1
    reserved: int = 0

    def burst_for(self, urgent):
        """The burst a caller may use: the whole of it when urgent, else what the
        reserved slots leave (at least one request, once they are all free)."""
        return self.burst if urgent else max(self.burst - self.reserved, 1)

    @property
    def interval(self):
        return 1.0 / self.rate


# a limit of N requests within any window is kept with this margin: requests leave at
# most at 90 % of it, evenly spaced (the network's jitter must not bring two of them
# closer than the window allows)
WINDOW_MARGIN = 0.9


def per_window(requests, seconds, burst=1):
    """The Limit of ``requests`` within any ``seconds`` (a sliding window, as bol.com's
    capacity per time to live), with WINDOW_MARGIN: evenly spaced without a ``burst``;
    with one, the rate is what the burst leaves of the window (a burst of b then a rate
    r let at most b + r * seconds requests in any window: kept within the margin)."""
    if burst <= 1:
        return Limit(rate=requests / seconds * WINDOW_MARGIN, burst=1)
    allowed = requests * WINDOW_MARGIN
    if burst >= allowed:
        raise ValueError(f"a burst of {burst} leaves no rate within {requests} a window")
    return Limit(rate=(allowed - burst) / seconds, burst=burst)


# a token bucket (Amazon's usage plans) is kept with this many tokens spare: the bucket
# counts a request when it arrives, and a request that took longer on its way (the first
# of a connection, a busy network) brings the next ones closer to it than they left here
BUCKET_SPARE = 1


def token_bucket(rate, burst):
    """The Limit of a documented token bucket (``rate`` tokens a second, up to ``burst``),
    with BUCKET_SPARE tokens left in it: a whole interval of jitter never makes a 429."""
    return Limit(rate=rate, burst=max(burst - BUCKET_SPARE, 1))


def strictest(*limits):
    """One Limit within every one of ``limits`` (an operation a channel counts in several
    usage plans): the slowest rate and the smallest burst. A sender within it is within
    each: a token bucket with a lower rate and a smaller burst holds less at any time."""
    return Limit(rate=min(limit.rate for limit in limits), burst=min(lim.burst for lim in limits))


def reserve(tat, now, limit, max_wait, urgent=True):
    """Reserve one request: (new theoretical arrival time, seconds to wait), or (None,
    seconds it would wait) when that is over ``max_wait`` (nothing reserved). ``tat``:
    the current theoretical arrival time (None: never used); times in seconds. A caller
    that is not ``urgent`` leaves the limit's reserved slots free."""
    start = now if tat is None else max(tat, now)
    new_tat = start + limit.interval
    wait = max(0.0, new_tat - limit.burst_for(urgent) * limit.interval - now)
    if wait > max_wait:
        return None, wait
    return new_tat, wait


def hold(tat, now, limit, seconds):
    """The theoretical arrival time that lets no request leave for ``seconds`` (a 429's
    Retry-After), then one every interval (no burst right after it)."""
    held = now + max(float(seconds), 0.0) + (limit.burst - 1) * limit.interval
    return held if tat is None else max(tat, held)


class Limiter:
    """Slots kept in this process (one per key), for one worker; the Odoo addon keeps
    them in the database instead (every worker shares them)."""

    def __init__(self, clock=time.time, sleep=time.sleep):
        self._lock = threading.Lock()
        self._tats = {}
        self.clock = clock
        self.sleep = sleep

    def _update(self, key, change):
        """Apply ``change(tat, now) -> (new tat or None, result)`` to the slot of ``key``
        atomically; returns ``result``."""
        with self._lock:
            new_tat, result = change(self._tats.get(key), self.clock())
            if new_tat is not None:
                self._tats[key] = new_tat
            return result

    def wait_for(self, key, limit, max_wait, urgent=True):
        """Sleep until a request of ``key`` may leave; a wait over ``max_wait`` raises
        RetryableError(throttled): the caller comes back after it, never a dead letter.
        A caller that is not ``urgent`` leaves the limit's reserved slots free."""

        def change(tat, now):
            new_tat, wait = reserve(tat, now, limit, max_wait, urgent)
            return new_tat, (new_tat is not None, wait)

        reserved, wait = self._update(key, change)
        if not reserved:
            raise RetryableError(
                f"rate limit of {key[-1]}: next request in {wait:.1f} s",
                seconds=wait,
                throttled=True,
                window=key[-1],
            )
        if wait > 0:
            self.sleep(wait)

    def hold(self, key, limit, seconds):
        """Nobody sends a request of ``key`` for ``seconds`` (the channel said so)."""
        self._update(key, lambda tat, now: (hold(tat, now, limit, seconds), None))
