"""Progress of long work run in the background (a job): its kinds and states, and the
arithmetic the channel shows: rate, percent, estimated end, and when a job whose worker
ended is given up. Pure functions, no Odoo.
"""

from datetime import timedelta

REPUBLISH = "republish"
RECONCILE = "reconcile"
IMPORT_MAPPING = "import_mapping"
QUARANTINE = "quarantine"
WHATIF = "whatif"
KINDS = [
    (REPUBLISH, "Republish all"),
    (RECONCILE, "Reconcile now"),
    (IMPORT_MAPPING, "Import mapping"),
    (QUARANTINE, "Release or scrap from quarantine"),
    (WHATIF, "Compute a what-if"),
]

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATES = [(QUEUED, "Queued"), (RUNNING, "Running"), (DONE, "Done"), (FAILED, "Failed")]
ACTIVE = (QUEUED, RUNNING)

# workers that may take a job without finishing it (a restart, the server's time limit)
# before it is failed: each goes on where the last stopped, or starts again
MAX_ATTEMPTS = 3


def rate(done, elapsed_seconds):
    """Items per second, or None before any time has passed."""
    if elapsed_seconds <= 0:
        return None
    return max(done, 0) / elapsed_seconds


def percent(done, total):
    """0-100, floored to the unit so that 100 means all of it; 0 without a total."""
    if total <= 0:
        return 0
    return min(100, max(done, 0) * 100 // total)


def estimated_end(done, total, started, now):
    """When the job should end at the pace it has kept since `started`; None before the
    first item is done (no pace yet) or without a total."""
    if done <= 0 or total <= 0 or started is None:
        return None
    if done >= total:
        return now
    elapsed = (now - started).total_seconds()
    return now + timedelta(seconds=elapsed * (total - done) / done)


def gives_up(attempts, max_attempts=MAX_ATTEMPTS):
    """A job that lost its worker `attempts` times in a row is failed, not queued again."""
    return attempts >= max_attempts


def format_count(count):
    """1200 -> '1,200'."""
    return f"{int(count):,}"


def format_rate(items_per_second):
    """'45' at 10 a second or more, '2.5' below, '0.0' when nothing moves yet."""
    if items_per_second >= 10:
        return format_count(round(items_per_second))
    return f"{items_per_second:.1f}"
