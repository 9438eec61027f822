"""How the marts' numbers are written for people: shares, trips, counts, targets, gaps, the
count to go and the change since the previous month-end, in the reader's language. The app
and the monthly report both write them through here, so a number reads the same on a page and
on paper. Nothing here computes a metric: every value comes from the marts as it is."""

from __future__ import annotations

import math
from dataclasses import dataclass

from qjgov.present import words

COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "=": "=", ">": ">"}
# Between a number and its unit or sign (80.0 %, ≥ 80.0 %): a line never breaks there, in a
# table cell, a card, a sentence or the report. zh.toml and en.toml write it as \u00A0.
NBSP = "\u00a0"
SAME = 1e-9  # two values this close are equal (the marts' rounding slack)
MAX_DIGITS = 4


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_percent(value: float | None) -> str:
    """0.8333 -> "83.3 %", as the platform writes shares."""
    return "—" if is_missing(value) else f"{value * 100:.1f}{NBSP}%"


def _digits_apart(value: float, target: float | None, scale: float, digits: int) -> int:
    """The fewest decimals (from `digits`) at which value and target do not print alike, so a
    number is never rounded onto its target: 99.95 % against 100 % is "99.95 %", not "100.0 %"."""
    if is_missing(target) or abs(value - target) <= SAME:
        return digits
    while digits < MAX_DIGITS and f"{value * scale:.{digits}f}" == f"{target * scale:.{digits}f}":
        digits += 1
    return digits


def fmt_value(value: float | None, unit: str, target: float | None = None) -> str:
    """A goal's value in its own unit: a share, or trips with two decimals; given the target,
    with as many more decimals as it takes not to print like the target when it differs."""
    if is_missing(value):
        return "—"
    if unit == "ratio":
        return f"{value * 100:.{_digits_apart(value, target, 100, 1)}f}{NBSP}%"
    return f"{value:.{_digits_apart(value, target, 1, 2)}f}"


def fmt_chance(chance: float | None, month_no: int | None) -> str:
    """The chance of meeting a goal as people read it: "72 %". Before December the year is
    not decided, so never "100 %" or "0 %": "> 99 %" and "< 1 %" (also for a chance of exactly
    0 or 1, such as a required rate above 100 %); in December the year's value is known, and
    the chance is "100 %" or "0 %"."""
    if is_missing(chance):
        return "—"
    if month_no == 12:
        return f"{chance * 100:.0f}{NBSP}%"
    if chance >= 0.995:
        return f">{NBSP}99{NBSP}%"
    if chance < 0.005:
        return f"<{NBSP}1{NBSP}%"
    return f"{min(99, max(1, round(chance * 100)))}{NBSP}%"


def fmt_interval(low: float | None, high: float | None, unit: str) -> str:
    """The 80 % interval of the year-end value: "76.1 %–83.9 %", "0.21–0.34" trips; one value
    when both ends are the same (December, or a share that cannot move)."""
    if is_missing(low) or is_missing(high):
        return "—"
    first, last = fmt_value(low, unit), fmt_value(high, unit)
    return first if first == last else f"{first}–{last}"


def fmt_count(value: float | int | None) -> str:
    return "—" if is_missing(value) else f"{int(value):,}"


def fmt_target(lang: str, target: float | None, comparator: str | None, unit: str, target_kind: str | None) -> str:
    """"≥ 80.0 %", "≤ 0.30", or "> 35.7 % (last year)" for a baseline goal."""
    if is_missing(target):
        return "—"
    text = f"{COMPARATOR_SYMBOLS.get(comparator or '', comparator or '')}{NBSP}{fmt_value(target, unit)}"
    return words.t(lang, "target.baseline", value=text) if target_kind == "baseline" else text


def fmt_amount(lang: str, size: float, unit: str) -> str:
    """A distance from the target: "3.0 pp", "0.05 pp" (a small distance gets the decimals
    that keep it within a quarter of its size, never "0.0 pp" or "0.1 pp" for 0.05), "0.15 trips"."""
    scale, digits, key = (100, 1, "unit.pp") if unit == "ratio" else (1, 2, "unit.trips")
    while digits < MAX_DIGITS and abs(float(f"{size * scale:.{digits}f}") - size * scale) > 0.25 * size * scale:
        digits += 1
    return words.t(lang, key, value=f"{size * scale:.{digits}f}")


