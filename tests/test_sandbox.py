"""The SQL sandbox under attack: every statement of the corpus is refused or bounded, through
the command line and through the page, and neither the warehouse file nor the file system
changes; honest analytical queries keep working."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from qjgov.paths import ROOT
from qjgov.limits.sandbox import Limits, classify, Refused, run

APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp("sandbox")
    return build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=1500, log=lambda m: None)


def attacks(warehouse: Path, canary: Path) -> list[str]:
    raw_file = next((warehouse.parent / "raw" / "cases").glob("*.parquet"))
    return [
        "select * from read_text('/etc/passwd')",
        "select * from read_csv('/etc/passwd')",
        "select * from read_csv_auto('/etc/passwd')",
        "select * from read_blob('/etc/passwd')",
        "select * from sniff_csv('/etc/passwd')",
        "from '/etc/passwd'",
        "select * from '/etc/pass*'",
        "select * from glob('/etc/*')",
        f"select * from read_blob('{warehouse}')",
        f"select * from read_parquet('{raw_file}')",
        f"from '{raw_file}'",
        f"select * from marts.goals, '{raw_file}'",
        f"copy (select 1) to '{canary}'",
        f"copy marts.goals to '{canary}'",
        f"export database '{canary.parent / 'exported'}'",
        f"attach '{canary}' as other",
        "attach ':memory:' as scratch",
        "install httpfs",
        "load httpfs",
        "load '/tmp/evil.duckdb_extension'",
        "set enable_external_access = true",
        "set lock_configuration = false",
        "reset memory_limit",
        "set memory_limit = '100GB'",
        "set threads = 64",
        "create table marts.evil as select 1",
        "insert into marts.goals select * from marts.goals",
        "update marts.goal_progress set status = 'achieved'",
        "delete from marts.goal_progress",
        "drop table marts.goal_progress",
        "create temp table x as select 1",
        "create temp table x as pivot marts.goal_progress on status using count(*)",
        "explain analyze create temp table x as select 1",
        "create temporary secret s (type http, bearer_token 'x')",
        "set variable v = 1",
        "begin",
        "select 1; select 2",
        "with x as (select 1 as a) insert into marts.goals select * from x",
        "select * from query('select 1')",
        "select * from duckdb_databases()",
        "select * from duckdb_settings()",
        "select current_setting('temp_directory')",
        "checkpoint",
        "vacuum",
        "pragma database_list",
        "call pragma_version()",
        # found by a review: a comment between a name and its (, table functions off any list
        f"select size from read_blob /**/ ('{warehouse}')",
        f"select count(*) from read_single_csv_file('{warehouse}', columns={{'a': 'varchar'}}, header=false)",
        "select database_name, path from duckdb_databases /* x */ ()",
        "select name, value from duckdb_settings -- x\n () where value like '%/%'",
        "select current_setting /**/ ('memory_limit')",
        "select * from query /**/ ('select 42')",
        "select * from duckdb_extension_repositories()",
        "select * from \"read_text\"('/etc/passwd')",
        "select repeat('x', 1500000000) as s",
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_attack_is_refused_or_bounded_and_nothing_changes(warehouse, tmp_path):
    canary = tmp_path / "canary.csv"
    before = digest(warehouse)
    listing = sorted(p.name for p in warehouse.parent.iterdir())
    corpus = attacks(warehouse, canary)
    assert len(corpus) >= 35
    answers = {sql: run(sql, warehouse, Limits()) for sql in corpus}
    wrongly_answered = [sql for sql, answer in answers.items() if answer.ok]
    assert not wrongly_answered, wrongly_answered
    assert all(answer.error and "Traceback" not in answer.error for answer in answers.values())
    assert not canary.exists() and not (tmp_path / "exported").exists()
    assert digest(warehouse) == before
    assert sorted(p.name for p in warehouse.parent.iterdir()) == listing
    # and the refusals say what is allowed
    assert "Only reading queries" in answers["install httpfs"].error


def test_runaway_queries_are_stopped_or_capped(warehouse):
    limits = Limits(timeout=2, max_rows=1000)
    stopped = run("select count(*) from range(1000000000000)", warehouse, limits)
    assert not stopped.ok and "time limit" in stopped.error and stopped.seconds < 10
    capped = run("select * from range(100000000)", warehouse, limits)
    assert capped.ok and capped.truncated and len(capped.rows) == 1000
    cross = run("select a.* from marts.goal_progress_by_department a, marts.goal_progress_by_department b, "
                "marts.goal_progress_by_department c", warehouse, limits)
    assert (cross.ok and cross.truncated and len(cross.rows) == 1000) or (not cross.ok and "time limit" in cross.error)


@pytest.mark.parametrize(
    "sql",
    [
        "with months as (select as_of, count(*) as n from marts.goal_progress group by as_of) select * from months order by as_of",
        "select goal_id, actual, avg(actual) over (partition by goal_id order by as_of rows 2 preceding) as smooth from marts.goal_progress",
        "summarize marts.goal_progress",
        "pivot marts.goal_progress on status using count(*) group by goal_id",
        "pivot marts.goal_progress on status in ('achieved', 'missed') using count(*) group by goal_id",
        "from marts.goals select goal_id, goal_name_en",
        "describe marts.goal_progress",
        "select comment, replace(channel, '渝快办', 'Y') from staging.stg_reviews limit 5",
        "explain select * from marts.goals",
        "select case when actual > target then 'ahead' else 'behind' end as side, count(*) from marts.goal_progress group by all",
    ],
)
def test_honest_analytical_queries_keep_working(warehouse, sql):
    answer = run(sql, warehouse, Limits())
    assert answer.ok, answer.error


def test_the_command_line_answers_in_json_with_exit_codes(warehouse):
    command = [sys.executable, "-m", "qjgov.sql", "--warehouse", str(warehouse), "--json"]
    good = subprocess.run([*command, "select goal_id from marts.goals order by 1 limit 2"], cwd=ROOT, capture_output=True, text=True)
    assert good.returncode == 0
    assert json.loads(good.stdout) == {"ok": True, "columns": ["goal_id"], "rows": [["G01"], ["G02"]], "truncated": False,
                                       "seconds": json.loads(good.stdout)["seconds"], "error": None}
    bad = subprocess.run([*command, "copy marts.goals to '/tmp/x.csv'"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and json.loads(bad.stdout)["ok"] is False
    capped = subprocess.run([*command, "--max-rows", "3", "select * from range(10)"], cwd=ROOT, capture_output=True, text=True)
    assert json.loads(capped.stdout)["truncated"] is True and len(json.loads(capped.stdout)["rows"]) == 3


def test_a_name_without_its_schema_reads_the_marts(warehouse):
    tables = run("show tables", warehouse, Limits())
    assert tables.ok and ["goal_progress"] in tables.rows, tables
    unqualified = run("select count(*) from goal_progress", warehouse, Limits())
    assert unqualified.ok and unqualified.rows == run("select count(*) from marts.goal_progress", warehouse, Limits()).rows
    assert run("select count(*) from raw.cases", warehouse, Limits()).ok


def test_long_values_are_cut_inside_duckdb(warehouse):
    answer = run("select lpad('x', 50000, 'y') as long_text, 1 as n", warehouse, Limits())
    assert answer.ok and len(answer.rows[0][0]) == 2000 and answer.rows[0][1] == 1


def test_the_classifier_reads_statements_not_text():
    assert classify("select 'insert into t' as words, 'read_text(x)' as more").startswith("select")
    assert classify("select * from range(3) as r, unnest(['a', 'b']) as u(x)")
    assert classify("select \"update\" from (select 1 as \"update\")")
    for sql in ("", "   ", "-- nothing"):
        with pytest.raises(Refused):
            classify(sql)


@pytest.mark.parametrize("sql", ["copy marts.goals to '/tmp/page.csv'", "select * from read_text('/etc/passwd')", "drop table marts.goals"])
def test_the_page_refuses_calmly(warehouse, monkeypatch, sql):
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    before = digest(warehouse)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lang": "en", "q": sql})
    at.switch_page("pages/sql.py").run()
    assert not at.exception
    assert any(sql.split()[0].upper() in info.value.upper() or "not allowed" in info.value or "Only reading" in info.value
               for info in at.info), [i.value for i in at.info]
    assert not at.dataframe or all("page" not in str(frame.value.columns) for frame in at.dataframe)
    assert digest(warehouse) == before


def test_the_page_answers_and_keeps_the_query_in_the_url(warehouse, monkeypatch):
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lang": "en"})
    at.switch_page("pages/sql.py").run()
    assert not at.exception
    at.text_area[0].set_value("select goal_id, status from marts.goal_progress where as_of = (select max(as_of) from marts.goal_progress)")
    at.button[0].click().run()
    assert not at.exception
    assert any("21 rows" in caption.value for caption in at.caption)
    assert "select goal_id, status" in at.query_params["q"][0] if isinstance(at.query_params["q"], list) else at.query_params["q"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(con.sql("select goal_id, status from marts.goal_progress where as_of = (select max(as_of) from marts.goal_progress)").fetchall())
    frame = [f.value for f in at.dataframe if "goal_id" in f.value.columns][-1]
    assert dict(zip(frame["goal_id"], frame["status"])) == statuses


@pytest.mark.parametrize("sql, columns", [
    # select * over a join: a name twice
    ("select * from marts.goals g join marts.goal_progress p using (goal_id) limit 3", None),
    ("select 1 as a, 2 as a, 3 as a_2", ["a", "a_3", "a_2"]),  # the query's own a_2 kept
    ("select 170141183460469231731687303715884105727::hugeint as big, -1::hugeint as small", ["big", "small"]),
    # a column empty in its first hundred rows, text after
    ("select case when i > 150 then '帮办代办' end as channel, i from range(200) t(i)", ["channel", "i"]),
    ("select '8f3c2a9e-0d4b-4c1e-9a57-3b6f1e2d4c5a'::uuid as id, 1.50::decimal(4, 2) as amount, time '01:02' as at, interval 3 day as span", None),
])
def test_the_page_shows_any_answer(warehouse, monkeypatch, sql, columns):
    """What DuckDB answers, the page shows: repeated names numbered, a column typed from all
    its rows, types a frame has no kind for shown as text."""
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    expected = run(sql, warehouse, Limits())
    assert expected.ok, expected.error
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lang": "en", "q": sql})
    at.switch_page("pages/sql.py").run()
    assert not at.exception, at.exception
    frame = at.dataframe[-1].value
    assert len(frame) == len(expected.rows) and len(frame.columns) == len(expected.columns)
    if columns:
        assert list(frame.columns) == columns
    assert [shown(v) for v in frame.iloc[-1].tolist()] == [shown(v) for v in expected.rows[-1]]


def shown(value: object) -> object:
    """A value as a reader sees it in the table, whichever library holds it."""
    import pandas as pd

    if value is None or pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value)
    if isinstance(value, (dt.timedelta, pd.Timedelta)):
        return pd.Timedelta(value)
    return str(value)


def test_the_page_examples_answer(warehouse):
    from qjgov.app.sql_page import EXAMPLES

    assert len(EXAMPLES) >= 5
    for key, sql in EXAMPLES.items():
        answer = run(sql, warehouse, Limits())
        assert answer.ok and answer.rows, (key, answer.error)


def test_the_whole_corpus_through_the_command_line_and_the_page(warehouse, tmp_path, monkeypatch):
    """The same attacks as the command line and the page receive them: refused or failed,
    never answered, and nothing changes."""
    canary = tmp_path / "canary.csv"
    before = digest(warehouse)
    corpus = attacks(warehouse, canary)
    answered = []
    for sql in corpus:
        result = subprocess.run([sys.executable, "-m", "qjgov.sql", "--warehouse", str(warehouse), "--json", sql],
                                cwd=ROOT, capture_output=True, text=True)
        answer = json.loads(result.stdout)
        if result.returncode != 1 or answer["ok"] or "Traceback" in result.stderr:
            answered.append(sql)
    assert not answered, answered
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lang": "en"})
    at.switch_page("pages/sql.py").run()
    for sql in corpus:
        at.text_area[0].set_value(sql)
        at.button[0].click().run()
        assert not at.exception, sql
        assert at.info and not any("rows in" in c.value for c in at.caption), sql
    assert not canary.exists() and digest(warehouse) == before


def test_the_one_local_setting_raises_the_limits(monkeypatch):
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)
    assert Limits.for_here() == Limits(5.0, 5_000, "1GB", 1)
    monkeypatch.setenv("QJGOV_LOCAL", "1")
    public, local = Limits(), Limits.for_here()
    assert local.timeout > public.timeout and local.max_rows > public.max_rows


# --------------------------------------------------------------------------- bounded by the OS

# One function call, parse or bind that DuckDB's own limits do not stop (each passed 5 s or
# 1 GB, or both, when the sandbox ran in the page's process).
ESCAPES = [
    "select length(lpad('', 1000000000, 'x'))",
    "select length(rpad('x', 2000000000, 'y'))",
    "select length(printf('%0999999999d', 1))",
    "select length(array_to_string(range(100000000), ','))",
    "select len(range(1000000000))",
    "select len(list_concat(range(300000000), range(300000000)))",
    "select length(string_agg(x, '')) from (select lpad('', 100000000, 'x') as x from range(20))",
]


@pytest.mark.parametrize("sql", ESCAPES)
def test_one_call_cannot_pass_the_time_or_memory_limit(warehouse, sql):
    before = resident()
    answer = run(sql, warehouse, Limits())
    assert not answer.ok, answer.rows
    assert "time limit" in answer.error or "memory limit" in answer.error, answer.error
    assert answer.seconds < Limits().timeout + 2
    grown = resident() - before
    assert grown < 200 * 1024 * 1024, f"this process grew by {grown / 1e6:.0f} MB"


def resident() -> int:
    """This process's resident memory now, in bytes (not the high-water mark, which an earlier
    build in the same process may have set)."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


