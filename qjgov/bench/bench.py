"""Benchmark: generate and build at district and city volumes; write docs/benchmarks.md.

Speed and memory goals are checked here, never in a timed unit test. For each volume it
measures, each step in a process of its own (so peak memory is that step's): generating the
demo data, building the warehouse, and the physical floor (the raw tables into a DuckDB file
plus one pass over them); the warehouse size against the raw tables alone in DuckDB; the five
slowest models; the app's page queries (median and p95 of repeated runs, every page at the
first and last as-of date, with and without a department); and the analyst's alternative,
the year-end values of G01, G04, G07 and G09 computed with pandas from the same Parquet.

    python -m qjgov.bench [--sizes 100000 1000000] [--out bench-output] [--doc docs/benchmarks.md]
    BENCH_MAX=10000000 make bench      # adds the city volume

The largest volume also has its pages loaded in a real browser (qjgov.bench.pageload), when
/usr/bin/chromium is there. Last, a crowd of visitors arriving together (1, 10, 50) on the
demo warehouse, through the front with 1 and 2 replicas (qjgov.bench.crowd): page times,
server CPU a visitor, memory (`--no-crowd` leaves it out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from qjgov.bench import crowd, pageload
from qjgov.paths import ROOT, WAREHOUSE
from qjgov.warehouse.build import BLOCK_SIZE, FILE_OPTIONS, STORAGE_VERSION
from qjgov.warehouse.load import quote

SIZES = (100_000, 1_000_000)
REPEATS = 15
CHANCE_GOAL = "chance of meeting's share of the build at 10 M (%)"
GOALS = {
    "build / floor": 2.0,
    "warehouse / raw in DuckDB": 1.5,
    "build peak at 10 M (GB)": 2.0,
    "generator at 10 M (s)": 60.0,
    "page query p95 at 10 M (ms)": 100.0,
    CHANCE_GOAL: 10.0,
}

FLOOR_SQL = """
{creates}
checkpoint;
{passes}
"""


def run_step(args: list[str], log=print) -> tuple[float, float, str]:
    """(seconds, peak resident memory in MB, output) of one command in its own process."""
    began = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        log(output[-3000:])
        raise RuntimeError(f"{' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024, output


def floor(raw: Path, work: Path, file_options: str = "") -> tuple[float, float, int]:
    """The physical floor: every raw table into a DuckDB file (attached with `file_options`,
    DuckDB's defaults if none) and one pass over all its columns. Returns (seconds, peak MB,
    size of the raw tables alone in DuckDB, bytes)."""
    target = work / "floor.duckdb"
    target.unlink(missing_ok=True)
    tables = sorted(p.name for p in raw.iterdir() if p.is_dir())
    creates = "\n".join(f"create table {t} as select * from read_parquet('{raw / t}/*.parquet');" for t in tables)
    passes = "\n".join(f"select count(*), sum(hash(columns(*))) from {t};" for t in tables)
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect()\n"
        f"con.execute({f'attach {quote(str(target))} as floor' + (f' ({file_options})' if file_options else '')!r})\n"
        "con.execute('use floor')\n"
        f"for statement in {FLOOR_SQL.format(creates=creates, passes=passes)!r}.split(';'):\n"
        "    if statement.strip(): con.sql(statement).fetchall() if statement.strip().startswith('select') else con.execute(statement)\n"
        "con.close()\n"
    )
    seconds, peak, _ = run_step([sys.executable, "-c", script])
    return seconds, peak, target.stat().st_size


# --------------------------------------------------------------------------- page queries


def page_queries(warehouse: Path) -> dict[str, list[tuple[str, tuple]]]:
    """The SQL each page sends (recorded from the shared read queries the app's pages make,
    `qjgov.present.reads`), for the first and last as-of date, with and without a department
    filter."""
    from qjgov.present import connection, reads

    con = connection.connect(warehouse)
    run = connection.reader(con)
    recorded: list[tuple[str, tuple]] = []

    def q(sql: str, params: tuple = ()):
        recorded.append((sql, tuple(params)))
        return run(sql, params)

    pages: dict[str, list[tuple[str, tuple]]] = {}
    try:
        dates = reads.as_of_dates(run)
        departments = run(
            "select department from marts.goal_progress_by_department group by 1 order by count(*) desc limit 1"
        )["department"].to_list()
        goals = list(run("select goal_id, family from marts.goals").iter_rows())
        for as_of in (dates[0], dates[-1]):
            for department in (None, *departments):
                label = f"{as_of} {'one department' if department else 'all departments'}"
                recorded.clear()
                reads.progress(q, as_of, department), reads.series(q, department, as_of), reads.milestones(q, as_of), reads.areas(q)
                pages[f"overview {label}"] = list(recorded)
                recorded.clear()
                reads.targets(q), reads.progress(q, as_of, department), reads.series(q, department, as_of)
                for goal, family in goals:
                    reads.by_department(q, goal, as_of), reads.secondary(q, goal, as_of, department)
                    reads.goal_items(q, goal, as_of, department)
                    if family in reads.WAREHOUSE_LISTS:  # the counts, and the first and the last page of the list
                        count_read, records_read = reads.WAREHOUSE_LISTS[family]
                        counts = count_read(q, goal, as_of, department)
                        last = max(1, -(-int(counts["records"].sum()) // reads.LIST_PAGE_ROWS)) if counts.height else 1
                        records_read(q, goal, as_of, department, page=1), records_read(q, goal, as_of, department, page=last)
                reads.handling_time(q, as_of, department)
                pages[f"all goal tabs {label}"] = list(recorded)
        recorded.clear()
        reads.build_info(q), reads.test_results(q), reads.raw_files(q), reads.model_runs(q), reads.data_span(q)
        pages["data"] = list(recorded)
    finally:
        con.close()
    return pages


def time_queries(warehouse: Path) -> list[dict]:
    """Median and p95 of each page's queries, each run REPEATS times uncached."""
    from qjgov.present import connection

    con = connection.connect(warehouse)
    results = []
    for page, queries in page_queries(warehouse).items():
        for sql, params in queries:
            runs = []
            for _ in range(REPEATS):
                began = time.perf_counter()
                rows = connection.query(con, sql, list(params) if params else None).height
                runs.append((time.perf_counter() - began) * 1000)
            runs.sort()
            results.append({"page": page, "sql": " ".join(sql.split())[:90], "rows": rows,
                            "median_ms": statistics.median(runs), "p95_ms": runs[int(0.95 * (len(runs) - 1))]})
    con.close()
    return results


