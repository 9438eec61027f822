"""Varied plan years for the demo generator: the conditions a year runs under, drawn from its seed.

One demo year shows each goal once; judging how often a stated chance comes true needs many
years that end differently. A year's conditions change the 2021 part of `TRAJECTORY` (2020,
the baseline year, stays as it is), so a goal can end met, missed or by a hair:
- each path that drives a goal improves, stalls or worsens from some month of 2021 on, by an
  amount drawn against the path's own scale (large enough to cross the goal's target at times);
- a bad month: one month where the case rates turn sharply the wrong way, then recover;
- a catalogue change: from some month a batch of items is added (not yet online, lowering the
  catalogue shares) or reworked (raising them).

`draw(seed)` gives the same conditions for the same seed; `perturbed(TRAJECTORY, conditions)`
returns the changed copy that `generate(..., trajectory=...)` runs on.

    python -m qjgov.demo.conditions --seed 7 --out /tmp/raw [--cases-per-year C]
"""

from __future__ import annotations

import argparse
import copy
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qjgov.demo import catalogue as cat
from qjgov.demo.generate import MONTHS, TRAJECTORY, LandedDataError, generate, path

# The paths that drive a goal: (goal, which way is better, scale of a change in the path's unit).
# A change's amount is drawn up to 1.5 × scale, so the scales are about the distance from the
# demo's own year-end value to the goal's target: some changes cross it, some do not.
CASE_PATHS: dict[str, tuple[str, int, float]] = {
    "proactive_review": ("G07", +1, 0.45),
    "review_unreported": ("G08", -1, 0.005),
    "bad_never_rectified": ("G09", -1, 0.15),
    "bad_never_followed_up": ("G10", -1, 0.10),
    "credit_miss": ("G16", -1, 0.002),
    "postal_share": ("G20", +1, 0.012),
    "special_channel_share": ("G21", +1, 0.05),
    "duration_share_of_promised": ("G04", -1, 0.06),
    "phone_share": ("G19", +1, 0.25),  # the 渝快办APP and 小程序 shares of TRAJECTORY["channel_mix"]
}
CATALOGUE_PATHS: dict[str, tuple[str, int, float]] = {
    "lic_depth4": ("G01", +1, 0.08),
    "app_depth4": ("G02", +1, 0.06),
    "app_second_visit": ("G05", -1, 0.06),
    "app_instant": ("G06", +1, 0.08),
    "lic_yukuaiban": ("G12", +1, 0.12),
    "cross_province_live": ("G13", +1, 0.15),
    "chuanyu2_live": ("G14", +1, 0.10),
    "app_in_hall": ("G17", +1, 0.04),
    "app_chief_rep": ("G17", +1, 0.06),
    "app_depth3": ("G18", +1, 0.08),
}
STEERED = CASE_PATHS | CATALOGUE_PATHS
# Where a path must stay inside (0, 1): the duration share is a beta distribution's mean, and
# proactive reviews stay below the reviews a completed case gets at all.
BOUNDS = {"duration_share_of_promised": (0.30, 0.95), "proactive_review": (0.0, 0.90)}
# The shares a catalogue change moves (a batch added is not yet online, instant or on 渝快办).
MOVED_BY_CATALOGUE = ["lic_depth4", "app_depth4", "app_depth3", "app_instant", "lic_yukuaiban", "other_yukuaiban"]
PHONE_CHANNELS = ("渝快办APP", "小程序")
KINDS = ("improve", "stall", "worsen", "none")
KIND_CHANCES = (0.25, 0.2, 0.25, 0.3)
FIRST_2021 = 12  # month index of 2021-01


@dataclass(frozen=True)
class Change:
    """A path's course from a month-end of 2021 on: improve or worsen by `amount` by December
    (reached linearly), or stall at the month's value."""

    path: str
    kind: str
    month: int  # month index, 13 (2021-02) … 22 (2021-11)
    amount: float = 0.0


@dataclass(frozen=True)
class BadMonth:
    """One month where every case rate turns the wrong way by `depth` × its scale."""

    month: int
    depth: float


@dataclass(frozen=True)
class CatalogueChange:
    """From `month` on a batch of items joins the catalogue ("added", the shares fall by the
    batch's part of the catalogue) or is reworked ("reworked", the shares rise by `step`)."""

    month: int
    kind: str
    step: float
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conditions:
    seed: int
    cases_per_year: int
    changes: tuple[Change, ...] = ()
    bad_month: BadMonth | None = None
    catalogue_change: CatalogueChange | None = None

    def describe(self) -> str:
        """The year's changes in one line a log can carry."""
        parts = [f"{c.path} {c.kind} from {month_label(c.month)}" + (f" by {c.amount:.3g}" if c.amount else "")
                 for c in self.changes if c.kind != "none"]
        if self.bad_month:
            parts.append(f"bad month {month_label(self.bad_month.month)} (depth {self.bad_month.depth:.2f})")
        if self.catalogue_change:
            change = self.catalogue_change
            what = f"{len(change.items)} items added" if change.kind == "added" else f"reworked (+{change.step:.2f})"
            parts.append(f"catalogue {what} from {month_label(change.month)}")
        return "; ".join(parts) or "as the demo"


def month_label(m: int) -> str:
    return f"{2020 + m // 12}-{m % 12 + 1:02d}"


