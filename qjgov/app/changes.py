"""What changed since the previous month-end (marts.goal_changes): the change of each goal's
actual ("▲ 2.1 pp") and of its status ("at risk → on track"), for the scorecard, the goal
tabs, the overview's list of goals whose status changed and the monthly report."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from qjgov.app import reads, words
from qjgov.app.formatting import goal_name, is_missing
from qjgov.app.state import State


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


def fmt_status_change(lang: str, previous: str | None, current: str | None) -> str:
    """"有风险 → 进度正常" / "at risk → on track"; empty when the status did not change or there
    is no previous month-end."""
    if not previous or not current or previous == current:
        return ""
    return f"{words.t(lang, 'status.' + previous)} → {words.t(lang, 'status.' + current)}"


def goal_changes(as_of: dt.date) -> pl.DataFrame:
    """Every goal's change since the previous month-end, at `as_of` (commission level)."""
    return reads.query(
        "select goal_id, previous_as_of, actual_change, previous_status, status, status_changed, unit "
        "from marts.goal_changes where as_of = ? order by goal_id",
        (as_of,),
    )


def scorecard_columns(state: State) -> dict[str, dict[str, str]]:
    """Per goal, the two texts the scorecard shows beside it: `change` ("▲ 2.1 pp") and
    `status_change` ("at risk → on track", or empty). Commission level: with a department
    filter the changes are the commission's, so nothing is returned."""
    if state.department:
        return {}
    frame = goal_changes(state.as_of)
    return {
        row["goal_id"]: {
            "change": fmt_change(state.lang, row["actual_change"], row["unit"]),
            "change_short": fmt_change_short(row["actual_change"], row["unit"]),
            "previous_status": row["previous_status"] if row["status_changed"] else None,
            "status_change": fmt_status_change(state.lang, row["previous_status"], row["status"]),
        }
        for row in frame.iter_rows(named=True)
    }


def changed_goals(state: State, names: pl.DataFrame) -> None:
    """The overview's list of goals whose status changed since the previous month-end.
    `names` holds goal_id, name_zh and name_en (e.g. reads.progress)."""
    st.subheader(state.t("changes.title"), anchor=False)
    frame = goal_changes(state.as_of)
    previous = frame["previous_as_of"].drop_nulls()
    if not previous.len():
        st.caption(state.t("changes.first"))
        return
    st.caption(state.t("changes.since", previous=previous[0].isoformat()))
    changed = frame.filter(pl.col("status_changed"))
    if not changed.height:
        st.markdown(state.t("changes.none"))
        return
    label = {row["goal_id"]: goal_name(state.lang, row) for row in names.iter_rows(named=True)}
    lines = [
        "- " + state.t(
            "changes.item",
            goal=f"{row['goal_id']} {label.get(row['goal_id'], '')}",
            change=fmt_status_change(state.lang, row["previous_status"], row["status"]),
            delta=fmt_change(state.lang, row["actual_change"], row["unit"]),
        )
        for row in changed.iter_rows(named=True)
    ]
    st.markdown(state.t("changes.changed", n=changed.height) + "\n\n" + "\n".join(lines))
