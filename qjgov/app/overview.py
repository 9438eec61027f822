"""The overview's widgets: status tiles, the scorecard, goal links by area, the milestones.

What these draw is the same for every visitor at one build, as-of date, department and
language, and making it (formatting 21 goals, their monthly paths, the phone cards' HTML, the
links) cost more than drawing it: it is made once per (build, as_of, department, lang) and
kept (`PARTS_KEPT`), as plain frames and strings.
"""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import urlencode

import polars as pl
import pyarrow as pa
import streamlit as st

from qjgov.app import changes, owners, reads
from qjgov.app.formatting import badge
from qjgov.app.navigation import area_file
from qjgov.app.state import State, url_params
from qjgov.app.tables import show_table
from qjgov.present import words
from qjgov.present.connection import Identity
from qjgov.present.links import area_path
from qjgov.present.numbers import figures
from qjgov.present.statuses import MILESTONE_STATUSES, STATUS_STYLE, STATUSES, milestone_word, status_word
from qjgov.present.words import goal_name


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
        shown = figures(lang, row)
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
                "actual": shown.actual,
                "change_short": change.get("change_short") or "",
                "owner": owner.get(row["goal_id"], "—"),
                "target": shown.target,
                "gap": shown.gap,
                "projected": shown.projected,
                "chance": shown.chance,
                "to_go": shown.to_go,
            }
        )
    return rows


PARTS_KEPT = 1_000  # per part: builds × dates × departments × languages seen lately


def scorecard_frame(as_of: dt.date, department: str | None, lang: str) -> pl.DataFrame:
    """The scorecard's table: one row of display texts per goal, with its monthly path for the
    sparkline (kept as `scorecard_table`)."""
    state = State(as_of, department, lang)
    paths = reads.series(department, as_of)
    sparks = {
        goal: group.sort("as_of")["actual"].drop_nulls().to_list()
        for (goal,), group in paths.group_by("goal_id")
    }
    rows = scorecard_rows(state, reads.progress(as_of, department))
    return pl.DataFrame(
        [{**{k: r[k] for k in ("goal_id", "goal", "status", "met", "actual", "change_short", "target", "gap")},
          "trend": sparks.get(r["goal_id"], []), "projected": r["projected"], "chance": r["chance"], "to_go": r["to_go"],
          "owner": r["owner"]}
         for r in rows],
        schema={
            "goal_id": pl.String, "goal": pl.String, "status": pl.String, "met": pl.Boolean, "actual": pl.String,
            "change_short": pl.String, "target": pl.String, "gap": pl.String, "trend": pl.List(pl.Float64), "projected": pl.String,
            "chance": pl.String, "to_go": pl.String, "owner": pl.String,
        },
        orient="row",
    )


@st.cache_data(show_spinner=False, max_entries=PARTS_KEPT)
def scorecard_table(build: Identity, as_of: dt.date, department: str | None, lang: str) -> pa.Table:
    """`scorecard_frame` as st.dataframe sends it (see `arrow_as_drawn`). `build` (the run's
    pinned build, `reads.build()`) keys the cache: the reads made for it are of that build."""
    return arrow_as_drawn(scorecard_frame(as_of, department, lang))


def arrow_as_drawn(frame: pl.DataFrame) -> pa.Table:
    """The Arrow table st.dataframe makes of a polars frame (through pandas, as Streamlit
    converts one). Given an Arrow table, st.dataframe sends it as it is: the conversion, a few
    milliseconds a table, is then made once and kept with the table."""
    from streamlit import dataframe_util

    return dataframe_util.convert_pandas_df_to_arrow_table(dataframe_util.convert_anything_to_pandas_df(frame))


# The scorecard's column widths in px, per language. At 1,400 px the main area holds about
# 970 px of columns beside the row boxes (the overview's side margins are 3rem, not
# Streamlit's 5rem: `narrow_screen_css`). Each header shows whole, and a line breaks only
# between words: the grid breaks a run that does not fit anywhere, so a column is as wide as
# its widest English word ("Administration", "complaints") or value with its unit
# ("10.1 个百分点", kept together by a no-break space). Checked in tests/test_browser.py.
SCORECARD_WIDTHS = {
    "zh": {"goal_id": 40, "goal": 132, "status": 92, "met": 70, "actual": 64, "change_short": 58, "target": 74, "gap": 104,
           "trend": 40, "projected": 70, "chance": 84, "to_go": 50, "owner": 88},
    "en": {"goal_id": 40, "goal": 150, "status": 80, "met": 72, "actual": 64, "change_short": 58, "target": 72, "gap": 72,
           "trend": 40, "projected": 64, "chance": 58, "to_go": 86, "owner": 107},
}


