"""Demo data generator: writes the raw tables of the data contract for 2020-01-01 … 2021-12-31.

The demo has to look like the commission's real work (its item catalogue, volumes, seasons,
the State Council calendar) and has to move every goal of docs/metrics.md through a different
status, so the app shows achieved, missed, at-risk and on-track goals side by side. All the
knobs that steer the goal values sit in `TRAJECTORY` below; the rest of the file is plumbing.

    python -m qjgov.generate [--out data/raw] [--seed 42] [--cases-per-year 30000]

Everything is drawn from one numpy Generator(PCG64(seed)) in a fixed order, so a seed gives
identical tables. Cases are made a month at a time (the month they are accepted or refused),
in chunks of at most 250,000, with each chunk's reviews and licensing decisions, as whole
arrays (no loop over rows), and written as they are made: memory holds a chunk or two,
whatever the volume (about 0.5 GB; 10,000,000 cases a year take under a minute).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import queue
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import chinese_calendar
import numpy as np
import polars as pl
import pyarrow.parquet as pq
from numpy.random import PCG64, Generator

from qjgov.demo import catalogue as cat
from qjgov.warehouse.contract import ORIGIN_KEY, RAW_TABLES
from qjgov.warehouse.load import find_files
from qjgov.paths import RAW_DIR, SEEDS_DIR

# =============================================================================================
# TRAJECTORY: every knob that steers a goal value, in one place.
#
# Month paths are {"YYYY-MM": value} anchors at month-ends; months between two anchors are
# interpolated linearly, months before the first (after the last) anchor take its value.
# Catalogue paths are the goal's own ratio over the catalogue snapshot of that month-end
# (docs/metrics.md#building-blocks: LIC = 行政许可 items, APP = 依申请 items); the generator switches items on in a
# fixed order (more mature items first) so the ratio follows the path and never goes back.
# Case paths are per-case probabilities in the month the case is accepted / completed.
# =============================================================================================
TRAJECTORY: dict = {
    # ---- catalogue (trend goals) ---------------------------------------------------------
    # G01: LIC items with online_depth = 4 (target ≥ 0.80 → achieved).
    "lic_depth4": {"2020-01": 0.45, "2020-12": 0.60, "2021-01": 0.62, "2021-12": 0.84},
    # G02: APP items with online_depth = 4 (target ≥ 0.70 → missed by a little).
    "app_depth4": {"2020-01": 0.42, "2020-12": 0.54, "2021-01": 0.55, "2021-12": 0.67},
    # G18: APP items with online_depth ≥ 3 (baseline Dec 2020 → raised).
    "app_depth3": {"2020-01": 0.70, "2020-12": 0.80, "2021-12": 0.90},
    # G05 = (share of APP items not fully online, 1 visit each) + this share, which needs a
    # second visit (target ≤ 0.3 → missed badly).
    "app_second_visit": {"2020-01": 0.12, "2021-01": 0.06, "2021-12": 0.08},
    # G06: APP items that are 即办件 (target ≥ 0.40 → missed badly).
    "app_instant": {"2020-01": 0.25, "2021-01": 0.28, "2021-12": 0.33},
    # G12: LIC items on 渝快办 (= 1.00 by Sep 2021 → achieved); other APP items on 渝快办.
    "lic_yukuaiban": {"2020-01": 0.70, "2021-01": 0.85, "2021-09": 1.00},
    "other_yukuaiban": {"2020-01": 0.45, "2021-12": 0.75},
    # G17: APP items in the hall, and in the hall with a chief representative (= 1.00 by Nov).
    "app_in_hall": {"2020-01": 0.90, "2021-01": 0.97, "2021-09": 1.00},
    "app_chief_rep": {"2020-01": 0.85, "2021-01": 0.95, "2021-11": 1.00},
    # G13: 跨省通办 list items (tag xs) are planned from this month-end; share live.
    "cross_province_planned_from": "2020-09",
    "cross_province_live": {"2020-09": 0.0, "2020-12": 0.25, "2021-06": 1.00},
    # G14: 川渝通办 batch 1 (tag cy1) live share; batch 2 (tag cy2) listed from a month-end.
    "chuanyu1_live": {"2020-01": 0.50, "2020-06": 1.00},
    "chuanyu2_from": "2021-01",
    "chuanyu2_live": {"2021-01": 0.0, "2021-12": 0.90},
    # 告知承诺制: share of the items tagged nc where it applies.
    "notify_commit": {"2020-01": 0.0, "2020-10": 0.34, "2021-06": 1.00},
    # Items that join the catalogue only at a month-end ({item name: "YYYY-MM"}, as an add: tag
    # would): a batch added mid-year in a varied year (qjgov.demo.conditions); none in the demo.
    "added_mid_year": {},
    # ---- case volumes --------------------------------------------------------------------
    # Relative volume per workday by month (2020: the epidemic empties February).
    "month_factor": {
        2020: [0.85, 0.35, 0.80, 1.05, 1.10, 1.05, 1.00, 0.95, 1.10, 1.00, 1.05, 1.10],
        2021: [0.95, 0.75, 1.10, 1.10, 1.05, 1.00, 0.95, 0.95, 1.10, 0.95, 1.05, 1.05],
    },
    # Monday … Friday (a make-up workday on a weekend counts like a Friday).
    "weekday_factor": [1.20, 1.05, 1.00, 0.95, 0.85],
    "weekend_duty_share": 0.005,  # accepted on a non-workday (the hall's weekend duty)
    "unknown_item_case_share": 0.0005,  # cases carrying a code that is in no snapshot
    # ---- case outcomes and durations (G04) ----------------------------------------------
    "status_shares": {"不予受理": 0.008, "退回": 0.025, "撤回": 0.015},
    "withdrawn_after_acceptance": 0.5,
    "instant_same_day": 0.93,  # 即办件 completed on the acceptance day
    # G04: mean actual working days / promised days of a 承诺件 (target ≥ 0.80 → a little short).
    "duration_share_of_promised": {"2020-01": 0.80, "2020-12": 0.75, "2021-12": 0.72},
    "overdue_share": 0.01,  # 承诺件 finished 1–5 working days after the promise
    "suspended_share": 0.04,  # 承诺件 with 补正/挂起 days
    # ---- channels (G19, G20, G21) ---------------------------------------------------------
    # Share of all cases by channel; the online channels (网页, APP, 小程序) are used only for
    # items with online_depth ≥ 3, the generator scales them up there to keep these shares.
    "channel_mix": {
        "2020-01": {"窗口": 0.60, "渝快办网页": 0.12, "渝快办APP": 0.07, "小程序": 0.05, "自助终端": 0.06, "邮政代办": 0.05, "异地代收": 0.05},
        "2020-12": {"窗口": 0.55, "渝快办网页": 0.12, "渝快办APP": 0.09, "小程序": 0.08, "自助终端": 0.06, "邮政代办": 0.05, "异地代收": 0.05},
        "2021-01": {"窗口": 0.52, "渝快办网页": 0.11, "渝快办APP": 0.11, "小程序": 0.10, "自助终端": 0.06, "邮政代办": 0.05, "异地代收": 0.05},
        "2021-12": {"窗口": 0.47, "渝快办网页": 0.09, "渝快办APP": 0.15, "小程序": 0.13, "自助终端": 0.06, "邮政代办": 0.05, "异地代收": 0.05},
    },
    # G20: cases with postal = 邮政代办 channel plus results mailed (missed a little vs 2020).
    "postal_share": {"2020-01": 0.080, "2020-12": 0.080, "2021-01": 0.078, "2021-12": 0.072},
    # G21: cases via 无障碍通道 / 无智能手机通道 / 绿色通道 (raised from 2020 → achieved).
    "special_channel_share": {"2020-01": 0.004, "2020-12": 0.006, "2021-01": 0.008, "2021-06": 0.015, "2021-12": 0.07},
    "special_channel_mix": {"无障碍通道": 0.20, "无智能手机通道": 0.45, "绿色通道": 0.35},
    "agency_share": {"2020-01": 0.005, "2021-06": 0.010, "2021-12": 0.030},  # 帮办代办
    "elderly_share": 0.15,  # applicants aged 60+ (items tagged old are mostly elderly)
    # ---- credit (G16) --------------------------------------------------------------------
    "credit_miss": {"2020-01": 0.006, "2020-11": 0.0005, "2020-12": 0.0},
    "credit_commitment_share": 0.55,  # of cases of items where 告知承诺制 applies
    "cross_province_case_share": 0.06,  # of cases of items with 跨省通办 live
    "chuanyu_case_share": 0.05,  # of cases of items with 川渝通办 live
    # ---- reviews (G07, G08, G09, G10) ----------------------------------------------------
    # G07: completed cases with a proactive review (2021 beats 2020 → achieved).
    "proactive_review": {"2020-01": 0.30, "2020-12": 0.40, "2021-01": 0.45, "2021-12": 0.65},
    "reviews_per_completed_case": 0.95,  # the system default fills in the rest
    "second_review_share": 0.02,  # proactive reviews followed by a second one
    "caseless_review_share": 0.003,  # reviews of the hall not tied to a case
    "ratings": {5: 0.845, 4: 0.11, 3: 0.03, 2: 0.01, 1: 0.005},
    # G08: proactive reviews never reported (rest reported, a few late); 0.5 % in 2021, so that
    # even a small demo (3,000 cases a year) has more than a page of open reporting duties.
    "review_unreported": {"2020-01": 0.010, "2020-12": 0.004, "2021-01": 0.005},
    "review_reported_late": 0.005,
    "verified_results": {"属实": 0.75, "不属实": 0.15, "恶意评价": 0.10},
    # G09: founded bad reviews never rectified (rising towards the end: recent ones linger).
    "bad_never_rectified": {"2020-01": 0.04, "2021-01": 0.08, "2021-08": 0.14, "2021-12": 0.30},
    "bad_rectified_late": 0.06,
    # G10: real-name bad reviews never followed up.
    "bad_never_followed_up": {"2020-01": 0.05, "2021-01": 0.06, "2021-12": 0.15},
    "bad_followed_up_late": 0.05,
    # ---- complaints (G03) ----------------------------------------------------------------
    "complaints_per_year": 150,
    "complaints_never_responded": {2020: 1, 2021: 3},
    "complaints_responded_late": 0.02,
    "complaint_item_missing": 0.05,  # no item code
    "complaint_item_unknown": 0.03,  # a code not in the catalogue (未关联事项)
    # ---- decisions (G15) -----------------------------------------------------------------
    "penalty_decisions_per_year": 100,
    "decisions_never_published": 0.03,
    "decisions_published_late": 0.04,
}

PERIOD_START = dt.date(2020, 1, 1)
PERIOD_END = dt.date(2021, 12, 31)
YEARS = (2020, 2021)
MONTHS = 24  # month index 0 = Jan 2020 … 23 = Dec 2021
CAL_START = dt.date(2019, 1, 1)  # the workday table covers 2019–2022
CAL_END = dt.date(2022, 12, 31)
UNIX_DAY_OF_CAL_START = (CAL_START - dt.date(1970, 1, 1)).days

CHANNELS = ["窗口", "渝快办网页", "渝快办APP", "小程序", "自助终端", "邮政代办", "异地代收"]
ONLINE_CHANNELS = [1, 2, 3]
REVIEW_CHANNELS = ["大厅评价器", "自助终端", "电脑端", "APP", "小程序", "二维码", "短信", "系统默认"]
DEFAULT_REVIEW = 7
# Proactive review channel given the case's channel (rows follow CHANNELS).
REVIEW_CHANNEL_BY_CASE_CHANNEL = np.array(
    [
        [0.75, 0.00, 0.00, 0.00, 0.00, 0.12, 0.13],
        [0.00, 0.00, 0.90, 0.00, 0.00, 0.00, 0.10],
        [0.00, 0.00, 0.00, 0.95, 0.00, 0.00, 0.05],
        [0.00, 0.00, 0.00, 0.00, 0.95, 0.00, 0.05],
        [0.00, 0.80, 0.00, 0.00, 0.00, 0.10, 0.10],
        [0.00, 0.00, 0.00, 0.00, 0.00, 0.30, 0.70],
        [0.20, 0.00, 0.00, 0.00, 0.00, 0.20, 0.60],
    ]
)
# Reviewers known by name, per review channel (logged-in channels almost always).
REAL_NAME_BY_REVIEW_CHANNEL = np.array([0.35, 0.50, 0.95, 0.98, 0.95, 0.40, 0.85, 0.0])
STATUSES = ["办结", "不予受理", "退回", "撤回", "撤回", "在办"]  # 3 = before, 4 = after acceptance
OFFICE_SECONDS = (3 * 60 + 3 * 60 + 30) * 60  # 9:00–12:00 and 14:00–17:30
CHUNK_CASES = 250_000  # cases drawn and written at a time: what bounds the generator's memory

Log = Callable[[str], None]


# ---------------------------------------------------------------------------------------------
# Calendar and time helpers
# ---------------------------------------------------------------------------------------------
class Calendar(NamedTuple):
    """Day-indexed lookup arrays (day 0 = 2019-01-01) so workday arithmetic is vectorised."""

    dates: np.ndarray  # datetime64[D]
    workday: np.ndarray  # bool, State Council calendar incl. 调休
    plain_weekend: np.ndarray  # non-workday that is no statutory holiday (weekend duty days)
    cum: np.ndarray  # number of workdays on or before each day
    workdays: np.ndarray  # day indices of the workdays, ascending


def workday_calendar() -> Calendar:
    """Build the 2019–2022 lookup once from chinese_calendar (a loop over 1,461 days, not rows)."""
    days = (CAL_END - CAL_START).days + 1
    dates = [CAL_START + dt.timedelta(days=i) for i in range(days)]
    workday = np.array([chinese_calendar.is_workday(d) for d in dates])
    holiday_name = [chinese_calendar.get_holiday_detail(d)[1] for d in dates]
    plain_weekend = np.array([not w and name is None for w, name in zip(workday, holiday_name)])
    return Calendar(
        dates=np.array(dates, dtype="datetime64[D]"),
        workday=workday,
        plain_weekend=plain_weekend,
        cum=np.cumsum(workday),
        workdays=np.flatnonzero(workday),
    )


def day_index(date: dt.date) -> int:
    return (date - CAL_START).days


def add_workdays(cal: Calendar, day: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The n-th workday strictly after `day` (docs/metrics.md#building-blocks, deadline(t, N)); n = 0 keeps the day."""
    n = np.asarray(n)
    target = cal.workdays[np.minimum(cal.cum[day] + np.maximum(n, 1) - 1, len(cal.workdays) - 1)]
    return np.where(n == 0, day, target)


