"""What the build refuses in the landing zone, each with a message naming table, file, key and
value: bad values, lost data, files it cannot read, and personal data in any text column."""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import write_raw
from qjgov.warehouse import personal
from qjgov.warehouse.build import BuildError, build
from qjgov.warehouse.contract import RAW_KEYS, RAW_TABLES, frame
from qjgov.paths import ROOT, SEEDS_DIR, SQL_DIR
from test_build import CASE, ITEM

REVIEW = dict(
    review_id="R1", case_id="C1", item_code="A1", channel="大厅评价器", rating=5,
    reviewed_at=dt.datetime(2021, 3, 6, 9), real_name=True,
)
PACKAGE = dict(
    snapshot_date=dt.date(2021, 12, 31), package_code="P1", package_name="出生一件事", high_frequency=True,
    one_notice=True, one_form=True, one_window=True, one_completion=True, item_codes="A1",
)
COMPLAINT = dict(complaint_id="T1", source="渝快办", item_code="A1", assigned_at=dt.datetime(2021, 3, 1, 9))
DECISION = dict(decision_id="D1", decision_type="行政许可", case_id="C1", item_code="A1", decided_at=dt.datetime(2021, 3, 5, 10))
ROWS = {"items": ITEM, "one_thing_packages": PACKAGE, "cases": CASE, "reviews": REVIEW, "complaints": COMPLAINT, "decisions": DECISION}


def attempt(tmp_path: Path, allow_shrink: bool = True, lines: list | None = None, **tables) -> str:
    """Build from these rows (every table with one good row unless given); the error text, or ''."""
    raw = tmp_path / "raw"
    write_raw(raw, {name: [row] for name, row in ROWS.items()} | tables)
    try:
        build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=(lines.append if lines is not None else lambda m: None),
              allow_shrink=allow_shrink)
    except BuildError as error:
        return str(error)
    return ""


def test_good_rows_build(tmp_path):
    assert attempt(tmp_path) == ""


@pytest.mark.parametrize(
    "table, change, expected",
    [
        ("cases", dict(suspended_days=-3), r"key C1: suspended_days is -3; a count is 0 or more"),
        ("items", dict(site_visits=-1), r"key 2021-12-31 A1: site_visits is -1"),
        ("reviews", dict(rating=None), r"key R1: rating is empty"),
        ("reviews", dict(rating=7), r"key R1: rating is 7; it must be 1–5"),
        ("cases", dict(case_id="   "), r"case_id is blank"),
        ("cases", dict(case_id=""), r"case_id is blank"),
        ("cases", dict(submitted_at=dt.datetime(1900, 1, 1)), r"submitted_at is 1900-01-01 00:00:00, outside the working-day calendar"),
        ("cases", dict(completed_at=dt.datetime(2099, 1, 1)), r"completed_at is 2099-01-01 00:00:00, outside the working-day calendar"),
        ("items", dict(item_name="医师\x00执业注册"), r"item_name holds a control character: \"医师\\u0000执业注册\""),
        ("items", dict(item_name="医师\x1b[31m执业"), r"item_name holds a control character"),
        ("items", dict(item_name="医师执业\r\n注册"), r"item_name holds a control character"),
        ("one_thing_packages", dict(package_name="出生\u202e一件事"), r"package_name holds a control character"),
        ("cases", dict(township="城东\u200f街道"), r"township holds a control character"),
    ],
)
def test_bad_values_are_refused_with_table_file_key_and_value(tmp_path, table, change, expected):
    message = attempt(tmp_path, **{table: [dict(ROWS[table], **change)]})
    assert f"raw table {table}" in message
    assert f"{table}/part-0.parquet" in message
    assert re.search(expected, message), message
    assert not (tmp_path / "w.duckdb").exists()


def test_text_the_one_pass_check_looks_at_twice_but_is_fine_builds(tmp_path):
    # Full-width digits and long digit runs that are no ID-card or mobile number make the
    # one-pass raw check look closer; the closer look finds nothing, so the build goes on.
    comment = "第１２号窗口，办件编号 202103051430001，等候１５分钟"
    assert attempt(tmp_path, reviews=[dict(REVIEW, comment=comment)], complaints=[dict(COMPLAINT, content="２０２１年３月")]) == ""


