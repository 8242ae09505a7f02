"""pytest plugin for the Odoo-free tests: collect folders as plain directories.

The repository root is an Odoo addon whose __init__.py imports Odoo. pytest would
collect it (and core/, simulator/) as packages and import their __init__.py; as
plain directories, only the test modules and what they import are loaded.
"""

import pytest
from hypothesis import settings

# The properties check arithmetic, not speed: on a loaded machine (CI beside other runs)
# an example may take longer than hypothesis's default 200 ms deadline.
settings.register_profile("plain", deadline=None)
settings.load_profile("plain")


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path, parent):
    return pytest.Dir.from_parent(parent, path=path)


@pytest.fixture(scope="module")
def sim():
    """The marketplace simulator on a free loopback port, one per test module (each
    module resets and configures it for its tests)."""
    from simulator import server  # noqa: PLC0415 (a plain import once collected)

    simulator = server.start(port=0)
    yield simulator
    simulator.stop()
