"""`python -m qjgov.serve` (what `make run` runs): the app's libraries imported before the
server starts, every option passed on to `streamlit run app.py`. The browser tests start the
app through it (`qjgov.demo.pageload.serve`)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from qjgov import serve
from qjgov.paths import ROOT

APP_FILES = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "qjgov" / "app").rglob("*.py")]


def top_level_libraries(path: Path) -> set[str]:
    """The third-party packages a file imports at its top (not those a function imports when
    called, as a download does)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in ("__future__", "qjgov", "streamlit")}


def test_every_library_a_page_imports_is_imported_before_the_first_visitor():
    imported = set().union(*(top_level_libraries(path) for path in APP_FILES))
    assert {"polars", "duckdb", "altair"} <= imported  # the walk sees the app's imports
    assert imported <= set(serve.PRELOADED), f"add {sorted(imported - set(serve.PRELOADED))} to qjgov.serve.PRELOADED"
    # …and what Streamlit imports for the first data frame it shows.
    assert {"pandas", "pyarrow"} <= set(serve.PRELOADED)


def test_serve_imports_first_then_runs_the_app_with_the_options_given(monkeypatch):
    from streamlit.web import cli

    calls = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: calls.append((args, prog_name, set(sys.modules))))
    monkeypatch.setattr(serve, "PRELOADED", ("colorsys",))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    serve.main(["--server.port", "8642", "--server.headless", "true"])
    [(args, prog_name, loaded)] = calls
    assert args == ["run", str(ROOT / "app.py"), "--server.port", "8642", "--server.headless", "true"]
    assert prog_name == "streamlit"
    assert "colorsys" in loaded


def test_serve_runs_a_script_named_first_with_the_same_head_start(monkeypatch, tmp_path):
    from streamlit.web import cli

    calls = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: calls.append((args, set(sys.modules))))
    monkeypatch.setattr(serve, "PRELOADED", ("colorsys",))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    script = str(tmp_path / "floor.py")
    serve.main([script, "--server.port", "8642"])
    [(args, loaded)] = calls
    assert args == ["run", script, "--server.port", "8642"]
    assert "colorsys" in loaded
