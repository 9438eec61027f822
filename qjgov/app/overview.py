"""The overview's widgets: status tiles, the scorecard, goal links by area, the milestones."""

from __future__ import annotations

import html
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from qjgov.app import changes, owners, words
from qjgov.app.formatting import badge, fmt_gap, fmt_target, fmt_value, goal_name, to_go_text
from qjgov.app.navigation import area_file, area_path
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


def _status_text(lang: str, status: str | None, change: dict) -> str:
    """"➚ 进度正常", or "有风险 →" above it when the status changed since the previous month-end."""
    previous = change.get("previous_status")
    now = status_word(lang, status)
    return f"{words.t(lang, 'status.' + previous)} →\n{now}" if previous else now


def scorecard_rows(state: State, progress: pl.DataFrame) -> list[dict]:
    """One dict of display texts per goal, shared by the table and the phone cards."""
    lang = state.lang
    moved = changes.scorecard_columns(state)  # since the previous month-end (commission level)
    owner = owners.owner_names(lang)
    rows = []
    for row in progress.iter_rows(named=True):
        unit = row["unit"] or row["seed_unit"]
        change = moved.get(row["goal_id"], {})
        rows.append(
            {
                "goal_id": row["goal_id"],
                "goal": goal_name(lang, row),
                "area": row["area"],
                "status_key": row["status"] or "no_data",
                "status": _status_text(lang, row["status"], change),
                "status_change": change.get("status_change") or "",
                "change": change.get("change") or "",
                "met": None if row["met"] is None else bool(row["met"]),
                "actual": fmt_value(row["actual"], unit, row["target"]),
                "change_short": change.get("change_short") or "",
                "owner": owner.get(row["goal_id"], "—"),
                "actual_plain": fmt_value(row["actual"], unit, row["target"]),
                "target": fmt_target(lang, row["target"], row["comparator"], unit, row["target_kind"]),
                "gap": fmt_gap(lang, row["gap"], unit, row["comparator"]),
                "projected": fmt_value(row["projected"], unit, row["target"]),
                "to_go": to_go_text(lang, row),
            }
        )
    return rows


def scorecard(state: State, progress: pl.DataFrame, paths: pl.DataFrame) -> str | None:
    """All 21 goals in one table with a sparkline; returns the goal of a clicked row or cell.

    The id column is pinned (it stays when the table scrolls sideways), names wrap over two
    lines, every column fits at 1,400 px, and a click on any cell (or on a row's box) opens the goal. Narrow screens get the
    cards of `scorecard_cards` instead (CSS in `narrow_screen_css`)."""
    sparks = {
        goal: group.sort("as_of")["actual"].drop_nulls().to_list()
        for (goal,), group in paths.group_by("goal_id")
    }
    rows = scorecard_rows(state, progress)
    frame = pl.DataFrame(
        [{**{k: r[k] for k in ("goal_id", "goal", "status", "met", "actual", "change_short", "target", "gap")},
          "trend": sparks.get(r["goal_id"], []), "projected": r["projected"], "to_go": r["to_go"], "owner": r["owner"]}
         for r in rows],
        schema={
            "goal_id": pl.String, "goal": pl.String, "status": pl.String, "met": pl.Boolean, "actual": pl.String,
            "change_short": pl.String, "target": pl.String, "gap": pl.String, "trend": pl.List(pl.Float64), "projected": pl.String, "to_go": pl.String,
            "owner": pl.String,
        },
        orient="row",
    )
    t = state.t
    config = {
        "goal_id": st.column_config.TextColumn(t("col.goal_id"), width=44, pinned=True),
        "goal": st.column_config.TextColumn(t("col.goal"), width=150),
        "status": st.column_config.TextColumn(t("col.status"), width=92, help=t("col.status_help")),
        "met": st.column_config.CheckboxColumn(t("status.met_today"), width=54, help=t("col.met_help")),
        "actual": st.column_config.TextColumn(t("col.actual"), width=64),
        "change_short": st.column_config.TextColumn(t("col.change"), width=54, help=t("col.actual_help")),
        "target": st.column_config.TextColumn(t("col.target"), width=84),
        "gap": st.column_config.TextColumn(t("col.gap"), width=84, help=t("col.gap_help")),
        "trend": st.column_config.LineChartColumn(t("col.trend_short"), width=40),
        "projected": st.column_config.TextColumn(t("col.projected_short"), width=62, help=t("col.projected_help")),
        "to_go": st.column_config.TextColumn(t("col.to_go"), width=66, help=t("col.to_go_help")),
        "owner": st.column_config.TextColumn(t("owners.owner_short"), width=84, help=t("owners.owner")),
    }
    with st.container(key="qj_scorecard_table"):
        event = st.dataframe(
            frame,
            hide_index=True,
            column_config=config,
            on_select="rerun",
            selection_mode=["single-row", "single-cell"],
            key=f"scorecard_{state.lang}",
            row_height=ROW_HEIGHT,
            height=ROW_HEIGHT * frame.height + HEADER_HEIGHT,
            placeholder="—",
            alt=t("overview.scorecard"),
        )
    if event is None:
        return None
    selected = list(event.selection.rows) or [cell[0] for cell in event.selection.cells]
    return frame["goal_id"][selected[0]] if selected else None


