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
app.py, with the same head start (the bench's floor pages, `qjgov.bench.pageload`).

In the public setting (`QJGOV_MODE`, qjgov.settings) the server refuses uploads and metrics
and tells browsers not to let other sites frame it; in the office setting it lets only those
the access file allows to import upload (qjgov.guard). The office setting does not start
without a good access file (`QJGOV_ACCESS`, qjgov.office.access): the command stops before
anything else, printing the file, the entry and the reason, and exits with status 2.

    python -m qjgov.serve --replicas 2 --port 8501 [...]

starts that many app processes behind nginx on that port (qjgov.front), so the machine's cores
share the visitors; `--replicas 1`, the default, is the one process above.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from qjgov import front, guard, settings
from qjgov.office import access
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


def parser() -> argparse.ArgumentParser:
    """The options qjgov.serve reads itself; every other option goes to `streamlit run`."""
    options = argparse.ArgumentParser(
        prog="python -m qjgov.serve", allow_abbrev=False,
        description="Serve the app (`streamlit run app.py` with its libraries imported first), on one "
                    "process or on several behind nginx.",
        epilog="Any other option is passed on to `streamlit run` (see `streamlit run --help`), e.g. "
               "--server.address 127.0.0.1. A first argument ending in .py serves that script instead of app.py.")
    options.add_argument("--replicas", type=int, default=1,
                         help="app processes to start; more than 1 serves them behind nginx (default: %(default)s)")
    options.add_argument("--port", type=int, help="the port visitors open (default: Streamlit's server.port, 8501)")
    options.add_argument("--front", action="store_true",
                         help="serve through nginx even with one replica (to measure what the front costs)")
    options.add_argument("--front-dir", type=Path,
                         help="with the front: where nginx's config, pid, logs and temporary files go "
                              "(default: a new temporary directory, removed when the front stops)")
    return options


def _start_workers() -> None:
    """Start the fork server the SQL page's queries and the downloads run in (with the
    sandbox's classifier imported), so the first visitor's query does not wait for it."""
    from qjgov.limits import worker
    from qjgov.limits import sandbox  # noqa: F401 - registers itself with the fork server

    began = time.perf_counter()
    worker.warm()
    print(f"worker fork server ready in {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)


def check_setting() -> str:
    """The mode this server starts in, after its setting and, in the office mode, the whole
    access file are checked: a server that would refuse every person, or let one in with
    rights nobody meant to give, does not start. Exits with status 2 and the reason."""
    try:
        mode = settings.mode()
    except settings.SettingError as error:
        print(f"not starting: {error}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    if mode == "office":
        try:
            people = access.load(settings.access_path(), access.departments_of_seeds())
        except access.AccessError as error:
            print(f"not starting in the office mode: the access file is not usable:\n  {error}",
                  file=sys.stderr, flush=True)
            raise SystemExit(2) from None
        print(f"office mode: {len(people.people)} people in {settings.access_path()}, "
              f"unlisted people {'read' if people.unlisted == 'viewer' else 'are refused'}", file=sys.stderr, flush=True)
    return mode


def main(argv: list[str] | None = None) -> None:
    options = sys.argv[1:] if argv is None else argv
    script = str(ROOT / "app.py")
    if options and options[0].endswith(".py"):
        script, options = options[0], options[1:]
    own, options = parser().parse_known_args(options)
    mode = check_setting()
    if own.port is not None and not 1 <= own.port <= 65535:
        raise SystemExit(f"--port must be between 1 and 65535, not {own.port}")
    if own.replicas > 1 or own.front:
        given, options = front.take_option(options, "--server.port")
        port = own.port if own.port is not None else int(given or 8501)
        raise SystemExit(front.run(script, own.replicas, port, options, own.front_dir))
    if own.replicas < 1:
        raise SystemExit(f"--replicas must be at least 1, not {own.replicas}")
    if own.port is not None:
        options = [*options, "--server.port", str(own.port)]
    print(f"importing {', '.join(PRELOADED)} before the first visitor …", file=sys.stderr, flush=True)
    print(f"imported in {preload():.1f} s", file=sys.stderr, flush=True)
    if mode != "local":
        guard.install(mode)
    _start_workers()
    from streamlit.web import cli

    cli.main(["run", script, *options], prog_name="streamlit")

if __name__ == "__main__":
    main()