def test_an_answer_is_bounded_in_bytes_too(warehouse):
    """Wide text in every cell: the answer stops near its byte bound, marked cut, so no answer
    can fill the page's process."""
    from qjgov.limits.sandbox import MAX_ANSWER_BYTES

    columns = ", ".join(f"lpad('', 5000, 'x') as c{i}" for i in range(50))
    answer = run(f"select {columns} from range(2540)", warehouse, Limits())
    assert answer.ok and answer.truncated
    size = sum(len(value) for row in answer.rows for value in row)
    assert 0 < size <= MAX_ANSWER_BYTES and len(answer.rows) < 2540


def test_a_statement_past_the_length_bound_is_refused_unread(warehouse):
    sql = "select 1 in (" + ",".join(["1"] * 1_000_000) + ")"  # 18 s and 2.9 GB at parse and bind, unbounded
    answer = run(sql, warehouse, Limits())
    assert not answer.ok and "at most 20,000" in answer.error and answer.seconds < 1
    near = "select 1 in (" + ",".join(["1"] * 9_000) + ")"  # under the bound: parsed in the child
    assert run(near, warehouse, Limits()).rows == [[True]]


def test_the_worker_is_bounded_by_the_operating_system():
    """The walls under the sandbox, on plain Python: an allocation past the memory bound fails
    in the child, a child past its time is killed, an answer past its size never arrives."""
    import time

    from qjgov.limits import worker

    with pytest.raises(worker.Exceeded) as memory:
        worker.call(bytearray, (2 << 30,), worker.Bounds(seconds=10, memory=1 << 30))
    assert memory.value.bound == "memory"
    began = time.perf_counter()
    with pytest.raises(worker.Exceeded) as late:
        worker.call(time.sleep, (60,), worker.Bounds(seconds=1, memory=1 << 30))
    assert late.value.bound == "time" and time.perf_counter() - began < 5
    with pytest.raises(worker.Exceeded) as big:
        worker.call(bytes, (64 << 20,), worker.Bounds(seconds=10, memory=1 << 30, output=1 << 20))
    assert big.value.bound == "output"
    assert worker.call(sum, ([1, 2, 3],), worker.Bounds(seconds=10, memory=1 << 30)) == 6


