"""pytest plugin: a skipped test fails the run unless its reason is allowed.

pytest-odoo silently skips HttpCase tests without --odoo-http; a suite that skips
what it should run must not look green.
"""

ALLOWED_SKIP_REASONS = ()


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    unexpected = [
        rep
        for rep in reporter.stats.get("skipped", [])
        if not any(reason in str(rep.longrepr) for reason in ALLOWED_SKIP_REASONS)
    ]
    if unexpected and session.exitstatus == 0:
        reporter.write_line(f"{len(unexpected)} unexpected skip(s): failing the run", red=True)
        session.exitstatus = 1
