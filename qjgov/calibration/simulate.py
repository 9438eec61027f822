"""Simulated plan years: generate a varied year, build it, read the chance stated at each
month-end and what came of it at year-end.

Each year runs in a temporary folder of its own, in a process of its own (generation swaps the
generator's trajectory for the year's, and a build is best kept to one process), and returns a
small frame: one row per goal, department (null for the commission) and month-end from March to
November with the stated chance, the status of that day, and whether the goal was met at the
deadline.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from qjgov.demo import conditions, generate
from qjgov.warehouse.build import build

MONTHS = range(3, 12)  # month-ends from March to November
# The stated chance: the model's column. Tests swap in another expression over the mart's columns.
CHANCE = "p_meet"

READ = """
with judged as (
    select
        goal_id,
        {department} as department,
        month(as_of) as month_no,
        {chance} as chance,
        status,
    from {table}
    where year(as_of) = 2021
        and as_of = last_day(as_of)
        and month(as_of) between 3 and 11
),
outcome as (
    select
        goal_id,
        {department} as department,
        status = 'achieved' as met,
    from {table}
    where as_of = date '2021-12-31'
        and status in ('achieved', 'missed')
)
select
    judged.goal_id,
    judged.department,
    judged.month_no,
    judged.chance,
    judged.status,
    outcome.met,
from judged
join outcome
    on outcome.goal_id = judged.goal_id
    and outcome.department is not distinct from judged.department
where judged.chance is not null
"""

SCHEMA = {
    "year": pl.Int64,
    "cases_per_year": pl.Int64,
    "goal_id": pl.String,
    "department": pl.String,
    "month_no": pl.Int64,
    "chance": pl.Float64,
    "status": pl.String,
    "met": pl.Boolean,
}


def read_judgements(warehouse: Path, chance: str = CHANCE) -> pl.DataFrame:
    """The stated chances and year-end outcomes of a built warehouse, commission and departments."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = {row[0] for row in con.sql("describe marts.goal_progress").fetchall()}
        if chance == CHANCE and CHANCE not in columns:
            raise SystemExit(f"{warehouse}: marts.goal_progress has no column {CHANCE}; this build computes no chance yet")
        frames = [
            con.sql(READ.format(table=table, department=department, chance=chance)).pl()
            for table, department in (
                ("marts.goal_progress", "cast(null as varchar)"),
                ("marts.goal_progress_by_department", "department"),
            )
        ]
    finally:
        con.close()
    return pl.concat(frames).with_columns(pl.col("chance").cast(pl.Float64))


def one_year(seed: int, cases_per_year: int | None = None, chance: str = CHANCE) -> tuple[pl.DataFrame, str]:
    """Generate and build the year of `seed` (its volume drawn with its conditions unless given);
    its judgements and a line saying what the year was."""
    drawn = conditions.draw(seed)
    cases = cases_per_year or drawn.cases_per_year
    quiet = lambda message: None  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="qjgov-calibration-") as folder:
        raw, target = Path(folder) / "raw", Path(folder) / "warehouse.duckdb"
        generate.generate(raw, seed=seed, cases_per_year=cases, log=quiet,
                          trajectory=conditions.perturbed(generate.TRAJECTORY, drawn))
        build(raw_dir=raw, target=target, log=quiet)
        judged = read_judgements(target, chance)
    judged = judged.with_columns(pl.lit(seed).alias("year"), pl.lit(cases).alias("cases_per_year"))
    return judged.select(list(SCHEMA)).cast(SCHEMA), f"seed {seed}, {cases:,} cases a year: {drawn.describe()}"


def run_years(
    seeds: list[int],
    cases_per_year: int | None = None,
    jobs: int = 2,
    chance: str = CHANCE,
    log: Callable[[str], None] = functools.partial(print, flush=True),
) -> tuple[pl.DataFrame, list[str]]:
    """Every year of `seeds`, `jobs` at a time in processes of their own, with progress and an
    estimate of the time left; the judgements of all years, and each year's line."""
    started = time.perf_counter()
    frames, lines = [], {}
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no DuckDB or thread state copied
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(one_year, seed, cases_per_year, chance): seed for seed in seeds}
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            frame, line = future.result()
            frames.append(frame)
            lines[futures[future]] = line
            elapsed = time.perf_counter() - started
            left = elapsed / done * (len(seeds) - done)
            log(f"year {done} of {len(seeds)} (seed {futures[future]})  elapsed {clock(elapsed)}  left about {clock(left)}")
    judged = pl.concat(frames).sort("year", "goal_id", "department", "month_no", nulls_last=False)
    return judged, [lines[seed] for seed in seeds]


def clock(seconds: float) -> str:
    return str(dt.timedelta(seconds=round(seconds)))
