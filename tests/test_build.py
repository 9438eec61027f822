"""The build runner: model order, write-audit-publish, clear errors, readable by DuckDB 1.x."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import write_raw
from qjgov.warehouse.build import BuildError, build, build_order, discover_models, parse_header, parse_tags, referenced_tables
from qjgov.paths import ROOT, SEEDS_DIR, SQL_DIR

CLI = Path(sys.executable).parent / "duckdb"

ITEM = dict(
    snapshot_date=dt.date(2021, 12, 31), item_code="A1", item_name="医师执业注册", category="行政许可",
    on_application=True, department="医政医管科", statutory_days=20, promised_days=5, handling_type="承诺件",
    online_depth=4, site_visits=0, on_yukuaiban=True, in_hall=True, chief_rep=True,
)
CASE = dict(
    case_id="C1", item_code="A1", applicant_type="个人", channel="窗口", township="城东街道",
    submitted_at=dt.datetime(2021, 3, 1, 9), accepted_at=dt.datetime(2021, 3, 1, 10),
    completed_at=dt.datetime(2021, 3, 5, 10), status="办结", credit_checked=True,
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_sql(tmp_path: Path) -> Path:
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    return sql_dir


def test_models_run_after_the_tables_they_name(tmp_path):
    sql_dir = tmp_path / "sql"
    for layer in ("staging", "intermediate", "marts", "tests"):
        (sql_dir / layer).mkdir(parents=True)
    # Alphabetical order would be wrong on purpose: a_last needs b_middle, which needs stg_first.
    (sql_dir / "marts" / "a_last.sql").write_text("-- grain: x\n-- materialized: table\nselect * from intermediate.b_middle -- it's the last\n")
    (sql_dir / "intermediate" / "b_middle.sql").write_text("-- grain: x\n-- materialized: table\nselect 'marts.a_last' as s, * from staging.stg_first\n")
    (sql_dir / "staging" / "stg_first.sql").write_text("-- grain: x\n-- materialized: table\nselect 1 as x\n")
    order = build_order(discover_models(sql_dir))
    assert order == ["staging.stg_first", "intermediate.b_middle", "marts.a_last"]


def test_names_in_strings_and_comments_are_not_dependencies():
    sql = "-- reads staging.stg_a, doesn't it\nselect 'intermediate.int_b' from marts.m /* raw.x */"
    assert referenced_tables(sql) == {"marts.m"}


def test_a_cycle_and_an_unknown_table_are_refused(tmp_path):
    sql_dir = tmp_path / "sql"
    (sql_dir / "marts").mkdir(parents=True)
    (sql_dir / "marts" / "a.sql").write_text("-- grain: x\n-- materialized: table\nselect * from marts.b")
    (sql_dir / "marts" / "b.sql").write_text("-- grain: x\n-- materialized: table\nselect * from marts.a")
    with pytest.raises(BuildError, match="cycle"):
        build_order(discover_models(sql_dir))
    (sql_dir / "marts" / "b.sql").write_text("-- grain: x\n-- materialized: table\nselect * from intermediate.missing")
    with pytest.raises(BuildError, match="intermediate.missing"):
        discover_models(sql_dir)


def test_header_comments_become_model_and_column_descriptions():
    description, columns = parse_header(
        "-- One row per goal.\n-- For the app.\n-- columns:\n--   actual: the value\n--   to_go: units\n--     still needed\nselect 1"
    )
    assert description == "One row per goal. For the app."
    assert columns == {"actual": "the value", "to_go": "units still needed"}


def test_build_publishes_a_warehouse_with_comments_and_meta(tmp_path):
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    target = tmp_path / "warehouse.duckdb"
    lines: list[str] = []
    report = build(tmp_path / "raw", SEEDS_DIR, target, SQL_DIR, log=lines.append, allow_shrink=True)
    assert target.exists()
    assert not list(tmp_path.glob(".*building*"))
    assert report.model_rows["marts.goal_progress"] == 21 * 12  # 21 goals × the month-ends up to 2021-12-31
    # each model's time and row count is printed
    assert any("marts.goal_progress " in line and " rows " in line for line in lines)
    with duckdb.connect(str(target), read_only=True) as con:
        comment = con.sql(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = 'goal_progress'"
        ).fetchall()[0][0]
        assert comment.startswith("Where the commission stands on every goal")
        column_comment = con.sql(
            "select comment from duckdb_columns() where table_name = 'goal_progress' and column_name = 'to_go'"
        ).fetchall()[0][0]
        assert "more units needed" in column_comment
        assert con.sql("select count(*) from meta.test_results where not passed and severity = 'error'").fetchall() == [(0,)]
        assert con.sql("select sum(row_count) from meta.raw_files where raw_table = 'cases'").fetchall() == [(1,)]


def test_a_failing_data_test_leaves_the_served_warehouse_untouched(tmp_path):
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    target = tmp_path / "warehouse.duckdb"
    build(tmp_path / "raw", SEEDS_DIR, target, SQL_DIR, log=lambda m: None, allow_shrink=True)
    before = digest(target)

    sql_dir = copy_sql(tmp_path)
    (sql_dir / "tests" / "assert_no_case_from_district_a1.sql").write_text(
        "select case_id, item_code from staging.stg_cases where item_code = 'A1'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "qjgov.build", "--raw", str(tmp_path / "raw"), "--target", str(target), "--sql", str(sql_dir), "--allow-shrink"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode != 0
    assert "assert_no_case_from_district_a1" in result.stderr
    assert "C1 | A1" in result.stdout  # the first failing rows are shown
    assert digest(target) == before
    assert not list(tmp_path.glob(".*building*"))


def test_a_failing_model_is_named_and_nothing_is_published(tmp_path):
    write_raw(tmp_path / "raw", {"items": [ITEM]})
    sql_dir = copy_sql(tmp_path)
    (sql_dir / "marts" / "broken.sql").write_text("-- grain: goal_id\n-- materialized: table\nselect no_such_column from marts.goal_progress\n")
    target = tmp_path / "warehouse.duckdb"
    with pytest.raises(BuildError, match=r"(?s)model marts\.broken .*no_such_column"):
        build(tmp_path / "raw", SEEDS_DIR, target, sql_dir, log=lambda m: None, allow_shrink=True)
    assert not target.exists()
    assert not list(tmp_path.glob(".*building*"))


def test_missing_raw_table_and_missing_column_get_clear_errors(tmp_path):
    raw = tmp_path / "raw"
    write_raw(raw, {"items": [ITEM]})
    shutil.rmtree(raw / "complaints")
    with pytest.raises(BuildError, match=r"raw table complaints: no Parquet files"):
        build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)

    write_raw(raw, {"items": [ITEM]})
    con = duckdb.connect()
    con.sql(f"copy (select * exclude (status) from read_parquet('{raw}/cases/part-0.parquet')) to '{raw}/cases/part-0.parquet'")
    with pytest.raises(BuildError, match=r"cases.*lacks the contract's columns \['status'\]"):
        build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)


def test_records_outside_the_catalogue_are_warnings_not_failures(tmp_path):
    stray = dict(CASE, case_id="C2", item_code="NOT-IN-CATALOGUE")
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE, stray]})
    report = build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    assert any(w.startswith("warn_records_item_not_in_catalogue: 1 rows") for w in report.warnings)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        departments = con.sql(
            "select department from marts.goal_progress_by_department where goal_id = 'G16' and as_of = '2021-12-31' order by 1"
        ).fetchall()
    assert departments == [("医政医管科",), ("未关联事项",)]


def test_the_workday_calendar_is_official(tmp_path):
    write_raw(tmp_path / "raw", {"items": [ITEM]})
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from raw.workday_calendar where year(calendar_date) = 2021 and is_workday").fetchall() == [(250,)]
        rows = dict(con.sql("select calendar_date, is_workday from raw.workday_calendar where calendar_date in ('2021-02-07', '2021-10-04')").fetchall())
        assert rows == {dt.date(2021, 2, 7): True, dt.date(2021, 10, 4): False}
        first, last = con.sql("select min(calendar_date), max(calendar_date) from raw.workday_calendar").fetchall()[0]
        assert first <= dt.date(2020, 1, 1) and last >= dt.date(2022, 12, 31)


def test_the_calendar_says_of_every_day_what_the_package_says():
    import chinese_calendar

    from qjgov.warehouse.calendar import calendar_rows

    for day, is_workday, is_makeup, holiday in calendar_rows():
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        assert is_workday == chinese_calendar.is_workday(day), day
        assert is_makeup == (day.weekday() >= 5 and chinese_calendar.is_workday(day)), day
        assert holiday == (name if on_holiday and name else None), day


def test_the_duckdb_1x_cli_reads_the_warehouse(tmp_path):
    assert CLI.exists(), "the duckdb-cli package (requirements.txt) provides the 1.x CLI"
    version = subprocess.run([str(CLI), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v1."), version
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    target = tmp_path / "warehouse.duckdb"
    build(tmp_path / "raw", SEEDS_DIR, target, SQL_DIR, log=lambda m: None, allow_shrink=True)
    result = subprocess.run(
        [str(CLI), "-readonly", "-csv", str(target), "-c",
         "select goal_id, status from marts.goal_progress where goal_id = 'G16' and as_of = '2021-12-31'"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["goal_id,status", "G16,achieved"]
    # A small table takes one small block: a warehouse of a few rows is not megabytes of blocks
    # (2.2 MB; at DuckDB's default block of 256 KiB it took 8.7 MB).
    assert target.stat().st_size < 4 * 2**20, f"{target.stat().st_size:,} bytes"
    # The staging views call the build's macro trimmed(), kept in the file: they read in the
    # 1.x CLI too, the file opened or attached under another name.
    for args in (["-readonly", "-csv", str(target), "-c", "select case_id from staging.stg_cases"],
                 ["-csv", "-c", f"attach '{target}' as w (read_only); select case_id from w.staging.stg_cases"]):
        result = subprocess.run([str(CLI), *args], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == ["case_id", CASE["case_id"].strip()]


def test_every_model_states_its_grain_and_the_grain_is_tested(tmp_path):
    models = discover_models(SQL_DIR)
    assert all(model.tags.get("grain") for model in models.values())
    sql_dir = copy_sql(tmp_path)
    (sql_dir / "marts" / "no_grain.sql").write_text("-- A model without a grain.\nselect 1 as x\n")
    with pytest.raises(BuildError, match=r"marts.no_grain .* does not state its grain"):
        discover_models(sql_dir)
    (sql_dir / "marts" / "no_grain.sql").unlink()
    (sql_dir / "marts" / "doubled.sql").write_text(
        "-- Two rows per goal, though the header says one.\n-- grain: goal_id\n-- materialized: table\n-- not_null: goal_id\n"
        "-- accepted: status = achieved\nselect goal_id, status from marts.goal_progress\n"
    )
    # A view's tests are screened in one pass; a second grain line, which the screen does not
    # group by, runs on its own, and a null the screen counts is shown row by row.
    (sql_dir / "marts" / "second_grain.sql").write_text(
        "-- Goals by month, not goals alone.\n-- grain: goal_id, as_of\n-- grain: goal_id\n-- materialized: view\n"
        "-- not_null: goal_id, missing\nselect goal_id, as_of, null::double as missing from marts.goal_progress\n"
    )
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    lines: list[str] = []
    with pytest.raises(BuildError, match=r"grain__marts\.doubled.*accepted__marts\.doubled\.status"):
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", sql_dir, log=lines.append, allow_shrink=True)
    assert any(line.startswith("FAIL grain__marts.doubled: 21 rows") for line in lines)
    assert not any("not_null__marts.doubled" in line for line in lines)
    assert len([line for line in lines if line.startswith("FAIL not_null__marts.second_grain: ")]) == 1
    assert [line for line in lines if line.startswith("FAIL grain__marts.second_grain")] == ["FAIL grain__marts.second_grain: 21 rows break the rule; the first:"]


def test_tags_are_not_part_of_the_description():
    sql = "-- One row per goal.\n-- grain: goal_id\n-- not_null: goal_id, status\n-- accepted: status = a, b\nselect 1"
    assert parse_header(sql)[0] == "One row per goal."
    assert parse_tags(sql) == {"grain": ["goal_id"], "not_null": ["goal_id, status"], "accepted": ["status = a, b"]}


def test_models_are_kept_as_their_headers_say_and_the_published_file_is_compact(tmp_path):
    models = discover_models(SQL_DIR)
    assert {m.materialized for n, m in models.items() if n.startswith("staging.")} == {"view"}
    # Marts are tables, but for the one record list that would otherwise store the plan year's
    # cases a second time (four rows a case): a view over staging.
    assert {n for n, m in models.items() if n.startswith("marts.") and m.materialized != "table"} == {"marts.case_goal_records"}
    assert models["marts.case_goal_records"].materialized == "view"
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    target = tmp_path / "w.duckdb"
    build(tmp_path / "raw", SEEDS_DIR, target, SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(target), read_only=True) as con:
        views = {f"{s}.{v}" for s, v in con.sql("select schema_name, view_name from duckdb_views() where not internal").fetchall()}
        tables = {f"{s}.{t}" for s, t in con.sql("select schema_name, table_name from duckdb_tables()").fetchall()}
        assert views == {n for n, m in models.items() if m.materialized == "view"}
        assert not {n for n, m in models.items() if m.materialized == "temporary"} & tables
        assert {n for n, m in models.items() if m.materialized == "table"} <= tables
        # a view reads like a table, comments included
        assert con.sql("select count(*) from staging.stg_cases").fetchall() == [(1,)]
        assert con.sql("select comment from duckdb_views() where view_name = 'stg_cases'").fetchall()[0][0].startswith("Cases")
        free, total = con.sql("select free_blocks, total_blocks from pragma_database_size()").fetchall()[0]
        assert free <= max(2, total // 50), (free, total)
        kept = dict(con.sql("select model, materialized from meta.model_runs").fetchall())
        assert kept["intermediate.int_duty_counts"] == "temporary" and kept["staging.stg_cases"] == "view"
    sql_dir = copy_sql(tmp_path)
    (sql_dir / "marts" / "unsaid.sql").write_text("-- grain: x\nselect 1 as x\n")
    with pytest.raises(BuildError, match=r"marts.unsaid .* does not say how it is kept"):
        discover_models(sql_dir)


def test_files_whose_types_differ_are_each_read_as_their_types_were_checked(tmp_path):
    import polars as pl

    from qjgov.warehouse.contract import frame

    # site_visits as 64-bit integers in one file and as 32-bit floats in another: read together,
    # both would be floats, and 16,777,217 would become 16,777,216.
    write_raw(tmp_path / "raw", {"items": [ITEM]})
    folder = tmp_path / "raw" / "cases"
    (folder / "part-0.parquet").unlink()
    frame("cases", [dict(CASE, case_id="C1", site_visits=16_777_217)]).with_columns(pl.col("site_visits").cast(pl.Int64)).write_parquet(folder / "a.parquet")
    frame("cases", [dict(CASE, case_id="C2", site_visits=2)]).with_columns(pl.col("site_visits").cast(pl.Float32)).write_parquet(folder / "b.parquet")
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select case_id, site_visits from raw.cases order by case_id").fetchall() == [("C1", 16_777_217), ("C2", 2)]


def test_a_folder_named_like_a_column_does_not_change_the_files_values(tmp_path):
    from qjgov.warehouse.contract import frame

    write_raw(tmp_path / "raw", {"items": [ITEM]})
    folder = tmp_path / "raw" / "cases"
    (folder / "part-0.parquet").unlink()
    (folder / "channel=网上").mkdir()
    frame("cases", [CASE]).write_parquet(folder / "channel=网上" / "part-0.parquet")
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select case_id, channel from raw.cases").fetchall() == [("C1", "窗口")]


def test_a_file_whose_footer_cannot_be_read_is_named(tmp_path):
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    path = tmp_path / "raw" / "cases" / "part-0.parquet"
    data = bytearray(path.read_bytes())
    data[data.rfind(b"Polars") + 1] = 0xFF  # the footer's created_by is no longer UTF-8; the rows are intact
    path.write_bytes(bytes(data))
    with pytest.raises(BuildError, match=f"raw file {re.escape(str(path))} could not be read: Invalid Input Error"):
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)


def test_a_build_without_a_memory_limit_keeps_temporary_models_in_memory(tmp_path):
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    lines: list[str] = []
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lines.append, allow_shrink=True, memory_limit="none")
    assert any(line.startswith("temporary models kept in memory") and line.endswith("the memory limit (none)") for line in lines), lines


def test_temporary_models_are_kept_in_memory_for_small_raw_data_and_in_a_scratch_file_for_large(tmp_path, monkeypatch):
    from qjgov.warehouse import build as build_module

    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    published = {}
    for share, where in ((build_module.SCRATCH_IN_MEMORY_SHARE, "in memory"), (0, "in /")):
        monkeypatch.setattr(build_module, "SCRATCH_IN_MEMORY_SHARE", share)
        lines: list[str] = []
        target = tmp_path / f"w{share}.duckdb"
        build(tmp_path / "raw", SEEDS_DIR, target, SQL_DIR, log=lines.append, allow_shrink=True)
        said = [line for line in lines if line.startswith("temporary models kept")]
        assert len(said) == 1 and said[0].startswith(f"temporary models kept {where}"), said
        assert "the raw files (0 MiB)" in said[0] and "% of the memory limit (" in said[0], said
        assert not list(tmp_path.glob("*.scratch*")), "the scratch file is thrown away"
        with duckdb.connect(str(target), read_only=True) as con:
            published[where] = con.sql("select * from marts.goal_progress order by all").fetchall()
            assert not con.sql("select * from duckdb_tables() where table_name = 'int_duty_counts'").fetchall()
    assert published["in memory"] == published["in /"]


def test_records_naming_a_missing_case_are_warnings_and_unknown_codes_fail(tmp_path):
    from test_raw_checks import DECISION, REVIEW

    orphan_review = dict(REVIEW, review_id="R2", case_id="NO-SUCH-CASE")
    orphan_decision = dict(DECISION, decision_id="D2", case_id="NO-SUCH-CASE", item_code="NOT-IN-CATALOGUE")
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE], "reviews": [REVIEW, orphan_review], "decisions": [DECISION, orphan_decision]})
    report = build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    assert "warn_records_case_not_found: 2 rows" in report.warnings
    assert "warn_records_item_not_in_catalogue: 1 rows" in report.warnings

    for table, row, code in [("cases", dict(CASE, channel="飞鸽传书"), "飞鸽传书"), ("cases", dict(CASE, township="不存在镇"), "不存在镇"),
                             ("reviews", dict(REVIEW, verified_result="存疑"), "存疑")]:
        write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE], "reviews": [REVIEW]} | {table: [row]})
        with pytest.raises(BuildError, match="assert_accepted_values") as refused:
            build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
        assert "assert_accepted_values" in str(refused.value), code


def test_raw_files_of_many_row_groups_are_loaded_whole_and_leave_no_free_blocks(tmp_path):
    from qjgov.warehouse.contract import frame

    cases = [dict(CASE, case_id=f"C{n:02d}") for n in range(30, 10, -1)]  # 20 rows, not in key order
    write_raw(tmp_path / "raw", {"items": [ITEM]})
    (tmp_path / "raw" / "cases" / "part-0.parquet").unlink()
    frame("cases", cases[:13]).write_parquet(tmp_path / "raw" / "cases" / "a.parquet", row_group_size=4)
    frame("cases", cases[13:]).write_parquet(tmp_path / "raw" / "cases" / "b.parquet", row_group_size=4)
    lines: list[str] = []
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lines.append, allow_shrink=True)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert sorted(row[0] for row in con.sql("select case_id from raw.cases").fetchall()) == sorted(c["case_id"] for c in cases)
        assert con.sql("select row_count from meta.raw_files where raw_table = 'cases' order by row_count").fetchall() == [(7,), (13,)]
        assert con.sql("select free_blocks from pragma_database_size()").fetchall() == [(0,)]
    assert "raw.cases: 20 rows from 2 file(s)" in lines


def test_the_command_line_help_works_and_names_the_memory_limit():
    result = subprocess.run([sys.executable, "-m", "qjgov.build", "--help"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "--memory-limit" in result.stdout and "20% of" in result.stdout


def test_a_memory_limit_duckdb_cannot_read_is_a_clear_error_and_a_small_one_builds(tmp_path, monkeypatch):
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    with pytest.raises(BuildError, match=r"memory limit 'lots' is not one DuckDB understands"):
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True, memory_limit="lots")
    assert not (tmp_path / "w.duckdb").exists()
    monkeypatch.setenv("QJGOV_BUILD_MEMORY", "300MB")
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    assert (tmp_path / "w.duckdb").exists()
    assert not [p.name for p in tmp_path.iterdir() if ".spill" in p.name or ".building-" in p.name]


def test_seeds_without_an_unlinked_department_are_refused(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    departments = seeds / "departments.csv"
    text = departments.read_text(encoding="utf-8")
    assert text.count(",true") == 1
    departments.write_text(text.replace(",true", ",false"), encoding="utf-8")
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    with pytest.raises(BuildError) as refused:
        build(tmp_path / "raw", seeds, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    assert "assert_one_unlinked_department" in str(refused.value)


def test_the_models_digest_follows_the_models_and_seeds_not_their_folder(tmp_path: Path) -> None:
    """What the app compares an opened warehouse with (meta.build_info.models_digest): the same
    for a copy of sql/ and seeds/ elsewhere, another when a model, a data test or a seed changes."""
    from qjgov.versions import models_digest

    sql, seeds = tmp_path / "models", tmp_path / "seed-files"
    shutil.copytree(SQL_DIR, sql)
    shutil.copytree(SEEDS_DIR, seeds)
    assert models_digest(sql, seeds) == models_digest()
    for changed in (sql / "marts" / "goal_progress.sql", sql / "tests" / "assert_targets_complete.sql", seeds / "targets.csv"):
        text = changed.read_text(encoding="utf-8")
        changed.write_text(text + "\n", encoding="utf-8")
        assert models_digest(sql, seeds) != models_digest(), changed
        changed.write_text(text, encoding="utf-8")
    assert models_digest(sql, seeds) == models_digest()


def test_signs_in_a_file_name_are_not_read_as_a_pattern(tmp_path):
    from qjgov.warehouse.contract import ORIGIN_KEY, frame

    write_raw(tmp_path / "raw", {"items": [ITEM]})
    folder = tmp_path / "raw" / "cases"
    (folder / "part-0.parquet").unlink()
    names = {"star*.parquet": ["C1"], "starX.parquet": ["C2", "C3"], "q?.parquet": ["C4"], "qa.parquet": ["C5"],
             "b[1].parquet": ["C6"], "b1.parquet": ["C7", "C8"], "part\\0[1].parquet": ["C9"]}
    for name, case_ids in names.items():
        frame("cases", [dict(CASE, case_id=case_id) for case_id in case_ids]).write_parquet(folder / name)
    # starX alone says who wrote it (as the demo generator's files do): star* says nothing.
    duckdb.sql(f"copy (select * from read_parquet('{folder / 'starX.parquet'}')) to '{folder / 'starX.parquet'}' "
               f"(format parquet, kv_metadata {{'{ORIGIN_KEY}': 'demo'}})")
    target = tmp_path / "w.duckdb"
    build(tmp_path / "raw", SEEDS_DIR, target, SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(target), read_only=True) as con:
        # Each file once, with its own row (a pattern would read starX and qa twice, and b1 for
        # b[1]); a name with a backslash too (in brackets DuckDB would find no file).
        assert sorted(con.sql("select case_id from raw.cases").fetchall()) == [(f"C{n}",) for n in range(1, 10)]
        files = dict(con.sql("select file, row_count from meta.raw_files where raw_table = 'cases'").fetchall())
        assert files == {str(folder / name): len(case_ids) for name, case_ids in names.items()}
        origins = dict(con.sql("select file, origin from meta.raw_files where raw_table = 'cases'").fetchall())
        assert origins == {str(folder / name): "demo" if name == "starX.parquet" else None for name in names}


def test_a_seeds_folder_with_signs_in_its_name_is_read_as_itself(tmp_path):
    seeds, twin = tmp_path / "seeds[1]", tmp_path / "seeds1"
    shutil.copytree(SEEDS_DIR, seeds)
    shutil.copytree(SEEDS_DIR, twin)
    text = (twin / "departments.csv").read_text(encoding="utf-8")
    (twin / "departments.csv").write_text(text.replace("Medical Administration Section", "Not this one"), encoding="utf-8")
    write_raw(tmp_path / "raw", {"items": [ITEM], "cases": [CASE]})
    build(tmp_path / "raw", seeds, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select department_en from seeds.departments where department = '医政医管科'").fetchall() == [
            ("Medical Administration Section",)]
