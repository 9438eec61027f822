"""Ad-hoc SQL on the warehouse, safe to offer on a public link.

Three walls, each enough on most attacks, together on all the corpus in tests/test_sandbox.py:

1. **A statement classifier** decides first, from DuckDB's own parser and tokenizer (never a
   regex): exactly one statement; it opens with a reading keyword (SELECT, WITH, FROM,
   VALUES, TABLE, DESCRIBE, SUMMARIZE, SHOW, PIVOT, UNPIVOT, EXPLAIN) and holds no keyword
   that writes or changes the session anywhere (so `WITH … INSERT`, `EXPLAIN ANALYZE CREATE …`
   and `CREATE TEMP TABLE x AS PIVOT …` are refused); it calls no function that reads files,
   runs SQL of its own or shows the host (read_csv, read_blob, glob, query, duckdb_settings,
   …); and no file path stands where a table goes (`FROM '/etc/passwd'`).
2. **A locked connection**: a `:memory:` database with the warehouse attached READ_ONLY, then
   external access off (no files, no network), extension install and autoload off, memory and
   thread limits, no temp directory, DuckDB's own statement time limit, and the configuration
   locked last, so no statement can undo any of it. A timer interrupts a statement that
   outlives the limit, as a backstop. Results stream: at most `max_rows` rows (and
   `max_cells` values) are fetched. The catalogue views that show the host (`pg_settings`,
   `duckdb_databases`, `pg_proc`, …) are refused by name; the warehouse is attached by a
   relative name, so no path of the host is in the catalogue either.
3. **A child process the operating system bounds** (`qjgov.limits.worker`) runs both: its
   address space is capped (the memory limit), its CPU too, and it is killed at the deadline,
   so no function call, parse or bind can pass the limits, whatever DuckDB does inside. At
   most `QJGOV_SQL_SLOTS` queries run at once for the whole server (`qjgov.limits.slots`);
   one more is told the server is busy. A statement longer than `MAX_SQL` characters is
   refused before anything reads it.

    python -m qjgov.sql [--warehouse PATH] [--timeout S] [--max-rows N] [--memory 1GB] [--json] "SQL"

The page and the command line share this module. Limits default to what a public
deployment should allow (5 s, 5,000 rows, 1 GB, two queries at once), on the commission's own
server (`QJGOV_MODE=office`) too; the local mode (`QJGOV_MODE=local`, `QJGOV_LOCAL=1`) raises them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from qjgov import settings
from qjgov.limits import slots, worker
from qjgov.paths import WAREHOUSE
from qjgov.warehouse.load import quote

READING_STARTS = {"select", "with", "from", "values", "table", "describe", "summarize", "show", "pivot", "unpivot",
                  "explain", "("}
# Verbs that write or change the session; none can take part in a read, wherever it stands.
FORBIDDEN_KEYWORDS = {
    "insert", "update", "delete", "create", "drop", "alter", "copy", "export", "import", "attach", "detach",
    "install", "load", "set", "reset", "pragma", "call", "begin", "commit", "rollback", "checkpoint", "vacuum",
    "truncate", "use", "merge", "prepare", "execute", "deallocate", "grant", "revoke",
}
# Table functions that read only the query's own values or the catalogue's names and comments.
SAFE_TABLE_FUNCTIONS = {
    "range", "generate_series", "unnest", "histogram", "histogram_values", "summary", "json_each", "json_tree",
    "pg_timezone_names", "icu_calendar_names", "duckdb_keywords", "duckdb_types", "duckdb_tables", "duckdb_columns",
    "duckdb_views", "duckdb_schemas", "duckdb_constraints", "duckdb_indexes",
}


def _table_functions() -> set[str]:
    con = duckdb.connect()
    try:
        return {row[0] for row in con.execute(
            "select distinct function_name from duckdb_functions() where function_type in ('table', 'table_macro')"
        ).fetchall()}
    finally:
        con.close()


# Every table function DuckDB has but the safe ones (reading files, running SQL of their own,
# showing the host, changing logging or checkpoints: all of them, including any a later DuckDB
# adds), and the scalar functions that show settings or the environment.
FORBIDDEN_FUNCTIONS = (_table_functions() - SAFE_TABLE_FUNCTIONS) | {"current_setting", "getenv", "repeat"}
# The catalogue's views over the tables and columns; every other built-in view (settings,
# databases and their paths, functions, logs, prepared statements) is refused by name.
SAFE_VIEWS = {"tables", "columns", "schemata", "views", "table_constraints", "key_column_usage", "check_constraints",
              "referential_constraints", "constraint_column_usage", "constraint_table_usage", "duckdb_columns",
              "duckdb_constraints", "duckdb_indexes", "duckdb_schemas", "duckdb_tables", "duckdb_types", "duckdb_views"}


def _internal_views() -> set[str]:
    con = duckdb.connect()
    try:
        return {row[0] for row in con.execute("select distinct view_name from duckdb_views() where internal").fetchall()}
    finally:
        con.close()


FORBIDDEN_VIEWS = _internal_views() - SAFE_VIEWS


def _setting_names() -> set[str]:
    con = duckdb.connect()
    try:
        return {row[0].lower() for row in con.execute("select name from duckdb_settings()").fetchall()}
    finally:
        con.close()


# `SHOW <setting>` answers any setting, the host's paths among them (allowed_paths).
SETTINGS = _setting_names()
MAX_ANSWER_BYTES = 16 * 2**20  # text of one answer at most; rows past it are left out ("the first N rows")
MAX_TEXT = 2_000  # characters of one text value returned; a longer one is cut
MAX_SQL = 20_000  # characters of one statement; a longer one is refused unread
MAX_NAME = 200  # characters of a column's name returned


def _cut(text: str, most: int = MAX_TEXT) -> str:
    """A message or name a query made, cut to `most` characters (`select error(lpad(…))` can
    make one of any length)."""
    return text if len(text) <= most else text[: most - 1] + "…"

# Keywords that end a FROM clause (a string after FROM, JOIN or a comma inside one is a path).
FROM_ENDS = {"where", "group", "order", "limit", "having", "qualify", "window", "union", "except", "intersect",
             "select", "on", "using", "offset"}
DEFAULTS = {"timeout": 5.0, "max_rows": 5_000, "memory": "1GB", "threads": 1, "max_cells": 250_000}
LOCAL = {"timeout": 60.0, "max_rows": 100_000, "memory": "4GB", "threads": 2, "max_cells": 5_000_000}
worker.preload(__name__)  # children start with the classifier's lists made
QUEUE_WAIT = 2.0  # seconds a query waits for a free slot before the visitor hears the server is busy
STARTUP = 0.5  # seconds the child may take to start and attach, on top of the time limit
ALLOWED = ("Only reading queries run here: one statement starting with SELECT, WITH, FROM, VALUES, DESCRIBE, "
           "SUMMARIZE, SHOW, PIVOT, UNPIVOT or EXPLAIN, on the warehouse's tables.")


class Refused(Exception):
    """The statement is not a read of the warehouse; the message says what is allowed."""


@dataclass
class Limits:
    timeout: float = DEFAULTS["timeout"]
    max_rows: int = DEFAULTS["max_rows"]
    memory: str = DEFAULTS["memory"]
    threads: int = DEFAULTS["threads"]
    max_cells: int = DEFAULTS["max_cells"]  # values of one answer (rows times columns)

    @classmethod
    def for_here(cls) -> "Limits":
        """The public defaults (also in the office mode), or the higher local ones in the local mode."""
        return cls(**(LOCAL if settings.local() else DEFAULTS))


@dataclass
class Answer:
    ok: bool
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    truncated: bool = False
    seconds: float = 0.0
    error: str | None = None
    busy: bool = False  # refused only because every SQL slot of the server was taken
    # why it was not answered, for a reader in any language: "refused" (not a read of the
    # warehouse), "long", "time", "memory", "busy" or "error" (DuckDB's own, as `error` says)
    kind: str = ""

    def to_json(self) -> dict:
        return {"ok": self.ok, "columns": self.columns, "rows": [[_plain(v) for v in row] for row in self.rows],
                "truncated": self.truncated, "seconds": round(self.seconds, 4), "error": self.error}


def _plain(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- the classifier


def classify(sql: str) -> str:
    """The one statement of `sql`, stripped, if it only reads; Refused otherwise."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        raise Refused(f"DuckDB cannot read this statement: {str(error).splitlines()[0]}") from None
    if len(statements) != 1:
        raise Refused(f"One statement at a time ({len(statements)} found). {ALLOWED}")
    statement = statements[0]
    try:
        kind = statement.type
    except ValueError:
        raise Refused(f"This kind of statement is not allowed. {ALLOWED}") from None
    if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.MULTI,
                    duckdb.StatementType.PRAGMA, duckdb.StatementType.RELATION):
        raise Refused(f"{kind.name.title()} statements are not allowed. {ALLOWED}")
    text = statement.query.strip().rstrip(";").strip()
    tokens = duckdb.tokenize(text)
    words = []
    for index, (start, token_type) in enumerate(tokens):
        end = tokens[index + 1][0] if index + 1 < len(tokens) else len(text)
        if token_type != duckdb.token_type.comment:  # a comment may stand between a name and its (
            words.append((text[start:end].strip(), token_type))
    if not words or words[0][0].lower() not in READING_STARTS:
        raise Refused(ALLOWED)
    in_from, depth = False, 0
    for index, (word, token_type) in enumerate(words):
        lowered = word.lower().strip('"')
        following = words[index + 1][0] if index + 1 < len(words) else ""
        previous = words[index - 1][0].lower() if index else ""
        if token_type == duckdb.token_type.keyword and lowered in FORBIDDEN_KEYWORDS:
            raise Refused(f"“{word.upper()}” writes or changes the session. {ALLOWED}")
        if lowered in FORBIDDEN_FUNCTIONS and following.startswith("("):
            raise Refused(f"{lowered}() reads files, runs SQL of its own or shows the host: not allowed here. {ALLOWED}")
        if lowered in FORBIDDEN_VIEWS and token_type == duckdb.token_type.identifier:
            raise Refused(f"{lowered} shows the server's settings or files: not allowed here. "
                          "The warehouse's tables and columns are in information_schema.tables and information_schema.columns.")
        if token_type == duckdb.token_type.keyword:
            if lowered in ("from", "join"):
                in_from = True
            elif lowered in FROM_ENDS:
                in_from = False
        depth += word.count("(") - word.count(")") if token_type == duckdb.token_type.operator else 0
        if token_type == duckdb.token_type.string_const and (previous in ("from", "join") or (in_from and depth == 0 and previous == ",")):
            raise Refused(f"A file or path where a table goes ({word}) is not allowed: query the warehouse's tables.")
    if kind == duckdb.StatementType.PRAGMA and words[0][0].lower() not in ("show", "describe", "summarize"):
        raise Refused(ALLOWED)
    for (word, _), (following, _) in zip(words, words[1:]):  # wherever it stands: `from (show allowed_paths)` too
        if word.lower() in ("show", "describe", "summarize") and following.lower().strip('"') in SETTINGS:
            raise Refused(f"{following} is a setting of the server: not allowed here. {ALLOWED}")
    return text


