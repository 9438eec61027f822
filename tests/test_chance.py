"""The chance of meeting a goal and the 80 % interval of its year end
(docs/metrics.md#chance-of-meeting), on hand-made data whose answer is known.

Two departments apply for the same things at very different volumes: 医政医管科 (item A1)
takes 2 cases a month, 疾控科 (item B1) 100; half of each month's cases come in on the phone
(G19), against a baseline of 1 in 5 in December 2020. Every case is credit-checked (G16)
except one of 疾控科's in March. The catalogue holds both items all year: both on 渝快办 (G12,
100 %), one fully online (G01, 50 % against ≥ 80 %).
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest
from pytest import approx

from conftest import write_raw
from metric_rows import DEPT, OTHER_DEPT, at, by_department, case, item
from qjgov.paths import SEEDS_DIR, SQL_DIR
from qjgov.warehouse import chance
from qjgov.warehouse.build import build

SMALL, LARGE = 2, 100  # cases a month of DEPT (item A1) and OTHER_DEPT (item B1)
CHANCE_COLUMNS = "p_meet, projected_low, projected_high, p_meet_if_held"


def month_cases(department_item: str, per_month: int, year: int, month: int) -> list[dict]:
    """`per_month` cases accepted on days 1… of the month, the first half on the phone."""
    return [
        case(
            f"{department_item}-{year}-{month:02d}-{n}", f"{year}-{month:02d}-{n % 28 + 1:02d}",
            item_code=department_item,
            channel="渝快办APP" if n < per_month // 2 else "窗口",
            credit_checked=not (department_item == "B1" and year == 2021 and month == 3 and n == 0),
        )
        for n in range(per_month)
    ]


def tables() -> dict[str, list[dict]]:
    baseline = [  # December 2020: 1 in 5 on the phone in each department
        case(f"{code}-base-{n}", f"2020-12-{n + 1:02d}", item_code=code, channel="渝快办APP" if n == 0 else "窗口")
        for code in ("A1", "B1")
        for n in range(5)
    ]
    year = [
        row
        for month in range(1, 13)
        for code, per_month in (("A1", SMALL), ("B1", LARGE))
        for row in month_cases(code, per_month, 2021, month)
    ]
    items = [  # the same catalogue in January and on the last day of the year
        item(code, snapshot, department=department, online_depth=depth)
        for snapshot in ("2021-01-31", "2021-12-31")
        for code, department, depth in (("A1", DEPT, 4), ("B1", OTHER_DEPT, 2))
    ]
    return {"cases": baseline + year, "items": items}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    folder = tmp_path_factory.mktemp("chance")
    write_raw(folder / "raw", tables())
    build(folder / "raw", SEEDS_DIR, folder / "warehouse.duckdb", SQL_DIR, log=lambda message: None, allow_shrink=True)
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def binomial_quantile(n: int, p: float, q: float) -> int:
    """The smallest x with P(X <= x) >= q for X ~ Binomial(n, p)."""
    total = 0.0
    for x in range(n + 1):
        total += math.comb(n, x) * p**x * (1 - p) ** (n - x)
        if total >= q:
            return x
    return n


def test_few_cases_give_a_wide_interval_and_many_a_narrow_one(warehouse):
    june = by_department(warehouse, "G19", "2021-06-30")
    small, large = june[DEPT], june[OTHER_DEPT]
    # 医政医管科 by June: 6 of 12 cases on the phone; the rest of the year adds 12 * 6 / 6 = 12
    # cases. Were each of them on the phone by a fair coin, the year would end at (6 + X) / 24
    # with X ~ Binomial(12, 0.5): its 10th percentile is 4 and its 90th 8. The interval must be
    # at least that wide; the model adds how unsure the rate itself is.
    assert (small["numerator"], small["denominator"]) == (6, 12)
    assert small["projected_low"] <= (6 + binomial_quantile(12, 0.5, 0.1)) / 24  # 10 / 24
    assert small["projected_high"] >= (6 + binomial_quantile(12, 0.5, 0.9)) / 24  # 14 / 24
    # 疾控科: 300 of 600 and 600 more to come: the same coin moves the year by far less.
    assert (large["numerator"], large["denominator"]) == (300, 600)
    assert large["projected_low"] <= 0.5 <= large["projected_high"]
    assert large["projected_high"] - large["projected_low"] < 0.06
    assert small["projected_high"] - small["projected_low"] > 3 * (large["projected_high"] - large["projected_low"])
    for row in (small, large):
        assert row["projected_low"] <= row["projected"] <= row["projected_high"]


def test_a_goal_met_with_room_to_spare_in_november_is_near_certain(warehouse):
    november = at(warehouse, "G19", "2021-11-30")
    # half the year's cases on the phone against last year's one in five, one month left
    assert november["actual"] == approx(0.5, abs=0.01)
    assert november["target"] == approx(0.2)
    assert november["p_meet"] > 0.99
    assert november["status"] == "on_track"


def test_a_goal_that_can_no_longer_be_met_has_no_chance_before_december(warehouse):
    # G16 must be 100 %: one case in March was not credit-checked, so the rest of the year
    # would have to be checked at more than 100 %.
    for as_of in ("2021-03-31", "2021-06-30", "2021-11-30"):
        row = at(warehouse, "G16", as_of)
        assert row["required_rate"] > 1
        assert row["p_meet"] == 0
        assert row["p_meet_if_held"] is None  # a required rate above 100 % cannot be held
    # 医政医管科 has missed none: a flawless process by June is likely to stay so.
    flawless = by_department(warehouse, "G16", "2021-06-30")[DEPT]
    assert flawless["actual"] == 1
    assert flawless["p_meet"] > 0.5
    assert by_department(warehouse, "G16", "2021-06-30")[OTHER_DEPT]["p_meet"] == 0


def test_december_is_known_not_drawn(warehouse):
    for goal, met in (("G19", True), ("G16", False), ("G12", True), ("G01", False)):
        row = at(warehouse, goal, "2021-12-31")
        assert row["met"] is met
        assert row["p_meet"] == (1.0 if met else 0.0)
        assert row["projected_low"] == row["projected_high"] == row["actual"]
        assert row["p_meet_if_held"] is None


def test_a_goal_without_data_has_no_chance(warehouse):
    row = at(warehouse, "G03", "2021-06-30")  # no complaints at all
    assert row["status"] == "no_data"
    assert (row["p_meet"], row["projected_low"], row["projected_high"]) == (None, None, None)


def test_a_catalogue_share_that_never_moved_is_likely_to_stay(warehouse):
    # G12: both items on 渝快办 all year (= 100 %); G01: one of two fully online (≥ 80 %).
    assert at(warehouse, "G12", "2021-11-30")["p_meet"] > 0.9
    assert at(warehouse, "G01", "2021-11-30")["p_meet"] < 0.01
    # with more months left the same flat share is less sure
    assert at(warehouse, "G12", "2021-03-31")["p_meet"] < at(warehouse, "G12", "2021-11-30")["p_meet"]


def test_holding_the_required_rate_moves_the_chance(warehouse):
    # G19 for 医政医管科 in June is assured already (required rate below 0): nothing to hold.
    june = by_department(warehouse, "G19", "2021-06-30")[DEPT]
    assert june["required_rate"] < 0 and june["p_meet_if_held"] is None
    # A hand-made row: 60 of 100 met against ≥ 70 %, the recent rate 60 %, in June. Holding the
    # required rate (80 %) next month must raise the chance; it cannot make it certain.
    required = (0.7 * 200 - 60) / 100
    row = dict(
        key="G99||2021-06-30", projection_kind="run_rate", comparator=">=", target=0.7, unit="ratio",
        rounding_slack=1e-9, month_no=6, actual=0.6, projection=0.6, raw_projection=0.6,
        numerator=60.0, denominator=100.0, rest=100.0, recent_met=30.0, recent_units=50.0,
        pooled_met=None, pooled_units=None, rate_sd=0.03, required_rate=required,
        line_sd=None, move_chance=None, move_sd=None,
    )
    result = chance.one(row)
    assert required == approx(0.8)
    assert result["p_meet"] < 0.05
    assert result["p_meet"] < result["p_meet_if_held"] < 1


def test_two_builds_of_the_same_data_give_identical_chances(tmp_path, warehouse):
    write_raw(tmp_path / "raw", tables())
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "again.duckdb", SQL_DIR, log=lambda message: None, allow_shrink=True)
    again = duckdb.connect(str(tmp_path / "again.duckdb"), read_only=True)
    for mart in ("marts.goal_progress", "marts.goal_progress_by_department"):
        query = f"select goal_id, as_of, {'department, ' if 'department' in mart else ''}{CHANCE_COLUMNS} from {mart} order by all"
        first, second = warehouse.sql(query).fetchall(), again.sql(query).fetchall()
        assert first == second
        assert any(row[-4] not in (None, 0.0, 1.0) for row in first)  # some chance was drawn, not known
    again.close()


def test_the_flawless_share_grows_with_the_units_seen():
    # Bayes with FLAWLESS_BEFORE_ANY = 0.1 and a lucky run of n units having the chance
    # 100 / (100 + n): after 100 units 0.1 / (0.1 + 0.9 * 0.5) = 2/11
    assert chance.chance_flawless(0) == approx(0.1)
    assert chance.chance_flawless(100) == approx(2 / 11)
    assert chance.chance_flawless(100_000) > 0.99


def test_a_department_s_rate_is_read_against_the_commission_s():
    # 2 of 2 alone is read as (2 + 1) / (2 + 3); against a commission at 50 of 100 (≈ 0.5)
    # counted as 30 units, (2 + 30 * 50.5 / 101) / 32
    assert chance.recent_share(2, 2, None, None) == approx(3 / 5)
    assert chance.recent_share(2, 2, 50, 100) == approx((2 + 30 * 50.5 / 101) / 32)


def test_a_drawn_year_end_meets_by_the_projection_rule():
    drawn = np.array([0.7 - 2e-9, 0.7 - 5e-10, 0.7, 0.75])
    assert chance.meets(drawn, ">=", 0.7, 1e-9).tolist() == [False, True, True, True]
    assert chance.meets(drawn, ">", 0.7, 1e-9).tolist() == [False, False, False, True]
    assert chance.meets(drawn, "<=", 0.7, 1e-9).tolist() == [True, True, True, False]
