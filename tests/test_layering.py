"""Data flows one way: the app's queries name only marts (and meta.*), never raw, seeds,
staging or intermediate tables; and the app imports the warehouse and the demo only to build a
missing demo warehouse. Every module under qjgov/app/ is walked, none listed by hand."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from qjgov.paths import ROOT

APP_FILES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted((ROOT / "qjgov" / "app").rglob("*.py")),
    *sorted((ROOT / "qjgov" / "reporting").rglob("*.py")),  # the monthly report reads what the app reads
]
OTHER_LAYER = re.compile(r"\b(?:from|join)\s+((?:raw|seeds|staging|intermediate)\.[a-z_]+)", re.I)
OTHER_ROOMS = ("qjgov.warehouse", "qjgov.demo")
# The places the app may reach into the other rooms: building the demo on a first start,
# importing export files on an analyst's own machine (never on a public deployment), and the
# SQL page's sandbox.
MAY_BUILD = {
    ("qjgov/app/reads.py", "ensure_warehouse"),
    ("qjgov/app/imports.py", "import_panel"),
    ("qjgov/app/sql_page.py", "sql_page"),  # the SQL sandbox, which only reads
    # Writing commentary on an analyst's own machine (QJGOV_LOCAL=1): the append-only store
    # beside the warehouse, and a rebuild that carries it in. Reading it is from the marts.
    ("qjgov/app/commentary.py", "save_note"),
    ("qjgov/app/commentary.py", "pending_note"),
    ("qjgov/app/commentary.py", "rebuild_now"),
}


def test_every_app_module_is_walked():
    names = {path.name for path in APP_FILES}
    assert {"reads.py", "connection.py", "words.py", "charts.py"} <= names


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_queries_read_only_marts(path: Path):
    queried = sorted(set(OTHER_LAYER.findall(path.read_text(encoding="utf-8"))))
    assert not queried, f"{path.name} queries {queried}; the app reads marts only"


def imports_of_other_rooms(path: Path) -> list[tuple[str | None, str]]:
    """(enclosing function or None, module) for every import of the warehouse or demo rooms."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            modules: list[str] = []
            if isinstance(child, ast.Import):
                modules = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module:
                modules = [child.module] + [f"{child.module}.{alias.name}" for alias in child.names]
            found.extend((function, m) for m in modules if m.startswith(OTHER_ROOMS))
            visit(child, inner)

    visit(tree, None)
    return found


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_imports_the_warehouse_only_to_build_a_missing_demo(path: Path):
    where = str(path.relative_to(ROOT))
    stray = [(function, module) for function, module in imports_of_other_rooms(path) if (where, function) not in MAY_BUILD]
    assert not stray, f"{where} imports {stray}; the app reads the published warehouse only"


def test_the_checks_catch_a_query_on_a_seed_and_an_import_of_the_builder(tmp_path):
    assert OTHER_LAYER.findall('query("select department from seeds.departments")') == ["seeds.departments"]
    module = tmp_path / "module.py"
    module.write_text("from qjgov.warehouse.build import build\n\ndef f():\n    import qjgov.demo.generate\n")
    assert imports_of_other_rooms(module) == [
        (None, "qjgov.warehouse.build"), (None, "qjgov.warehouse.build.build"), ("f", "qjgov.demo.generate"),
    ]
