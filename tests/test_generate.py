"""The demo generator writes the contract, deterministically, without personal data.

Small volumes (2,000 cases a year) keep the suite fast; the catalogue does not depend on the
volume, so the trajectory checks on it hold for the full demo too.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import chinese_calendar
import polars as pl
import pytest

from qjgov.warehouse.contract import RAW_KEYS, RAW_TABLES
from qjgov.demo.check import goal_values
from qjgov.demo.generate import generate

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CASES_PER_YEAR = 2_000


def read(out: Path) -> dict[str, pl.DataFrame]:
    return {table: pl.read_parquet(out / table / "*.parquet") for table in RAW_TABLES}


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    generate(out, seed=42, cases_per_year=CASES_PER_YEAR, log=lambda _: None)
    return out


@pytest.fixture(scope="module")
def raw(raw_dir: Path) -> dict[str, pl.DataFrame]:
    return read(raw_dir)


def test_same_seed_gives_identical_tables_and_another_seed_does_not(raw: dict, tmp_path: Path) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    counts = generate(again, seed=42, cases_per_year=CASES_PER_YEAR, log=lambda _: None)
    generate(other, seed=7, cases_per_year=CASES_PER_YEAR, log=lambda _: None)
    rerun, different = read(again), read(other)
    for table in RAW_TABLES:
        assert rerun[table].equals(raw[table]), table
        assert counts[table] == raw[table].height
    assert not different["cases"].equals(raw["cases"])
    assert not different["items"].equals(raw["items"])


def test_every_table_has_exactly_the_contract_columns_and_types(raw: dict) -> None:
    for table, schema in RAW_TABLES.items():
        assert dict(raw[table].schema) == schema, table
        assert raw[table].height > 0, table


def test_one_part_file_per_table_and_a_rerun_replaces_old_files(tmp_path: Path) -> None:
    """The generator's own files of an earlier run go (a file it did not write stops it:
    tests/test_demo.py)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qjgov.warehouse.contract import ORIGIN_KEY

    for stale in (tmp_path / "cases" / "part-1.parquet", tmp_path / "cases" / "old" / "part-0.parquet"):  # a subfolder too: the build reads it
        stale.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"x": [1]}).replace_schema_metadata({ORIGIN_KEY: "demo"}), stale)
    generate(tmp_path, seed=1, cases_per_year=200, log=lambda _: None)
    for table in RAW_TABLES:
        assert sorted(p.name for p in (tmp_path / table).rglob("*.parquet")) == ["part-0.parquet"], table


def test_keys_are_unique(raw: dict) -> None:
    for table, key in RAW_KEYS.items():
        frame = raw[table]
        assert frame.select(key).is_duplicated().sum() == 0, table
        assert frame.select(key).null_count().sum_horizontal().item() == 0, table


def test_cases_are_accepted_on_workdays_except_the_halls_rare_weekend_duty(raw: dict) -> None:
    accepted = raw["cases"]["accepted_at"].drop_nulls().dt.date().to_list()
    off = [d for d in accepted if not chinese_calendar.is_workday(d)]
    assert 0 < len(off) / len(accepted) < 0.02
    # Weekend duty happens on ordinary weekends, never on a statutory holiday.
    assert all(chinese_calendar.get_holiday_detail(d)[1] is None for d in off)


def test_case_times_fall_in_office_hours_and_in_the_period(raw: dict) -> None:
    accepted = raw["cases"]["accepted_at"].drop_nulls()
    minutes = accepted.dt.hour().cast(pl.Int32) * 60 + accepted.dt.minute().cast(pl.Int32)
    assert ((minutes >= 9 * 60) & (minutes < 17 * 60 + 30) & ~((minutes >= 12 * 60) & (minutes < 14 * 60))).all()
    first, last = dt.datetime(2020, 1, 1), dt.datetime(2021, 12, 31, 23, 59, 59)
    for table, frame in raw.items():
        for col, dtype in frame.schema.items():
            if dtype == pl.Datetime("us"):
                assert frame[col].drop_nulls().is_between(first, last).all(), (table, col)
            if dtype == pl.Date:
                assert frame[col].is_between(first.date(), last.date()).all(), (table, col)


