"""Figures as a store manager reads them: latencies in ms, s or min, with no decimals
past a second ("850 ms", "3 s", "2 min")."""

NOT_MEASURED = "not measured yet"
MS_PER_SECOND = 1000
SECONDS_PER_MINUTE = 60


def format_latency(milliseconds: float | None) -> str:
    """A latency in ms as "850 ms" (under a second), "3 s" (under a minute) or "2 min";
    NOT_MEASURED when None."""
    if milliseconds is None:
        return NOT_MEASURED
    milliseconds = max(milliseconds, 0)
    if _whole(milliseconds) < MS_PER_SECOND:
        return f"{_whole(milliseconds)} ms"
    seconds = _whole(milliseconds / MS_PER_SECOND)
    if seconds < SECONDS_PER_MINUTE:
        return f"{seconds} s"
    return f"{_whole(milliseconds / MS_PER_SECOND / SECONDS_PER_MINUTE)} min"


def format_latency_seconds(seconds: float | None) -> str:
    """The same for a latency in seconds."""
    return format_latency(None if seconds is None else seconds * MS_PER_SECOND)


def _whole(value: float) -> int:
    """`value` (0 or more) rounded half up, as people round (6.5 s is 7 s)."""
    return int(value + 0.5)
