"""Build the warehouse: load raw data and seeds, run the SQL models, test, then publish.

Write, audit, publish: everything is built into a temporary file of this build's own next to
the served warehouse; the raw data is checked against the contract as it loads (see
`qjgov.warehouse.load`), the data tests in `sql/tests` and the personal-data scan run against the new
file, and only when all pass does it atomically replace `data/warehouse.duckdb`. One build
runs at a time (`qjgov.warehouse.publish`); a raw table that came out empty or shrank against the
served warehouse stops the build unless `--allow-shrink` says it is meant. Readers that hold
the old file keep reading it; the app moves to the new one on its next page load.

    python -m qjgov.build [--raw data/raw] [--seeds seeds] [--target data/warehouse.duckdb]
                          [--allow-shrink] [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import datetime as dt
import graphlib
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb

from qjgov.warehouse import calendar as workday_calendar
from qjgov import settings
from qjgov.warehouse import chance, lineage, publish
from qjgov.warehouse.contract import ORIGIN_KEY, RAW_KEYS, RAW_TABLES, REQUIRED
from qjgov.versions import models_digest
from qjgov.warehouse.load import (
    SHRINK_LIMIT, RawDataError, check_not_shrunk, check_personal_data, check_raw, literal_path, load_raw, quote, raw_bytes,
    served_row_counts, sql_type, trimmed,
)
from qjgov.notify import alerts
from qjgov.office import notes as commentary_notes
from qjgov.paths import RAW_DIR, SEEDS_DIR, SQL_DIR, WAREHOUSE

# DuckDB 1.2 and later (and the 1.x CLI) can open files written in this format.
STORAGE_VERSION = "v1.2.0"
# Every table takes at least one block of the file, however few its rows: at DuckDB's default
# 256 KiB, the 30-odd small tables (seeds, marts, meta) took about 8 MB, two thirds again the
# raw data of a district at 100,000 cases a year. At 64 KiB the demo warehouse is 6.7 MB
# against 13.4 MB; at 10 M cases the file, the build time and the page queries (p95 at most
# 30 ms) barely change; 16 KiB compresses the large tables worse (1 M: 156 MB against 116 MB).
# DuckDB 1.2.0 and later open it.
BLOCK_SIZE = 64 * 1024
# How the warehouse file is attached, so the bench can write its raw-size floor the same way.
FILE_OPTIONS = f"storage_version '{STORAGE_VERSION}', block_size {BLOCK_SIZE}"
MODEL_LAYERS = ("staging", "intermediate", "marts")
SOURCE_SCHEMAS = ("raw", "seeds")
FAILING_ROWS_SHOWN = 10

Log = Callable[[str], None]


class BuildError(Exception):
    """A build step failed; the message says which model or test and why."""


@dataclass
class Model:
    name: str  # schema.table
    path: Path
    sql: str
    description: str
    column_comments: dict[str, str]
    tags: dict[str, list[str]] = field(default_factory=dict)
    depends_on: set[str] = field(default_factory=set)

    @property
    def materialized(self) -> str:
        return self.tags["materialized"][0].strip().lower()


@dataclass
class TestResult:
    name: str
    severity: str
    failing_rows: int
    sample: list[tuple]
    columns: list[str]

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0


@dataclass
class BuildReport:
    target: Path
    model_rows: dict[str, int]
    tests: list[TestResult]
    warnings: list[str]
    seconds: float


# --------------------------------------------------------------------------- models


_REFERENCE = re.compile(r"\b(raw|seeds|staging|intermediate|marts)\.([a-z_][a-z0-9_]*)\b", re.I)
_CODE_TOKENS = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.S)


def _strip_comments_and_strings(sql: str) -> str:
    """SQL with comments, string literals and quoted identifiers blanked, scanned left to
    right so an apostrophe in a comment or `--` in a string cannot hide a table name."""
    return _CODE_TOKENS.sub(" ", sql)


def referenced_tables(sql: str) -> set[str]:
    """The schema-qualified tables a query names: its dependencies, no ref() needed."""
    return {f"{s.lower()}.{t.lower()}" for s, t in _REFERENCE.findall(_strip_comments_and_strings(sql))}


def parse_header(sql: str) -> tuple[str, dict[str, str]]:
    """Split a model's opening comment into its description and its column comments.

    The header is the run of `--` lines at the top. After a line `-- columns:`, lines of the
    form `--   name: text` describe columns; everything else is the model's description.
    """
    description: list[str] = []
    columns: dict[str, str] = {}
    in_columns = False
    current: str | None = None
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        text = stripped[2:].rstrip()
        if _TAG.match(text):
            continue
        if text.strip().lower() == "columns:":
            in_columns = True
            continue
        if in_columns:
            match = re.match(r"\s+([a-z_][a-z0-9_]*):\s*(.*)", text)
            if match:
                current = match.group(1)
                columns[current] = match.group(2).strip()
            elif current and text.startswith("     "):
                columns[current] += " " + text.strip()
            continue
        description.append(text.strip())
    return " ".join(part for part in description if part), columns


_TAG = re.compile(r"\s*(grain|not_null|accepted|materialized):\s*(.*)$", re.I)
MATERIALIZATIONS = ("table", "view", "temporary")
SCRATCH = "scratch"  # the build's throw-away database for temporary models
# Temporary models are kept in memory when the raw files are at most this share of the memory
# limit, which spares small builds writing them to disk (measured: 1 M cases a year build
# about 15 % faster), and in a scratch file beside the build otherwise, where large
# temporaries would crowd the memory the joins need (10 M: no faster in memory, with a higher peak).
SCRATCH_IN_MEMORY_SHARE = 1 / 8


def parse_tags(sql: str) -> dict[str, list[str]]:
    """The grain and column tags of a model's header, which become data tests:

        -- grain: goal_id, as_of                  one row per these columns
        -- not_null: goal_id, status              these columns always hold a value
        -- accepted: status = achieved, missed    this column holds only these values
        -- materialized: view                     how the model is kept: table, view, or a
                                                  temporary table dropped before publishing
    """
    tags: dict[str, list[str]] = {}
    for line in sql.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            break
        match = _TAG.match(stripped[2:]) if stripped else None
        if match:
            tags.setdefault(match.group(1).lower(), []).append(match.group(2).strip())
    return tags


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _row_conditions(model: Model, never_null: set[str] = frozenset()) -> list[tuple[str, str, list[str]]]:
    """(test name, condition true on a row that breaks it, columns it shows) for each
    not_null and accepted tag of `model`; a not_null tag leaves out the columns in
    `never_null` (proven so, see proven_not_null), and goes when none is left."""
    conditions = []
    for not_null in model.tags.get("not_null", []):
        names = [name for name in _names(not_null) if name.lower() not in never_null]
        if names:
            conditions.append((f"not_null__{model.name}", " or ".join(f"{name} is null" for name in names), names))
    for accepted in model.tags.get("accepted", []):
        column, _, values = accepted.partition("=")
        column = column.strip()
        allowed = ", ".join(quote(value) for value in _names(values))
        conditions.append((f"accepted__{model.name}.{column}", f"{column} not in ({allowed})", [column]))
    return conditions


def tag_tests(model: Model, never_null: set[str] = frozenset()) -> list[tuple[str, str]]:
    """(test name, SQL returning the rows that break it) for each tag of `model` (not_null
    tags without the columns in `never_null`)."""
    tests = []
    for grain in model.tags.get("grain", []):
        columns = ", ".join(_names(grain))
        # Grouped by the columns' 64-bit hash first (a table of numbers, which fits in memory
        # where one of strings would spill), then only rows whose hash repeats by the columns.
        tests.append(
            (
                f"grain__{model.name}",
                f"select {columns}, count(*) as copies from {model.name} "
                f"where hash({columns}) in (select hash({columns}) from {model.name} group by 1 having count(*) > 1) "
                "group by all having count(*) > 1",
            )
        )
    for name, condition, columns in _row_conditions(model, never_null):
        distinct = "distinct " if name.startswith("accepted__") else ""
        tests.append((name, f"select {distinct}{', '.join(columns)} from {model.name} where {condition}"))
    return tests


def tag_screen(model: Model, proven: dict[str, str] | None = None, never_null: set[str] = frozenset()) -> tuple[str, list[str]] | None:
    """One pass over `model` for all its tag tests but the grains after the first: a query of
    one row whose columns count, test by test (names returned beside it), what may break
    it. A zero passes the test; only a test with a count runs on its own, to say which rows.
    The first grain is screened by grouping on the columns' hash: no hash twice, no key twice.
    (A view is computed once here, not once per test.)"""
    conditions = _row_conditions(model, never_null)
    grains = model.tags.get("grain", [])[:1] if f"grain__{model.name}" not in (proven or {}) else []
    names = [name for name, _, _ in conditions]
    counts = [f"count(*) filter (where {condition})" for _, condition, _ in conditions]
    if grains:
        inner = ", ".join(["count(*) as copies", *(f"{count} as c{i}" for i, count in enumerate(counts))])
        outer = ", ".join(["count(*) filter (where copies > 1)", *(f"sum(c{i})" for i in range(len(counts)))])
        return f"select {outer} from (select {inner} from {model.name} group by hash({', '.join(_names(grains[0]))}))", \
            [f"grain__{model.name}", *names]
    if counts:
        return f"select {', '.join(counts)} from {model.name}", names
    return None


def discover_models(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    """Every `sql/<layer>/<table>.sql` as a model named `<layer>.<table>`; each must state its
    grain (`-- grain: …`), which becomes a data test."""
    models: dict[str, Model] = {}
    for layer in MODEL_LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            description, columns = parse_header(sql)
            name = f"{layer}.{path.stem}"
            models[name] = Model(name, path, sql, description, columns, parse_tags(sql))
    for model in models.values():
        if not model.tags.get("grain"):
            raise BuildError(
                f"model {model.name} ({model.path}) does not state its grain: add a header line "
                "such as `-- grain: goal_id, as_of` (the columns that make a row unique)"
            )
        if model.tags.get("materialized", [""])[0].strip().lower() not in MATERIALIZATIONS:
            raise BuildError(
                f"model {model.name} ({model.path}) does not say how it is kept: add a header line "
                f"`-- materialized: table`, `view` or `temporary` (a table dropped before publishing)"
            )
        refs = referenced_tables(model.sql) - {model.name}
        unknown = {r for r in refs if r.split(".")[0] in MODEL_LAYERS and r not in models}
        if unknown:
            raise BuildError(
                f"model {model.name} ({model.path}) names {', '.join(sorted(unknown))}, "
                "which no file under sql/ defines"
            )
        model.depends_on = {r for r in refs if r in models}
    return models


def build_order(models: dict[str, Model]) -> list[str]:
    """Models ordered so each runs after the tables it names."""
    sorter = graphlib.TopologicalSorter({name: m.depends_on for name, m in models.items()})
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as error:
        raise BuildError(f"models depend on each other in a cycle: {' -> '.join(error.args[1])}") from None


# --------------------------------------------------------------------------- sources


def scalar(con: duckdb.DuckDBPyConnection, sql: str):
    """The single value a query returns."""
    return con.sql(sql).fetchall()[0][0]


def load_seeds(con: duckdb.DuckDBPyConnection, seeds_dir: Path, log: Log) -> dict[str, int]:
    con.sql("create schema if not exists seeds")
    counts = {}
    for path in sorted(seeds_dir.glob("*.csv")):
        table = f"seeds.{path.stem}"
        try:
            con.sql(
                f"create table {table} as select * from read_csv({quote(literal_path(path))}, "
                "header = true, sample_size = -1, encoding = 'utf-8')"
            )
        except duckdb.Error as error:
            raise BuildError(f"seed {path} could not be read: {error}") from None
        counts[table] = scalar(con, f"select count(*) from {table}")
    log(f"seeds: {len(counts)} tables from {seeds_dir}")
    return counts


def define_functions(con: duckdb.DuckDBPyConnection) -> None:
    """The SQL functions models may call, kept in the published file (schema main) so its
    views work in any DuckDB client: trimmed(t), which equals trim(t) and trims only text
    that begins or ends with a space (see `qjgov.warehouse.load.trimmed`). The staging views
    of the large raw tables trim their ids with it: trim on 18 million ids took a second
    each time a view was read. (Codes and item codes keep trim(): DuckDB trims a column of a
    few repeated values once per value, which a CASE would undo.)"""
    con.sql(f"create or replace macro main.trimmed(t) as {trimmed('t')}")


def attach_scratch(con: duckdb.DuckDBPyConnection, scratch: Path, raw_size: int, log: Log) -> None:
    """Attach the database temporary models go to: in memory (compressed) when the raw files
    are at most SCRATCH_IN_MEMORY_SHARE of the memory limit, else the file `scratch`. Either
    way the build throws it away, and memory stays within the limit (DuckDB spills beyond it)."""
    try:
        limit = scalar(con, "select parse_formatted_bytes(current_setting('memory_limit'))")
    except duckdb.Error:  # no limit (`none`, -1): DuckDB names it in PiB, which it cannot read back
        limit = float("inf")
    share = f"{SCRATCH_IN_MEMORY_SHARE:.1%} of the memory limit ({'none' if limit == float('inf') else f'{limit / 2**20:,.0f} MiB'})"
    if raw_size <= limit * SCRATCH_IN_MEMORY_SHARE:
        con.sql(f"attach ':memory:' as {SCRATCH} (compress)")
        log(f"temporary models kept in memory: the raw files ({raw_size / 2**20:,.0f} MiB) are at most {share}")
    else:
        con.sql(f"attach {quote(str(scratch))} as {SCRATCH}")
        log(f"temporary models kept in {scratch}: the raw files ({raw_size / 2**20:,.0f} MiB) are more than {share}")


def load_calendar(con: duckdb.DuckDBPyConnection) -> int:
    rows = workday_calendar.calendar_rows()
    create_table_of_rows(
        con, "raw.workday_calendar",
        {"calendar_date": "date", "is_workday": "boolean", "is_makeup_workday": "boolean", "holiday_name": "varchar"},
        rows,
    )
    return len(rows)


# --------------------------------------------------------------------------- run


def run_model(con: duckdb.DuckDBPyConnection, model: Model) -> int | None:
    """Create the model as its header says; the rows it holds (None for a view, which would
    have to run to count them). A temporary model goes into the scratch database, which the
    build throws away, so the published file never holds it (and has no free blocks)."""
    body = model.sql.strip().rstrip(";")
    kind = "view" if model.materialized == "view" else "table"
    where = f"{SCRATCH}.{model.name}" if model.materialized == "temporary" else model.name
    try:
        con.sql(f"create or replace {kind} {where} as\n{body}")
    except duckdb.Error as error:
        raise BuildError(f"model {model.name} ({model.path}) failed:\n{error}") from None
    existing = {row[0] for row in con.sql(f"describe {where}").fetchall()}
    for column in model.column_comments:
        if column not in existing:
            raise BuildError(f"model {model.name} ({model.path}) describes column {column}, which it does not produce")
    if model.materialized != "temporary":
        if model.description:
            con.sql(f"comment on {kind} {model.name} is {quote(model.description)}")
        for column, text in model.column_comments.items():
            con.sql(f"comment on column {model.name}.{column} is {quote(text)}")
    return None if kind == "view" else scalar(con, f"select count(*) from {where}")


def proven_grains(con: duckdb.DuckDBPyConnection, models: dict[str, Model]) -> dict[str, str]:
    """{grain test: why it needs no run} for the models whose every grain their SQL proves
    (`qjgov.warehouse.lineage`, through DuckDB's parser):
    - a staging view that returns one row per raw row, whose grain is the raw table's key,
      trimmed at most: the raw check refuses blank keys and keys that repeat once trimmed;
    - a GROUP BY of the grain's columns: one row per group;
    - a filter of one table, or a UNION ALL of such filters each naming a constant of its own
      in one grain column, whose grain columns pass on a grain of that table, which the build
      tests (or proves) in turn.
    Any other grain is tested on the data."""
    grains: lineage.Grains = {("raw", table): [list(keys)] for table, keys in RAW_KEYS.items()}
    for model in models.values():
        grains[tuple(model.name.split("."))] = [_names(grain) for grain in model.tags.get("grain", [])]
    proven = {}
    for model in models.values():
        reasons = []
        found = lineage.raw_key_columns(con, model.sql, RAW_KEYS) if model.name.startswith("staging.") else None
        for grain in model.tags.get("grain", []):
            columns = _names(grain)
            if found and sorted(found[1].get(column.lower(), "") for column in columns) == sorted(RAW_KEYS[found[0]]) \
                    and len(set(columns)) == len(columns):
                reasons.append("proven by the raw key check (one row per raw row, the raw key trimmed)")
            else:
                reasons.append(lineage.grain_reason(con, model.sql, columns, grains))
        if reasons and all(reasons):
            proven[f"grain__{model.name}"] = reasons[0] if len(set(reasons)) == 1 else "; ".join(reasons)
    return proven


def proven_not_null(con: duckdb.DuckDBPyConnection, models: dict[str, Model]) -> dict[str, set[str]]:
    """{model: columns proven never null} of the staging views that return the rows of one
    raw table one for one (`lineage.raw_columns`): a raw key (the raw check refuses a blank
    one) or a column the contract requires (refused when empty), passed on by trim or casts,
    never nullif. Their not_null tests would repeat the raw check."""
    proven = {}
    for model in models.values():
        found = lineage.raw_columns(con, model.sql) if model.name.startswith("staging.") else None
        if found is None:
            continue
        table, columns = found
        checked = set(RAW_KEYS.get(table, ())) | set(REQUIRED.get(table, ()))
        never_null = {name for name, (column, how) in columns.items() if column in checked and "nullif" not in how}
        if never_null:
            proven[model.name] = never_null
    return proven


def proven_tests(con: duckdb.DuckDBPyConnection, models: dict[str, Model]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """What the data tests need not run: ({test: why} for whole tests, {model: columns never
    null} for not_null tests proven in part)."""
    proven = proven_grains(con, models)
    never_null = proven_not_null(con, models)
    for name, columns in never_null.items():
        tagged = [column for line in models[name].tags.get("not_null", []) for column in _names(line)]
        if tagged and {column.lower() for column in tagged} <= columns:
            proven[f"not_null__{name}"] = f"never null by the raw check ({', '.join(tagged)}: a raw key or a required column, trimmed or cast)"
    return proven, never_null


def run_tests(
    con: duckdb.DuckDBPyConnection, tests_dir: Path, models: dict[str, Model], proven: dict[str, str] | None = None, log: Log = print,
    never_null: dict[str, set[str]] | None = None,
) -> list[TestResult]:
    """The tests the model headers declare (grain, not_null, accepted), then each
    `sql/tests/*.sql`, which returns the rows that break its rule; a header line
    `-- severity: warn` makes a failure a warning instead of an error. A test in `proven`
    ({test: why}, see proven_tests) passes without running, and a not_null test leaves out
    the columns `never_null` proves ({model: columns}); a header test its model's screen
    (`tag_screen`) finds nothing against passes without running on its own."""
    proven = proven or {}
    never_null = never_null or {}
    screened: set[str] = set()
    for model in models.values():
        screen = tag_screen(model, proven, never_null.get(model.name, set()))
        if screen is None:
            continue
        sql, names = screen
        try:
            counts = con.sql(sql).fetchall()[0]
        except duckdb.Error as error:
            raise BuildError(f"data tests of model {model.name} ({model.path}) could not run:\n{error}") from None
        # A name can repeat (two not_null lines): it is screened only if every one found nothing.
        found = {name for name, count in zip(names, counts) if count}
        screened |= set(names) - found
    declared = [
        (name, sql, "error", model.path) for model in models.values() for name, sql in tag_tests(model, never_null.get(model.name, set()))
    ]
    written = []
    for path in sorted(tests_dir.glob("*.sql")):
        sql = path.read_text(encoding="utf-8").strip().rstrip(";")
        severity = "warn" if re.search(r"^--\s*severity:\s*warn\s*$", sql, re.M | re.I) else "error"
        written.append((path.stem, sql, severity, path))
    results = []
    for name, reason in proven.items():
        log(f"  {name}: {reason}")
        results.append(TestResult(name, "error", 0, [], []))
    grains_seen: set[str] = set()
    for name, sql, severity, path in declared + written:
        if name in proven:
            continue
        # The screen groups by the first grain only; a model's further grains run in full.
        first_grain = name.startswith("grain__") and name not in grains_seen
        grains_seen.add(name)
        if name in screened and (first_grain or not name.startswith("grain__")):
            results.append(TestResult(name, severity, 0, [], []))
            continue
        try:
            count = scalar(con, f"select count(*) from (\n{sql}\n)")
            sample, columns = [], []
            if count:  # the rows are read again only to show a failure
                relation = con.sql(f"select * from (\n{sql}\n)")
                sample, columns = relation.limit(FAILING_ROWS_SHOWN).fetchall(), relation.columns
        except duckdb.Error as error:
            raise BuildError(f"data test {name} ({path}) could not run:\n{error}") from None
        results.append(TestResult(name, severity, count, sample, columns))
    return results


def format_rows(columns: list[str], rows: list[tuple]) -> str:
    lines = ["    " + " | ".join(columns)]
    lines += ["    " + " | ".join("null" if v is None else str(v) for v in row) for row in rows]
    return "\n".join(lines)


def file_origin(con: duckdb.DuckDBPyConnection, path: str) -> str | None:
    """The file's origin as its writer stamped it (the demo generator writes "demo")."""
    rows = con.execute(
        "select decode(value) from parquet_kv_metadata(?) where decode(key) = ?", [literal_path(path), ORIGIN_KEY]
    ).fetchall()
    return rows[0][0] if rows else None


def create_table_of_rows(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """Create table `name` ({column: type}) holding `rows`: handed over as one list per column,
    which DuckDB reads natively in one statement (`executemany` runs one statement per row,
    0.1 s per hundred; a data frame would cost an import of pyarrow). The rows keep their order
    up to 122,880 of them (one row group) once the build has stopped preserving insertion order;
    readers of the meta tables order what they read."""
    lists = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    select = ", ".join(f"unnest(${number}::{kind}[]) as {column}" for number, (column, kind) in enumerate(columns.items(), start=1))
    con.execute(f"create table {name} as select {select}", lists)


def write_meta(con, raw_files, model_runs, tests, raw_dir, seeds_dir, sql_dir, started) -> None:
    con.sql("create schema if not exists meta")
    con.sql(
        "create table meta.build_info as select "
        f"{quote(dt.datetime.now().isoformat(timespec='seconds'))}::timestamp as built_at, "
        f"{quote(str(raw_dir))} as raw_dir, {quote(str(seeds_dir))} as seeds_dir, "
        f"{quote(duckdb.__version__)} as duckdb_version, {quote(STORAGE_VERSION)} as storage_version, "
        f"{time.perf_counter() - started:.3f} as build_seconds, "
        f"{quote(models_digest(sql_dir, seeds_dir))} as models_digest"
    )
    create_table_of_rows(
        con, "meta.raw_files", {"raw_table": "varchar", "file": "varchar", "row_count": "bigint", "origin": "varchar"},
        [(*f, file_origin(con, f[1])) for f in raw_files],
    )
    create_table_of_rows(
        con, "meta.model_runs",
        {"model": "varchar", "layer": "varchar", "materialized": "varchar", "row_count": "bigint", "seconds": "double"},
        model_runs,
    )
    create_table_of_rows(
        con, "meta.test_results", {"test": "varchar", "severity": "varchar", "failing_rows": "bigint", "passed": "boolean"},
        [(t.name, t.severity, t.failing_rows, t.passed) for t in tests],
    )
    con.sql("comment on table meta.build_info is 'one row: when and from what this warehouse was built'")
    con.sql("comment on table meta.raw_files is 'one row per raw Parquet file loaded, with its row count'")
    con.sql("comment on column meta.raw_files.origin is 'who wrote the file, from its Parquet metadata (qjgov.origin): demo for the demo generator; null for the platform''s exports'")
    con.sql("comment on table meta.model_runs is 'one row per SQL model: how it is kept (table, view, or temporary: dropped before publishing), rows written (none for views) and seconds taken'")
    con.sql("comment on table meta.test_results is 'one row per data test in sql/tests, and per check made while loading raw data: failing rows and outcome'")


SCANNED_SCHEMAS = ("seeds", *MODEL_LAYERS)  # scanned for personal data after the tests; raw before


def proven_columns(con: duckdb.DuckDBPyConnection, models: dict[str, Model]) -> dict[tuple[str, str], set[str]]:
    """{(schema, model): columns} of the models' text columns proven to hold only text that a
    scan covers, which need no scan of their own. Every text column of the raw tables (by
    the raw check) and of every table and view kept in SCANNED_SCHEMAS (by the personal-data
    scan, which skips only what is proven here, from what is scanned or proven in turn;
    models cannot read each other in a cycle) is covered, and so is a column of a temporary
    model proven so; a column that passes such a column on, trimmed at most, is covered too."""
    clean: lineage.Clean = {
        ("raw", table): {column for column in schema if sql_type(table, column) == "VARCHAR"} for table, schema in RAW_TABLES.items()
    }
    for schema, table, columns in con.execute(
        "select schema_name, table_name, list(column_name) from duckdb_columns() "
        "where database_name = current_database() and data_type = 'VARCHAR' and list_contains(?, schema_name) group by all",
        [list(SCANNED_SCHEMAS)],
    ).fetchall():
        clean[(schema, table)] = set(columns)
    covered = {}
    for name in build_order(models):  # a temporary model is covered only as far as proven, before its readers
        key = tuple(name.split("."))
        columns = lineage.passed_through_columns(con, models[name].sql, clean)
        if models[name].materialized == "temporary":
            clean[key] = columns
        elif text := columns & {column.lower() for column in clean.get(key, set())}:  # its text columns only
            covered[key] = text
    return covered


@contextmanager
def step(log: Log, done: str) -> Iterator[None]:
    """Say how long a step of the build took, once it is done."""
    began = time.perf_counter()
    yield
    log(f"{done} in {time.perf_counter() - began:.1f} s")


def build(
    raw_dir: Path = RAW_DIR,
    seeds_dir: Path = SEEDS_DIR,
    target: Path = WAREHOUSE,
    sql_dir: Path = SQL_DIR,
    log: Log = print,
    allow_shrink: bool = False,
    wait: float = 600,
    memory_limit: str | None = None,
) -> BuildReport:
    """Build the warehouse into a file of its own and publish it over `target` only if all is
    well: one build at a time (it waits up to `wait` seconds for a running one)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    models = discover_models(sql_dir)
    order = build_order(models)
    try:
        with publish.build_lock(target, wait, log):
            return _build(Path(raw_dir), Path(seeds_dir), target, sql_dir, models, order, log, allow_shrink,
                          memory_limit or settings.build_memory())
    except (RawDataError, publish.BuildBusy) as error:
        raise BuildError(f"{error}\nThe served warehouse {target} was left untouched.") from None


def _build(raw_dir, seeds_dir, target, sql_dir, models, order, log, allow_shrink, memory_limit) -> BuildReport:
    started = time.perf_counter()
    temporary = publish.temporary_path(target)
    scratch = temporary.with_name(temporary.name + ".scratch")
    spill = temporary.with_name(temporary.name + ".spill")
    served = served_row_counts(target)
    con = duckdb.connect()
    # The build reports its own progress, one line a step; DuckDB's bar would print into it
    # whenever a model takes more than two seconds.
    con.sql("set enable_progress_bar = false")
    # DuckDB keeps what it reads and builds in memory up to its limit (80 % of the machine by
    # default) and spills joins and aggregates to disk beyond it: the limit bounds the build's
    # memory whatever the volume.
    try:
        con.sql(f"set memory_limit = {quote(memory_limit)}")
    except duckdb.Error as error:
        con.close()
        raise BuildError(f"memory limit {memory_limit!r} is not one DuckDB understands (e.g. 1.5GB, 800MB): {error}") from None
    con.sql(f"set temp_directory = {quote(str(spill))}")
    try:
        con.sql(f"attach {quote(str(temporary))} as warehouse ({FILE_OPTIONS})")
        attach_scratch(con, scratch, raw_bytes(raw_dir), log)
        con.sql("use warehouse")
        for schema in ("raw", *MODEL_LAYERS):
            con.sql(f"create schema if not exists {schema}")
            con.sql(f"create schema if not exists {SCRATCH}.{schema}")
        # `intermediate.x` finds a kept model in the warehouse and a temporary one in scratch.
        con.sql(f"set search_path = 'warehouse.main,{','.join(f'warehouse.{l},{SCRATCH}.{l}' for l in MODEL_LAYERS)}'")
        define_functions(con)
        chance.register(con)
        load_seeds(con, seeds_dir, log)
        log(f"raw.workday_calendar: {load_calendar(con):,} days")
        # Rows may be written in any order from here on (every model and test that needs an
        # order says so): DuckDB then loads and builds on every core without keeping the
        # order of what it reads. The seeds above keep theirs (labels number departments by it).
        con.sql("set preserve_insertion_order = false")
        with step(log, "loaded raw data"):
            raw_files, warnings = load_raw(con, raw_dir, log)
        with step(log, "checked raw data against the contract and for personal data"):
            check_raw(con, raw_files)
        check_not_shrunk(raw_files, served, target, allow_shrink, log)
        # Commentary lives beside the warehouse, not in it, so this build cannot lose it.
        notes_file = commentary_notes.store_path(target)
        log(f"notes.goal_notes: {commentary_notes.load_into(con, notes_file):,} notes from {notes_file}")
        try:
            check_personal_data(con, ("notes",))
        except RawDataError as error:
            found = str(error).split("\nDrop or mask")[0]
            raise RawDataError(
                f"{found}\nThe commentary store {notes_file} holds it, written around the app (which refuses it): "
                "remove that note with the sqlite3 tool (its trigger notes_no_delete must be dropped first) and build again."
            ) from None

        model_rows: dict[str, int] = {}
        model_runs = []
        width = max(len(name) for name in order) if order else 0
        models_began = time.perf_counter()
        for number, name in enumerate(order, start=1):
            began = time.perf_counter()
            rows = run_model(con, models[name])
            seconds = time.perf_counter() - began
            model_rows[name] = rows
            model_runs.append((name, name.split(".")[0], models[name].materialized, rows, seconds))
            shown = "view" if rows is None else f"{rows:,} rows"
            log(f"[{number:>3}/{len(order)}] {name:<{width}} {shown:>17} {seconds:7.2f} s")
        log(f"ran the models in {time.perf_counter() - models_began:.1f} s")

        # The checks made while loading stop the build when they fail; a published warehouse
        # records them beside the data tests.
        tests = [TestResult(name, "error", 0, [], []) for name in ("load_raw_contract", "load_no_personal_data")]
        with step(log, "ran the data tests"):
            proven, never_null = proven_tests(con, models)
            tests += run_tests(con, sql_dir / "tests", models, proven, log, never_null)
        errors = [t for t in tests if not t.passed and t.severity == "error"]
        for test in tests:
            if test.passed:
                continue
            label = "FAIL" if test.severity == "error" else "WARN"
            log(f"{label} {test.name}: {test.failing_rows:,} rows break the rule; the first:")
            log(format_rows(test.columns, test.sample))
            if test.severity == "warn":
                warnings.append(f"{test.name}: {test.failing_rows} rows")
        log(f"data tests: {sum(t.passed for t in tests)} passed, {len(errors)} failed, "
            f"{sum(not t.passed and t.severity == 'warn' for t in tests)} warnings")
        if errors:
            raise BuildError(
                "data tests failed: " + ", ".join(t.name for t in errors)
                + f"; the served warehouse {target} was left untouched"
            )
        with step(log, "scanned seeds and models for personal data"):
            covered = proven_columns(con, models)
            check_personal_data(con, SCANNED_SCHEMAS, covered=covered)
            log(f"  {sum(map(len, covered.values()))} text columns of models pass scanned text on: covered by that scan")
        with step(log, "recorded the build and published"):
            write_meta(con, raw_files, model_runs, tests, raw_dir, seeds_dir, sql_dir, started)
            con.sql("use memory")
            con.sql(f"detach {SCRATCH}")
            con.sql("detach warehouse")
            con.close()
            publish.publish(temporary, target)
    finally:
        con.close()
        publish.discard(temporary)
        publish.discard(scratch)
        shutil.rmtree(spill, ignore_errors=True)
    seconds = time.perf_counter() - started
    log(f"published {target} in {seconds:.1f} s")
    return BuildReport(target, model_rows, tests, warnings, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="landing zone with <table>/*.parquet (default: %(default)s)")
    parser.add_argument("--seeds", type=Path, default=SEEDS_DIR, help="folder of seed CSVs (default: %(default)s)")
    parser.add_argument("--target", type=Path, default=WAREHOUSE, help="the served warehouse file (default: %(default)s)")
    parser.add_argument("--sql", type=Path, default=SQL_DIR, help="folder of SQL models and tests (default: %(default)s)")
    parser.add_argument(
        "--allow-shrink", action="store_true",
        help=f"publish even when a raw table is empty or lost more than {SHRINK_LIMIT:.0%}% of the served warehouse's rows",
    )
    parser.add_argument(
        "--wait", type=float, default=600, metavar="SECONDS",
        help="how long to wait for another build of the same warehouse to finish; 0 refuses at once (default: %(default)s)",
    )
    parser.add_argument(
        "--memory-limit", default=None, metavar="SIZE",
        help=f"most memory DuckDB may hold; beyond it, joins and aggregates spill to disk "
             f"(default: ${settings.BUILD_MEMORY} or {settings.DEFAULT_BUILD_MEMORY})",
    )
    args = parser.parse_args(argv)
    try:
        build(args.raw, args.seeds, args.target, args.sql, allow_shrink=args.allow_shrink, wait=args.wait,
              memory_limit=args.memory_limit)
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    if alerts.switched_on():  # QJGOV_ALERTS=1: the office server tells owners of falls (docs/deployment.md#alerts)
        alerts.after_build(args.target)
    return 0

