"""Data flows one way: the app's queries name only marts (and meta.*), never raw, seeds,
staging or intermediate tables; the app imports the warehouse and the demo only to build a
missing demo warehouse; nothing outside the app imports it; what the app and the report share
(qjgov/present) and the report know no Streamlit; and no module imports itself back through
others. Every module is walked, none listed by hand."""

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
    *sorted((ROOT / "qjgov" / "present").rglob("*.py")),  # the reads and words the app and the report share
    *sorted((ROOT / "qjgov" / "reporting").rglob("*.py")),  # the monthly report reads what the app reads
]
ALL_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "qjgov").rglob("*.py"))]
# Where the app may be imported from: the app itself, its pages and its entry script.
APP_ROOMS = ("app.py", "pages/", "qjgov/app/")
# The rooms that never import Streamlit, so the report and any script run without it.
NO_STREAMLIT = ("qjgov/present/", "qjgov/reporting/", "qjgov/notify/", "qjgov/calibration/")
OTHER_LAYER = re.compile(r"\b(?:from|join)\s+((?:raw|seeds|staging|intermediate)\.[a-z_]+)", re.I)
OTHER_ROOMS = ("qjgov.warehouse", "qjgov.demo", "qjgov.importing", "qjgov.office", "qjgov.limits.sandbox", "qjgov.bench")
# The places the app may reach into the other rooms: building the demo on a first start,
# importing export files on an analyst's own machine (never on a public deployment), and the
# SQL page's sandbox.
MAY_BUILD = {
    ("qjgov/app/reads.py", "ensure_warehouse"),
    ("qjgov/app/imports.py", "import_panel"),
    ("qjgov/app/imports.py", "rebuild_now"),  # a steward's rebuild on the commission's server
    ("qjgov/app/sql_page.py", "sql_page"),  # the SQL sandbox, which only reads
    # Writing commentary on an analyst's own machine (QJGOV_LOCAL=1): the append-only store
    # beside the warehouse, and a rebuild that carries it in. Reading it is from the marts.
    ("qjgov/app/commentary.py", "save_note"),
    ("qjgov/app/commentary.py", "pending_note"),
    ("qjgov/app/commentary.py", "rebuild_now"),
    # The commission's own server: who is signed in and what they may do (the access file),
    # submitting and deciding notes, and the audit trail of each.
    ("qjgov/app/permits.py", "signed_in_person"),
    ("qjgov/app/permits.py", "may"),
    ("qjgov/app/permits.py", "audit"),
    ("qjgov/app/permits.py", "audit_trail"),
    ("qjgov/app/commentary.py", "decide_note"),
    ("qjgov/app/commentary.py", "waiting_note"),
    # Sign-in on the office's server: the access file, and the audit trail in the office store.
    ("qjgov/app/permits.py", "access_now"),
}


def test_every_app_module_is_walked():
    names = {path.name for path in APP_FILES}
    assert {"reads.py", "connection.py", "words.py", "charts.py", "document.py"} <= names


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_queries_read_only_marts(path: Path):
    queried = sorted(set(OTHER_LAYER.findall(path.read_text(encoding="utf-8"))))
    assert not queried, f"{path.name} queries {queried}; the app reads marts only"


def imports_of_other_rooms(path: Path) -> list[tuple[str | None, str]]:
    """(enclosing function or None, module) for every import of the other rooms that runs
    (an import under `if TYPE_CHECKING:` names a type only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
                continue  # read by a type checker only, never run
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
    module.write_text("from qjgov.warehouse.build import build\n\ndef f():\n    import qjgov.demo.generate\n"
                      "if TYPE_CHECKING:\n    from qjgov.office.access import Person\n")
    assert imports_of_other_rooms(module) == [
        (None, "qjgov.warehouse.build"), (None, "qjgov.warehouse.build.build"), ("f", "qjgov.demo.generate"),
    ]


def module_name(path: Path) -> str:
    """qjgov/app/reads.py -> qjgov.app.reads; pages/sql.py -> pages.sql; app.py -> app."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in ALL_FILES}


def imported_modules(path: Path) -> set[str]:
    """Every project module `path` imports, at the top or inside a function: `from a.b import
    c` names a.b.c when that is a module, else a.b."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                     for alias in node.names]
        found.update(name for name in names if name in MODULES)
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of `graph` (module -> modules it imports): each strongly connected set
    of more than one module, or a module importing itself (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_module_imports_itself_back_through_others():
    graph = {name: imported_modules(path) - {name} for name, path in MODULES.items()}
    cycles = import_cycles(graph)
    assert not cycles, f"import cycles (lazy imports count too): {cycles}"


def test_the_cycle_check_finds_a_cycle_through_a_lazy_import():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_app_imports_the_app(path: Path):
    where = path.relative_to(ROOT).as_posix()
    if where.startswith(APP_ROOMS):
        return
    stray = sorted(name for name in imported_modules(path) if name == "qjgov.app" or name.startswith("qjgov.app."))
    assert not stray, f"{where} imports {stray}; only the app, its pages and app.py may (shared parts live in qjgov/present)"


@pytest.mark.parametrize(
    "path", [p for p in ALL_FILES if p.relative_to(ROOT).as_posix().startswith(NO_STREAMLIT)], ids=lambda p: str(p.relative_to(ROOT)),
)
def test_the_shared_rooms_and_the_report_never_import_streamlit(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    named = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    named += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module]
    assert not [name for name in named if name.split(".")[0] == "streamlit"], f"{path.name} imports Streamlit"
