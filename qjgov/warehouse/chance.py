"""goal_chance(): the chance of meeting a goal and the likely range of its year-end value,
drawn in the build (docs/metrics.md#chance-of-meeting).

`sql/intermediate/int_goal_chance.sql` works out, from the months so far, how far the rest of
the year may stray from the projection; this draws the year end from that spread, a few
thousand times per goal, scope and date. SQL has no random draws that a second build repeats,
nor a binomial; NumPy has both, and each row's generator is seeded from the row's own key, so
two builds of the same data give identical columns, whatever order the rows come in.

- run_rate goals (shares of cases, reviews, complaints, decisions): the share of the rest of
  the year's units that will meet the goal is drawn around the recent rate (a beta
  distribution), then the number that do is binomial over the units the rest of the year
  adds. A year with no unit missed so far may come from a process that misses none
  (`chance_flawless`). A goal whose rest must meet it at more than 100 % has no draw that
  meets it: chance 0.
- trend goals (catalogue shares, G04, G05): monthly paths from the trend line's value at
  month 12, each month left moving the value or not as the months so far did
  (`year_ends_by_trend`), kept within the unit's range: a share drawn above 100 % is a share
  that reached it.
"""

from __future__ import annotations

import zlib

import duckdb
import numpy as np
import pyarrow as pa

SEED = 20210101  # with each row's key: the draws of a row are the same in every build
QUANTILES = (0.1, 0.9)  # the 80 % interval
FLAWLESS_PRIOR_UNITS = 100
NORMAL_FROM = 10  # the variance of a count from which the binomial is drawn as normal

