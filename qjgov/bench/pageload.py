"""How long each page of the app takes to load in a real browser, on a given warehouse.

Starts the app as `make run` does (`python -m qjgov.serve`: `streamlit run app.py` with the
app's libraries imported first) against the warehouse on a free local port and opens every page
in headless Chromium (Playwright, as the browser tests do), at the latest as-of date for all
departments, and once more for the department with the most rows. A page counts as loaded
when the script run is over (the app's script state, as Streamlit's own tests read it), the
sidebar is drawn, no element is still a placeholder and every chart is drawn. Each page is
opened twice: the first load reads the warehouse, the second is what a reader sees once the
app's per-build cache holds the page's queries.

The first page a browser opens also fetches and compiles Streamlit's own scripts, whatever the
page shows: `first_visits` measures the overview's first visit in new browsers against pages
with nothing but what counts as loaded (a title and one select box; the same with a small
table), served the same way.

    python -m qjgov.demo.pageload [--warehouse data/warehouse.duckdb] [--lang zh] [--no-first-visits]

Needs /usr/bin/chromium (`bash .ci/install-browser.sh`). `make bench` runs it on its largest volume.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from qjgov.paths import ROOT, WAREHOUSE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PAGES = ["overview", "online", "efficiency", "reviews", "complaints", "one-thing", "credit", "inclusive", "safeguards",
         "method", "data", "sql"]
# Loaded: the script run is over (the app's own state, not the running indicator, which shows
# only after a delay), the sidebar's controls are there (a deep link's first run draws the
# page, its rerun the frame), no element is still a placeholder (a table's grid is drawn by
# a script the browser fetches on the first table) and every chart is drawn.
LOADED_JS = (
    "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === 'notRunning'"
    " && !!document.querySelector('[data-testid=\"stMain\"] h1')"
    " && !!document.querySelector('[data-testid=\"stSidebar\"] [data-testid=\"stSelectbox\"]')"
    " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
    " && [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
    ".every(c => c.offsetParent === null || c.querySelector('canvas, svg'))"
)


def available() -> bool:
    return CHROMIUM.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _busiest_department(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(
            "select department from marts.goal_progress_by_department group by 1 order by count(*) desc, 1 limit 1"
        ).fetchall()[0][0]


@contextmanager
def serve(warehouse: Path, log_file: Path | None = None, wait: float = 60, script: Path | None = None) -> Iterator[str]:
    """The app as `make run` serves it (`python -m qjgov.serve`) on a free local port against
    `warehouse` (its output into `log_file`, if given); yields its URL once it answers its
    health check, stops it after. With `script`, that script instead of app.py, served the
    same way."""
    port = _free_port()
    command = [sys.executable, "-m", "qjgov.serve", *([str(script)] if script else []), "--server.port", str(port),
               "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with running(command, f"http://127.0.0.1:{port}", warehouse, log_file, wait) as url:
        yield url


@contextmanager
def running(command: list[str], url: str, warehouse: Path, log_file: Path | None, wait: float) -> Iterator[str]:
    """`command` (a server of the app) started in the repository against `warehouse`, its
    output into `log_file` if given; yields `url` once its health check answers, and stops
    it after (terminated, killed if it does not stop)."""
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
    output = log_file.open("w", encoding="utf-8") if log_file is not None else subprocess.DEVNULL
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "QJGOV_WAREHOUSE": str(warehouse)},
                              stdout=output, stderr=subprocess.STDOUT)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # localhost: never through a proxy
    where = f"; see {log_file}" if log_file is not None else ""
    try:
        deadline = time.monotonic() + wait
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{' '.join(command[1:4])} exited with {server.returncode}{where}")
            try:
                with opener.open(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {wait:.0f} s{where}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log_file is not None:
            output.close()


VIEWPORT = {"width": 1440, "height": 900}


def load(tab, url: str) -> float:
    """Seconds from asking for `url` until the page counts as loaded (LOADED_JS)."""
    began = time.perf_counter()
    tab.goto(url)
    tab.wait_for_function(LOADED_JS, timeout=120_000, polling=50)
    return time.perf_counter() - began


@contextmanager
def fresh_tab(browser) -> Iterator:
    """A tab in a new browser context, as in a browser that never visited (nothing cached);
    the context is closed after, so no page left behind keeps calling a stopped server."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


def seconds_text(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values) + " s"


