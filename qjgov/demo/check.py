"""Quick self-check of the demo data: the goal values of docs/metrics.md computed straight from raw.

Not the warehouse (that is sql/): a second, independent reading in polars so whoever tunes
`generate.TRAJECTORY` can see where each goal lands without building anything, and so the
SQL marts have numbers to be compared with.

    python -m qjgov.demo.check [--raw data/raw] [--as-of 2020-12-31 2021-06-30 2021-12-31]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import polars as pl

from qjgov.demo.generate import CAL_START, add_workdays, workday_calendar
from qjgov.paths import RAW_DIR, SEEDS_DIR


def duty_days(seeds: Path = SEEDS_DIR) -> dict[str, int]:
    """Working days each done-over-due goal allows, read from the seeds (targets.csv names the
    rule, rules.csv its days): never a copy of them."""
    rules = pl.read_csv(seeds / "rules.csv")
    targets = pl.read_csv(seeds / "targets.csv").filter(pl.col("rule").is_not_null())
    joined = targets.join(rules, on="rule", how="left")
    return dict(zip(joined["goal_id"].to_list(), joined["working_days"].to_list()))


RULES = duty_days()
DEFAULT_AS_OF = ["2020-12-31", "2021-01-31", "2021-06-30", "2021-09-30", "2021-12-31"]


def read_raw(raw: Path) -> dict[str, pl.DataFrame]:
    return {p.name: pl.read_parquet(p / "*.parquet") for p in sorted(Path(raw).iterdir()) if p.is_dir()}


def _day(col: pl.Series) -> np.ndarray:
    """Dates or datetimes → day index of the workday calendar."""
    return (col.cast(pl.Date).cast(pl.Int32).to_numpy() - (CAL_START - dt.date(1970, 1, 1)).days).astype(np.int64)


def catalogue_as_of(frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    latest = frame.filter(pl.col("snapshot_date") <= as_of)["snapshot_date"].max()
    return frame.filter(pl.col("snapshot_date") == latest)


def ratio(num: int | float, den: int | float) -> float | None:
    return None if not den else num / den


def catalogue_goals(raw: dict[str, pl.DataFrame], as_of: dt.date) -> dict[str, float | None]:
    cat = catalogue_as_of(raw["items"], as_of)
    lic = cat.filter(pl.col("category") == "行政许可")
    app = cat.filter(pl.col("on_application"))
    planned = cat.filter(pl.col("cross_province_planned"))
    batch2 = cat.filter(pl.col("chuanyu_batch") == 2)
    pkg = catalogue_as_of(raw["one_thing_packages"], as_of).filter(pl.col("high_frequency"))
    all_four = pkg.filter(pl.col("one_notice") & pl.col("one_form") & pl.col("one_window") & pl.col("one_completion"))
    return {
        "G01": ratio((lic["online_depth"] == 4).sum(), lic.height),
        "G02": ratio((app["online_depth"] == 4).sum(), app.height),
        "G05": app["site_visits"].mean(),
        "G06": ratio((app["handling_type"] == "即办件").sum(), app.height),
        "G11": ratio(all_four.height, pkg.height),
        "G12": ratio(lic["on_yukuaiban"].sum(), lic.height),
        "G13": ratio(planned["cross_province_live"].sum(), planned.height),
        "G14": ratio(batch2["chuanyu_live"].sum(), batch2.height),
        "G17": ratio((app["in_hall"] & app["chief_rep"]).sum(), app.height),
        "G18": ratio((app["online_depth"] >= 3).sum(), app.height),
    }


def case_goals(raw: dict[str, pl.DataFrame], as_of: dt.date, cal) -> dict[str, float | None]:
    start = dt.date(as_of.year, 1, 1)
    end = dt.datetime.combine(as_of, dt.time.max)
    cases = raw["cases"]
    accepted = cases.filter(pl.col("accepted_at").is_between(dt.datetime.combine(start, dt.time()), end))
    done = cases.filter((pl.col("status") == "办结") & pl.col("completed_at").is_between(dt.datetime.combine(start, dt.time()), end))
    reviews = raw["reviews"].filter(pl.col("reviewed_at") <= end)
    reviewed = reviews.filter((pl.col("channel") != "系统默认") & pl.col("case_id").is_not_null())["case_id"].unique()

    app = catalogue_as_of(raw["items"], as_of).filter(pl.col("on_application") & (pl.col("statutory_days") > 0))
    timed = done.filter(pl.col("accepted_at").is_not_null()).join(app.select("item_code", "statutory_days"), on="item_code")
    wd = cal.cum[_day(timed["completed_at"])] - cal.cum[_day(timed["accepted_at"])]
    timed = timed.with_columns(actual=pl.Series(np.maximum(0, wd - timed["suspended_days"].to_numpy())))
    per_item = timed.group_by("item_code").agg(reduction=1 - pl.col("actual").mean() / pl.col("statutory_days").first())
    n = accepted.height
    return {
        "G04": per_item["reduction"].mean() if per_item.height else None,
        "G07": ratio(done["case_id"].is_in(reviewed.implode()).sum(), done.height),
        "G16": ratio(accepted["credit_checked"].sum(), n),
        "G19": ratio(accepted["channel"].is_in(["渝快办APP", "小程序"]).sum(), n),
        "G20": ratio(accepted["postal"].sum(), n),
        "G21": ratio(accepted["assisted_channel"].is_in(["无障碍通道", "无智能手机通道", "绿色通道"]).sum(), n),
    }


def done_over_due(frame: pl.DataFrame, start_col: str, done_col: str, rule_wd: int, as_of: dt.date, cal) -> float | None:
    """docs/metrics.md#building-blocks, 'done over due': YTD by start date; due when the deadline has passed or done."""
    ytd = frame.filter(pl.col(start_col).cast(pl.Date).is_between(dt.date(as_of.year, 1, 1), as_of))
    if ytd.height == 0:
        return None
    deadline = add_workdays(cal, _day(ytd[start_col]), np.full(ytd.height, rule_wd))
    as_of_day = (as_of - CAL_START).days
    done = (ytd[done_col].cast(pl.Date) <= as_of).fill_null(False).to_numpy()
    due = (deadline <= as_of_day) | done
    return ratio(done.sum(), due.sum())