def office_clock(office_second: np.ndarray) -> np.ndarray:
    """Seconds into the office day (0 … 6.5 h) → seconds since midnight (9–12 h, 14–17:30 h)."""
    office_second = np.asarray(office_second, dtype=np.int64)
    morning = 3 * 3600
    return np.where(office_second < morning, 9 * 3600 + office_second, 14 * 3600 + office_second - morning)


def to_us(day: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Day index + seconds since midnight → microseconds since the Unix epoch (local time)."""
    return ((UNIX_DAY_OF_CAL_START + np.asarray(day, np.int64)) * 86_400 + np.asarray(second, np.int64)) * 1_000_000


END_US = int(to_us(np.array([day_index(PERIOD_END) + 1]), np.array([0]))[0])  # first instant after the data


def ts_series(name: str, us: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """A Datetime(us) column to whole seconds; invalid entries and instants after the data end
    become null."""
    keep = us < END_US if valid is None else valid & (us < END_US)
    whole_seconds = us - np.mod(us, 1_000_000)  # the platform records times to the second
    series = pl.Series(name, np.where(keep, whole_seconds, 0), dtype=pl.Int64).cast(pl.Datetime("us"))
    return with_nulls(series, keep)


def with_nulls(series: pl.Series, valid: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.lit(pl.Series(valid))).then(pl.lit(series))).to_series().alias(series.name)


def labels(name: str, values: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """String column from code indices, without building Python objects per row."""
    series = pl.Series(name, values, dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))
    return series if valid is None else with_nulls(series, valid)


def month_of(cal: Calendar, day: np.ndarray) -> np.ndarray:
    """Day index → month index 0 … 23 (clipped to the period)."""
    months = cal.dates[day].astype("datetime64[M]").astype(np.int64) - (2020 - 1970) * 12
    return np.clip(months, 0, MONTHS - 1)


def month_number(ym: str) -> int:
    year, month = ym.split("-")
    return (int(year) - 2020) * 12 + int(month) - 1


def path(anchors: dict[str, float]) -> np.ndarray:
    """Month path (24 values) from {"YYYY-MM": value} anchors, linear in between."""
    points = sorted((month_number(k), v) for k, v in anchors.items())
    return np.interp(np.arange(MONTHS), [x for x, _ in points], [v for _, v in points])


def month_ends() -> list[dt.date]:
    ends = []
    for m in range(MONTHS):
        year, month = 2020 + m // 12, m % 12 + 1
        first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
        ends.append(first_next - dt.timedelta(days=1))
    return ends


def categorical(rng: Generator, probs: np.ndarray, group: np.ndarray | None = None, n: int | None = None) -> np.ndarray:
    """One draw per row from the probability row `probs[group[row]]` ((k,) or (g, k) probs).

    A row of a few probabilities per group rather than one per draw: a single uniform per draw
    and a binary search in the groups' cumulative sums laid end to end (group r's sums + r).
    """
    probs = np.atleast_2d(np.asarray(probs, dtype=float))
    k = probs.shape[1]
    cum = np.cumsum(probs, axis=1)
    cum = cum / cum[:, -1:]
    flat = (cum + np.arange(len(cum))[:, None]).ravel()
    group = np.zeros(n, np.int64) if group is None else np.asarray(group, np.int64)
    u = rng.random(len(group))
    return (np.searchsorted(flat, u + group, side="right") - group * k).clip(0, k - 1)


# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------
def item_codes() -> list[str]:
    """Stable codes: prefix + category code + base item number + sub-item number (子项)."""
    codes, bases, subs = [], {}, {}
    group_size: dict[tuple[str, str], int] = {}
    for name, category, *_ in cat.CATALOGUE:
        key = (category, name.split("（")[0])
        group_size[key] = group_size.get(key, 0) + 1
    for name, category, *_ in cat.CATALOGUE:
        key = (category, name.split("（")[0])
        per_category = bases.setdefault(category, {})
        base = per_category.setdefault(key[1], len(per_category) + 1)
        subs[key] = subs.get(key, 0) + 1
        sub = subs[key] if group_size[key] > 1 else 0
        codes.append(f"{cat.ITEM_CODE_PREFIX}{cat.CATEGORY_CODES[category]}{base:03d}{sub:02d}")
    return codes


def catalogue_static() -> dict[str, np.ndarray]:
    """The catalogue list as column arrays (one entry per item)."""
    rows = cat.CATALOGUE
    tags = [set(r[7].split()) for r in rows]

    def tag_month(prefix: str, default: int) -> np.ndarray:
        return np.array([next((month_number(t.split(":")[1]) for t in ts if t.startswith(prefix)), default) for ts in tags])

    return {
        "code": np.array(item_codes()),
        "name": np.array([r[0] for r in rows]),
        "category": np.array([r[1] for r in rows]),
        "department": np.array([cat.DEPARTMENTS[r[2]] for r in rows]),
        "statutory": np.array([-1 if r[3] is None else r[3] for r in rows]),
        "promised": np.array([r[4] for r in rows]),
        "legal_share": np.array([{"P": 0.0, "L": 1.0, "M": 0.5}[r[5]] for r in rows]),
        "weight": np.array([r[6] for r in rows], dtype=float),
        "app": np.array([r[1] not in cat.NOT_ON_APPLICATION for r in rows]),
        "lic": np.array([r[1] == "行政许可" for r in rows]),
        "hf": np.array(["hf" in t for t in tags]),
        "xs": np.array(["xs" in t for t in tags]),
        "cy1": np.array(["cy1" in t for t in tags]),
        "cy2": np.array(["cy2" in t for t in tags]),
        "nc": np.array(["nc" in t for t in tags]),
        "cap2": np.array(["cap2" in t for t in tags]),
        "old": np.array(["old" in t for t in tags]),
        "added": np.maximum(tag_month("add:", 0), [month_number(TRAJECTORY["added_mid_year"].get(r[0], "2020-01")) for r in rows]),
        "dropped": tag_month("drop:", MONTHS),
    }


def switch_on(
    present: np.ndarray,
    eligible: np.ndarray,
    order: np.ndarray,
    share: np.ndarray,
    allowed: np.ndarray | None = None,
    first: np.ndarray | None = None,
) -> np.ndarray:
    """[month, item] flags: each month-end the first round(share × |eligible|) items in `order`.

    Lower `order` = further along. Items in `first` (e.g. depth 4 when deciding depth ≥ 3) go
    ahead of everyone; `allowed` bars items that cannot have the flag. A flag once on stays on
    (catalogues improve), so the realised share can run a little above the path.
    """
    out = np.zeros(present.shape, dtype=bool)
    for m in range(MONTHS):
        population = present[m] & eligible
        n = int(round(share[m] * population.sum()))
        pool = population if allowed is None else population & (allowed[m] if allowed.ndim == 2 else allowed)
        key = order - (1e6 * first[m] if first is not None else 0)
        candidates = np.flatnonzero(pool)
        out[m, candidates[np.argsort(key[candidates], kind="stable")][:n]] = True
    return np.maximum.accumulate(out, axis=0) & present


def catalogue_states(rng: Generator, items: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every month-dependent item attribute as a [month, item] array, following TRAJECTORY."""
    n_items = len(items["code"])
    months = np.arange(MONTHS)[:, None]
    present = (months >= items["added"]) & (months < items["dropped"])
    app, lic = items["app"], items["lic"]
    # One maturity per item (high-frequency items were worked on first), a little noise per attribute.
    maturity = rng.random(n_items) - 0.35 * items["hf"] + 0.3 * (items["added"] > 0)

    def order() -> np.ndarray:
        return maturity + 0.3 * rng.random(n_items)

    can_go_online = ~items["cap2"]
    lic_d4 = switch_on(present, lic, order(), path(TRAJECTORY["lic_depth4"]), allowed=can_go_online)
    app_n = (present & app).sum(axis=1)
    other = app & ~lic
    other_n = (present & other).sum(axis=1)
    other_share = (np.round(path(TRAJECTORY["app_depth4"]) * app_n) - lic_d4.sum(axis=1)) / np.maximum(other_n, 1)
    d4 = lic_d4 | switch_on(present, other, order(), other_share, allowed=can_go_online)
    d3 = switch_on(present, app, order(), path(TRAJECTORY["app_depth3"]), allowed=can_go_online, first=d4)
    low_depth = np.where(items["cap2"], 2, rng.choice([2, 1, 0], size=n_items, p=[0.6, 0.3, 0.1]))
    depth = np.where(d4, 4, np.where(d3, 3, np.where(app, low_depth, 0)))
    depth = np.maximum.accumulate(depth, axis=0)

    # Least mature items keep a second visit; fully online items need none.
    second = switch_on(present, app, -maturity, path(TRAJECTORY["app_second_visit"]), allowed=depth < 4)
    visits = np.where(app, np.where(depth == 4, 0, 1 + (second & (depth < 4))), 0)
    visits = np.minimum.accumulate(np.where(present, visits, 2), axis=0)

    simple = items["promised"] + 3 * rng.random(n_items)
    instant = switch_on(present, app, simple, path(TRAJECTORY["app_instant"]))
    promised = np.where(instant, 0, np.maximum(items["promised"], 1))

    ykb_order = order()
    yukuaiban = switch_on(present, lic, ykb_order, path(TRAJECTORY["lic_yukuaiban"]), first=d4) | switch_on(
        present, other, ykb_order, path(TRAJECTORY["other_yukuaiban"]), first=d4
    )
    hall_order = order()
    in_hall = switch_on(present, app, hall_order, path(TRAJECTORY["app_in_hall"]))
    chief_rep = switch_on(present, app, hall_order, path(TRAJECTORY["app_chief_rep"])) & in_hall

    planned = items["xs"] & (months >= month_number(TRAJECTORY["cross_province_planned_from"]))
    cross_live = switch_on(present, items["xs"], order(), path(TRAJECTORY["cross_province_live"])) & planned
    batch2 = items["cy2"] & (months >= month_number(TRAJECTORY["chuanyu2_from"]))
    batch = np.where(items["cy1"], 1, np.where(batch2, 2, 0)) * present
    chuanyu_live = switch_on(present, items["cy1"], order(), path(TRAJECTORY["chuanyu1_live"])) | (
        switch_on(present, items["cy2"], order(), path(TRAJECTORY["chuanyu2_live"])) & batch2
    )
    notify_commit = switch_on(present, items["nc"], order(), path(TRAJECTORY["notify_commit"]))
    return {
        "present": present,
        "depth": depth,
        "visits": visits,
        "instant": instant,
        "promised": promised,
        "yukuaiban": yukuaiban,
        "in_hall": in_hall,
        "chief_rep": chief_rep,
        "cross_planned": planned & present,
        "cross_live": cross_live,
        "chuanyu_batch": batch,
        "chuanyu_live": chuanyu_live,
        "notify_commit": notify_commit,
    }


