"""Benchmark: generate and build at a large volume, and report time and memory.

Speed goals are checked here, never in a timed unit test: the generator must write
1,000,000 cases a year in under a minute; the build time and peak memory are reported.

    python -m qjgov.bench [--cases-per-year 1000000] [--out bench-output]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import duckdb

from qjgov.warehouse.build import build
from qjgov.demo.generate import generate
from qjgov.paths import ROOT

GENERATOR_GOAL_SECONDS = 60.0
APP_QUERIES = {
    "scorecard at the last as-of": "select * from marts.goal_progress where as_of = (select max(as_of) from marts.goal_progress)",
    "one goal by department": "select * from marts.goal_progress_by_department where goal_id = 'G09'",
    "open duties of one goal": "select * from marts.open_duties where goal_id = 'G09' and as_of = (select max(as_of) from marts.open_duties)",
}


def peak_memory_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run(cases_per_year: int, out: Path, log=print) -> dict:
    work = out / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    figures: dict = {"cases_per_year": cases_per_year}

    began = time.perf_counter()
    counts = generate(work / "raw", seed=7, cases_per_year=cases_per_year, log=log)
    figures["generate_seconds"] = round(time.perf_counter() - began, 2)
    figures["rows"] = counts
    figures["generate_peak_mb"] = round(peak_memory_mb(), 1)

    began = time.perf_counter()
    build(raw_dir=work / "raw", target=work / "warehouse.duckdb", log=log)
    figures["build_seconds"] = round(time.perf_counter() - began, 2)
    figures["build_peak_mb"] = round(peak_memory_mb(), 1)
    figures["warehouse_mb"] = round((work / "warehouse.duckdb").stat().st_size / 2**20, 1)

    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    figures["query_seconds"] = {}
    for name, sql in APP_QUERIES.items():
        began = time.perf_counter()
        con.sql(sql).fetchall()
        figures["query_seconds"][name] = round(time.perf_counter() - began, 3)
    con.close()
    figures["generator_goal_met"] = figures["generate_seconds"] < GENERATOR_GOAL_SECONDS
    shutil.rmtree(work, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases-per-year", type=int, default=1_000_000, help="volume to test (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-output", help="where the report goes (default: %(default)s)")
    args = parser.parse_args(argv)
    figures = run(args.cases_per_year, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print()
    print(f"cases per year         {figures['cases_per_year']:>12,}")
    print(f"generate               {figures['generate_seconds']:>10.1f} s   (goal < {GENERATOR_GOAL_SECONDS:.0f} s: "
          f"{'met' if figures['generator_goal_met'] else 'NOT met'})")
    print(f"build                  {figures['build_seconds']:>10.1f} s")
    print(f"peak memory            {figures['build_peak_mb']:>10.0f} MB")
    print(f"warehouse size         {figures['warehouse_mb']:>10.1f} MB")
    for name, seconds in figures["query_seconds"].items():
        print(f"query: {name:<32} {seconds:.3f} s")
    print(f"report written to {args.out / 'bench.json'}")
    return 0 if figures["generator_goal_met"] else 1