# --------------------------------------------------------------------------- the pandas path

PANDAS_SCRIPT = r'''
import datetime as dt, sys, time
import numpy as np, pandas as pd
import chinese_calendar
began = time.perf_counter()
raw = sys.argv[1]
read = lambda t: pd.read_parquet(f"{raw}/{t}")
items, cases, reviews = read("items"), read("cases"), read("reviews")
as_of = dt.date(2021, 12, 31)
days = pd.date_range("2019-01-01", "2022-12-31")
workday = np.array([chinese_calendar.is_workday(d.date()) for d in days])
index = pd.Series(np.cumsum(workday), index=days.date)
cat = items[items.snapshot_date == items[items.snapshot_date <= as_of].snapshot_date.max()]
lic = cat[cat.category == "行政许可"]
g01 = (lic.online_depth == 4).mean()
done = cases[(cases.status == "办结") & (cases.completed_at.dt.year == 2021)]
app = cat[cat.on_application & (cat.statutory_days > 0)][["item_code", "statutory_days"]]
timed = done[done.accepted_at.notna()].merge(app, on="item_code")
wd = index.loc[timed.completed_at.dt.date].to_numpy() - index.loc[timed.accepted_at.dt.date].to_numpy()
timed = timed.assign(actual=np.maximum(0, wd - timed.suspended_days.to_numpy()))
g04 = (1 - timed.groupby("item_code").apply(lambda g: g.actual.mean() / g.statutory_days.iloc[0])).mean()
proactive = reviews[(reviews.channel != "系统默认") & reviews.case_id.notna()]
g07 = done.case_id.isin(proactive.case_id).mean()
bad = reviews[(reviews.rating <= 2) & (reviews.reviewed_at.dt.year == 2021)]
bad = bad[~(bad.verified_result.isin(["不属实", "恶意评价"]) & (bad.verified_at.dt.date <= as_of))]
start = index.loc[bad.reviewed_at.dt.date].to_numpy()
deadline_passed = index.loc[as_of] >= start + 15
is_done = (bad.rectified_at.dt.date <= as_of).fillna(False).to_numpy()
g09 = is_done.sum() / (deadline_passed | is_done).sum()
print({"G01": g01, "G04": g04, "G07": g07, "G09": g09, "seconds": time.perf_counter() - began})
'''