def measure(warehouse: Path, lang: str = "zh", log=print) -> list[dict]:
    """[{page, department, first_s, second_s}] for every page, all departments and one, in one
    browser: the overview's first load is also the browser's first visit of a fresh server."""
    from playwright.sync_api import sync_playwright

    results = []
    with serve(warehouse) as url:
        department = _busiest_department(warehouse)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            with fresh_tab(browser) as tab:
                for dept in (None, department):
                    for page in PAGES:
                        query = f"?lang={lang}" + (f"&dept={urllib.parse.quote(dept)}" if dept else "")
                        times = [load(tab, f"{url}/{'' if page == 'overview' else page}{query}") for _ in range(2)]
                        results.append({"page": page, "department": dept or "", "first_s": times[0], "second_s": times[1]})
                        log(f"  {page:<12} {dept or 'all departments':<16} {times[0]:5.2f} s, again {times[1]:5.2f} s")
            browser.close()
    return results


# Pages with only what counts as loaded (LOADED_JS): a title and one select box in the
# sidebar; and the same with a small table, as most of the app's pages have (the overview two,
# the method page none). Served as the app is (`python -m qjgov.serve`, the same libraries
# imported first), their first visits are what Streamlit's own scripts cost a browser here.
FLOOR_APPS = {
    "title": 'import streamlit as st\n\nst.title("Floor")\nst.sidebar.selectbox("Option", [1, 2])\n',
    "table": 'import polars as pl\nimport streamlit as st\n\nst.title("Floor")\nst.sidebar.selectbox("Option", [1, 2])\n'
             'st.dataframe(pl.DataFrame({"goal": [f"G{i:02d}" for i in range(20)], "value": [i / 20 for i in range(20)]}))\n',
}


def floor_script(name: str, folder: Path) -> Path:
    """FLOOR_APPS[name] written to a script in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / f"floor_{name}.py"
    script.write_text(FLOOR_APPS[name], encoding="utf-8")
    return script


def first_visits(warehouse: Path, work: Path, lang: str = "zh", runs: int = 3, log=print) -> dict:
    """A browser's first visit of the overview, against the same of each of FLOOR_APPS.

    A browser that has not visited first fetches and compiles Streamlit's own scripts (about
    2 MB, and more for the first table), whatever the page shows. The app (its overview at the
    latest as-of date) and the floor pages are each served by a server of their own, started
    the same way and at the same time; each is visited in new browser contexts (nothing
    cached), taking turns, so the machine's drift falls on all alike. For each:
    {"fresh_s": the very first visit of its new server, "first_s": `runs` first visits after
    that, "again_s": each loaded again in the same context}. The app's query cache is warm
    after its fresh visit, as the floors have nothing to read.
    """
    from playwright.sync_api import sync_playwright

    targets = {"overview": None, **{name: floor_script(name, work) for name in FLOOR_APPS}}
    figures = {name: {"first_s": [], "again_s": []} for name in targets}
    with ExitStack() as servers, sync_playwright() as playwright:
        urls = {name: servers.enter_context(serve(warehouse, script=script)) for name, script in targets.items()}
        urls["overview"] += f"/?lang={lang}"
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            with fresh_tab(browser) as tab:  # the browser's own start, not counted
                tab.goto("about:blank")
            for name, url in urls.items():
                with fresh_tab(browser) as tab:
                    figures[name]["fresh_s"] = load(tab, url)
            for _ in range(runs):
                for name, url in urls.items():
                    with fresh_tab(browser) as tab:
                        figures[name]["first_s"].append(load(tab, url))
                        figures[name]["again_s"].append(load(tab, url))
        finally:
            browser.close()
    for name, f in figures.items():
        log(f"  first visit of {name}: {f['fresh_s']:.2f} s on a fresh server, then {seconds_text(f['first_s'])}; "
            f"again {seconds_text(f['again_s'])}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.demo.pageload", description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE, help="the warehouse to serve (default: %(default)s)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="page language (default: %(default)s)")
    parser.add_argument("--no-first-visits", dest="first_visits", action="store_false",
                        help="skip the browser's first visits against Streamlit's floor pages (about a minute)")
    args = parser.parse_args(argv)
    if not available():
        print(f"no browser at {CHROMIUM}: run `bash .ci/install-browser.sh` as root", file=sys.stderr)
        return 1
    if not args.warehouse.exists():
        print(f"no warehouse at {args.warehouse}: run `make demo` or pass --warehouse", file=sys.stderr)
        return 1
    results = measure(args.warehouse, args.lang)
    slowest = max(results, key=lambda r: r["first_s"])
    print(f"slowest first load: {slowest['page']} {slowest['department'] or 'all departments'} {slowest['first_s']:.2f} s")
    if args.first_visits:
        with tempfile.TemporaryDirectory(prefix="qjgov-pageload-") as work:
            first_visits(args.warehouse, Path(work), args.lang)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
