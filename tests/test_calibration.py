"""The calibration: its scores on hand-worked inputs, the varied years' conditions, and the
command end to end on two tiny years."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from numpy.random import PCG64, Generator

from qjgov.calibration import publish, score
from qjgov.demo import conditions, generate
from qjgov.demo.generate import MONTHS, TRAJECTORY, path
from qjgov.paths import ROOT


def judged(rows: list[tuple]) -> pl.DataFrame:
    """(goal_id, department, month_no, chance, status, met) rows as the simulation returns them."""
    return pl.DataFrame(
        rows,
        schema={"goal_id": pl.String, "department": pl.String, "month_no": pl.Int64, "chance": pl.Float64,
                "status": pl.String, "met": pl.Boolean},
        orient="row",
    )


def test_brier_and_both_skills_on_hand_worked_predictions():
    # G01 met, G02 missed, each judged twice.
    frame = score.with_references(judged([
        ("G01", None, 6, 0.9, "on_track", True),
        ("G01", None, 7, 0.6, "at_risk", True),
        ("G02", None, 6, 0.2, "at_risk", False),
        ("G02", None, 7, 0.4, "on_track", False),
    ]))
    row = score.scores(frame.with_columns(pl.lit("all").alias("family")), ["family"]).row(0, named=True)
    # Brier: (0.1² + 0.4² + 0.2² + 0.4²) / 4 = (0.01 + 0.16 + 0.04 + 0.16) / 4 = 0.0925
    assert row["brier"] == pytest.approx(0.0925)
    # Base rates are each goal's own share met: G01 1, G02 0, so the reference scores 0 and
    # leaves no skill to measure.
    assert row["brier_base_rate"] == pytest.approx(0.0)
    assert row["skill_base_rate"] is None
    # Status as a chance: 1, 0.5, 0.5, 1 → (0 + 0.25 + 0.25 + 1) / 4 = 0.375; skill 1 − 0.0925 / 0.375
    assert row["brier_status"] == pytest.approx(0.375)
    assert row["skill_status"] == pytest.approx(1 - 0.0925 / 0.375)
    assert row["predictions"] == 4 and row["met_share"] == pytest.approx(0.5)


def test_the_base_rate_is_each_goals_share_met_over_the_years():
    frame = score.with_references(judged([
        ("G01", None, 6, 0.8, "on_track", True),
        ("G01", None, 6, 0.7, "on_track", True),
        ("G01", None, 6, 0.6, "at_risk", True),
        ("G01", None, 6, 0.3, "off_track", False),
        ("G01", "行政审批科", 6, 0.3, "off_track", False),
    ]))
    assert frame["base_rate"].to_list() == pytest.approx([0.75, 0.75, 0.75, 0.75, 0.0])
    row = score.scores(frame.filter(pl.col("department").is_null()), ["goal_id"]).row(0, named=True)
    # Brier (0.04 + 0.09 + 0.16 + 0.09) / 4 = 0.095; base rate (3 × 0.0625 + 0.5625) / 4 = 0.1875
    assert row["brier"] == pytest.approx(0.095)
    assert row["brier_base_rate"] == pytest.approx(0.1875)
    assert row["skill_base_rate"] == pytest.approx(1 - 0.095 / 0.1875)


def test_reliability_bins_in_tenths_and_judges_only_full_bins():
    rows = [("G01", None, 6, 0.72, "on_track", k < 36) for k in range(50)]  # 72 % said, 72 % came true
    rows += [("G02", None, 6, 0.35, "at_risk", k < 5) for k in range(50)]  # 35 % said, 10 % came true
    rows += [("G03", None, 6, 1.0, "on_track", True), ("G03", None, 7, 0.05, "off_track", True)]
    bins = score.reliability(judged(rows))
    assert bins["bin"].to_list() == [0, 3, 7, 9]  # a chance of exactly 100 % falls in the last tenth
    by_bin = {r["bin"]: r for r in bins.iter_rows(named=True)}
    assert by_bin[7]["predictions"] == 50 and by_bin[7]["came_true"] == pytest.approx(0.72)
    assert by_bin[7]["holds"] is True
    assert by_bin[3]["difference"] == pytest.approx(0.10 - 0.35)
    assert by_bin[3]["holds"] is False
    assert by_bin[0]["holds"] is None and by_bin[9]["holds"] is None  # one prediction each: not judged


def test_a_worsening_lowers_the_late_year_path_and_leaves_2020_alone():
    worse = conditions.Conditions(1, 3000, (conditions.Change("proactive_review", "worsen", 18, 0.2),))
    stalled = conditions.Conditions(1, 3000, (conditions.Change("bad_never_rectified", "stall", 16, 0.0),))
    default = path(TRAJECTORY["proactive_review"])
    varied = path(conditions.perturbed(TRAJECTORY, worse)["proactive_review"])
    assert varied[:19] == pytest.approx(default[:19])  # up to the change's month-end, as the demo
    assert varied[23] == pytest.approx(default[23] - 0.2)  # the full amount by December
    held = path(conditions.perturbed(TRAJECTORY, stalled)["bad_never_rectified"])
    assert held[16:] == pytest.approx(np.full(MONTHS - 16, path(TRAJECTORY["bad_never_rectified"])[16]))
    assert TRAJECTORY["proactive_review"] == {"2020-01": 0.30, "2020-12": 0.40, "2021-01": 0.45, "2021-12": 0.65}


def test_a_bad_month_turns_the_case_rates_for_that_month_only():
    bad = conditions.Conditions(1, 3000, bad_month=conditions.BadMonth(17, 1.0))
    varied = conditions.perturbed(TRAJECTORY, bad)
    pro, credit = path(varied["proactive_review"]), path(varied["credit_miss"])
    assert pro[17] < path(TRAJECTORY["proactive_review"])[17] - 0.4
    assert credit[17] > 0 and credit[16] == 0 and credit[18] == 0
    phone = conditions.phone_share(varied)
    assert phone[17] < conditions.phone_share(TRAJECTORY)[17] and phone[18] == pytest.approx(conditions.phone_share(TRAJECTORY)[18])


def catalogue_under(trajectory: dict) -> tuple[dict, dict]:
    with generate.steered_by(trajectory):
        items = generate.catalogue_static()
        return items, generate.catalogue_states(Generator(PCG64(3)), items)


def lic_depth4_share(items: dict, states: dict, m: int) -> float:
    lic = states["present"][m] & items["lic"]
    return (states["depth"][m] == 4)[lic].mean()


def test_a_catalogue_change_moves_the_catalogue():
    names = ("医疗机构执业登记（注销）", "放射诊疗许可（新证）", "医疗广告审查", "献血证补办", "居民健康档案查询")
    added = conditions.Conditions(1, 3000, catalogue_change=conditions.CatalogueChange(17, "added", 0.0, names))
    reworked = conditions.Conditions(1, 3000, catalogue_change=conditions.CatalogueChange(17, "reworked", 0.10))
    items, states = catalogue_under(TRAJECTORY)
    items_added, states_added = catalogue_under(conditions.perturbed(TRAJECTORY, added))
    _, states_reworked = catalogue_under(conditions.perturbed(TRAJECTORY, reworked))
    batch = np.isin(items["name"], names)
    assert states["present"][5, batch].all()
    assert not states_added["present"][16, batch].any() and states_added["present"][17, batch].all()
    assert lic_depth4_share(items_added, states_added, 23) < lic_depth4_share(items, states, 23)
    assert lic_depth4_share(items, states_reworked, 23) > lic_depth4_share(items, states, 23) + 0.05
    assert lic_depth4_share(items, states_reworked, 16) == lic_depth4_share(items, states, 16)


def test_a_seed_draws_the_same_conditions_and_the_years_differ():
    assert conditions.draw(5) == conditions.draw(5)
    drawn = [conditions.draw(seed) for seed in range(1, 41)]
    kinds = {change.kind for year in drawn for change in year.changes}
    assert kinds == {"improve", "stall", "worsen", "none"}
    assert {year.catalogue_change.kind for year in drawn if year.catalogue_change} == {"added", "reworked"}
    assert 0 < sum(year.bad_month is not None for year in drawn) < 40
    volumes = [year.cases_per_year for year in drawn]
    assert min(volumes) >= 1_500 and max(volumes) <= 15_000 and len(set(volumes)) == 40


def test_a_varied_year_leaves_the_demo_trajectory_as_it_was(tmp_path):
    before = copy.deepcopy(TRAJECTORY)
    first = generate.generate(tmp_path / "a", seed=11, cases_per_year=400, log=lambda _: None)
    varied = conditions.perturbed(TRAJECTORY, conditions.draw(11))
    assert varied != TRAJECTORY
    generate.generate(tmp_path / "v", seed=11, cases_per_year=400, log=lambda _: None, trajectory=varied)
    assert generate.TRAJECTORY is TRAJECTORY and TRAJECTORY == before
    again = generate.generate(tmp_path / "b", seed=11, cases_per_year=400, log=lambda _: None)
    assert again == first
    for table in ("cases", "reviews", "items"):
        a = pl.read_parquet(tmp_path / "a" / table / "part-0.parquet")
        assert a.equals(pl.read_parquet(tmp_path / "b" / table / "part-0.parquet"))
        assert not a.equals(pl.read_parquet(tmp_path / "v" / table / "part-0.parquet"))


def test_the_goals_are_judged_on_the_commissions_rows():
    rows = [("G01", None, m, 0.9, "at_risk", True) for m in range(3, 12) for _ in range(60)]
    rows += [("G02", None, m, 0.1, "at_risk", False) for m in range(3, 12) for _ in range(60)]
    frame = publish.prepared(judged(rows))
    table = publish.table(frame)
    held = publish.goals_held(table, score.reliability(frame))
    # 90 % said, all met; 10 % said, none met: both tenths 10 points out, the skill against
    # "at risk" (0.25) is 1 − 0.01 / 0.25 = 0.96 every month.
    assert held == {"reliability": False, "skill": True}
    june = table.filter((pl.col("family") == "all") & (pl.col("from_month") == 6) & (pl.col("to_month") == 11))
    assert june["skill_status"].item() == pytest.approx(0.96)
    assert set(table["family"]) == {"catalogue", "all"}


def test_the_command_writes_the_document_the_table_and_the_diagram(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "qjgov.calibrate", "--years", "2", "--cases-per-year", "800", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "year 2 of 2" in result.stdout
    doc = (tmp_path / "calibration.md").read_text(encoding="utf-8")
    assert "![Reliability diagram](calibration/reliability.png)" in doc and "## How to read a chance" in doc
    csv = pl.read_csv(tmp_path / "calibration" / "calibration.csv")
    assert {"scope", "family", "goal_id", "from_month", "to_month", "brier", "skill_base_rate", "skill_status"} <= set(csv.columns)
    assert set(csv["scope"]) == {"commission", "department"}
    assert set(csv.filter(pl.col("goal_id") != "all")["goal_id"]) >= {"G01", "G07", "G16"}
    assert (tmp_path / "calibration" / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