def scorecard(state: State) -> str | None:
    """All 21 goals in one table with a sparkline; returns the goal of a clicked row or cell.

    The id column is pinned (it stays when the table scrolls sideways), names wrap over two
    lines, every column fits at 1,400 px, and a click on any cell (or on a row's box) opens the goal. Narrow screens get the
    cards of `scorecard_cards` instead (CSS in `narrow_screen_css`)."""
    table = scorecard_table(reads.build(), state.as_of, state.department, state.lang)
    t = state.t
    width = SCORECARD_WIDTHS[state.lang]
    config = {
        "goal_id": st.column_config.TextColumn(t("col.goal_id"), width=width["goal_id"], pinned=True),
        "goal": st.column_config.TextColumn(t("col.goal"), width=width["goal"]),
        "status": st.column_config.TextColumn(t("col.status"), width=width["status"], help=t("col.status_help")),
        "met": st.column_config.CheckboxColumn(t("status.met_today"), width=width["met"], help=t("col.met_help")),
        "actual": st.column_config.TextColumn(t("col.actual"), width=width["actual"]),
        "change_short": st.column_config.TextColumn(t("col.change"), width=width["change_short"], help=t("col.actual_help")),
        "target": st.column_config.TextColumn(t("col.target"), width=width["target"]),
        "gap": st.column_config.TextColumn(t("col.gap"), width=width["gap"], help=t("col.gap_help")),
        "trend": st.column_config.LineChartColumn(t("col.trend_short"), width=width["trend"]),
        "projected": st.column_config.TextColumn(t("col.projected_short"), width=width["projected"], help=t("col.projected_help")),
        "chance": st.column_config.TextColumn(t("col.chance_short"), width=width["chance"], help=t("col.chance_help")),
        "to_go": st.column_config.TextColumn(t("col.to_go"), width=width["to_go"], help=t("col.to_go_help")),
        "owner": st.column_config.TextColumn(t("owners.owner_short"), width=width["owner"], help=t("owners.owner")),
    }
    with st.container(key="qj_scorecard_table"):
        event = st.dataframe(
            table,
            hide_index=True,
            column_config=config,
            on_select="rerun",
            selection_mode=["single-row", "single-cell"],
            key=f"scorecard_{state.lang}",
            row_height=ROW_HEIGHT,
            height=ROW_HEIGHT * table.num_rows + HEADER_HEIGHT,
            placeholder="—",
            alt=t("overview.scorecard"),
        )
    if event is None:
        return None
    selected = list(event.selection.rows) or [cell[0] for cell in event.selection.cells]
    return table.column("goal_id")[selected[0]].as_py() if selected else None


ROW_HEIGHT = 66  # Streamlit wraps cell text only in rows taller than 4rem: long names take two lines
HEADER_HEIGHT = 38


def scorecard_cards(state: State) -> None:
    """The scorecard for a phone: one card per goal with its status, actual, target and a link."""
    with st.container(key="qj_scorecard_cards"):
        st.html(cards_html(reads.build(), state.as_of, state.department, state.lang))  # raw HTML: a markdown pass would split the block links


@st.cache_data(show_spinner=False, max_entries=PARTS_KEPT)
def cards_html(build: Identity, as_of: dt.date, department: str | None, lang: str) -> str:
    """The phone cards' HTML (see `scorecard_table` for the key)."""
    state = State(as_of, department, lang)
    t = state.t
    cards = []
    for r in scorecard_rows(state, reads.progress(as_of, department)):
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
            f'<div style="font-size:0.9rem">{t("col.actual")} <b>{r["actual"]}</b> {r["change"]} · {t("col.target")} {r["target"]}'
            f' · {t("col.projected")} {r["projected"]} · {t("col.chance")} <b>{html.escape(r["chance"], quote=False)}</b></div>'
            f'<div style="font-size:0.85rem;color:#4A5563">{t("owners.owner")}: {html.escape(r["owner"], quote=False)}</div></a>'
        )
    return "".join(cards)


