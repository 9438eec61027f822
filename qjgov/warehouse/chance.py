"""goal_chance(): the chance of meeting a goal and the likely range of its year-end value,
drawn in the build (docs/metrics.md#chance-of-meeting).

`sql/intermediate/int_goal_chance.sql` works out, from the months so far, how far the rest of
the year may stray from the projection; this draws the year end from that spread, a few
thousand times per goal, scope and date. SQL has no random draws that a second build repeats,
nor a binomial; NumPy has both, and each row's generator is seeded from the row's own key, so
two builds of the same data give identical columns, whatever order the rows come in.

- run_rate goals (shares of cases, reviews, complaints, decisions): the share of the rest of
  the year's units that will meet the goal is drawn around the recent rate (a beta
  distribution; a department's read against the commission's), may change once in a while
  (`CHANGE_A_MONTH`), and the number of units that meet it is binomial. A year with no unit
  missed so far may come from a process that misses none (`chance_flawless`). A goal whose
  rest must meet it at more than 100 % has no draw that meets it: chance 0.
- trend goals (catalogue shares, G04, G05): the trend line's way from today to month 12, of
  which a year keeps about four fifths (`TREND_KEPT`), off by the line's own error, with each
  month left moving the value or not as the months so far did; kept within the unit's range: a
  share drawn above 100 % is a share that reached it.

The settings below were chosen on simulated plan years other than those `python -m
qjgov.calibrate` publishes (docs/calibration.md), so that what it measures is not what they
were fitted to.
"""

from __future__ import annotations

import zlib

import duckdb
import numpy as np
import pyarrow as pa

SEED = 20210101  # with each row's key: the draws of a row are the same in every build
DRAWS = 4000
QUANTILES = (0.1, 0.9)  # the 80 % interval
NORMAL_FROM = 10  # the variance of a count from which the binomial is drawn as normal

# run_rate goals
UNSEEN_MET, UNSEEN_MISSED = 1, 2  # added to the commission's recent units
POOLED_UNITS = 30  # a department's recent rate counts the commission's as this many units more
CHANGE_A_MONTH = 0.05  # the chance that a month left changes the rate (conditions change) …
CHANGE_SIZE = 0.02  # … by a normal step of this standard deviation
FLAWLESS_BEFORE_ANY = 0.1  # the chance, before any unit, that a process misses none …
FLAWLESS_MISS_UNITS = 100  # … against one that misses about one unit in this many

# trend goals
TREND_KEPT = 0.8  # the share of the line's way to month 12 a year keeps, on average …
TREND_KEPT_SD = 0.4  # … give or take this much

