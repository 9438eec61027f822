"""The demo warehouse exercises every status the app can show."""

from __future__ import annotations

import duckdb
import pytest

from qjgov.demo.build import build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """The demo exactly as `make run` builds it (default seed and size)."""
    folder = tmp_path_factory.mktemp("demo")
    target = build_demo(folder / "warehouse.duckdb", folder / "raw", log=lambda message: None)
    con = duckdb.connect(str(target), read_only=True)
    yield con
    con.close()


def statuses(con: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, list[str]]:
    rows = con.sql(
        "select status, goal_id, within_tolerance from marts.goal_progress where as_of = $as_of order by goal_id",
        params={"as_of": as_of},
    ).fetchall()
    found: dict[str, list[str]] = {}
    for status, goal_id, within in rows:
        key = f"{status}_within_tolerance" if status == "missed" and within else status
        found.setdefault(key, []).append(goal_id)
    return found


def test_year_end_has_achieved_and_missed_goals_within_and_beyond_tolerance(demo):
    found = statuses(demo, "2021-12-31")
    assert found.get("achieved"), found
    assert found.get("missed_within_tolerance"), found
    assert found.get("missed"), found  # missed beyond the tolerance
    assert sum(len(goals) for goals in found.values()) == 21


def test_mid_year_has_on_track_at_risk_and_off_track_goals(demo):
    found = statuses(demo, "2021-06-30")
    for status in ("on_track", "at_risk", "off_track"):
        assert found.get(status), (status, found)
    assert set(found) <= {"on_track", "at_risk", "off_track"}, found  # nothing is won or lost before the deadline


def test_goals_met_today_before_the_deadline_are_judged_by_their_projection(demo):
    # docs/metrics.md#met-today-and-the-gap: "met today" is a column beside the status, never the status.
    rows = demo.sql(
        "select distinct status from marts.goal_progress where met and as_of < deadline order by status"
    ).fetchall()
    assert rows and {status for (status,) in rows} <= {"on_track", "at_risk", "off_track"}, rows


def test_in_december_the_projection_is_the_actual(demo):
    rows = demo.sql(
        """select goal_id, actual, projected from marts.goal_progress_by_department
        where month(as_of) = 12 and actual is not null"""
    ).fetchall()
    assert rows
    for goal_id, actual, projected in rows:
        assert projected == pytest.approx(max(0.0, min(1.0, actual)) if goal_id != "G05" else max(0.0, actual)), goal_id


def test_demo_covers_every_month_end_of_the_plan_year(demo):
    dates = demo.sql("select count(distinct as_of), min(as_of), max(as_of) from marts.goal_progress").fetchall()[0]
    assert dates[0] == 12
    assert (str(dates[1]), str(dates[2])) == ("2021-01-31", "2021-12-31")
    assert demo.sql("select count(*) from marts.goal_progress where status = 'no_data'").fetchall() == [(0,)]
    assert demo.sql("select count(distinct milestone_id) from marts.milestone_status").fetchall() == [(15,)]
    assert demo.sql("select count(distinct status) from marts.milestone_status where as_of = '2021-12-31'").fetchall() == [(3,)]  # done, overdue and open


def test_milestones_show_only_what_was_known_at_the_date(demo):
    # M03 was done on 2021-09-15 (seeds/milestones.csv), due 2021-06-30.
    rows = dict(
        (str(as_of), (status, done_date, evidence))
        for as_of, status, done_date, evidence in demo.sql(
            "select as_of, status, done_date, evidence from marts.milestone_status where milestone_id = 'M03'"
        ).fetchall()
    )
    assert rows["2021-06-30"] == ("open", None, None)
    assert rows["2021-07-31"] == ("overdue", None, None)
    assert rows["2021-09-30"][0] == "done" and str(rows["2021-09-30"][1]) == "2021-09-15" and rows["2021-09-30"][2]


def test_data_coverage_spans_the_two_demo_years(demo):
    span = demo.sql("select min(first_date), max(last_date) from marts.data_coverage").fetchall()[0]
    assert (span[0].year, str(span[1])) == (2020, "2021-12-31")


def test_a_second_build_of_the_same_data_gives_the_same_goal_numbers(demo, tmp_path):
    """The projection's floating-point sums run in month order, so the same raw data always
    gives the same numbers to the last bit: a report never flickers between builds."""
    from qjgov.paths import SEEDS_DIR, SQL_DIR
    from qjgov.warehouse.build import build

    raw = demo.sql("select raw_dir from meta.build_info").fetchall()[0][0]
    again = tmp_path / "again.duckdb"
    build(raw, SEEDS_DIR, again, SQL_DIR, log=lambda message: None)
    query = "select * from {}marts.goal_progress_by_department order by goal_id, as_of, department"
    first = demo.sql(query.format("")).fetchall()
    with duckdb.connect(str(again), read_only=True) as con:
        assert con.sql(query.format("")).fetchall() == first


def test_regenerating_the_demo_never_deletes_imported_data(tmp_path):
    """`make demo` (and `python -m qjgov.generate`) replace the generator's own files, but
    refuse while the landing zone holds a file it did not write (an import's batch, a file an
    import rewrote), naming it; nothing is deleted."""
    import subprocess
    import sys

    import polars as pl

    from qjgov.demo.generate import LandedDataError, generate, not_generated
    from qjgov.paths import ROOT

    raw = tmp_path / "raw"
    generate(raw, cases_per_year=200, log=lambda message: None)
    assert not_generated(raw) == []
    generate(raw, seed=1, cases_per_year=200, log=lambda message: None)  # the generator's own files: replaced
    imported = raw / "cases" / "import-20211231-120000-abc123.parquet"
    pl.read_parquet(raw / "cases" / "part-0.parquet").head(3).write_parquet(imported)
    before = {path: path.read_bytes() for path in raw.glob("*/*.parquet")}
    with pytest.raises(LandedDataError, match="import-20211231-120000-abc123.parquet"):
        build_demo(tmp_path / "warehouse.duckdb", raw, cases_per_year=200, regenerate=True, log=lambda message: None)
    for command in (["-m", "qjgov.demo", "--force"], ["-m", "qjgov.generate", "--out", str(raw)]):
        extra = ["--raw", str(raw), "--target", str(tmp_path / "w.duckdb")] if "qjgov.demo" in command else []
        result = subprocess.run([sys.executable, *command, *extra], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 1 and "generator did not write" in result.stderr and "Traceback" not in result.stderr
    assert {path: path.read_bytes() for path in raw.glob("*/*.parquet")} == before
    # Where the build reads too: a subfolder, a suffix in capitals.
    imported.unlink()
    for elsewhere in (raw / "cases" / "year=2021" / "x.parquet", raw / "reviews" / "R.PARQUET"):
        elsewhere.parent.mkdir(exist_ok=True)
        pl.read_parquet(raw / "cases" / "part-0.parquet").head(1).write_parquet(elsewhere)
        with pytest.raises(LandedDataError, match=elsewhere.name):
            generate(raw, cases_per_year=200, log=lambda message: None)
        elsewhere.unlink()
    # A file an import rewrote (the rows it replaced taken out) counts as landed data too.
    pl.read_parquet(raw / "cases" / "part-0.parquet").write_parquet(raw / "cases" / "part-0.parquet")
    assert not_generated(raw) == [raw / "cases" / "part-0.parquet"]
