"""The overview's widgets: status tiles, the scorecard, goal links by area, the milestones."""

from __future__ import annotations

import polars as pl
import streamlit as st

from qjgov.app import words
from qjgov.app.formatting import badge, fmt_gap, fmt_target, fmt_value, goal_name, is_missing
from qjgov.app.navigation import area_file
from qjgov.app.state import State, url_params
from qjgov.app.tables import show_table
from qjgov.app.statuses import MILESTONE_STATUSES, STATUS_STYLE, STATUSES, milestone_word, status_word


def status_counts(state: State, progress: pl.DataFrame) -> None:
    """One tile per status: icon, word and how many goals have it."""
    counts = {s: 0 for s in STATUSES}
    for status in progress["status"].to_list():
        counts[status or "no_data"] += 1
    tiles = "".join(
        f'<div class="qj-tile" style="border-left:0.45rem solid {STATUS_STYLE[s]["fill"]};'
        f'background:#F4F6F9;padding:0.5rem 0.8rem;border-radius:0.3rem;min-width:8.5rem;flex:1">'
        f'<div style="font-size:1.9rem;font-weight:700;line-height:1.1">{counts[s]}</div>'
        f"<div>{badge(state.lang, s)}</div></div>"
        for s in STATUSES
    )
    st.markdown(f'<div style="display:flex;gap:0.6rem;flex-wrap:wrap">{tiles}</div>', unsafe_allow_html=True)


def scorecard(state: State, progress: pl.DataFrame, paths: pl.DataFrame) -> str | None:
    """All 21 goals in one table with a sparkline; returns the goal of a clicked row."""
    lang = state.lang
    sparks = {
        goal: group.sort("as_of")["actual"].drop_nulls().to_list()
        for (goal,), group in paths.group_by("goal_id")
    }
    rows = []
    for row in progress.iter_rows(named=True):
        unit = row["unit"] or row["seed_unit"]
        rows.append(
            {
                "goal_id": row["goal_id"],
                "goal": goal_name(lang, row),
                "status": status_word(lang, row["status"]),
                "actual": fmt_value(row["actual"], unit),
                "target": fmt_target(lang, row["target"], row["comparator"], unit, row["target_kind"]),
                "gap": fmt_gap(lang, row["gap"], unit, row["comparator"]),
                "trend": sparks.get(row["goal_id"], []),
                "projected": fmt_value(row["projected"], unit),
                "to_go": None if is_missing(row["to_go"]) else int(row["to_go"]),
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "goal_id": pl.String, "goal": pl.String, "status": pl.String, "actual": pl.String,
            "target": pl.String, "gap": pl.String, "trend": pl.List(pl.Float64), "projected": pl.String, "to_go": pl.Int64,
        },
        orient="row",
    )
    config = {
        "goal_id": st.column_config.TextColumn(state.t("col.goal_id"), width=48),
        "goal": st.column_config.TextColumn(state.t("col.goal"), width=230),
        "status": st.column_config.TextColumn(state.t("col.status"), width=96),
        "actual": st.column_config.TextColumn(state.t("col.actual"), width=72),
        "target": st.column_config.TextColumn(state.t("col.target"), width=130),
        "gap": st.column_config.TextColumn(state.t("col.gap"), width=120),
        "trend": st.column_config.LineChartColumn(state.t("col.trend"), width=90),
        "projected": st.column_config.TextColumn(state.t("col.projected"), width=90),
        "to_go": st.column_config.NumberColumn(state.t("col.to_go"), format="%d", width=60),
    }
    event = st.dataframe(
        frame,
        hide_index=True,
        column_config=config,
        on_select="rerun",
        selection_mode="single-row",
        key=f"scorecard_{lang}",
        height=35 * (frame.height + 1) + 3,
        placeholder="—",
        alt=state.t("overview.scorecard"),
    )
    selected = event.selection.rows if event is not None else []
    return frame["goal_id"][selected[0]] if selected else None


def goal_links(state: State, progress: pl.DataFrame, areas: pl.DataFrame) -> None:
    """Every goal as a link to its area page, grouped by area, with its status icon."""
    name = "area_zh" if state.lang == "zh" else "area_en"
    area_rows = list(areas.iter_rows(named=True))
    per_row = 3
    for start in range(0, len(area_rows), per_row):
        columns = st.columns(per_row)
        for column, area in zip(columns, area_rows[start : start + per_row]):
            with column:
                st.markdown(f"**{area[name]}**")
                goals = progress.filter(pl.col("area") == area["area"])
                for row in goals.iter_rows(named=True):
                    icon = STATUS_STYLE[row["status"] or "no_data"]["icon"]
                    st.page_link(
                        area_file(area["area"]),
                        label=f"{icon} {row['goal_id']} {goal_name(state.lang, row)}",
                        query_params=url_params(state, goal=row["goal_id"]),
                    )
                if area["area"] == "safeguards":
                    st.page_link(
                        area_file(area["area"]),
                        label=f"○ {state.t('area.milestones_tab')}",
                        query_params=url_params(state, goal="milestones"),
                    )


def milestone_counts(state: State, frame: pl.DataFrame) -> None:
    """One badge per milestone status with how many milestones have it."""
    counts = {s: frame.filter(pl.col("status") == s).height for s in MILESTONE_STATUSES}
    st.markdown(" ".join(f"{badge(state.lang, s)} {counts[s]}" for s in MILESTONE_STATUSES), unsafe_allow_html=True)


def milestone_table(state: State, frame: pl.DataFrame) -> None:
    """M01–M15 with status words; evidence only in Chinese (the seed keeps it in Chinese)."""
    lang = state.lang
    table = pl.DataFrame(
        {
            state.t("col.goal_id"): frame["milestone_id"],
            state.t("col.milestone"): frame["name_zh" if lang == "zh" else "name_en"],
            state.t("col.plan_clause"): [words.plan_clause(lang, c) for c in frame["plan_clause"].to_list()],
            state.t("col.due_date"): frame["due_date"],
            state.t("col.done_date"): frame["done_date"],
            state.t("col.status"): [milestone_word(lang, s) for s in frame["status"].to_list()],
            state.t("col.days_overdue"): frame["days_overdue"],
        }
    )
    if lang == "zh":
        table = table.with_columns(frame["evidence"].alias(state.t("col.evidence")))
    show_table(table, dates=[state.t("col.due_date"), state.t("col.done_date")], height=35 * (table.height + 1) + 3)