def test_line_breaks_are_allowed_in_free_text_only(tmp_path):
    assert attempt(tmp_path, reviews=[dict(REVIEW, comment="办得快。\n窗口热情。")]) == ""


def test_keys_that_differ_only_by_spaces_are_the_same_key(tmp_path):
    message = attempt(tmp_path, cases=[CASE, dict(CASE, case_id="C1 ")])
    assert "keys (case_id) repeat once spaces are trimmed" in message
    assert "2 rows" in message and "cases/part-0.parquet" in message


def test_a_float_rating_is_refused_not_rounded(tmp_path):
    raw = tmp_path / "raw"
    write_raw(raw, {name: [row] for name, row in ROWS.items()})
    frame("reviews", [REVIEW]).with_columns(pl.lit(4.5).alias("rating")).write_parquet(raw / "reviews" / "part-0.parquet")
    with pytest.raises(BuildError, match=r"key R1: rating is 4.5, not a whole number"):
        build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)
    # a whole number written as a float is fine
    frame("reviews", [REVIEW]).with_columns(pl.lit(4.0).alias("rating")).write_parquet(raw / "reviews" / "part-0.parquet")
    build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)


def test_a_zoned_timestamp_is_refused_not_shifted(tmp_path):
    raw = tmp_path / "raw"
    write_raw(raw, {name: [row] for name, row in ROWS.items()})
    frame("cases", [CASE]).with_columns(pl.col("submitted_at").dt.replace_time_zone("Asia/Shanghai")).write_parquet(
        raw / "cases" / "part-0.parquet"
    )
    with pytest.raises(BuildError, match=r"column submitted_at of table cases carries a time zone"):
        build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lambda m: None, allow_shrink=True)


def test_columns_outside_the_contract_are_named_in_a_printed_warning(tmp_path):
    raw = tmp_path / "raw"
    write_raw(raw, {name: [row] for name, row in ROWS.items()})
    frame("cases", [CASE]).with_columns(pl.lit("x").alias("operator")).write_parquet(raw / "cases" / "part-0.parquet")
    lines: list[str] = []
    build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lines.append, allow_shrink=True)
    assert any(line.startswith("WARN") and "columns not in the contract ignored: ['operator']" in line for line in lines)


def test_files_in_subfolders_and_upper_case_names_are_read_and_others_named(tmp_path):
    raw = tmp_path / "raw"
    write_raw(raw, {name: [row] for name, row in ROWS.items()})
    (raw / "cases" / "2021" / "06").mkdir(parents=True)
    frame("cases", [dict(CASE, case_id="C2")]).write_parquet(raw / "cases" / "2021" / "06" / "batch.parquet")
    frame("cases", [dict(CASE, case_id="C3")]).write_parquet(raw / "cases" / "EXPORT.PARQUET")
    (raw / "cases" / "notes.txt").write_text("not data")
    lines: list[str] = []
    build(raw, SEEDS_DIR, tmp_path / "w.duckdb", SQL_DIR, log=lines.append, allow_shrink=True)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from raw.cases").fetchall() == [(3,)]
    assert any("notes.txt is not Parquet" in line for line in lines)


def test_an_empty_table_or_a_shrink_is_refused_unless_allowed(tmp_path):
    raw = tmp_path / "raw"
    target = tmp_path / "w.duckdb"
    cases = [dict(CASE, case_id=f"C{n}") for n in range(10)]
    write_raw(raw, {name: [row] for name, row in ROWS.items()} | {"cases": cases})
    build(raw, SEEDS_DIR, target, SQL_DIR, log=lambda m: None)  # every table has rows: no flag needed
    served = target.read_bytes()

    write_raw(raw, {name: [row] for name, row in ROWS.items()} | {"cases": []})
    with pytest.raises(BuildError) as refused:
        build(raw, SEEDS_DIR, target, SQL_DIR, log=lambda m: None)
    assert "raw table cases has no rows; the served warehouse has 10" in str(refused.value)
    assert "--allow-shrink" in str(refused.value)
    assert target.read_bytes() == served

    write_raw(raw, {name: [row] for name, row in ROWS.items()} | {"cases": cases[:7]})
    with pytest.raises(BuildError, match=r"raw table cases has 7 rows, 30% fewer than the 10 of the served warehouse"):
        build(raw, SEEDS_DIR, target, SQL_DIR, log=lambda m: None)
    assert target.read_bytes() == served

    write_raw(raw, {name: [row] for name, row in ROWS.items()} | {"cases": cases[:8]})  # 20 %: within the limit
    build(raw, SEEDS_DIR, target, SQL_DIR, log=lambda m: None)
    write_raw(raw, {name: [row] for name, row in ROWS.items()} | {"cases": cases[:1]})
    build(raw, SEEDS_DIR, target, SQL_DIR, log=lambda m: None, allow_shrink=True)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.sql("select count(*) from raw.cases").fetchall() == [(1,)]