def items_frame(items: dict[str, np.ndarray], states: dict[str, np.ndarray]) -> pl.DataFrame:
    """One row per month-end snapshot and item in it."""
    m, i = np.nonzero(states["present"])
    ends = np.array(month_ends(), dtype="datetime64[D]")
    statutory = items["statutory"][i]
    batch = states["chuanyu_batch"][m, i]
    return pl.DataFrame(
        [
            pl.Series("snapshot_date", ends[m]),
            pl.Series("item_code", items["code"][i]),
            pl.Series("item_name", items["name"][i]),
            pl.Series("category", items["category"][i]),
            pl.Series("on_application", items["app"][i]),
            pl.Series("department", items["department"][i]),
            with_nulls(pl.Series("statutory_days", statutory), statutory >= 0),
            pl.Series("promised_days", states["promised"][m, i]),
            pl.Series("handling_type", np.where(states["instant"][m, i], "即办件", "承诺件")),
            pl.Series("online_depth", states["depth"][m, i]),
            pl.Series("site_visits", states["visits"][m, i]),
            pl.Series("on_yukuaiban", states["yukuaiban"][m, i]),
            pl.Series("in_hall", states["in_hall"][m, i]),
            pl.Series("chief_rep", states["chief_rep"][m, i]),
            pl.Series("high_frequency", items["hf"][i]),
            pl.Series("cross_province_planned", states["cross_planned"][m, i]),
            pl.Series("cross_province_live", states["cross_live"][m, i]),
            with_nulls(pl.Series("chuanyu_batch", batch), batch > 0),
            pl.Series("chuanyu_live", states["chuanyu_live"][m, i]),
            pl.Series("notify_commit", states["notify_commit"][m, i]),
        ]
    )


