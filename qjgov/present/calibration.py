"""How well the stated chances of meeting the goals have come true, as the calibration run
(`python -m qjgov.calibrate`) publishes it: a CSV table beside its report in the docs folder
(`CALIBRATION_CSV`). The method page reads the file through here alone, so its columns are
named in one place.

The file holds one row per scope (the commission, or departments), goal family and goal
(`ALL` for the pooled rows) and months: one month-end (`from_month` = `to_month`) or a run of
them (March to November, June to November). Nothing here scores anything: the numbers are the
run's as it wrote them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from qjgov.paths import ROOT

CALIBRATION_CSV = ROOT / "docs" / "calibration" / "calibration.csv"
COLUMNS: dict[str, pl.DataType] = {
    "scope": pl.String,  # commission or department
    "family": pl.String,  # the goals' family (seeds/targets.csv), or ALL
    "goal_id": pl.String,  # a goal, or ALL
    "from_month": pl.Int64,  # the first and last month-end whose chances are scored
    "to_month": pl.Int64,
    "predictions": pl.Int64,  # chances scored
    "met_share": pl.Float64,  # share of them whose goal was met at year end
    "mean_chance": pl.Float64,
    "brier": pl.Float64,  # mean of (chance − outcome)²: 0 is perfect
    "brier_base_rate": pl.Float64,  # the same for the goal's base rate, and for its status read as a chance
    "brier_status": pl.Float64,
    "skill_base_rate": pl.Float64,  # 1 − brier / brier of the reference: 1 perfect, 0 no better, below 0 worse
    "skill_status": pl.Float64,
}
ALL = "all"
COMMISSION = "commission"
FIRST_MONTH, LAST_MONTH = 3, 11  # the month-ends the run scores, March to November


class CalibrationUnreadable(Exception):
    """The file exists but is not the table the run writes (another version's, or edited)."""


def read(path: Path | None = None) -> pl.DataFrame | None:
    """The published table with the columns of `COLUMNS`; None when the calibration has not
    been run here (no file), which is not an error: a fresh installation has none."""
    path = CALIBRATION_CSV if path is None else path
    if not path.exists():
        return None
    try:
        frame = pl.read_csv(path, schema_overrides=COLUMNS, infer_schema_length=0)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise CalibrationUnreadable(f"{path}: {error}") from None
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise CalibrationUnreadable(f"{path} lacks the columns {', '.join(missing)}")
    return frame.select(list(COLUMNS))


def commission(frame: pl.DataFrame, family: str | None = None, goal_id: str | None = None) -> pl.DataFrame:
    """The commission's rows of one family and goal (`ALL`: the pooled row; None: any), for
    every month-end and run of months."""
    rows = frame.filter(pl.col("scope") == COMMISSION)
    for column, value in (("family", family), ("goal_id", goal_id)):
        if value is not None:
            rows = rows.filter(pl.col(column) == value)
    return rows


def over_the_year(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows scoring every month-end the run scores, March to November together."""
    return rows.filter((pl.col("from_month") == FIRST_MONTH) & (pl.col("to_month") == LAST_MONTH))


def by_month(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows scoring one month-end each, in month order."""
    return rows.filter(pl.col("from_month") == pl.col("to_month")).sort("from_month")