ROW_HEIGHT = 66  # Streamlit wraps cell text only in rows taller than 4rem: long names take two lines
HEADER_HEIGHT = 38


def scorecard_cards(state: State, progress: pl.DataFrame) -> None:
    """The scorecard for a phone: one card per goal with its status, actual, target and a link."""
    t = state.t
    cards = []
    for r in scorecard_rows(state, progress):
        style = STATUS_STYLE[r["status_key"]]
        met = f' · {t("status.met_today")}' if r["met"] else ""
        if r["status_change"]:
            met += f' · {html.escape(r["status_change"], quote=False)}'
        href = html.escape(
            f"{area_path(r['area'])}?{urlencode(url_params(state, goal=r['goal_id']))}"
        )
        cards.append(
            f'<a class="qj-card" href="{href}" target="_self" style="display:block;text-decoration:none;color:inherit;'
            f'border-left:0.45rem solid {style["fill"]};background:#F4F6F9;border-radius:0.3rem;'
            f'padding:0.5rem 0.7rem;margin-bottom:0.5rem">'
            f'<div style="font-weight:600">{r["goal_id"]} {html.escape(r["goal"], quote=False)}</div>'
            f'<div style="margin:0.25rem 0">{badge(state.lang, r["status_key"])}'
            f'<span style="font-size:0.85rem">{met}</span></div>'
            f'<div style="font-size:0.9rem">{t("col.actual")} <b>{r["actual_plain"]}</b> {r["change"]} · {t("col.target")} {r["target"]}'
            f' · {t("col.projected")} {r["projected"]}</div>'
            f'<div style="font-size:0.85rem;color:#4A5563">{t("owners.owner")}: {html.escape(r["owner"], quote=False)}</div></a>'
        )
    with st.container(key="qj_scorecard_cards"):
        st.html("".join(cards))  # raw HTML: a markdown pass would split the block links


NARROW = 640  # px: below this the scorecard shows as cards


def narrow_screen_css() -> None:
    """Show the table on wide screens and the cards on narrow ones (both are drawn; CSS picks)."""
    st.html(
        f"<style>@media (max-width: {NARROW}px) {{ .st-key-qj_scorecard_table {{ display: none; }} }}"
        f"@media (min-width: {NARROW + 1}px) {{ .st-key-qj_scorecard_cards {{ display: none; }} }}</style>"
    )


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
    # the margin keeps the table's toolbar (drawn above the table) off the badges
    st.markdown(
        '<div style="margin-bottom:2.2rem;line-height:2">'
        + " ".join(f"{badge(state.lang, s)} {counts[s]}" for s in MILESTONE_STATUSES)
        + "</div>",
        unsafe_allow_html=True,
    )


def milestone_table(state: State, frame: pl.DataFrame) -> None:
    """M01–M15 with status words (done late apart from done on time) and the working days late;
    evidence only in Chinese (the seed keeps it in Chinese)."""
    lang = state.lang
    table = pl.DataFrame(
        {
            state.t("col.goal_id"): frame["milestone_id"],
            state.t("col.milestone"): frame["name_zh" if lang == "zh" else "name_en"],
            state.t("col.plan_clause"): [words.plan_clause(lang, c) for c in frame["plan_clause"].to_list()],
            state.t("col.due_date"): frame["due_date"],
            state.t("col.done_date"): frame["done_date"],
            state.t("col.status"): [milestone_word(lang, s) for s in frame["status"].to_list()],
            state.t("col.days_overdue"): frame["working_days_late"],
            state.t("owners.owner"): frame["owner_department" if lang == "zh" else "owner_department_en"],
        }
    )
    if lang == "zh":
        table = table.with_columns(frame["evidence"].alias(state.t("col.evidence")))
    show_table(table, dates=[state.t("col.due_date"), state.t("col.done_date")], height=35 * (table.height + 1) + 3)