def duty_goals(raw: dict[str, pl.DataFrame], as_of: dt.date, cal) -> dict[str, float | None]:
    end = dt.datetime.combine(as_of, dt.time.max)
    reviews = raw["reviews"]
    proactive = reviews.filter(pl.col("channel") != "系统默认")
    unfounded = pl.col("verified_result").is_in(["不属实", "恶意评价"]) & (pl.col("verified_at") <= end)
    bad = reviews.filter((pl.col("rating") <= 2) & ~unfounded.fill_null(False))
    real_bad = reviews.filter((pl.col("rating") <= 2) & pl.col("real_name"))
    return {
        "G03": done_over_due(raw["complaints"], "assigned_at", "responded_at", RULES["G03"], as_of, cal),
        "G08": done_over_due(proactive, "reviewed_at", "reported_at", RULES["G08"], as_of, cal),
        "G09": done_over_due(bad, "reviewed_at", "rectified_at", RULES["G09"], as_of, cal),
        "G10": done_over_due(real_bad, "reviewed_at", "followed_up_at", RULES["G10"], as_of, cal),
        "G15": done_over_due(raw["decisions"], "decided_at", "published_at", RULES["G15"], as_of, cal),
    }


def goal_values(raw: dict[str, pl.DataFrame], as_of_dates: list[dt.date]) -> pl.DataFrame:
    """One row per goal, one column per as-of date."""
    cal = workday_calendar()
    columns = {}
    for as_of in as_of_dates:
        values = {**catalogue_goals(raw, as_of), **case_goals(raw, as_of, cal), **duty_goals(raw, as_of, cal)}
        columns[str(as_of)] = values
    goals = sorted(next(iter(columns.values())))
    return pl.DataFrame({"goal": goals, **{d: [v[g] for g in goals] for d, v in columns.items()}})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.demo.check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="landing zone (default: %(default)s)")
    parser.add_argument("--as-of", nargs="+", default=DEFAULT_AS_OF, help="as-of dates (default: %(default)s)")
    args = parser.parse_args(argv)
    table = goal_values(read_raw(args.raw), [dt.date.fromisoformat(d) for d in args.as_of])
    with pl.Config(tbl_rows=30, float_precision=3, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