RESULT = {"p_meet": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE", "p_meet_if_held": "DOUBLE"}


def meets(values: np.ndarray, comparator: str, target: float, slack: float) -> np.ndarray:
    """Which drawn year-end values meet the target, by the rule that judges the projection
    (int_goal_progress: within the rounding slack; a baseline strictly above)."""
    if comparator == "<=":
        return values <= target + slack
    if comparator == ">":
        return values > target + slack
    return values >= target - slack


def chance_flawless(units: float) -> float:
    """How likely a year with no unit missed in `units` is to come from a process that misses
    none rather than one that misses about one in FLAWLESS_MISS_UNITS and has been lucky
    (Bayes: the lucky run has the chance FLAWLESS_MISS_UNITS ÷ (FLAWLESS_MISS_UNITS + units)
    for a miss rate drawn from a beta of that mean)."""
    lucky = FLAWLESS_MISS_UNITS / (FLAWLESS_MISS_UNITS + units)
    return FLAWLESS_BEFORE_ANY / (FLAWLESS_BEFORE_ANY + (1 - FLAWLESS_BEFORE_ANY) * lucky)


def recent_share(met: float, units: float, pooled_met: float | None, pooled_units: float | None) -> float:
    """The share the recent units met, read against a wider one when there is (a department's
    against the commission's, as POOLED_UNITS more units), else with one unit met and two
    missed added (UNSEEN_MET, UNSEEN_MISSED): a handful of units that all met the goal is not
    taken for a process that never misses."""
    met = min(max(met, 0.0), units)
    if pooled_units is not None and pooled_units > 0:
        pooled = (min(max(pooled_met, 0.0), pooled_units) + 0.5) / (pooled_units + 1)
        return (met + POOLED_UNITS * pooled) / (units + POOLED_UNITS)
    return (met + UNSEEN_MET) / (units + UNSEEN_MET + UNSEEN_MISSED)


def binomial(rng: np.random.Generator, units: int, shares: np.ndarray) -> np.ndarray:
    """How many of `units` meet the goal, each with the chance `shares` (one per draw): the
    normal approximation (rounded, within 0 and `units`) where the count's variance is at
    least NORMAL_FROM, where it is as good and NumPy's binomial would take most of this model's
    time; exact where it is smaller (a few units, or a share near 0 or 100 %, where whether
    every unit meets the goal is the question)."""
    variance = units * shares * (1 - shares)
    counts = np.clip(np.rint(units * shares + np.sqrt(variance) * rng.standard_normal(shares.size)), 0, units)
    exact = variance < NORMAL_FROM
    counts[exact] = rng.binomial(units, shares[exact])
    return counts


def year_ends_by_rate(rng: np.random.Generator, row: dict, numerator: float, denominator: float, rest: float,
                      recent_met: float, recent_units: float, rate_sd: float, months_left: int) -> np.ndarray:
    """Year-end shares when the rest of the year adds `rest` units, of which a drawn share
    meets the goal, each unit by chance."""
    units = int(round(rest))
    if units <= 0:
        return np.full(DRAWS, numerator / denominator if denominator else np.nan)
    if recent_units <= 0:  # no units in the recent months: the year so far speaks for them
        recent_met, recent_units = numerator, denominator
    mean = recent_share(recent_met, recent_units, row["pooled_met"], row["pooled_units"])
    # a beta distribution of that mean and spread (no spread wider than a beta of the mean allows)
    variance = min(rate_sd**2, 0.9 * mean * (1 - mean))
    size = mean * (1 - mean) / variance - 1 if variance > 0 else 1e9
    shares = rng.beta(mean * size, (1 - mean) * size, DRAWS)
    if denominator > 0 and numerator >= denominator:
        shares[rng.random(DRAWS) < chance_flawless(denominator)] = 1.0
    changed = rng.random(DRAWS) < 1 - (1 - CHANGE_A_MONTH) ** months_left
    shares = np.where(changed, np.clip(shares + rng.normal(0.0, CHANGE_SIZE, DRAWS), 0.0, 1.0), shares)
    met = binomial(rng, units, shares) * (rest / units)
    return (numerator + met) / (denominator + rest)


def year_ends_by_trend(rng: np.random.Generator, row: dict) -> np.ndarray:
    """Year-end values of paths from today to December: the part of the trend line's way to
    month 12 the year keeps, off by the line's own error, and each month left moving the value
    (with the chance a month so far did) by a step of about the size the moving months took.
    A value that has not moved all year is likely to stay where it is; one that moves every
    month strays further."""
    months_left = 12 - row["month_no"]
    kept = rng.normal(TREND_KEPT, TREND_KEPT_SD, DRAWS)
    # the sum of m normal steps is one normal step of √m times the size
    moves = rng.binomial(months_left, row["move_chance"], DRAWS)
    values = (
        row["actual"] + (row["raw_projection"] - row["actual"]) * kept
        + rng.normal(0.0, row["line_sd"], DRAWS)
        + rng.standard_normal(DRAWS) * row["move_sd"] * np.sqrt(moves)
    )
    return np.clip(values, 0.0, 1.0) if row["unit"] == "ratio" else np.maximum(values, 0.0)


def chance_if_held(rng: np.random.Generator, row: dict) -> float:
    """The chance one month on, if that month adds this year's monthly pace of units and they
    meet the goal at exactly the required rate: the recent rate then counts that month in place
    of its oldest (two thirds of the recent units stay), and one month less is left to stray."""
    numerator, denominator, required = row["numerator"], row["denominator"], row["required_rate"]
    month = denominator / row["month_no"]
    left = 12 - row["month_no"]
    # the random-walk part of the spread shrinks with the months left
    walk, walk_next = (left + 1) * (2 * left + 1) / (6 * left), left * (2 * left - 1) / (6 * (left - 1))
    ends = year_ends_by_rate(
        rng, row, numerator + required * month, denominator + month, row["rest"] - month,
        row["recent_met"] * 2 / 3 + required * month, row["recent_units"] * 2 / 3 + month,
        row["rate_sd"] * np.sqrt(walk_next / walk), left - 1,
    )
    return float(meets(ends, row["comparator"], row["target"], row["rounding_slack"]).mean())


def one(row: dict) -> dict:
    """One row's chance, interval, and chance if the required rate is held next month."""
    rng = np.random.default_rng([SEED, zlib.crc32(row["key"].encode("utf-8"))])
    if row["projection_kind"] == "run_rate":
        ends = year_ends_by_rate(rng, row, row["numerator"], row["denominator"], row["rest"], row["recent_met"],
                                 row["recent_units"], row["rate_sd"], 12 - row["month_no"])
    else:
        ends = year_ends_by_trend(rng, row)
    low, high = np.quantile(ends, QUANTILES)
    has_target = row["target"] is not None
    required = row.get("required_rate")
    # a required rate of 100 % may come out a rounding error above it (1 + 2e-16)
    holds = (has_target and row["projection_kind"] == "run_rate" and required is not None
             and 0 < required <= 1 + row["rounding_slack"] and row["month_no"] < 11)
    return {
        "p_meet": float(meets(ends, row["comparator"], row["target"], row["rounding_slack"]).mean()) if has_target else None,
        "low": float(min(low, row["projection"])),
        "high": float(max(high, row["projection"])),
        "p_meet_if_held": chance_if_held(rng, row) if holds else None,
    }


def goal_chance(rows: pa.StructArray) -> pa.StructArray:
    """The function DuckDB calls with a batch of rows: one struct of the model's inputs each."""
    results = [one(row) for row in rows.to_pylist()]
    return pa.StructArray.from_arrays(
        [pa.array([r[name] for r in results], type=pa.float64()) for name in RESULT],
        names=list(RESULT),
    )


INPUTS = {
    "key": "VARCHAR",  # goal, scope and date, which seed the row's draws
    "projection_kind": "VARCHAR",
    "comparator": "VARCHAR",
    "target": "DOUBLE",  # null: a baseline goal without a baseline
    "unit": "VARCHAR",
    "rounding_slack": "DOUBLE",
    "month_no": "INTEGER",
    "actual": "DOUBLE",
    "projection": "DOUBLE",
    "raw_projection": "DOUBLE",
    # run_rate goals
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
    "rest": "DOUBLE",
    "recent_met": "DOUBLE",
    "recent_units": "DOUBLE",
    "pooled_met": "DOUBLE",  # a department's: the commission's recent counts
    "pooled_units": "DOUBLE",
    "rate_sd": "DOUBLE",
    "required_rate": "DOUBLE",
    # trend goals
    "line_sd": "DOUBLE",
    "move_chance": "DOUBLE",
    "move_sd": "DOUBLE",
}


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make goal_chance(struct) callable by the build's models (not kept in the published file:
    the model that calls it is temporary, and the marts hold its results)."""
    con.create_function(
        "goal_chance", goal_chance, [duckdb.struct_type(INPUTS)], duckdb.struct_type(RESULT),
        type="arrow", null_handling="special", side_effects=False,
    )