def test_an_empty_table_without_a_served_warehouse_is_refused_too(tmp_path):
    message = attempt(tmp_path, allow_shrink=False, complaints=[])
    assert "raw table complaints has no rows" in message


def corrupt_files(folder: Path) -> dict[str, Path]:
    """Broken Parquet of several kinds, made from a good file."""
    good = folder / "good.parquet"
    frame("cases", [dict(CASE, case_id=f"C{n}", township="城东街道") for n in range(2000)]).write_parquet(good, compression="zstd")
    data = good.read_bytes()
    files = {
        "empty": b"",
        "garbage": bytes(random.Random(1).randrange(256) for _ in range(5000)),
        "truncated": data[: len(data) // 2],
        "no-footer": data[:-8],
    }
    rng = random.Random(2021)
    for n in range(6):  # bytes flipped inside the data pages
        damaged = bytearray(data)
        for _ in range(40):
            damaged[rng.randrange(4, len(data) // 2)] ^= 0xFF
        files[f"flipped-{n}"] = bytes(damaged)
    paths = {}
    for name, content in files.items():
        path = folder / f"{name}.parquet"
        path.write_bytes(content)
        paths[name] = path
    good.unlink()
    return paths


def test_corrupt_parquet_is_named_never_a_traceback(tmp_path):
    raw = tmp_path / "raw"
    for name, bad in corrupt_files(tmp_path).items():
        write_raw(raw, {table: [row] for table, row in ROWS.items()})  # a good cases file beside the bad one
        target = raw / "cases" / bad.name
        target.write_bytes(bad.read_bytes())
        result = subprocess.run(
            [sys.executable, "-m", "qjgov.build", "--raw", str(raw), "--target", str(tmp_path / "w.duckdb"), "--allow-shrink"],
            cwd=ROOT, capture_output=True, text=True,
        )
        assert "Traceback" not in result.stderr, f"{name}: {result.stderr}"
        assert result.returncode == 1
        assert f"raw file {target} could not be read:" in result.stderr, f"{name}: {result.stderr}"
        target.unlink()


# --------------------------------------------------------------------------- personal data

SPELLINGS = [
    "110101199003071234", "11010119900307123X", "11010119900307123x", "１１０１０１１９９００３０７１２３４",
    "110101900307123", "13800138000", "+8613800138000", "8613800138000", "+86 138 0013 8000",
    "138 0013 8000", "138-0013-8000", "１３８００１３８０００", "＋８６１３８００１３８０００",
]
NOT_PERSONAL = ["QJWJ2021-0000123", "11500114MB1XK99900", "20210305", "2021030514300", "1380013800", "138001380001"]


def test_every_spelling_is_caught_by_python_and_by_the_build_query():
    con = duckdb.connect()
    for text in SPELLINGS:
        for wrapped in (text, f"联系人电话{text}。", f"身份证号:{text} 已核验"):
            assert personal.contains_personal_data(wrapped), wrapped
            assert con.execute(f"select {personal.sql_condition('$1')}", [wrapped]).fetchall() == [(True,)], wrapped
    for text in NOT_PERSONAL:
        assert not personal.contains_personal_data(text), text
        assert con.execute(f"select {personal.sql_condition('$1')}", [text]).fetchall() == [(False,)], text


TEXT_COLUMNS = [
    (table, column) for table, schema in RAW_TABLES.items() for column, kind in schema.items() if kind == pl.String()
]


@pytest.mark.parametrize("table, column", TEXT_COLUMNS, ids=lambda v: str(v))
def test_personal_data_in_any_text_column_fails_the_build_without_the_value(tmp_path, table, column):
    spelling = SPELLINGS[TEXT_COLUMNS.index((table, column)) % len(SPELLINGS)]
    value = f"申请人 {spelling}" if column not in RAW_KEYS[table] else spelling
    rows = {name: [row] for name, row in ROWS.items()}
    rows[table] = [dict(ROWS[table], **{column: value})]
    message = attempt(tmp_path, **rows)
    assert f"raw.{table}.{column}" in message, message
    assert spelling not in message


def test_the_raw_check_trims_as_trim_does() -> None:
    from qjgov.warehouse.load import trimmed

    con = duckdb.connect()
    # Every character DuckDB's trim cuts (the Unicode space separators), at either end, and
    # characters it keeps (tab, controls, signs before and after the space in code order).
    spaces = [" ", "\u00a0", "\u1680", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u205f", "\u3000"]
    values = [None, "", "a", "a b", "\ta", "a\t", "\x01 ", "!a", "~ ", "中 文", "中"]
    values += [f"{space}a" for space in spaces] + [f"a{space}" for space in spaces] + [f"{space}中{space}" for space in spaces]
    con.execute("create table t (k varchar)")
    con.executemany("insert into t values (?)", [[value] for value in values])
    assert con.sql(f"select count(*) from t where trim(k) is distinct from {trimmed('k')}").fetchall() == [(0,)]
    assert con.sql(f"select count(*) from t where trim(k) <> k").fetchall()[0][0] == 3 * len(spaces) + 2  # and "\x01 ", "~ "


def test_the_scan_reads_each_text_column_apart_though_it_joins_them() -> None:
    """The scan of a table matches its text columns joined into one text: a number split
    across two columns is none, and one at either end of a column is still found, in it."""
    from qjgov.warehouse.load import RawDataError, check_personal_data

    con = duckdb.connect()
    con.execute("create schema s")
    con.execute("create table s.t (row_id varchar, a varchar, b varchar, n integer)")
    con.execute("insert into s.t values ('r1', '1380013', '8000', 1), ('r2', '办件 1380013', '8000 号', 2), ('r3', null, '5001', 3)")
    check_personal_data(con, ("s",))
    con.execute("delete from s.t where row_id <> 'r3'")  # a table where nothing else raises the alarm
    for row_id, a, b in [("r4", "13800138000", "5 号"), ("r5", "办件 12", "138 0013 8000 致电"), ("r6", "5001142000０1011234", None)]:
        con.execute("insert into s.t values (?, ?, ?, 4)", [row_id, a, b])
        with pytest.raises(RawDataError) as found:
            check_personal_data(con, ("s",))
        column = "a" if a != "办件 12" else "b"
        assert f"s.t.{column}: {row_id}" in str(found.value), found.value
        assert f"s.t.{'b' if column == 'a' else 'a'}:" not in str(found.value)
        con.execute("delete from s.t where row_id = ?", [row_id])


def test_python_and_the_build_read_personal_data_alike() -> None:
    """The importer (Python) and the build (SQL) agree on every text, also where a full-width
    character ends a number in one reading and extends it in the other; and what the importer
    masks, the build lets through."""
    alphabet = "0123456789" * 3 + "１３８０" + "Xx+-. 　．－" + "号电话身份证"
    generator = random.Random(20211231)
    texts = ["13800138000１", "１３８００１３８０００", "13800138000１3800138000", "身份证500114199001011234。"]
    texts += ["".join(generator.choice(alphabet) for _ in range(generator.randint(8, 30))) for _ in range(3000)]
    texts += ["1" + "".join(generator.choice("3456789") for _ in range(2)) + "".join(generator.choice("0123456789１０ -") for _ in range(9))
              for _ in range(3000)]
    con = duckdb.connect()
    con.execute("create table t as select unnest(?::varchar[]) as v", [texts])
    in_sql = dict(con.sql(f"select v, {personal.sql_condition('v')} from t").fetchall())
    disagree = [text for text in texts if personal.contains_personal_data(text) != in_sql[text]]
    assert not disagree, disagree[:5]
    assert sum(in_sql.values()) > 500  # the texts hold numbers, not only noise
    masked = [personal.mask(text) for text in texts if in_sql[text]]
    con.execute("create table m as select unnest(?::varchar[]) as v", [masked])
    assert con.sql(f"select v from m where {personal.sql_condition('v')}").fetchall() == []