def test_the_command_line_is_bounded_too(warehouse):
    import time

    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "qjgov.sql", "--warehouse", str(warehouse), "--json",
                             "select length(lpad('', 1000000000, 'x'))"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and "time limit" in json.loads(result.stdout)["error"]
    assert time.perf_counter() - began < 15


# Views and functions over the host's settings, databases (with their paths) and functions.
HOST_VIEWS = [
    "select * from pg_settings",
    "select name, setting from pg_catalog.pg_settings where setting like '%/%'",
    "select * from system.pg_catalog.\"PG_SETTINGS\"",
    "select * from pg_database",
    "select * from pg_proc",
    "select * from duckdb_databases",
    "select * from pragma_database_list",
    "select * from duckdb_logs",
    "select * from pg_prepared_statements",
    "select * from sqlite_master",
    "show allowed_paths",
    "show memory_limit",
    "select * from (show allowed_paths)",  # found by a tester: SHOW of a setting inside a query
    "with s as (show temp_directory) select * from s",
    "select * from (from (show allowed_directories))",
    "describe \"secret_directory\"",
]


@pytest.mark.parametrize("sql", HOST_VIEWS)
def test_host_settings_and_paths_are_not_readable(warehouse, sql):
    answer = run(sql, warehouse, Limits())
    assert not answer.ok and "not allowed" in answer.error, answer


