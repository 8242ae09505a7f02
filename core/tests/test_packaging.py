"""What Odoo's own test runners and a machine without Odoo need of the repository:
every Odoo test module is imported by tests/__init__.py (odoo-bin --test-enable, runbot
and OCA CI only run those), and every third-party package the Odoo-free code imports is
listed in requirements.txt and in the manifest's external dependencies."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# imported only under Odoo (its own requirements pin them) or only by the dev tooling
NOT_OURS = {"odoo", "core", "simulator", "pytest", "hypothesis", "pytest_plain"}
# import name -> the distribution requirements.txt names, where they differ
DISTRIBUTIONS = {"google": "google-auth"}


def imported_packages(folder):
    names = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    names = names - set(sys.stdlib_module_names) - NOT_OURS
    return {DISTRIBUTIONS.get(name, name) for name in names}


def requirement_names():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {line.split("#")[0].strip().split("=")[0].split(">")[0] for line in lines} - {""}


def test_every_odoo_test_module_is_imported_by_the_tests_package():
    modules = {path.stem for path in (ROOT / "tests").glob("test_*.py")}
    tree = ast.parse((ROOT / "tests" / "__init__.py").read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    assert modules - imported == set(), "add them to tests/__init__.py"


def test_every_package_the_odoo_free_code_imports_is_a_requirement():
    needed = imported_packages("core") | imported_packages("simulator")
    assert needed - requirement_names() == set()


def test_the_manifest_declares_the_python_packages_of_the_core():
    manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
    declared = set(manifest.get("external_dependencies", {}).get("python", []))
    assert imported_packages("core") - declared == set()


VIEW_WARNING = """\
2026-12-06 22:05:00,123 4242 INFO scs_test odoo.modules.loading: loading stock_channel_sync
2026-12-06 22:05:01,456 4242 WARNING scs_test odoo.addons.base.models.ir_ui_view: An alert \
(class alert-*) must have an alert, alertdialog or status role or an alert-link class.
View error context:
{'file': '/addons/stock_channel_sync/views/stock_channel_overview_views.xml',
 'xmlid': 'stock_channel_overview_kanban'}
2026-12-06 22:05:02,789 4242 INFO scs_test odoo.modules.loading: done
"""
ANOTHER_MODULES_WARNING = """\
2026-12-06 22:05:01,456 4242 WARNING scs_test odoo.addons.website.models: a warning of \
website's own
{'file': '/addons/website/views/snippets.xml'}
2026-12-06 22:05:02,789 4242 INFO scs_test odoo.modules.loading: stock_channel_sync loaded
"""


def install_log_check(tmp_path, text):
    log = tmp_path / "install.log"
    log.write_text(text)
    script = f'source "{ROOT}/dev/common.sh"; check_install_log "{log}"'
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=False)


def test_the_install_check_fails_on_a_warning_naming_the_addon_on_a_later_line(tmp_path):
    result = install_log_check(tmp_path, VIEW_WARNING)
    assert result.returncode != 0
    assert "stock_channel_overview_views.xml" in result.stderr


def test_the_install_check_passes_other_modules_warnings(tmp_path):
    assert install_log_check(tmp_path, ANOTHER_MODULES_WARNING).returncode == 0