# --------------------------------------------------------------------------- the connection


def sandbox(warehouse: Path, limits: Limits) -> duckdb.DuckDBPyConnection:
    """A connection that can read the warehouse and nothing else, with its limits locked."""
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"attach {quote(str(warehouse))} as warehouse (read_only)")
    con.execute("use warehouse.marts")  # unqualified names read the marts; `show tables` lists them
    for setting in (  # the order matters: the last two forbid the others' changes
        f"set memory_limit = '{limits.memory}'",
        f"set threads = {int(limits.threads)}",
        "set temp_directory = ''",
        "set home_directory = ''",  # the host's folders are nobody's business
        "set secret_directory = ''",
        "set extension_directory = ''",
        "set enable_progress_bar = false",  # it would print into the command line's --json
        f"set max_execution_time = {int(limits.timeout * 1000)}",
        "set enable_external_access = false",
        "set lock_configuration = true",
    ):
        con.execute(setting)
    return con


def run(sql: str, warehouse: Path = WAREHOUSE, limits: Limits | None = None) -> Answer:
    """The answer to `sql`, worked out in a bounded child process while one of the server's SQL
    slots is held; never raises for the user's SQL."""
    limits = limits or Limits.for_here()
    began = time.perf_counter()
    if len(sql) > MAX_SQL:
        return Answer(False, error=f"The statement is {len(sql):,} characters long; at most {MAX_SQL:,} are read here.",
                      kind="long")
    if not Path(warehouse).exists():
        return Answer(False, error=f"no warehouse at {warehouse}: build it first (make run or python -m qjgov.build)")
    # niceness 15: a running query takes only the CPU the pages leave, so other visitors keep their speed
    bounds = worker.Bounds(seconds=limits.timeout + STARTUP, memory=worker.parse_size(limits.memory), nice=15,
                           output=4 * MAX_ANSWER_BYTES)
    try:
        with slots.slot("sql", settings.sql_slots(), wait=QUEUE_WAIT):
            answer = worker.call(answer_here, (sql, str(Path(warehouse).resolve()), limits), bounds)
    except slots.Busy:
        return Answer(False, error=f"The server is busy: {settings.sql_slots()} queries are running for other visitors. "
                                   "Try again in a few seconds.", seconds=time.perf_counter() - began, busy=True, kind="busy")
    except worker.Exceeded as exceeded:
        message = f"stopped after {limits.timeout:g} s, the time limit" if exceeded.bound == "time" else str(exceeded)
        return Answer(False, error=message, seconds=time.perf_counter() - began,
                      kind="time" if exceeded.bound == "time" else "memory")
    except worker.Failed as failed:
        return Answer(False, error=_cut(str(failed)), seconds=time.perf_counter() - began, kind="error")
    answer.seconds = time.perf_counter() - began
    return answer


