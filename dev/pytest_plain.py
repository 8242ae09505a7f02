"""pytest plugin for the Odoo-free tests: collect folders as plain directories.

The repository root is an Odoo addon whose __init__.py imports Odoo. pytest would
collect it (and core/, simulator/) as packages and import their __init__.py; as
plain directories, only the test modules and what they import are loaded.
"""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path, parent):
    return pytest.Dir.from_parent(parent, path=path)