RESULT = {"p_meet": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE", "p_meet_if_held": "DOUBLE"}
PARAMETERS = [
    "VARCHAR",  # key: goal, scope and date, which seeds the row's draws
    "VARCHAR",  # projection_kind
    "VARCHAR",  # comparator
    "DOUBLE",  # target (null: a baseline goal without a baseline)
    "VARCHAR",  # unit
    "DOUBLE",  # rounding_slack
    "DOUBLE",  # numerator
    "DOUBLE",  # denominator
    "DOUBLE",  # rest
    "DOUBLE",  # recent_met
    "DOUBLE",  # recent_units
    "DOUBLE",  # rate_sd
    "DOUBLE",  # required_rate
    "DOUBLE",  # raw_projection
    "DOUBLE",  # projection
    "DOUBLE",  # line_sd
    "DOUBLE",  # move_chance
    "DOUBLE",  # move_sd
    "INTEGER",  # month_no
    "INTEGER",  # draws
]


def meets(values: np.ndarray, comparator: str, target: float, slack: float) -> np.ndarray:
    """Which drawn year-end values meet the target, by the rule that judges the projection
    (int_goal_progress: within the rounding slack; a baseline strictly above)."""
    if comparator == "<=":
        return values <= target + slack
    if comparator == ">":
        return values > target + slack
    return values >= target - slack


def shrunk_share(met: float, units: float) -> float:
    """A share with half a unit added to each side, so that 0 of n and n of n are not certain."""
    met = min(max(met, 0.0), units)
    return (met + 0.5) / (units + 1)


def chance_flawless(units: float) -> float:
    """How likely a year with no unit missed so far is to come from a process that misses none,
    rather than one that misses now and then and has been lucky: even odds before any unit,
    then each unit without a miss makes the flawless process likelier (its misses, if it has
    them, are taken to be about one in FLAWLESS_PRIOR_UNITS)."""
    return (FLAWLESS_PRIOR_UNITS + units) / (2 * FLAWLESS_PRIOR_UNITS + units)


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


def year_ends_by_rate(rng: np.random.Generator, numerator: float, denominator: float, rest: float,
                      recent_met: float, recent_units: float, rate_sd: float, draws: int) -> np.ndarray:
    """Year-end shares when the rest of the year adds `rest` units, of which a share drawn
    around the recent rate (a beta distribution) meets the goal, each unit by chance
    (binomial). A year with no miss so far may keep missing none."""
    units = int(round(rest))
    if units <= 0:
        return np.full(draws, numerator / denominator if denominator else np.nan)
    mean = shrunk_share(recent_met, recent_units) if recent_units > 0 else shrunk_share(numerator, denominator)
    # a beta distribution of that mean and spread (no spread wider than a beta of the mean allows)
    variance = min(rate_sd ** 2, 0.9 * mean * (1 - mean))
    size = mean * (1 - mean) / variance - 1 if variance > 0 else 1e9
    shares = rng.beta(mean * size, (1 - mean) * size, draws)
    if denominator > 0 and numerator >= denominator:
        shares[rng.random(draws) < chance_flawless(denominator)] = 1.0
    met = binomial(rng, units, shares) * (rest / units)
    return (numerator + met) / (denominator + rest)


def year_ends_by_trend(rng: np.random.Generator, projection: float, line_sd: float, move_chance: float,
                       move_sd: float, unit: str, months_left: int, draws: int) -> np.ndarray:
    """Year-end values of paths month by month to December: the trend line's value at month 12,
    off by the line's own error, and each month left moving the value (with the chance a month
    so far did) by a step of about the size the moving months took. A value that has not moved
    all year is likely to stay where it is; one that moves every month strays further."""
    # the sum of m normal steps is one normal step of √m times the size
    moves = rng.binomial(months_left, move_chance, draws)
    values = projection + rng.normal(0.0, line_sd, draws) + rng.normal(0.0, 1.0, draws) * move_sd * np.sqrt(moves)
    return np.clip(values, 0.0, 1.0) if unit == "ratio" else np.maximum(values, 0.0)


def one(key, kind, comparator, target, unit, slack, numerator, denominator, rest, recent_met,
        recent_units, rate_sd, required_rate, raw_projection, projection, line_sd, move_chance, move_sd,
        month_no, draws) -> dict:
    """One row's chance, interval and chance if the required rate is held next month."""
    rng = np.random.default_rng([SEED, zlib.crc32(key.encode("utf-8"))])
    has_target = target is not None and not np.isnan(target)
    if kind == "run_rate":
        ends = year_ends_by_rate(rng, numerator, denominator, rest, recent_met, recent_units, rate_sd, draws)
    else:
        ends = year_ends_by_trend(rng, raw_projection, line_sd, move_chance, move_sd, unit, 12 - month_no, draws)
    low, high = np.quantile(ends, QUANTILES)
    held = None
    if has_target and kind == "run_rate" and required_rate is not None and 0 < required_rate <= 1 and month_no < 11:
        held = chance_if_held(rng, comparator, target, slack, numerator, denominator, rest, recent_met,
                              recent_units, rate_sd, required_rate, month_no, draws)
    return {
        "p_meet": float(meets(ends, comparator, target, slack).mean()) if has_target else None,
        "low": float(min(low, projection)),
        "high": float(max(high, projection)),
        "p_meet_if_held": held,
    }


def chance_if_held(rng, comparator, target, slack, numerator, denominator, rest, recent_met,
                   recent_units, rate_sd, required_rate, month_no, draws) -> float:
    """The chance one month on, if that month adds this year's monthly pace of units and they
    meet the goal at exactly the required rate: the recent rate then counts that month in place
    of its oldest (two thirds of the recent units stay), and one month less is left to stray."""
    month = denominator / month_no
    left = 12 - month_no
    # the random-walk part of the spread shrinks with the months left
    walk = (left + 1) * (2 * left + 1) / (6 * left)
    walk_next = left * (2 * left - 1) / (6 * (left - 1))
    ends = year_ends_by_rate(
        rng, numerator + required_rate * month, denominator + month, rest - month,
        recent_met * 2 / 3 + required_rate * month, recent_units * 2 / 3 + month,
        rate_sd * np.sqrt(walk_next / walk), draws,
    )
    return float(meets(ends, comparator, target, slack).mean())


def goal_chance(key, kind, comparator, target, unit, slack, numerator, denominator, rest, recent_met,
                recent_units, rate_sd, required_rate, raw_projection, projection, line_sd, move_chance, move_sd,
                month_no, draws) -> pa.StructArray:
    """The function DuckDB calls with a batch of rows, one Arrow array per parameter."""
    columns = (key, kind, comparator, target, unit, slack, numerator, denominator, rest, recent_met,
               recent_units, rate_sd, required_rate, raw_projection, projection, line_sd, move_chance, move_sd,
               month_no, draws)
    rows = zip(*(column.to_pylist() for column in columns))
    results = [one(*row) for row in rows]
    return pa.StructArray.from_arrays(
        [pa.array([r[name] for r in results], type=pa.float64()) for name in RESULT],
        names=list(RESULT),
    )


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make goal_chance() callable by the build's models (not kept in the published file: the
    model that calls it is temporary, and the marts hold its results)."""
    con.create_function(
        "goal_chance", goal_chance, PARAMETERS, duckdb.struct_type(RESULT),
        type="arrow", null_handling="special", side_effects=False,
    )