def packages_frame(items: dict[str, np.ndarray]) -> pl.DataFrame:
    """Monthly snapshots of the 一件事 packages; flags switch on at the months of the list."""
    code_by_name = dict(zip(items["name"], items["code"]))
    rows = []
    for m, end in enumerate(month_ends()):
        for code, name, high_frequency, members, launched, flag_months in cat.PACKAGES:
            if m < month_number(launched):
                continue
            flags = [f is not None and m >= month_number(f) for f in flag_months]
            rows.append(
                {
                    "snapshot_date": end,
                    "package_code": code,
                    "package_name": name,
                    "high_frequency": high_frequency,
                    "one_notice": flags[0],
                    "one_form": flags[1],
                    "one_window": flags[2],
                    "one_completion": flags[3],
                    "item_codes": "|".join(code_by_name[n] for n in members),
                }
            )
    return pl.DataFrame(rows, schema=RAW_TABLES["one_thing_packages"])


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------
def township_weights() -> tuple[list[str], np.ndarray]:
    """Townships from the seed (so cases only carry seeded names), weighted by population."""
    names = pl.read_csv(SEEDS_DIR / "townships.csv")["township"].to_list()
    missing = set(names) ^ set(cat.TOWNSHIP_WEIGHTS)
    if missing:
        raise ValueError(f"seeds/townships.csv and demo_catalogue.TOWNSHIP_WEIGHTS differ: {sorted(missing)}")
    weights = np.array([cat.TOWNSHIP_WEIGHTS[n] for n in names])
    return names, weights / weights.sum()


def month_span(m: int) -> np.ndarray:
    """Day indices of month m (0 = Jan 2020)."""
    year, month = 2020 + m // 12, m % 12 + 1
    first = dt.date(year, month, 1)
    return np.arange(day_index(first), day_index(month_ends()[m]) + 1)


