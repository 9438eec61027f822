"""How the report's summary sorts the goals by their chance of meeting the target (the marts'
`p_meet`): likely, uncertain or unlikely to be met, and the goals whose chance fell most since
the previous month-end. Nothing here estimates a chance; it groups and orders the marts' ones
by the whole percentages the report prints, so a goal printed "90 %" is never counted
"uncertain" beside the words "90 % or more"."""

from __future__ import annotations

from collections.abc import Iterable

from qjgov.present.numbers import is_missing

LIKELY = 90  # a chance printed 90 % or more: likely to be met
UNLIKELY = 10  # a chance printed under 10 %: unlikely to be met
FALL = 5  # the fewest percentage points a chance falls by to be named as having fallen
FALLS_NAMED = 3  # the most goals named as having fallen

GROUPS = ("likely", "uncertain", "unlikely", "none")  # "none": no chance (no data or no target)


def percent(chance: float) -> int:
    """The whole percentage `numbers.fmt_chance` prints for a chance (before clamping "> 99 %"
    and "< 1 %", which fall in the same group)."""
    return round(chance * 100)


def group(row: dict) -> str:
    """Which of GROUPS a goal row's chance puts it in."""
    chance = row.get("p_meet")
    if is_missing(chance):
        return "none"
    shown = percent(chance)
    return "likely" if shown >= LIKELY else "unlikely" if shown < UNLIKELY else "uncertain"


def grouped(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """The goal rows by group, each in the order given."""
    out: dict[str, list[dict]] = {name: [] for name in GROUPS}
    for row in rows:
        out[group(row)].append(row)
    return out


def fell_most(rows: Iterable[dict]) -> list[dict]:
    """The goals whose printed chance fell by FALL points or more since the previous month-end
    (`previous_p_meet`), the largest fall first, at most FALLS_NAMED."""
    fallen = [
        row for row in rows
        if not is_missing(row.get("p_meet")) and not is_missing(row.get("previous_p_meet"))
        and percent(row["previous_p_meet"]) - percent(row["p_meet"]) >= FALL
    ]
    fallen.sort(key=lambda row: (row["p_meet"] - row["previous_p_meet"], row["goal_id"]))
    return fallen[:FALLS_NAMED]


def decided(rows: Iterable[dict]) -> bool:
    """Whether the rows stand in December, when the year's value is known and the chance is
    1 or 0 (docs/metrics.md#chance-of-meeting)."""
    return any(row.get("month_no") == 12 for row in rows)
