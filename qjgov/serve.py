"""Serve the app: `streamlit run app.py`, with the libraries its pages need imported before
the server takes its first visitor.

Streamlit runs a page's script when a visitor opens it, so a freshly started server imports
the app's libraries while its first visitor waits: polars and DuckDB for the first read,
pandas and pyarrow for the first table (Streamlit loads them to show any data frame), Altair
for the first chart, about a second of work. Imported here, in the process that then runs
the server, they are loaded before anyone waits: the server answers its health check a
second later instead. On the demo, the very first page load of a new server took 2.9-3.8 s
without this and 2.5-2.7 s with it (three runs each, `python -m qjgov.demo.pageload`'s
measure); the rest of it is the browser's first visit and the page's first reads.

    python -m qjgov.serve [--server.port 8501 ...]     (what `make run` runs)

Any option is passed on to `streamlit run`. `streamlit run app.py` serves the same app, only
without this head start. A first argument ending in `.py` serves that script instead of
app.py, with the same head start (the bench's floor pages, `qjgov.demo.pageload`).
"""

from __future__ import annotations

import importlib
import sys
import time

from qjgov.paths import ROOT

# The libraries the app's modules import at their top (tests/test_serve.py keeps this list
# whole), and those Streamlit imports for the first table it shows. Libraries imported only
# when a download is clicked (openpyxl, WeasyPrint, vl-convert) are not waited for here.
PRELOADED = ("duckdb", "polars", "altair", "pandas", "pyarrow")


def preload() -> float:
    """Import PRELOADED; the seconds it took."""
    began = time.perf_counter()
    for name in PRELOADED:
        importlib.import_module(name)
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    options = sys.argv[1:] if argv is None else argv
    script = str(ROOT / "app.py")
    if options and options[0].endswith(".py"):
        script, options = options[0], options[1:]
    print(f"importing {', '.join(PRELOADED)} before the first visitor …", file=sys.stderr, flush=True)
    print(f"imported in {preload():.1f} s", file=sys.stderr, flush=True)
    from streamlit.web import cli

    cli.main(["run", script, *options], prog_name="streamlit")


if __name__ == "__main__":
    main()