def test_the_catalogue_still_lists_tables_and_columns_with_no_host_path(warehouse):
    host = str(warehouse.parent)
    listed = {
        sql: run(sql, warehouse, Limits())
        for sql in (
            "select table_schema, table_name from information_schema.tables",
            "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'",
            "select * from duckdb_tables()", "select * from duckdb_columns()", "select * from duckdb_views()",
            "select * from information_schema.schemata", "show databases", "show all tables",
            "explain select * from marts.goal_progress", "select current_database(), current_schema()",
        )
    }
    assert all(answer.ok for answer in listed.values()), {sql: a.error for sql, a in listed.items() if not a.ok}
    assert ["marts", "goal_progress"] in listed["select table_schema, table_name from information_schema.tables"].rows
    leaked = [sql for sql, answer in listed.items() if host in json.dumps(answer.to_json(), ensure_ascii=False)]
    assert not leaked, leaked


def test_a_fixed_number_of_queries_at_once_for_the_whole_server(warehouse, monkeypatch, tmp_path):
    """Every slot held (by other app processes, say): the next query hears the server is busy
    within the queue's wait, and runs once a slot frees."""
    from contextlib import ExitStack

    from qjgov import settings
    from qjgov.limits import slots

    monkeypatch.setenv("QJGOV_RUN_DIR", str(tmp_path / "run"))
    assert settings.sql_slots() == 2
    with ExitStack() as held:
        for _ in range(2):
            held.enter_context(slots.slot("sql", 2))
        assert slots.taken("sql", 2) == 2
        busy = run("select 1", warehouse, Limits())
        assert not busy.ok and "busy" in busy.error and busy.seconds < 5
    assert run("select 1", warehouse, Limits()).rows == [[1]]