def pandas_path(raw: Path) -> tuple[float, float, dict]:
    seconds, peak, output = run_step([sys.executable, "-c", PANDAS_SCRIPT, str(raw)])
    values = eval(output.strip().splitlines()[-1], {"np": __import__("numpy")})  # noqa: S307 — our own script's dict
    return seconds, peak, values


# --------------------------------------------------------------------------- one volume


def measure(cases_per_year: int, out: Path, log=print, page_loads: bool = False) -> dict:
    work = out / f"work-{cases_per_year}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw, warehouse = work / "raw", work / "warehouse.duckdb"
    figures: dict = {"cases_per_year": cases_per_year}
    log(f"== {cases_per_year:,} cases a year")
    figures["generate_s"], figures["generate_peak_mb"], _ = run_step(
        [sys.executable, "-m", "qjgov.generate", "--out", str(raw), "--seed", "7", "--cases-per-year", str(cases_per_year)])
    log(f"generated in {figures['generate_s']:.1f} s")
    figures["load_average"] = os.getloadavg()[0]
    figures["build_s"], figures["build_peak_mb"], build_output = run_step(
        [sys.executable, "-m", "qjgov.build", "--raw", str(raw), "--target", str(warehouse), "--wait", "0"])
    figures["build_steps"] = build_steps(build_output)
    log(f"built in {figures['build_s']:.1f} s")
    # The time floor with DuckDB's defaults (faster to write than the warehouse's format); the
    # size of the raw tables written as the warehouse is (smaller than with the defaults).
    figures["floor_s"], figures["floor_peak_mb"], _ = floor(raw, work)
    figures["floor_as_warehouse_s"], _, raw_bytes = floor(raw, work, FILE_OPTIONS)
    figures["warehouse_mb"] = warehouse.stat().st_size / 2**20
    figures["raw_in_duckdb_mb"] = raw_bytes / 2**20
    figures["raw_parquet_mb"] = sum(p.stat().st_size for p in raw.rglob("*.parquet")) / 2**20
    with duckdb.connect(str(warehouse), read_only=True) as con:
        figures["rows"] = dict(con.sql("select raw_table, sum(row_count) from meta.raw_files group by 1").fetchall())
        total = float(con.sql("select build_seconds from meta.build_info").fetchall()[0][0])
        figures["slowest_models"] = [
            {"model": m, "materialized": k, "seconds": s, "share": s / total}
            for m, k, s in con.sql("select model, materialized, seconds from meta.model_runs order by seconds desc limit 5").fetchall()
        ]
        # the chance of meeting each goal is drawn in Python: its share of the build is watched
        figures["chance_s"] = float(con.sql(
            "select coalesce(sum(seconds), 0) from meta.model_runs where model = 'intermediate.int_goal_chance'").fetchall()[0][0])
        figures["chance_share"] = figures["chance_s"] / total
        figures["free_blocks"], figures["total_blocks"] = con.sql("select free_blocks, total_blocks from pragma_database_size()").fetchall()[0]
        warehouse_values = dict(con.sql(
            "select goal_id, actual from marts.goal_progress where goal_id in ('G01','G04','G07','G09') "
            "and as_of = (select max(as_of) from marts.goal_progress)").fetchall())
    figures["queries"] = time_queries(warehouse)
    if page_loads and pageload.available():
        log("page loads in the browser")
        figures["page_loads"] = pageload.measure(warehouse, log=log)
        figures["first_visits"] = pageload.first_visits(warehouse, work / "first-visits", log=log)
    figures["pandas_s"], figures["pandas_peak_mb"], pandas_values = pandas_path(raw)
    figures["pandas_values"] = {k: v for k, v in pandas_values.items() if k != "seconds"}
    figures["warehouse_values"] = warehouse_values
    shutil.rmtree(work, ignore_errors=True)
    return figures


def build_steps(output: str) -> list[tuple[str, float]]:
    """The build's own timings of its steps outside the models ("loaded raw data in 6.8 s")."""
    steps = []
    for line in output.splitlines():
        match = re.match(r"^([a-z][a-z ,]+?) in ([0-9.]+) s$", line.strip())
        if match and not line.startswith("published"):
            steps.append((match.group(1), float(match.group(2))))
    return steps


# --------------------------------------------------------------------------- the report