def answer_here(sql: str, warehouse: str, limits: Limits) -> Answer:
    """Classify, then run on a locked connection, in this process (the child `run` starts)."""
    import os

    began = time.perf_counter()
    try:
        statement = classify(sql)
    except Refused as refusal:
        return Answer(False, error=_cut(str(refusal)), seconds=time.perf_counter() - began, kind="refused")
    os.chdir(Path(warehouse).parent)  # attached by its bare name: no host path in the catalogue
    try:
        con = sandbox(Path(Path(warehouse).name), limits)
    except duckdb.Error as error:
        return Answer(False, error=_message(error), kind="error")
    timer = threading.Timer(limits.timeout + 1.0, con.interrupt)  # backstop to DuckDB's own limit
    timer.start()
    try:
        con.execute(_bounded(con, statement))
        columns = [_cut(str(d[0]), MAX_NAME) for d in con.description or []]
        most = max(1, min(limits.max_rows, limits.max_cells // max(1, len(columns))))
        rows, size, truncated = [], 0, False
        while not truncated:
            batch = con.fetchmany(min(1_000, most + 1 - len(rows)))
            if not batch:
                break
            for row in batch:
                size += sum(len(value) if isinstance(value, (str, bytes)) else 16 for value in row)
                if len(rows) == most or (rows and size > MAX_ANSWER_BYTES):
                    truncated = True
                    break
                rows.append(list(row))
        con.abort() if truncated else con.complete()
        return Answer(True, columns, rows, truncated, time.perf_counter() - began)
    except duckdb.InterruptException:
        return Answer(False, error=f"stopped after {limits.timeout:g} s, the time limit", seconds=time.perf_counter() - began,
                      kind="time")
    except duckdb.Error as error:
        message = _message(error, limits)
        kind = "time" if message.startswith("stopped after") else "memory" if "the memory limit" in message else "error"
        return Answer(False, error=message, seconds=time.perf_counter() - began, kind=kind)
    finally:
        timer.cancel()
        con.close()


def _bounded(con: duckdb.DuckDBPyConnection, statement: str) -> str:
    """The statement with every text, blob or nested value cut to MAX_TEXT characters inside
    DuckDB, so no single value can grow past the limits once it leaves the engine."""
    try:
        described = con.execute(f"describe {statement}").fetchall()
    except duckdb.Error:
        return statement  # DESCRIBE, SHOW and the like: DuckDB answers them with small tables
    if not described:
        return statement
    parts = []
    for position, (name, kind, *_) in enumerate(described, start=1):
        alias = '"' + str(name).replace('"', '""') + '"'
        simple = kind.upper() in ("VARCHAR", "BLOB", "JSON") or kind.endswith("]") or kind.upper().startswith(("STRUCT", "MAP", "UNION"))
        parts.append(f"left(cast(#{position} as varchar), {MAX_TEXT}) as {alias}" if simple else f"#{position} as {alias}")
    return f"select {', '.join(parts)} from ({statement})"


def _message(error: Exception, limits: Limits | None = None) -> str:
    text = _cut(str(error).strip())
    if limits and ("max_execution_time" in text or "execution time" in text.lower()):
        return f"stopped after {limits.timeout:g} s, the time limit"
    if limits and "out of memory" in text.lower():
        return f"stopped: it needed more than {limits.memory}, the memory limit ({text.splitlines()[0]})"
    return text.splitlines()[0] if text else type(error).__name__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.sql", description=__doc__.split("\n\n")[0])
    here = Limits.for_here()
    parser.add_argument("sql", help="one reading statement")
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE, help="the warehouse file (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=here.timeout, help="seconds a statement may run (default: %(default)s)")
    parser.add_argument("--max-rows", type=int, default=here.max_rows, help="rows returned at most (default: %(default)s)")
    parser.add_argument("--memory", default=here.memory, help="memory limit (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    args = parser.parse_args(argv)
    answer = run(args.sql, args.warehouse, Limits(args.timeout, args.max_rows, args.memory, here.threads, here.max_cells))
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, default=str))
    elif answer.ok:
        print("\t".join(answer.columns))
        for row in answer.rows:
            print("\t".join("" if v is None else str(v) for v in row))
        print(f"({len(answer.rows):,} rows{', the first ' + str(len(answer.rows)) + ' shown' if answer.truncated else ''}, "
              f"{answer.seconds:.3f} s)", file=sys.stderr)
    else:
        print(answer.error, file=sys.stderr)
    return 0 if answer.ok else 1