def day_weights(cal: Calendar, span: np.ndarray) -> np.ndarray:
    """Relative case volume of each day of `span`: workdays only, by season and weekday."""
    year = cal.dates[span].astype("datetime64[Y]").astype(np.int64) + 1970
    months = cal.dates[span].astype("datetime64[M]").astype(np.int64) % 12
    weekday = (cal.dates[span].astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    factor = np.array([TRAJECTORY["month_factor"][y][mo] for y, mo in zip(year, months)])
    return factor * np.array(TRAJECTORY["weekday_factor"])[np.minimum(weekday, 4)] * cal.workday[span]


def month_case_counts(rng: Generator, cal: Calendar, cases_per_year: int) -> np.ndarray:
    """Cases decided in each of the 24 months: each year's total spread by the day weights."""
    counts = []
    for year in range(len(YEARS)):
        weight = np.array([day_weights(cal, month_span(12 * year + m)).sum() for m in range(12)])
        counts.append(rng.multinomial(cases_per_year, weight / weight.sum()))
    return np.concatenate(counts)


def decision_days(rng: Generator, cal: Calendar, m: int, n: int) -> np.ndarray:
    """The day each of month m's n cases is accepted (or refused): workdays by the day weights,
    a few on an ordinary weekend (the hall's weekend duty)."""
    span = month_span(m)
    weight = day_weights(cal, span)
    chosen = rng.choice(span, size=n, p=weight / weight.sum())
    duty = rng.random(n) < TRAJECTORY["weekend_duty_share"]
    duty_days = span[cal.plain_weekend[span]]
    if len(duty_days):
        chosen[duty] = rng.choice(duty_days, size=int(duty.sum()))
    return np.sort(chosen)


def sample_items(rng: Generator, items: dict, states: dict, month: np.ndarray) -> np.ndarray:
    """Item per case by popularity among the items in that month's catalogue."""
    out = np.empty(len(month), dtype=np.int64)
    for m in np.unique(month):
        rows = np.flatnonzero(month == m)
        weight = items["weight"] * states["present"][m] * items["app"]
        out[rows] = rng.choice(len(weight), size=len(rows), p=weight / weight.sum())
    return out


def channel_probabilities(m: int, online_capable: np.ndarray) -> np.ndarray:
    """(2, 7) channel probabilities in month m for cases of items without (row 0) and with
    (row 1) online_depth ≥ 3, keeping the monthly mix of TRAJECTORY["channel_mix"].

    Online channels are open only to items with online_depth ≥ 3, so their share is scaled up
    among those cases by 1 / (share of such cases in the month).
    """
    mix = np.array([path({k: v[c] for k, v in TRAJECTORY["channel_mix"].items()})[m] for c in CHANNELS])
    mix = mix / mix.sum()
    capable_share = online_capable.mean() if len(online_capable) else 0.0
    online = mix[ONLINE_CHANNELS].sum()
    p_online = min(online / max(capable_share, 1e-9), 0.97)
    offline = mix.copy()
    offline[ONLINE_CHANNELS] = 0
    offline = offline / offline.sum()
    capable = offline * (1 - p_online)
    capable[ONLINE_CHANNELS] = mix[ONLINE_CHANNELS] / online * p_online
    return np.stack([offline, capable])


def handling_days(rng: Generator, instant: np.ndarray, promised: np.ndarray, month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Working days from acceptance to completion, and the suspended part of them."""
    n = len(instant)
    share = path(TRAJECTORY["duration_share_of_promised"])[month]
    fraction = rng.beta(2.0 * share / (1 - share), 2.0)  # mean = share
    days = np.floor(promised * fraction + rng.random(n)).astype(np.int64)
    days = np.minimum(days, promised)
    overdue = rng.random(n) < TRAJECTORY["overdue_share"]
    days = np.where(overdue, promised + rng.integers(1, 6, n), days)
    same_day = rng.random(n) < TRAJECTORY["instant_same_day"]
    days = np.where(instant, np.where(same_day, 0, 1), days)
    suspended = np.where(
        ~instant & (rng.random(n) < TRAJECTORY["suspended_share"]), np.minimum(rng.geometric(0.2, n), 20), 0
    )
    return days + suspended, suspended


def numbered(counters: dict, key: tuple, years: np.ndarray) -> np.ndarray:
    """Running numbers per year for rows in time order, carried on from the chunks before
    (`counters` holds the next number per key and year), so keys stay unique across chunks."""
    seq = np.empty(len(years), np.int64)
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        start = counters.get((*key, int(year)), 1)
        seq[rows] = np.arange(start, start + len(rows))
        counters[(*key, int(year))] = start + len(rows)
    return seq


def id_series(name: str, template: str, years: np.ndarray, seq: np.ndarray, width: int = 0) -> pl.Series:
    """Keys such as QJWJ2021-0000123 from years and running numbers (template holds two {})."""
    number = pl.lit(pl.Series(seq)).cast(pl.String)
    number = number.str.zfill(width) if width else number
    return pl.select(pl.format(template, pl.lit(pl.Series(years)), number)).to_series().alias(name)


def year_of(us: np.ndarray) -> np.ndarray:
    return us.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970


def generate_cases(
    rng: Generator, cal: Calendar, items: dict, states: dict, m: int, n: int, townships: tuple, counters: dict
) -> tuple[pl.DataFrame, dict]:
    """The n cases decided in month m: arrays first (for reviews and decisions), then the contract frame."""
    day = decision_days(rng, cal, m, n)
    month = np.full(n, m, dtype=np.int64)
    item = sample_items(rng, items, states, month)
    depth = states["depth"][month, item]
    instant = states["instant"][month, item]
    promised = states["promised"][month, item]

    capable = depth >= 3
    channel = categorical(rng, channel_probabilities(m, capable), capable)
    online = np.isin(channel, ONLINE_CHANNELS)
    # 跨省通办 cases: fully online where applied online, otherwise mostly collected elsewhere
    # (the case then comes in through 异地代收), a few handled jointly by several places.
    cross = states["cross_live"][month, item] & (rng.random(n) < TRAJECTORY["cross_province_case_share"])
    remote = cross & ~online & (rng.random(n) < 0.8)
    channel = np.where(remote, 6, channel)
    cross_mode = np.select([cross & online, remote, cross], [0, 1, 2], -1)

    # Outcome: 0 办结, 1 不予受理, 2 退回, 3 撤回 before acceptance, 4 撤回 after, 5 在办.
    shares = TRAJECTORY["status_shares"]
    after = TRAJECTORY["withdrawn_after_acceptance"]
    p = [shares["不予受理"], shares["退回"], shares["撤回"] * (1 - after), shares["撤回"] * after]
    outcome = categorical(rng, [1 - sum(p), *p], n=n)
    accepted = (outcome == 0) | (outcome == 4)

    office = rng.integers(0, OFFICE_SECONDS, n)
    work, suspended = handling_days(rng, instant, promised, month)
    work = np.where(outcome == 4, np.floor(work * rng.random(n)).astype(np.int64), work)
    suspended = np.where(outcome == 0, np.minimum(suspended, work), 0)
    end_day = np.where(accepted, add_workdays(cal, day, work), day)
    # Same-day completions: a few minutes up to an hour later, before the office closes.
    quick = office + 60 + rng.random(n) * np.minimum(3600, OFFICE_SECONDS - 61 - office).clip(0)
    end_office = np.where(accepted & (work == 0), quick.astype(np.int64), rng.integers(0, OFFICE_SECONDS, n))
    end_office = np.where(accepted, end_office, office)  # refusals end when they are decided
    decided_us = to_us(day, office_clock(office))
    end_us = to_us(end_day, office_clock(end_office))
    open_case = end_us >= END_US
    outcome = np.where(open_case, 5, outcome)

    lag_minutes = np.select(
        [online, np.isin(channel, [5, 6])],
        [5 + rng.exponential(16 * 60, n), rng.uniform(12 * 60, 72 * 60, n)],
        rng.uniform(2, 25, n),
    )
    submitted_us = decided_us - (lag_minutes * 60e6).astype(np.int64)
    # The data starts on 1 Jan 2020: an application that would predate it is moved inside.
    start_us = int(to_us(np.array([day_index(PERIOD_START)]), np.array([0]))[0])
    early = submitted_us < start_us
    submitted_us = np.where(early, start_us + ((decided_us - start_us) * rng.random(n)).astype(np.int64), submitted_us)

    postal_channel = channel == 5
    postal_target = path(TRAJECTORY["postal_share"])[month]
    postal_channel_share = path({k: v["邮政代办"] for k, v in TRAJECTORY["channel_mix"].items()})[month]
    mailed = rng.random(n) < (postal_target - postal_channel_share) / (1 - postal_channel_share)
    postal = postal_channel | mailed

    fully_online = online & (depth == 4) & (rng.random(n) < 0.97)
    pickup = ~instant & ~postal & (rng.random(n) < 0.35)
    site_visits = np.select(
        [fully_online, online, channel == 0, postal_channel],
        [0, (rng.random(n) < 0.7).astype(np.int64), 1 + pickup, 0],
        1,
    )

    elderly = rng.random(n) < elderly_probability(items, item)
    special_share = path(TRAJECTORY["special_channel_share"])[month]
    propensity = np.where(elderly, 5.0, 0.5)
    propensity = propensity / propensity.mean()
    special = rng.random(n) < special_share * propensity
    agency = ~special & (rng.random(n) < path(TRAJECTORY["agency_share"])[month] * propensity)
    special_kinds = list(TRAJECTORY["special_channel_mix"])
    kind_probs = np.array(list(TRAJECTORY["special_channel_mix"].values()))
    kind = categorical(rng, np.stack([kind_probs, kind_probs * [1, 2, 1]]), elderly)
    assisted = np.where(special, kind, np.where(agency, 3, -1))

    chuanyu = states["chuanyu_live"][month, item] & (rng.random(n) < TRAJECTORY["chuanyu_case_share"])
    credit_checked = rng.random(n) >= path(TRAJECTORY["credit_miss"])[month]
    commitment = states["notify_commit"][month, item] & (rng.random(n) < TRAJECTORY["credit_commitment_share"])
    legal = rng.random(n) < items["legal_share"][item]
    townships, township_p = townships
    township = rng.choice(len(townships), size=n, p=township_p)
    unknown = rng.random(n) < TRAJECTORY["unknown_item_case_share"]

    order = np.argsort(submitted_us, kind="stable")
    arrays = {
        "item": item[order],
        "channel": channel[order],
        "outcome": outcome[order],
        "end_day": end_day[order],
        "end_us": end_us[order],
        "month_end": month_of(cal, end_day)[order],
        "lic": items["lic"][item][order],
        "unknown": unknown[order],
    }
    submitted_sorted = submitted_us[order]
    submitted_year = submitted_sorted.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970
    frame = pl.DataFrame(
        [
            pl.Series("submitted_year", submitted_year),
            labels("item_code", [*items["code"], cat.UNKNOWN_ITEM_CODE], np.where(unknown, len(items["code"]), item)[order]),
            labels("applicant_type", ["个人", "法人"], legal[order].astype(np.int64)),
            labels("channel", CHANNELS, channel[order]),
            labels("township", townships, township[order]),
            ts_series("submitted_at", submitted_sorted),
            ts_series("accepted_at", decided_us[order], accepted[order]),
            ts_series("completed_at", end_us[order], (~open_case | ~accepted)[order]),
            labels("status", STATUSES, outcome[order]),
            pl.Series("suspended_days", suspended[order]),
            pl.Series("site_visits", site_visits[order]),
            pl.Series("fully_online", fully_online[order]),
            labels("cross_province_mode", ["全程网办", "异地代收代办", "多地联办"], np.maximum(cross_mode, 0)[order], (cross_mode >= 0)[order]),
            pl.Series("chuanyu", chuanyu[order]),
            pl.Series("credit_checked", credit_checked[order]),
            pl.Series("credit_commitment", commitment[order]),
            labels("assisted_channel", [*special_kinds, "帮办代办"], np.maximum(assisted, 0)[order], (assisted >= 0)[order]),
            pl.Series("elderly", elderly[order]),
            pl.Series("postal", postal[order]),
        ]
    )
    case_id = id_series("case_id", "QJWJ{}-{}", submitted_year, numbered(counters, ("cases",), submitted_year), 7)
    frame = frame.with_columns(case_id).drop("submitted_year")
    arrays["case_id"] = frame["case_id"]
    return frame, arrays


def elderly_probability(items: dict, item: np.ndarray) -> np.ndarray:
    """Per case: 85 % for items of older people (tag old); the rest share what is left of the
    overall target, less for businesses (whose representatives are younger)."""
    old = items["old"][item]
    rest_share = (TRAJECTORY["elderly_share"] - 0.85 * old.mean()) / max(1 - old.mean(), 1e-9)
    propensity = 1 - 0.6 * items["legal_share"][item]
    propensity = propensity / max(propensity[~old].mean(), 1e-9) if (~old).any() else propensity
    return np.where(old, 0.85, np.clip(rest_share * propensity, 0.0, 1.0))


# ---------------------------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------------------------
def generate_reviews(
    rng: Generator, cal: Calendar, items: dict, states: dict, cases: dict, m: int, counters: dict
) -> pl.DataFrame:
    """好差评 of month m's cases: proactive reviews, system defaults, and the handling of bad
    ones; and the month's reviews of the hall tied to no case."""
    done = np.flatnonzero(cases["outcome"] == 0)
    month = cases["month_end"][done]
    p_pro = path(TRAJECTORY["proactive_review"])[month]
    proactive = rng.random(len(done)) < p_pro
    p_default = (TRAJECTORY["reviews_per_completed_case"] - p_pro) / (1 - p_pro)
    default = ~proactive & (rng.random(len(done)) < p_default)
    second = proactive & (rng.random(len(done)) < TRAJECTORY["second_review_share"])
    case_rows = np.concatenate([done[proactive | default], done[second]])
    is_default = np.concatenate([default[proactive | default], np.zeros(second.sum(), bool)])
    n = len(case_rows)

    channel = categorical(rng, REVIEW_CHANNEL_BY_CASE_CHANNEL, cases["channel"][case_rows])
    channel = np.where(is_default, DEFAULT_REVIEW, channel)
    lag_s = np.select(
        [channel <= 1, (channel >= 2) & (channel <= 4), channel == DEFAULT_REVIEW],
        [rng.uniform(30, 600, n), rng.exponential(6 * 3600, n), rng.integers(1, 11, n) * 86_400 + rng.uniform(0, 3600, n)],
        rng.exponential(86_400, n),
    )
    reviewed_us = cases["end_us"][case_rows] + (lag_s * 1e6).astype(np.int64)

    # Reviews of the hall itself, tied to no case.
    extra = int(round(TRAJECTORY["caseless_review_share"] * n))
    span = month_span(m)
    extra_day = rng.choice(span[cal.workday[span]], size=extra)
    extra_month = month_of(cal, extra_day)
    extra_item = sample_items(rng, items, states, extra_month)
    extra_us = to_us(extra_day, office_clock(rng.integers(0, OFFICE_SECONDS, extra)))

    item = np.concatenate([cases["item"][case_rows], extra_item])
    unknown = np.concatenate([cases["unknown"][case_rows], np.zeros(extra, bool)])
    channel = np.concatenate([channel, rng.choice([0, 5], size=extra, p=[0.7, 0.3])])
    reviewed_us = np.concatenate([reviewed_us, extra_us])
    case_id = pl.concat([cases["case_id"].gather(case_rows), pl.Series("case_id", [None] * extra, dtype=pl.String)])
    n += extra

    keep = reviewed_us < END_US
    order = np.flatnonzero(keep)[np.argsort(reviewed_us[keep], kind="stable")]
    item, unknown, channel, reviewed_us = item[order], unknown[order], channel[order], reviewed_us[order]
    case_id = case_id.gather(order)
    n = len(order)
    is_default = channel == DEFAULT_REVIEW

    ratings = TRAJECTORY["ratings"]
    rating = np.where(is_default, 5, rng.choice(list(ratings), size=n, p=list(ratings.values())))
    real_name = rng.random(n) < REAL_NAME_BY_REVIEW_CHANNEL[channel]
    reviewed_day = (reviewed_us // 1_000_000 // 86_400 - UNIX_DAY_OF_CAL_START).astype(np.int64)
    month = month_of(cal, reviewed_day)

    report_lag = np.where(
        rng.random(n) < TRAJECTORY["review_reported_late"], rng.uniform(2, 6, n) * 86_400, rng.uniform(10, 1800, n)
    )
    unreported = ~is_default & (rng.random(n) < path(TRAJECTORY["review_unreported"])[month])
    reported_us = reviewed_us + (report_lag * 1e6).astype(np.int64)

    bad = rating <= 2
    follow = bad_review_handling(rng, cal, reviewed_day, month, real_name, bad)
    year = year_of(reviewed_us)
    comments = cat.BAD_REVIEW_COMMENTS
    return pl.DataFrame(
        [
            id_series("review_id", "PJ{}-{}", year, numbered(counters, ("reviews",), year), 7),
            case_id.alias("case_id"),
            labels("item_code", [*items["code"], cat.UNKNOWN_ITEM_CODE], np.where(unknown, len(items["code"]), item)),
            labels("channel", REVIEW_CHANNELS, channel),
            pl.Series("rating", rating),
            ts_series("reviewed_at", reviewed_us),
            pl.Series("real_name", real_name),
            ts_series("reported_at", reported_us, ~unreported),
            ts_series("verified_at", follow["verified_us"], follow["verified"]),
            labels("verified_result", list(TRAJECTORY["verified_results"]), follow["result"], follow["verified"]),
            ts_series("rectified_at", follow["rectified_us"], follow["rectified"]),
            ts_series("followed_up_at", follow["followed_us"], follow["followed"]),
            labels("comment", comments, rng.integers(0, len(comments), n), bad),
        ]
    )


def bad_review_handling(
    rng: Generator, cal: Calendar, day: np.ndarray, month: np.ndarray, real_name: np.ndarray, bad: np.ndarray
) -> dict[str, np.ndarray]:
    """Verification, rectification and follow-up of bad reviews, in working days after the review."""
    n = len(day)
    u = rng.random(n)
    verify_wd = np.where(u < 0.9, rng.integers(1, 4, n), rng.integers(4, 11, n))
    verified = bad & (u < 0.98)
    results = TRAJECTORY["verified_results"]
    result = rng.choice(len(results), size=n, p=list(results.values()))
    unfounded = verified & (result > 0)

    def done_after(never: np.ndarray, late_share: float, on_time: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        late = rng.random(n) < late_share
        wd = np.where(late, rng.integers(16, 31, n), rng.integers(*on_time, n))
        us = to_us(add_workdays(cal, day, wd), office_clock(rng.integers(0, OFFICE_SECONDS, n)))
        return us, ~never

    never_rectified = rng.random(n) < path(TRAJECTORY["bad_never_rectified"])[month]
    rectified_us, rectified = done_after(never_rectified, TRAJECTORY["bad_rectified_late"], (2, 16))
    never_followed = rng.random(n) < path(TRAJECTORY["bad_never_followed_up"])[month]
    followed_us, followed = done_after(never_followed, TRAJECTORY["bad_followed_up_late"], (3, 16))
    verified_us = to_us(add_workdays(cal, day, verify_wd), office_clock(rng.integers(0, OFFICE_SECONDS, n)))
    rectified_us = np.maximum(rectified_us, verified_us)
    return {
        "verified": verified,
        "verified_us": verified_us,
        "result": result,
        "rectified": bad & ~unfounded & rectified,
        "rectified_us": rectified_us,
        "followed": bad & real_name & followed,
        "followed_us": np.maximum(followed_us, verified_us),
    }


# ---------------------------------------------------------------------------------------------
# Complaints and decisions
# ---------------------------------------------------------------------------------------------
def workdays_of_year(cal: Calendar, year: int) -> np.ndarray:
    span = np.arange(day_index(dt.date(year, 1, 1)), day_index(dt.date(year, 12, 31)) + 1)
    return span[cal.workday[span]]


def generate_complaints(rng: Generator, cal: Calendar, items: dict, states: dict) -> pl.DataFrame:
    """交办投诉: assigned on workdays, mostly answered within a working day, a few never."""
    parts = []
    for year in YEARS:
        n = TRAJECTORY["complaints_per_year"]
        day = np.sort(rng.choice(workdays_of_year(cal, year), size=n))
        month = month_of(cal, day)
        assigned_us = to_us(day, office_clock(rng.integers(0, OFFICE_SECONDS, n)))
        u = rng.random(n)
        late = rng.random(n) < TRAJECTORY["complaints_responded_late"]
        response_wd = np.where(late, rng.integers(2, 6, n), np.where(u < 0.75, 0, 1))
        responded_us = np.where(
            response_wd == 0,
            assigned_us + rng.integers(600, 4 * 3600, n) * 1_000_000,
            to_us(add_workdays(cal, day, response_wd), office_clock(rng.integers(0, OFFICE_SECONDS, n))),
        )
        never = np.zeros(n, bool)
        never[rng.choice(n, size=TRAJECTORY["complaints_never_responded"][year], replace=False)] = True
        resolved_us = to_us(add_workdays(cal, day, response_wd + rng.integers(1, 21, n)), office_clock(rng.integers(0, OFFICE_SECONDS, n)))
        item = sample_items(rng, items, states, month)
        v = rng.random(n)
        missing = v < TRAJECTORY["complaint_item_missing"]
        unknown = ~missing & (v < TRAJECTORY["complaint_item_missing"] + TRAJECTORY["complaint_item_unknown"])
        texts = cat.COMPLAINT_TEXTS
        parts.append(
            pl.DataFrame(
                [
                    pl.Series("complaint_id", [f"TS{year}-{k:04d}" for k in range(1, n + 1)]),
                    labels("source", ["国家政务服务平台", "渝快办"], (rng.random(n) < 0.7).astype(np.int64)),
                    labels("item_code", [*items["code"], cat.UNKNOWN_ITEM_CODE], np.where(unknown, len(items["code"]), item), ~missing),
                    ts_series("assigned_at", assigned_us),
                    ts_series("responded_at", responded_us, ~never),
                    ts_series("resolved_at", resolved_us, ~never),
                    labels("content", texts, rng.integers(0, len(texts), n)),
                ]
            )
        )
    return pl.concat(parts)


def decisions_frame(
    items: dict, item: np.ndarray, case_id: pl.Series, decided_us: np.ndarray, published_us: np.ndarray,
    published: np.ndarray, penalty: bool, counters: dict,
) -> pl.DataFrame:
    """Decision rows in time order, numbered per year and kind (黔江卫许〔2021〕12号)."""
    order = np.argsort(decided_us, kind="stable")
    year = year_of(decided_us[order])
    template = "黔江卫罚〔{}〕{}号" if penalty else "黔江卫许〔{}〕{}号"
    return pl.DataFrame(
        [
            id_series("decision_id", template, year, numbered(counters, ("decisions", penalty), year)),
            labels("decision_type", ["行政许可", "行政处罚"], np.full(len(order), int(penalty))),
            case_id.gather(order).alias("case_id"),
            labels("item_code", list(items["code"]), item[order]),
            ts_series("decided_at", decided_us[order]),
            ts_series("published_at", published_us[order], published[order]),
        ]
    )


def publication(rng: Generator, cal: Calendar, day: np.ndarray, decided_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """When each decision is published (most within 7 working days), and whether it ever is."""
    n = len(day)
    late = rng.random(n) < TRAJECTORY["decisions_published_late"]
    wd = np.where(late, rng.integers(8, 21, n), rng.integers(0, 6, n))
    published_us = np.where(
        wd == 0,
        decided_us + rng.integers(600, 3 * 3600, n) * 1_000_000,
        to_us(add_workdays(cal, day, wd), office_clock(rng.integers(0, OFFICE_SECONDS, n))),
    )
    never = rng.random(n) < TRAJECTORY["decisions_never_published"]
    return published_us, ~never


def generate_decisions(rng: Generator, cal: Calendar, items: dict, cases: dict, counters: dict) -> pl.DataFrame:
    """双公示: a licensing decision per completed licensing case (of one chunk of cases)."""
    done = np.flatnonzero((cases["outcome"] == 0) & cases["lic"] & ~cases["unknown"])
    day, decided_us = cases["end_day"][done], cases["end_us"][done]
    published_us, published = publication(rng, cal, day, decided_us)
    return decisions_frame(
        items, cases["item"][done], cases["case_id"].gather(done), decided_us, published_us, published, False, counters
    )


def generate_penalties(rng: Generator, cal: Calendar, items: dict, counters: dict) -> pl.DataFrame:
    """双公示: the years' administrative penalty decisions (tied to no case)."""
    penalty_items = np.flatnonzero(items["category"] == "行政处罚")
    day = np.concatenate(
        [np.sort(rng.choice(workdays_of_year(cal, y), size=TRAJECTORY["penalty_decisions_per_year"])) for y in YEARS]
    )
    n = len(day)
    decided_us = to_us(day, office_clock(rng.integers(0, OFFICE_SECONDS, n)))
    item = rng.choice(penalty_items, size=n)
    published_us, published = publication(rng, cal, day, decided_us)
    case_id = pl.Series([None] * n, dtype=pl.String)
    return decisions_frame(items, item, case_id, decided_us, published_us, published, True, counters)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Exactly the contract's columns, in its order, with its types."""
    return frame.select([pl.col(col).cast(dtype) for col, dtype in RAW_TABLES[table].items()])


class TableFiles:
    """One Parquet file per table (part-0.parquet), written a chunk at a time by a thread of
    its own while the next chunk is drawn; at most two chunks wait, so memory stays flat
    whatever the volume. Opening it removes the table's old Parquet files, so a rerun never
    duplicates keys; a failed run removes what it wrote."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}
        self.pending: queue.Queue = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._drain, name="parquet-writer", daemon=True)

    def __enter__(self) -> "TableFiles":
        landed = not_generated(self.out)
        if landed:
            shown = ", ".join(str(path) for path in landed[:3]) + (f" (+{len(landed) - 3} more)" if len(landed) > 3 else "")
            raise LandedDataError(
                f"{self.out} holds Parquet the demo generator did not write (imports, the "
                f"platform's own data, or one an interrupted run left unreadable): {shown}. Generating demo data "
                "there would delete or mix with them: move that folder elsewhere first, or generate into another folder."
            )
        for table in RAW_TABLES:
            folder = self.out / table
            folder.mkdir(parents=True, exist_ok=True)
            for old in find_files(folder)[0]:  # every one the build would read, each the generator's (checked above)
                old.unlink()
        self.thread.start()
        return self

    def write(self, table: str, frame: pl.DataFrame) -> None:
        if self.failure is not None:
            raise self.failure
        if frame.height == 0 and table in self.rows:
            return
        self.rows[table] = self.rows.get(table, 0) + frame.height
        self.pending.put((table, conform(table, frame).to_arrow()))

    def _drain(self) -> None:
        while (job := self.pending.get()) is not None:
            if self.failure is not None:
                continue
            table, data = job
            try:
                writer = self.writers.get(table)
                if writer is None:
                    # stamped as the generator's, so the app can say its figures are generated
                    schema = data.schema.with_metadata({ORIGIN_KEY: "demo"})
                    writer = pq.ParquetWriter(self.out / table / "part-0.parquet", schema, compression="zstd")
                    self.writers[table] = writer
                writer.write_table(data if data.schema == writer.schema else data.cast(writer.schema))
            except BaseException as error:  # handed to the generating thread
                self.failure = error

    def __exit__(self, kind, value, traceback) -> None:
        self.pending.put(None)
        self.thread.join()
        for writer in self.writers.values():
            writer.close()
        if kind is not None or self.failure is not None:
            for table in self.writers:
                (self.out / table / "part-0.parquet").unlink(missing_ok=True)
        if kind is None and self.failure is not None:
            raise self.failure


class LandedDataError(Exception):
    """The landing zone holds raw data the generator did not write, which generating would delete."""


def not_generated(folder: Path) -> list[Path]:
    """The Parquet files of the tables' folders under `folder` the generator did not write:
    without its stamp (an import's batch, a file an import rewrote, the platform's own) or
    unreadable."""
    found = []
    for path in (p for table in RAW_TABLES for p in find_files(folder / table)[0]):
        try:
            origin = (pq.read_metadata(path).metadata or {}).get(ORIGIN_KEY.encode())
        except (OSError, ValueError):
            origin = None
        if origin != b"demo":
            found.append(path)
    return found


def chunk_sizes(n: int, most: int = CHUNK_CASES) -> list[int]:
    """A month's n cases in near-equal chunks of at most `most`."""
    parts = -(-n // most)
    return [n // parts + (k < n % parts) for k in range(parts)]


def generate(
    out: Path, seed: int = 42, cases_per_year: int = 30_000, log: Log = print, trajectory: dict | None = None
) -> dict[str, int]:
    """Write all raw tables under `out`; return the row count per table.

    Cases are made a month at a time (the month they are accepted or refused), in chunks of at
    most CHUNK_CASES, each chunk's reviews and licensing decisions with them, and written as
    they are made: peak memory is a chunk's, whatever the volume. One random generator drawn in a fixed order, so a
    seed gives identical tables. `trajectory` replaces TRAJECTORY for this run (a varied year,
    qjgov.demo.conditions).
    """
    if cases_per_year < 1:
        raise ValueError(f"cases_per_year must be at least 1, not {cases_per_year}")
    with steered_by(trajectory):
        return _generate(Path(out), seed, cases_per_year, log)


@contextlib.contextmanager
def steered_by(trajectory: dict | None):
    """Every function here reads the module's TRAJECTORY, so a varied year replaces it while the
    year is generated and puts the demo's back after. Not for threads generating side by side
    (the calibration runs its years in processes)."""
    global TRAJECTORY
    kept = TRAJECTORY
    TRAJECTORY = kept if trajectory is None else trajectory
    try:
        yield
    finally:
        TRAJECTORY = kept


def _generate(out: Path, seed: int, cases_per_year: int, log: Log) -> dict[str, int]:
    rng = Generator(PCG64(seed))
    started = time.perf_counter()
    cal = workday_calendar()
    items = catalogue_static()
    states = catalogue_states(rng, items)
    townships = township_weights()
    counters: dict = {}
    with TableFiles(out) as files:
        files.write("items", items_frame(items, states))
        files.write("one_thing_packages", packages_frame(items))
        for m, month_cases in enumerate(month_case_counts(rng, cal, cases_per_year)):
            t0 = time.perf_counter()
            for n in chunk_sizes(int(month_cases)):
                cases_frame, cases = generate_cases(rng, cal, items, states, m, n, townships, counters)
                files.write("cases", cases_frame)
                del cases_frame
                files.write("reviews", generate_reviews(rng, cal, items, states, cases, m, counters))
                files.write("decisions", generate_decisions(rng, cal, items, cases, counters))
            log(f"  {month_ends()[m]:%Y-%m}  {month_cases:>10,} cases  {time.perf_counter() - t0:6.1f} s")
        files.write("complaints", generate_complaints(rng, cal, items, states))
        files.write("decisions", generate_penalties(rng, cal, items, counters))
    for table in RAW_TABLES:
        log(f"  {table:<20} {files.rows.get(table, 0):>12,} rows")
    log(f"  done in {time.perf_counter() - started:.1f} s -> {out}")
    return dict(files.rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=RAW_DIR, help="landing zone (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    parser.add_argument("--cases-per-year", type=int, default=30_000, help="cases per year (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.cases_per_year < 1:
        parser.error("--cases-per-year must be at least 1")
    print(f"generating demo data into {args.out} (seed {args.seed}, {args.cases_per_year:,} cases a year)")
    try:
        generate(args.out, seed=args.seed, cases_per_year=args.cases_per_year)
    except LandedDataError as error:
        print(error, file=sys.stderr)
        return 1
    return 0