def crowd_figures(out: Path, log=print) -> dict:
    """The crowd table's figures on the demo warehouse (data/warehouse.duckdb, built into `out`
    when there is none: the bench needs no `make demo` first)."""
    warehouse = WAREHOUSE
    if not warehouse.exists():
        warehouse = out / "crowd-demo" / "warehouse.duckdb"
        if not warehouse.exists():
            log("building a demo warehouse for the crowd")
            run_step([sys.executable, "-m", "qjgov.demo", "--target", str(warehouse), "--raw", str(warehouse.parent / "raw")], log=log)
    log("== a crowd of visitors")
    return crowd.measure(warehouse, work=out / "crowd", log=log)


def report(all_figures: list[dict], crowd_section: dict | None = None) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {dt.date.today()} ({os.cpu_count()} cores, {cpu}, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}). One run each; the ratios are what count. Each step runs in a process of its "
        "own, so its peak is its own. The floor is the raw tables into a DuckDB file (create table as, DuckDB's defaults) plus one "
        "pass over every column. The raw tables' size in DuckDB is of the same tables written as the warehouse is (storage version "
        f"{STORAGE_VERSION}, blocks of {BLOCK_SIZE // 1024} KiB), so the sizes compare like with like; each comparison takes the "
        "stricter file (the defaults write faster, the warehouse's format is smaller). Writing that file and one pass took the time "
        "in the last column.",
        "",
        "| cases / year | generate | gen. peak | build | build peak | floor | build / floor | warehouse | raw in DuckDB | warehouse / raw | free blocks | pandas (4 goals) | pandas / build | floor as the warehouse |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in all_figures:
        lines.append(
            f"| {f['cases_per_year']:,} | {f['generate_s']:.1f} s | {f['generate_peak_mb'] / 1024:.2f} GB | {f['build_s']:.1f} s | "
            f"{f['build_peak_mb'] / 1024:.2f} GB | {f['floor_s']:.1f} s | {f['build_s'] / f['floor_s']:.1f}× | "
            f"{f['warehouse_mb']:.0f} MB | {f['raw_in_duckdb_mb']:.0f} MB | {f['warehouse_mb'] / f['raw_in_duckdb_mb']:.2f}× | "
            f"{f['free_blocks']} of {f['total_blocks']} | {f['pandas_s']:.1f} s | {f['pandas_s'] / f['build_s']:.2f}× | "
            f"{f['floor_as_warehouse_s']:.1f} s |"
        )
    lines += ["", "Goals of the city-scale work: " + "; ".join(f"{k} ≤ {v}" for k, v in GOALS.items()) + ".", ""]
    for f in all_figures:
        lines += [f"## {f['cases_per_year']:,} cases a year", "", "Rows: " + ", ".join(f"{t} {n:,}" for t, n in sorted(f["rows"].items())), ""]
        if f.get("build_steps"):
            lines += [f"Build steps outside the models (machine load average {f.get('load_average', float('nan')):.1f} "
                      "when the build began):", "", "| step | seconds | share of the build |", "|---|---|---|"]
            lines += [f"| {step} | {seconds:.1f} | {seconds / f['build_s']:.0%} |" for step, seconds in f["build_steps"]]
            lines += [""]
        lines += ["Five slowest models:", "", "| model | kept as | seconds | share of the build |", "|---|---|---|---|"]
        lines += [f"| {m['model']} | {m['materialized']} | {m['seconds']:.2f} | {m['share']:.0%} |" for m in f["slowest_models"]]
        if "chance_s" in f:
            lines += ["", f"The chance of meeting each goal (`intermediate.int_goal_chance`, drawn in Python; its rows grow with "
                          f"goals, dates and departments, not cases): {f['chance_s']:.2f} s, {f['chance_share']:.1%} of the build "
                          f"(goal: at most {GOALS[CHANCE_GOAL]:.0f} % at 10 M cases a year)."]
        lines += ["", "Year-end values, warehouse and the pandas path: " + ", ".join(
            f"{g} {f['warehouse_values'].get(g, float('nan')):.4f} / {f['pandas_values'].get(g, float('nan')):.4f}" for g in ("G01", "G04", "G07", "G09")), ""]
        by_page: dict[str, list[dict]] = {}
        for q in f["queries"]:
            by_page.setdefault(q["page"], []).append(q)
        lines += ["Page queries (each run uncached; the app caches them per build):", "",
                  "| page | queries | rows at most | slowest median | slowest p95 |", "|---|---|---|---|---|"]
        for page, queries in by_page.items():
            lines.append(
                f"| {page} | {len(queries)} | {max(q['rows'] for q in queries):,} | {max(q['median_ms'] for q in queries):.1f} ms | "
                f"{max(q['p95_ms'] for q in queries):.1f} ms |"
            )
        worst = max(f["queries"], key=lambda q: q["p95_ms"])
        lines += ["", f"Slowest query (p95 {worst['p95_ms']:.1f} ms, {worst['rows']:,} rows): `{worst['sql']}…`", ""]
        if f.get("page_loads"):
            department = next((p["department"] for p in f["page_loads"] if p["department"]), "")
            lines += [f"Page loads in headless Chromium (`python -m qjgov.demo.pageload`), latest as-of date, until the script run is over "
                      "(the app's script state), the sidebar drawn, no placeholder left and every chart drawn; first load, then again with the app's cache warm. Goal: under 2 s. The server is "
                      "started as `make run` starts it (`python -m qjgov.serve`: the libraries the pages import are imported "
                      "before the first visitor). The overview's first load is also the browser's first visit (Streamlit's own scripts "
                      "fetched and compiled) and the server's first reads" + ("; the next table sets a first visit against minimal "
                      "Streamlit pages." if f.get("first_visits") else "."), "",
                      f"| page | all departments | again | {department} | again |", "|---|---|---|---|---|"]
            by_page: dict[str, dict] = {}
            for p in f["page_loads"]:
                by_page.setdefault(p["page"], {})[bool(p["department"])] = p
            for page, runs in by_page.items():
                cells = [f"{runs[k]['first_s']:.2f} s | {runs[k]['second_s']:.2f} s" if k in runs else "– | –" for k in (False, True)]
                lines.append(f"| {page} | {cells[0]} | {cells[1]} |")
            lines += [""]
        if f.get("first_visits"):
            names = {"overview": "the overview", "title": "floor: a title and a select box", "table": "floor: the same and a 20-row table"}
            lines += [("A browser's first visit: a new browser context, nothing cached, so Streamlit's own scripts are fetched and "
                       "compiled first, whatever the page shows. The overview against two minimal Streamlit pages with only what "
                       "counts as loaded, each served by a server of its own started the same way (`python -m qjgov.serve`), "
                       "visited in turns. The app's query cache is warm after its first visit."), "",
                      "| page | first visit, server just started | first visits after | loaded again |", "|---|---|---|---|"]
            lines += [f"| {names.get(name, name)} | {v['fresh_s']:.2f} s | {pageload.seconds_text(v['first_s'])} | "
                      f"{pageload.seconds_text(v['again_s'])} |" for name, v in f["first_visits"].items()]
            lines += [""]
    if crowd_section:
        lines += crowd.table(crowd_section)
    return "\n".join(lines).rstrip("\n") + "\n"


