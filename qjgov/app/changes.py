"""What changed since the previous month-end (marts.goal_changes), as the scorecard, the goal
tabs and the overview's list of goals whose status changed show it (the words themselves:
`qjgov.present.numbers.fmt_change`, `qjgov.present.statuses.fmt_status_change`)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from qjgov.app import reads
from qjgov.app.state import State
from qjgov.present.numbers import fmt_change, fmt_change_short
from qjgov.present.statuses import fmt_status_change
from qjgov.present.words import goal_name


def scorecard_columns(state: State) -> dict[str, dict[str, str]]:
    """Per goal, the two texts the scorecard shows beside it: `change` ("▲ 2.1 pp") and
    `status_change` ("at risk → on track", or empty). Commission level: with a department
    filter the changes are the commission's, so nothing is returned."""
    if state.department:
        return {}
    frame = reads.goal_changes(state.as_of)
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
    frame = reads.goal_changes(state.as_of)
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
