"""The commit policy of the addon's background work, in one place.

The scheduled actions (dispatcher, verdicts, jobs, reconciliation, polling, alerts,
stale webhooks) work in chunks and commit after each one: a failure loses one chunk,
never the run, and Odoo's cron sees the progress (``ir.cron._commit_progress``: in a
cron it counts the items done and commits; elsewhere it only commits). In a test
nothing commits: the whole run happens in the test's transaction, rolled back at its
end. Every probe of "are we in a test" and every such commit goes through here.

- ``in_test()``: this thread runs a test.
- ``commit(env, ...)``: end the transaction now (always; the cron's progress reported).
- ``commit_chunk(env, ...)``: a chunk of a cron's work done: committed, except in a test.
- ``chunk_committer(env)``: the ``commit`` callable the loops pass down (None in a test).
- ``roll_back(env)``: back to the last commit, the caches dropped.
"""

import threading
from functools import partial

from odoo.modules import module as odoo_module


def in_test():
    """True when this thread runs a test.

    pytest-odoo marks the test's thread (``threading.current_thread().testing``, as
    Odoo's runner did up to 17.0); Odoo 19's own runner sets
    ``odoo.modules.module.current_test`` instead, process-wide, and runs its tests on
    the main thread. The flag of the thread wins: the threads a test starts (the
    dispatcher's per-channel threads, the server's threads answering a test's HTTP
    requests) have their own cursors and behave as in production, and a test playing
    the cron worker clears it. A thread without the flag is a test's only when it is
    the main thread while Odoo's runner runs a test.
    """
    thread = threading.current_thread()
    testing = getattr(thread, "testing", None)
    if testing is not None:
        return bool(testing)
    return thread is threading.main_thread() and bool(odoo_module.current_test)


def commit(env, processed=0, remaining=None):
    """Commit now, whatever runs: in a cron with its progress (`processed` items more,
    `remaining` when given), else a plain commit; then the caches are dropped, so that
    the next statement reads afresh. Returns the seconds left of the cron's share of
    time (infinite outside a cron)."""
    left = env["ir.cron"]._commit_progress(processed, remaining=remaining)
    env.invalidate_all()
    return left


def commit_chunk(env, processed=0, remaining=None):
    """A chunk of a cron's work is done: commit it (see `commit`), except in a test,
    where everything stays in the test's transaction. Returns the seconds left of the
    cron's share of time (infinite in a test)."""
    if in_test():
        return float("inf")
    return commit(env, processed, remaining)


def chunk_committer(env):
    """The `commit` a run passes down to its steps: None in a test (everything in the
    test's transaction), else `commit` bound to `env` (called as ``commit()`` or
    ``commit(processed)``)."""
    if in_test():
        return None
    return partial(commit, env)


def roll_back(env):
    """Back to the last commit (a failed chunk, a lost race); the caches dropped."""
    env.cr.rollback()
    env.invalidate_all()