def test_timestamps_are_ordered(raw: dict) -> None:
    cases = raw["cases"]
    assert cases.filter(pl.col("submitted_at") > pl.col("accepted_at")).height == 0
    assert cases.filter(pl.col("accepted_at") > pl.col("completed_at")).height == 0
    assert cases.filter(pl.col("submitted_at") > pl.col("completed_at")).height == 0
    assert cases.filter((pl.col("status") == "在办") != pl.col("completed_at").is_null()).height == 0
    reviews = raw["reviews"].join(cases.select("case_id", "completed_at"), on="case_id", how="left")
    assert reviews.filter(pl.col("reviewed_at") < pl.col("completed_at")).height == 0
    for col in ("reported_at", "verified_at", "rectified_at", "followed_up_at"):
        assert reviews.filter(pl.col(col) < pl.col("reviewed_at")).height == 0, col
    complaints = raw["complaints"]
    assert complaints.filter(pl.col("responded_at") < pl.col("assigned_at")).height == 0
    assert complaints.filter(pl.col("resolved_at") < pl.col("responded_at")).height == 0
    assert raw["decisions"].filter(pl.col("published_at") < pl.col("decided_at")).height == 0


def test_no_personal_data_in_any_string_column(raw: dict) -> None:
    id_card = r"(^|[^0-9])[0-9]{17}[0-9Xx]($|[^0-9])"
    mobile = r"(^|[^0-9])1[3-9][0-9]{9}($|[^0-9])"
    for table, frame in raw.items():
        for col, dtype in frame.schema.items():
            if dtype == pl.String:
                values = frame[col].drop_nulls()
                assert not values.str.contains(id_card).any(), (table, col)
                assert not values.str.contains(mobile).any(), (table, col)
                assert not values.str.contains(r"[0-9]{11}").any(), (table, col)


def test_every_coded_value_is_in_the_seeds(raw: dict) -> None:
    codes = pl.read_csv(SEEDS / "codes.csv", infer_schema=False)
    allowed = {name: set(group["code"]) for (name,), group in codes.group_by("code_list")}
    used = {
        "category": raw["items"]["category"],
        "handling_type": raw["items"]["handling_type"],
        "online_depth": raw["items"]["online_depth"].cast(pl.String),
        "case_channel": raw["cases"]["channel"],
        "case_status": raw["cases"]["status"],
        "applicant_type": raw["cases"]["applicant_type"],
        "cross_province_mode": raw["cases"]["cross_province_mode"],
        "assisted_channel": raw["cases"]["assisted_channel"],
        "review_channel": raw["reviews"]["channel"],
        "rating": raw["reviews"]["rating"].cast(pl.String),
        "verified_result": raw["reviews"]["verified_result"],
        "complaint_source": raw["complaints"]["source"],
        "decision_type": raw["decisions"]["decision_type"],
    }
    for code_list, values in used.items():
        assert set(values.drop_nulls().unique()) <= allowed[code_list], code_list
    assert len(allowed["category"]) == 11 and len(allowed["assisted_channel"]) == 4 and len(allowed["review_channel"]) == 8
    townships = set(pl.read_csv(SEEDS / "townships.csv")["township"])
    assert len(townships) == 30 and set(raw["cases"]["township"].unique()) <= townships
    departments = set(pl.read_csv(SEEDS / "departments.csv")["department"])
    assert set(raw["items"]["department"].unique()) <= departments and "未关联事项" in departments


def test_records_point_at_catalogue_items_except_a_few_unlinked(raw: dict) -> None:
    known = set(raw["items"]["item_code"])
    for table in ("cases", "reviews", "complaints"):
        codes = raw[table]["item_code"].drop_nulls()
        unknown = (~codes.is_in(list(known))).mean()
        assert unknown < 0.05, table
    assert raw["complaints"]["item_code"].null_count() > 0
    package_items = raw["one_thing_packages"]["item_codes"].str.split("|").explode()
    assert package_items.is_in(list(known)).all()


def test_catalogue_trajectories_give_the_demo_its_statuses(raw: dict) -> None:
    values = goal_values(raw, [dt.date(2021, 1, 31), dt.date(2021, 12, 31)])
    jan = dict(zip(values["goal"], values["2021-01-31"]))
    dec = dict(zip(values["goal"], values["2021-12-31"]))
    assert jan["G01"] < 0.7 and dec["G01"] >= 0.80  # achieved
    assert 0.62 <= dec["G02"] < 0.70  # missed by a little
    assert dec["G05"] > 0.35 and dec["G06"] < 0.36  # missed badly
    assert dec["G12"] == 1.0 and dec["G13"] == 1.0 and dec["G17"] == 1.0
    assert jan["G12"] < 1.0 and jan["G17"] < 1.0
    assert 0.8 <= dec["G14"] < 1.0 and dec["G11"] == pytest.approx(0.8)
    assert dec["G16"] == 1.0


def test_command_line_help_works() -> None:
    result = subprocess.run([sys.executable, "-m", "qjgov.generate", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "--cases-per-year" in result.stdout