NARROW = 640  # px: below this the scorecard shows as cards
WIDE_MARGIN = "3rem"  # the main area's side margins on a wide screen: room for the scorecard's 13 columns


def narrow_screen_css() -> None:
    """Show the table on wide screens and the cards on narrow ones (both are drawn; CSS picks).
    On a wide screen the page's side margins are narrower than Streamlit's, so every column
    of the scorecard fits at 1,400 px without scrolling sideways."""
    st.html(
        f"<style>@media (max-width: {NARROW}px) {{ .st-key-qj_scorecard_table {{ display: none; }} }}"
        f"@media (min-width: {NARROW + 1}px) {{ .st-key-qj_scorecard_cards {{ display: none; }}"
        f' [data-testid="stMainBlockContainer"] {{ padding-left: {WIDE_MARGIN}; padding-right: {WIDE_MARGIN}; }} }}</style>'
    )


def goal_links(state: State) -> None:
    """Every goal as a link to its area page, grouped by area, with its status icon."""
    areas = goal_link_rows(reads.build(), state.as_of, state.department, state.lang)
    per_row = 3
    for start in range(0, len(areas), per_row):
        columns = st.columns(per_row)
        for column, (area, title, links) in zip(columns, areas[start : start + per_row]):
            with column:
                st.markdown(f"**{title}**")
                for label, goal in links:
                    st.page_link(area_file(area), label=label, query_params=url_params(state, goal=goal))


@st.cache_data(show_spinner=False, max_entries=PARTS_KEPT)
def goal_link_rows(build: Identity, as_of: dt.date, department: str | None, lang: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """[(area, its title, [(link label, goal)])] in page order; the safeguards area ends with
    its milestones (see `scorecard_table` for the key)."""
    name = "area_zh" if lang == "zh" else "area_en"
    progress = reads.progress(as_of, department)
    rows = []
    for area in reads.areas().iter_rows(named=True):
        links = [
            (f"{STATUS_STYLE[row['status'] or 'no_data']['icon']} {row['goal_id']} {goal_name(lang, row)}", row["goal_id"])
            for row in progress.filter(pl.col("area") == area["area"]).iter_rows(named=True)
        ]
        if area["area"] == "safeguards":
            links.append((f"○ {words.t(lang, 'area.milestones_tab')}", "milestones"))
        rows.append((area["area"], area[name], links))
    return rows


def milestone_counts(state: State) -> None:
    """One badge per milestone status with how many milestones have it."""
    st.markdown(milestone_counts_html(reads.build(), state.as_of, state.lang), unsafe_allow_html=True)


@st.cache_data(show_spinner=False, max_entries=PARTS_KEPT)
def milestone_counts_html(build: Identity, as_of: dt.date, lang: str) -> str:
    """The badges' HTML (see `scorecard_table` for the key)."""
    statuses = reads.milestones(as_of)["status"].to_list()
    # the margin keeps the table's toolbar (drawn above the table) off the badges
    return (
        '<div style="margin-bottom:2.2rem;line-height:2">'
        + " ".join(f"{badge(lang, s)} {statuses.count(s)}" for s in MILESTONE_STATUSES)
        + "</div>"
    )


def milestone_table(state: State) -> None:
    """M01–M15 with status words (done late apart from done on time) and the working days late;
    evidence only in Chinese (the seed keeps it in Chinese)."""
    table = milestone_frame(reads.build(), state.as_of, state.lang)
    show_table(table, dates=[state.t("col.due_date"), state.t("col.done_date")], height=35 * (table.height + 1) + 3)


@st.cache_data(show_spinner=False, max_entries=PARTS_KEPT)
def milestone_frame(build: Identity, as_of: dt.date, lang: str) -> pl.DataFrame:
    """The milestone table with headers and words in `lang` (see `scorecard_table` for the key)."""
    state = State(as_of, None, lang)
    frame = reads.milestones(as_of)
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
    return table
