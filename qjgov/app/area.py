"""A goal area's page: a tab per goal, and the milestones on the safeguards page."""

from __future__ import annotations

import polars as pl
import streamlit as st

from qjgov.app import charts, reads
from qjgov.app.formatting import page_header
from qjgov.app.goal import goal_section
from qjgov.app.navigation import page_state
from qjgov.app.overview import milestone_counts, milestone_table
from qjgov.app.state import State
from qjgov.present.words import goal_name


def _remember_goal(key: str, goal_by_label: dict[str, str]) -> None:
    """Keep the open tab in the URL so a copied link reopens it."""
    goal = goal_by_label.get(st.session_state.get(key))
    if goal:
        st.query_params["goal"] = goal


def area_page(area: str) -> None:
    """One goal area: a tab per goal (the `goal` URL parameter picks the open one)."""
    state = page_state()
    areas = reads.areas().filter(pl.col("area") == area)
    title = areas["area_zh" if state.lang == "zh" else "area_en"][0] if areas.height else area
    progress = reads.progress(state.as_of, state.department).filter(pl.col("area") == area)
    seeds = {row["goal_id"]: row for row in reads.targets().iter_rows(named=True)}
    paths = reads.series(state.department, state.as_of)
    goal_ids = progress["goal_id"].to_list()
    page_header(state, title, state.t("area.lead", goals="、".join(goal_ids) if state.lang == "zh" else ", ".join(goal_ids)))

    labels = {gid: f"{gid} {goal_name(state.lang, seeds[gid])}" for gid in goal_ids}
    if area == "safeguards":
        labels["milestones"] = state.t("area.milestones_tab")
    goal_by_label = {label: gid for gid, label in labels.items()}
    requested = st.query_params.get("goal")
    if requested is not None and requested not in labels:  # another page's goal, or none: not kept in the link
        del st.query_params["goal"]
    key = f"tabs_{area}_{state.lang}"
    tabs = st.tabs(
        list(labels.values()),
        default=labels.get(requested),
        key=key,
        on_change=_remember_goal,
        args=(key, goal_by_label),
    )
    for tab, gid in zip(tabs, labels):
        # Only the open tab is drawn (the tabs track which is open, through on_change): a page
        # drew every goal of its area before, hidden ones too. Opening another tab reruns it.
        if tab.open is False:
            continue
        with tab:
            if gid == "milestones":
                milestones_section(state)
                continue
            row = progress.filter(pl.col("goal_id") == gid).row(0, named=True)
            path = paths.filter(pl.col("goal_id") == gid).sort("as_of")
            goal_section(state, row, path, seeds[gid])


def milestones_section(state: State) -> None:
    """M01–M15: counts, a timeline of due and done dates, and the table."""
    frame = reads.milestones(state.as_of)
    st.subheader(state.t("safeguards.milestones"), anchor="milestones")
    st.markdown(state.t("safeguards.milestones_lead"))
    milestone_counts(state)
    st.markdown(f"**{state.t('safeguards.timeline')}**")
    labelled = frame.with_columns(
        (
            pl.col("milestone_id") + " " + pl.col("name_zh" if state.lang == "zh" else "name_en").str.slice(0, 24 if state.lang == "zh" else 44)
        ).alias("label")
    )
    rows = tuple(labelled.select("label", "due_date", "done_date", "status").iter_rows())
    st.vega_lite_chart(spec=charts.milestone_timeline_spec(rows, state.lang, state.as_of), width="stretch")
    milestone_table(state)