def fmt_gap(lang: str, gap: float | None, unit: str, comparator: str | None) -> str:
    """The shortfall in words: "3.0 pp short", "2.9 pp ahead"; for trips "0.15 trips over".
    "On target" only when the gap is exactly zero; a small one gets the decimals it needs."""
    if is_missing(gap):
        return "—"
    if abs(gap) <= SAME:
        return words.t(lang, "gap.zero")
    amount = fmt_amount(lang, abs(gap), unit)
    if gap > 0:
        return words.t(lang, "gap.over" if comparator == "<=" else "gap.short", value=amount)
    return words.t(lang, "gap.ahead", value=amount)


def fmt_tolerance(lang: str, tolerance: float | None, unit: str) -> str:
    """A goal's tolerance in its unit: "5.0 pp", "0.05 trips"."""
    if is_missing(tolerance):
        return "—"
    if unit == "ratio":
        return words.t(lang, "unit.pp", value=f"{tolerance * 100:.1f}")
    return words.t(lang, "unit.trips", value=f"{tolerance:.2f}")


def beyond_reach(row: dict) -> bool:
    """A goal with counts and a target whose mart row has no count to go: no count at today's
    denominator can beat its baseline (last year's value was 100 %), docs/metrics.md §3."""
    return is_missing(row.get("to_go")) and not any(
        is_missing(row.get(name)) for name in ("denominator", "target", "actual")
    )


def to_go_text(lang: str, row: dict) -> str | None:
    """"24 次", "72 条", "1 case": the mart's count still to go with what it counts (the goal's
    count unit), or None when it has none (G04, no data, or beyond reach)."""
    count = row.get("to_go")
    if is_missing(count):
        return None
    return words.agree(lang, f"{int(count):,} {row.get(f'count_unit_{lang}') or ''}".strip())


def fmt_change(lang: str, change: float | None, unit: str | None, with_unit: bool = True) -> str:
    """A change of the actual in the metric's unit: "▲ 2.1 pp", "▼ 0.05 trips", "= 0.0 pp"
    (unchanged: a dash there read as minus zero); "▲ 2.1" without the unit; "—" when there
    is nothing to compare with."""
    if is_missing(change):
        return "—"
    size, key = (abs(change) * 100, "unit.pp") if unit == "ratio" else (abs(change), "unit.trips")
    number = f"{size:.1f}" if unit == "ratio" else f"{size:.2f}"
    zero = size < (0.05 if unit == "ratio" else 0.005)
    arrow = "=" if zero else ("▲" if change > 0 else "▼")
    return f"{arrow} {words.t(lang, key, value=number) if with_unit else number}"


def fmt_change_short(change: float | None, unit: str | None) -> str:
    """The change for a narrow table cell: "▲ 2.1" (percentage points, or trips for G05)."""
    return "" if is_missing(change) else fmt_change("en", change, unit, with_unit=False)


@dataclass(frozen=True)
class Figures:
    """One goal row's numbers as written, made once and shown by the scorecard, the goal tab,
    "what it would take" and the report alike."""

    actual: str
    target: str
    gap: str
    projected: str
    to_go: str | None  # None: no count to go is shown
    chance: str  # the chance of meeting the target ("72 %", "> 99 %", "—")
    interval: str  # the 80 % interval of the year-end value ("76.1 %–83.9 %")


def figures(lang: str, row: dict) -> Figures:
    """A goal row of the marts (marts.goals joined with goal_progress: `unit`, `actual`,
    `target`, `comparator`, `target_kind`, `gap`, `projected`, `to_go`, `p_meet`,
    `projected_low`, `projected_high`, `month_no`) as written."""
    unit = row["unit"]
    return Figures(
        actual=fmt_value(row.get("actual"), unit, row.get("target")),
        target=fmt_target(lang, row.get("target"), row.get("comparator"), unit, row.get("target_kind")),
        gap=fmt_gap(lang, row.get("gap"), unit, row.get("comparator")),
        projected=fmt_value(row.get("projected"), unit, row.get("target")),
        to_go=to_go_text(lang, row),
        chance=fmt_chance(row.get("p_meet"), row.get("month_no")),
        interval=fmt_interval(row.get("projected_low"), row.get("projected_high"), unit),
    )
