"""Retry delays: exponential backoff with full jitter, and ``Retry-After`` parsing."""

import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DEFAULT_BASE = 1.0
DEFAULT_CAP = 300.0
# A server's Retry-After is honoured up to this many seconds.
DEFAULT_RETRY_AFTER_CAP = 3600.0
# A channel that cannot be reached is tried again after UNREACHABLE_BASE seconds, then
# twice as long each time, up to UNREACHABLE_CAP: a short outage is over in a minute or
# two, a long one is probed once an hour, for as long as it lasts (never a dead letter).
UNREACHABLE_BASE = 30.0
UNREACHABLE_CAP = 3600.0
UNREACHABLE_JITTER = 0.1
_SECONDS_RE = re.compile(r"^\d+(\.\d+)?$")


def backoff_ceiling(attempt, base=DEFAULT_BASE, cap=DEFAULT_CAP):
    """Upper bound of the delay before retry number ``attempt`` (0-based): min(cap, base*2**n)."""
    try:
        exponential = math.ldexp(float(base), max(int(attempt), 0))
    except OverflowError:
        exponential = math.inf
    return max(0.0, min(float(cap), exponential))


def full_jitter(attempt, base=DEFAULT_BASE, cap=DEFAULT_CAP, rng=random):
    """Random delay, uniform between 0 and min(cap, base * 2 ** attempt)."""
    return rng.uniform(0.0, backoff_ceiling(attempt, base, cap))


def next_delay(
    attempt,
    retry_after=None,
    base=DEFAULT_BASE,
    cap=DEFAULT_CAP,
    rng=random,
    retry_after_cap=DEFAULT_RETRY_AFTER_CAP,
):
    """Seconds to wait before the next attempt.

    Full jitter, but never less than the server's ``retry_after`` (seconds, itself
    limited to ``retry_after_cap``) when one is given.
    """
    delay = full_jitter(attempt, base, cap, rng)
    if retry_after is None:
        return delay
    wished = min(max(float(retry_after), 0.0), retry_after_cap)
    return max(wished, delay)


def parse_retry_after(value, now=None):
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if _SECONDS_RE.match(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = (when - now).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


@dataclass(frozen=True)
class RetryDecision:
    """What becomes of a push that failed: ``attempts`` made so far, and either a dead
    letter or a retry in ``delay`` seconds."""

    attempts: int
    dead: bool
    delay: float = 0.0


def after_failure(
    attempts_before,
    *,
    retryable,
    max_attempts,
    retry_after=None,
    base=DEFAULT_BASE,
    cap=DEFAULT_CAP,
    rng=random,
):
    """The retry-or-dead decision of a failed push: dead when the failure is permanent or
    the attempts reach ``max_attempts`` (None: never, a rate limit); otherwise retried
    after ``next_delay``."""
    attempts = max(int(attempts_before), 0) + 1
    if not retryable or (max_attempts is not None and attempts >= max_attempts):
        return RetryDecision(attempts, dead=True)
    delay = next_delay(attempts - 1, retry_after=retry_after, base=base, cap=cap, rng=rng)
    return RetryDecision(attempts, dead=False, delay=delay)


def unreachable_pause(probes, base=UNREACHABLE_BASE, cap=UNREACHABLE_CAP, rng=random):
    """Seconds until a channel that could not be reached ``probes`` times in a row (1 or
    more) is tried again: base * 2 ** (probes - 1), at most ``cap``, within
    UNREACHABLE_JITTER (channels that went down together do not come back together)."""
    ceiling = backoff_ceiling(max(int(probes), 1) - 1, base, cap)
    return ceiling * rng.uniform(1.0 - UNREACHABLE_JITTER, 1.0)
