"""Who answers for a goal, as the pages show it: a caption under a goal's title and the
scorecard's owner column (the words: `qjgov.present.owners`)."""

from __future__ import annotations

import streamlit as st

from qjgov.app import reads
from qjgov.app.state import State
from qjgov.present.owners import owner_line, owner_name


def goal_owners() -> dict[str, dict]:
    """Every goal's owners, keyed by goal id."""
    return {row["goal_id"]: row for row in reads.goal_owners().iter_rows(named=True)}


def owner_caption(state: State, goal_id: str) -> None:
    """One caption line under a goal's title naming who answers for it."""
    row = goal_owners().get(goal_id)
    if row:
        st.caption(owner_line(state.lang, row))


def owner_names(lang: str) -> dict[str, str]:
    """Each goal's responsible department in the reader's language, keyed by goal id (for a
    scorecard column)."""
    return {goal_id: owner_name(lang, row) for goal_id, row in goal_owners().items()}