# Under the heading of a section measured by hand, apart from `make bench` (the build with and
# without lineage's proofs): the bench carries such a section into each new report as it is.
KEPT = "<!-- measured by hand, apart from make bench, which keeps this section as it is -->"


def kept_sections(text: str) -> str:
    """The sections of the last report marked KEPT, in their order, to carry into the next."""
    return "".join(section for section in re.split(r"(?m)^(?=## )", text) if KEPT in section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="cases per year to measure (default: 100,000 and 1,000,000, and BENCH_MAX if set)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-output", help="working folder, bench.json and crowd.json (default: %(default)s)")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md", help="the report (default: %(default)s)")
    parser.add_argument("--no-crowd", dest="crowd", action="store_false", help="leave out the crowd of visitors (qjgov.bench.crowd)")
    args = parser.parse_args(argv)
    sizes = args.sizes or [*SIZES, *([int(os.environ["BENCH_MAX"])] if os.environ.get("BENCH_MAX") else [])]
    figures = [measure(size, args.out, page_loads=size == max(sizes)) for size in sizes]
    crowd_section = crowd_figures(args.out) if args.crowd else None
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str))
    if crowd_section:
        (args.out / "crowd.json").write_text(json.dumps(crowd_section, indent=2, ensure_ascii=False, default=str))
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    kept = kept_sections(args.doc.read_text(encoding="utf-8")) if args.doc.exists() else ""
    args.doc.write_text(report(figures, crowd_section) + ("\n" + kept.rstrip("\n") + "\n" if kept else ""), encoding="utf-8")
    print(report(figures, crowd_section))
    return 0
