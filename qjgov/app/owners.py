"""Who answers for a goal or a milestone: the responsible department and the leading office
(seeds/targets.csv and milestones.csv, through marts.goals and marts.milestone_status)."""

from __future__ import annotations

import streamlit as st

from qjgov.app import reads, words
from qjgov.app.state import State


def owner_line(lang: str, row: dict) -> str:
    """"责任科室：医政医管科 · 牵头科室：行政审批科" from a row holding owner_department,
    lead_office and their `_en` labels."""
    suffix = "" if lang == "zh" else "_en"
    owner = row.get("owner_department" + suffix) or row.get("owner_department") or "—"
    lead = row.get("lead_office" + suffix) or row.get("lead_office") or "—"
    return words.t(lang, "owners.line", owner=owner, lead=lead)


def goal_owners() -> dict[str, dict]:
    """Every goal's owners, keyed by goal id."""
    frame = reads.query(
        "select goal_id, owner_department, owner_department_en, lead_office, lead_office_en from marts.goals order by goal_id"
    )
    return {row["goal_id"]: row for row in frame.iter_rows(named=True)}


def owner_caption(state: State, goal_id: str) -> None:
    """One caption line under a goal's title naming who answers for it."""
    row = goal_owners().get(goal_id)
    if row:
        st.caption(owner_line(state.lang, row))


def owner_names(lang: str) -> dict[str, str]:
    """Each goal's responsible department in the reader's language, keyed by goal id (for a
    scorecard column)."""
    suffix = "" if lang == "zh" else "_en"
    return {
        goal_id: row.get("owner_department" + suffix) or row.get("owner_department") or "—"
        for goal_id, row in goal_owners().items()
    }