def draw(seed: int, volumes: tuple[int, int] = (1_500, 15_000)) -> Conditions:
    """The conditions of the year with this seed: a volume (log-uniform within `volumes`, so
    some departments are small), a change per steered path, a bad month in half the years, a
    catalogue change in half the years."""
    rng = np.random.default_rng([seed, 2021])
    low, high = volumes
    cases = int(round(np.exp(rng.uniform(np.log(low), np.log(high)))))
    changes = []
    for name, (_, _, scale) in STEERED.items():
        kind = KINDS[rng.choice(len(KINDS), p=KIND_CHANCES)]
        month = int(rng.integers(FIRST_2021 + 1, FIRST_2021 + 11))
        amount = float(rng.uniform(0.2, 1.5) * scale) if kind in ("improve", "worsen") else 0.0
        changes.append(Change(name, kind, month, amount))
    bad = BadMonth(int(rng.integers(FIRST_2021 + 2, FIRST_2021 + 11)), float(rng.uniform(0.3, 1.0))) if rng.random() < 0.5 else None
    catalogue_change = None
    if rng.random() < 0.5:
        month = int(rng.integers(FIRST_2021 + 2, FIRST_2021 + 10))
        if rng.random() < 0.5:
            candidates = [row[0] for row in cat.CATALOGUE if row[1] not in cat.NOT_ON_APPLICATION and not row[7]]
            batch = rng.choice(candidates, size=int(rng.integers(4, 11)), replace=False)
            catalogue_change = CatalogueChange(month, "added", 0.0, tuple(str(name) for name in batch))
        else:
            catalogue_change = CatalogueChange(month, "reworked", float(rng.uniform(0.03, 0.10)))
    return Conditions(seed, cases, tuple(changes), bad, catalogue_change)


def perturbed(trajectory: dict, conditions: Conditions) -> dict:
    """A copy of `trajectory` whose 2021 paths follow `conditions`; paths become one anchor per
    month, so `path()` returns exactly the values computed here."""
    out = copy.deepcopy(trajectory)
    paths = {name: path(trajectory[name]) for name in STEERED if name != "phone_share"}
    paths["phone_share"] = phone_share(trajectory)
    for change in conditions.changes:
        paths[change.path] = changed(paths[change.path], change, STEERED[change.path][1])
    if conditions.bad_month:
        m, depth = conditions.bad_month.month, conditions.bad_month.depth
        for name, (_, better, scale) in CASE_PATHS.items():
            paths[name][m] -= better * depth * scale
    if conditions.catalogue_change:
        paths["other_yukuaiban"] = path(trajectory["other_yukuaiban"])
        moved = catalogue_moved(conditions.catalogue_change, paths)
        paths.update(moved)
        out["added_mid_year"] = {name: month_label(conditions.catalogue_change.month) for name in conditions.catalogue_change.items}
    for name, values in paths.items():
        values = np.clip(values, *BOUNDS.get(name, (0.0, 1.0)))
        if name == "phone_share":
            out["channel_mix"] = with_phone_share(trajectory, values)
        else:
            out[name] = as_anchors(values)
    return out


def changed(values: np.ndarray, change: Change, better: int) -> np.ndarray:
    """The path after `change`: from its month on held (stall) or moved linearly towards
    ± amount by December."""
    values = values.copy()
    after = np.arange(MONTHS) >= change.month
    if change.kind == "stall":
        values[after] = values[change.month]
    elif change.kind in ("improve", "worsen"):
        sign = better if change.kind == "improve" else -better
        ramp = (np.arange(MONTHS) - change.month) / max(MONTHS - 1 - change.month, 1)
        values[after] += sign * change.amount * ramp[after]
    return values


def catalogue_moved(change: CatalogueChange, paths: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The catalogue shares after a batch is added (each falls by the batch's part of the
    application items) or reworked (each rises by the step)."""
    after = np.arange(MONTHS) >= change.month
    if change.kind == "added":
        applications = sum(row[1] not in cat.NOT_ON_APPLICATION for row in cat.CATALOGUE)
        factor = np.where(after, 1 - len(change.items) / applications, 1.0)
        return {name: paths[name] * factor for name in MOVED_BY_CATALOGUE}
    return {name: paths[name] + change.step * after for name in MOVED_BY_CATALOGUE}


def phone_share(trajectory: dict) -> np.ndarray:
    mix = trajectory["channel_mix"]
    return sum(path({k: v[c] for k, v in mix.items()}) for c in PHONE_CHANNELS)


def with_phone_share(trajectory: dict, share: np.ndarray) -> dict:
    """The monthly channel mix with the phone channels at `share` (split as before), the
    difference taken from or given to the window (窗口)."""
    mix = trajectory["channel_mix"]
    channels = list(next(iter(mix.values())))
    paths = {c: path({k: v[c] for k, v in mix.items()}) for c in channels}
    before = phone_share(trajectory)
    for c in PHONE_CHANNELS:
        paths[c] = paths[c] * share / before
    paths["窗口"] = np.clip(paths["窗口"] - (share - before), 0.05, 1.0)
    return {month_label(m): {c: float(paths[c][m]) for c in channels} for m in range(MONTHS)}


def as_anchors(values: np.ndarray) -> dict[str, float]:
    return {month_label(m): float(v) for m, v in enumerate(values)}



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.demo.conditions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True, help="the year's seed: its data and its conditions")
    parser.add_argument("--out", type=Path, required=True, help="landing zone to write the year's raw tables into")
    parser.add_argument("--cases-per-year", type=int, default=None, help="volume (default: drawn with the conditions)")
    args = parser.parse_args(argv)
    drawn = draw(args.seed)
    cases = args.cases_per_year or drawn.cases_per_year
    print(f"seed {args.seed}, {cases:,} cases a year: {drawn.describe()}")
    try:
        generate(args.out, seed=args.seed, cases_per_year=cases, trajectory=perturbed(TRAJECTORY, drawn))
    except LandedDataError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
