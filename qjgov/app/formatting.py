"""Formatting the marts' values for people: shares, trips, targets, gaps, labels in the
reader's language, status badges and the page header. Nothing here computes a metric."""

from __future__ import annotations

import functools
import math
import re

import streamlit as st

from qjgov.app import reads, words
from qjgov.app.state import State
from qjgov.app.statuses import STATUSES, pill

COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "=": "=", ">": ">"}


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shown_to_go(row: dict) -> int | None:
    """The count "to go" a page shows: the mart's to_go, or None when none is shown: no count
    for the goal (G04), or no number of units could meet it at today's denominator. That is a
    baseline goal whose baseline is already 100 %: METRICS' ⌊b·den⌋ + 1 − num is then more
    units than are left to count (den − num), and "1 more" would be advice nobody can follow."""
    to_go = row.get("to_go")
    return None if is_missing(to_go) or cannot_be_exceeded(row) else int(to_go)


def to_go_text(lang: str, row: dict) -> str | None:
    """"24 次", "72 条", "1 case": the count still to go with what it counts (the goal's
    count unit), or None when none is shown (`shown_to_go`)."""
    count = shown_to_go(row)
    if count is None:
        return None
    return words.agree(lang, f"{count:,} {row.get(f'count_unit_{lang}') or ''}".strip())


def cannot_be_exceeded(row: dict) -> bool:
    """A baseline goal ("raise": actual > last year's) that no count at today's denominator can
    meet: last year's value was 100 %, so every unit would have to count, and more."""
    numerator, denominator, to_go = row.get("numerator"), row.get("denominator"), row.get("to_go")
    if row.get("comparator") != ">" or any(is_missing(v) for v in (numerator, denominator, to_go)):
        return False
    return to_go > denominator - numerator


def fmt_percent(value: float | None) -> str:
    """0.8333 -> "83.3 %", as the platform writes shares."""
    return "—" if is_missing(value) else f"{value * 100:.1f} %"


SAME = 1e-9  # two values this close are equal (the marts' rounding slack)
MAX_DIGITS = 4


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
        return f"{value * 100:.{_digits_apart(value, target, 100, 1)}f} %"
    return f"{value:.{_digits_apart(value, target, 1, 2)}f}"


def fmt_count(value: float | int | None) -> str:
    return "—" if is_missing(value) else f"{int(value):,}"


def fmt_target(lang: str, target: float | None, comparator: str | None, unit: str, target_kind: str | None) -> str:
    """"≥ 80.0 %", "≤ 0.30", or "> 35.7 % (last year)" for a baseline goal."""
    if is_missing(target):
        return "—"
    text = f"{COMPARATOR_SYMBOLS.get(comparator or '', comparator or '')} {fmt_value(target, unit)}"
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


def english(text: str | None) -> str:
    """Seed text for English screens without the Chinese gloss some sentences carry,
    e.g. "on-the-spot (即办件) items" -> "on-the-spot items"."""
    if not text:
        return ""
    return re.sub(r"\s*[（(][^）)]*[\u2e80-\u9fff][^）)]*[）)]", "", text).strip()


# Labels are looked up per table cell, where even a cache hit of reads.query (hashing the SQL)
# adds up: they are kept per build, so a rebuild with new seeds shows its own labels.
@functools.lru_cache(maxsize=4)
def _department_en(build: tuple) -> dict[str, str]:
    return {r["department"]: r["department_en"] for r in reads.departments().iter_rows(named=True)}


@functools.lru_cache(maxsize=4)
def _code_en(build: tuple) -> dict[tuple[str, str], str]:
    return reads.code_labels()


def department_label(lang: str, department: str | None) -> str:
    """A department in the reader's language (marts.labels)."""
    if not department:
        return "—"
    if lang == "zh":
        return department
    return _department_en(reads.build()).get(department, department)


def code_label(lang: str, code_list: str, code: object) -> str:
    """A coded value (category, handling type, online depth, …) in the reader's language."""
    if is_missing(code):
        return "—"
    if code_list == "online_depth":
        if lang == "zh":
            return words.t(lang, f"depth.{int(code)}")
    elif lang == "zh":
        return str(code)
    label = _code_en(reads.build()).get((code_list, str(code)))
    if code_list == "online_depth":
        return f"{int(code)} {label.lower()}" if label else words.t(lang, f"depth.{int(code)}")
    return label or str(code)


def seed_text(lang: str, seed: dict, name: str) -> str | None:
    """A goal's own sentence (marts.goals `<name>_zh` / `<name>_en`), or None when it has none."""
    return seed.get(f"{name}_{lang}") or None


def formula(state: State, seed: dict) -> str:
    """A goal's formula, with the working days of its rule (marts.goals) where it has one."""
    text = seed_text(state.lang, seed, "formula") or "—"
    if "days" not in words.placeholders(text):
        return text
    days = seed.get("rule_days")
    return text.format(days="—" if days is None else days)


def goal_name(lang: str, row: dict) -> str:
    return row["name_zh"] if lang == "zh" else row["name_en"]


def plan_sentence(lang: str, row: dict) -> str:
    return row["plan_text_zh"] if lang == "zh" else english(row["plan_text_en"])


def badge(lang: str, status: str | None) -> str:
    """A status as a coloured pill with icon and word (HTML for st.markdown)."""
    return pill(lang, status, "qj-badge", "padding:0.15rem 0.6rem;border-radius:0.8rem;font-weight:600;white-space:nowrap;")


def page_header(state: State, title: str, lead: str | None = None) -> None:
    """Title, the as-of/department line and a one-sentence lead."""
    if reads.generated_data():
        st.markdown(
            f'<div class="qj-demo-notice" style="display:inline-block;background:#FFF4CE;color:#3D2800;'
            f'border:1px solid #E0B400;border-radius:0.3rem;padding:0.15rem 0.6rem;font-size:0.9rem">'
            f'{state.t("app.demo_notice")}</div>',
            unsafe_allow_html=True,
            help=state.t("app.demo_notice_help"),
        )
    st.title(title, anchor=False)
    dept = department_label(state.lang, state.department) if state.department else state.t("sidebar.dept_all")
    st.caption(state.t("common.as_of_caption", as_of=state.as_of.isoformat(), dept=dept))
    if lead:
        st.markdown(lead)


def status_legend(state: State) -> None:
    """The six statuses with their colours, icons and meaning."""
    rows = "".join(
        f"<tr><td style='padding:0.2rem 0.8rem 0.2rem 0'>{badge(state.lang, s)}</td><td>{state.t('status.help.' + s)}</td></tr>"
        for s in STATUSES
    )
    st.markdown(f"<table style='border:none'>{rows}</table>", unsafe_allow_html=True)