def test_messages_and_names_a_query_makes_are_bounded(warehouse):
    """An error or a column name is as long as the query makes it: both are cut (a tester's
    `select error(lpad(…))` filled the page's message box with 30 MB)."""
    error = run("select error(lpad('', 30000000, 'x'))", warehouse, Limits())
    assert not error.ok and len(error.error) <= 2_000
    wide = run("pivot (select lpad('', 500000, 'x') || r::varchar as k, 1 as v from range(20) t(r)) on k using sum(v)",
               warehouse, Limits())
    assert wide.ok and wide.columns and all(len(name) <= 200 for name in wide.columns)


def test_the_command_lines_json_is_json_for_a_slow_query(warehouse):
    """DuckDB's progress bar, which it prints after two seconds, never reaches the output."""
    result = subprocess.run([sys.executable, "-m", "qjgov.sql", "--warehouse", str(warehouse), "--json", "--timeout", "4",
                             "select count(*) from range(100000) a, range(100000) b where a.range * b.range % 7 = 3"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.startswith("{"), result.stdout[:200]
    assert json.loads(result.stdout)["ok"] in (True, False)


@pytest.mark.parametrize("sql, key", [
    ("select * from pg_settings", "sql.refused"),
    ("select length(lpad('', 1000000000, 'x'))", "sql.time"),
    ("select len(range(1000000000))", "sql.memory"),
    ("select * from no_such_table", "sql.failed"),
])
def test_the_page_says_why_in_the_readers_language(warehouse, monkeypatch, sql, key):
    from qjgov.present import words

    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lang": "zh", "q": sql})
    at.switch_page("pages/sql.py").run()
    assert not at.exception
    lead = words.t("zh", key, seconds="5", memory="1GB")
    assert any(info.value.startswith(lead) for info in at.info), [i.value for i in at.info]
