"""One goal at the chosen date: figures, monthly path, plan sentence, formula, what it would
take, departments, and the list of what holds the number back, with downloads."""

from __future__ import annotations

import datetime as dt
import math
from typing import Callable, Iterable

import polars as pl
import streamlit as st

from qjgov.app import charts, commentary, reads
from qjgov.app.formatting import badge, code_label, department_label
from qjgov.app.state import State
from qjgov.app.tables import downloads, show_table
from qjgov.present import words
from qjgov.present.charts import department_bars
from qjgov.present.connection import Identity
from qjgov.present.numbers import Figures, figures, fmt_chance, fmt_count, fmt_value, is_missing
from qjgov.present.reads import LIST_PAGE_ROWS
from qjgov.present.statuses import status_word
from qjgov.present.takes import what_it_takes
from qjgov.present.words import formula, goal_name, plan_sentence, seed_text


# The figures in two rows, so that none is cut at 1,400 px: where the goal stands today, then
# where the year is likely to end. Widths fit "> 36.6 % (last year)" and "3 complaints".
TODAY_WIDTHS = [0.8, 0.9, 2, 1.5]
YEAR_END_WIDTHS = [1.3, 1.3, 2.6]


def _kpis(state: State, row: dict, shown: Figures) -> None:
    status, actual, target, to_go = st.columns(TODAY_WIDTHS)
    with status:
        st.markdown(f"<div style='font-size:0.875rem;margin-bottom:0.35rem'>{state.t('goal.status')}</div>", unsafe_allow_html=True)
        st.markdown(badge(state.lang, row["status"]), unsafe_allow_html=True)
        if row["met"] is not None and row["status"] not in ("achieved", "missed"):
            met = "✓ " + state.t("status.met_today") if row["met"] else state.t("status.not_met_today")
            st.caption(met, help=state.t("col.met_help"))
    numbers = None
    if not is_missing(row["denominator"]):
        numbers = state.t("goal.numbers", num=fmt_count(row["numerator"]), den=fmt_count(row["denominator"]))
    actual.metric(state.t("goal.actual"), shown.actual, help=numbers)
    target.metric(
        state.t("goal.target"),
        shown.target,
        delta=shown.gap if not is_missing(row["gap"]) else None,
        delta_color="off",
        delta_arrow="off",
    )
    to_go.metric(state.t("goal.to_go"), shown.to_go or "—", help=state.t("col.to_go_help"))
    projected, chance, _ = st.columns(YEAR_END_WIDTHS)
    # The 80 % interval sits under the projection it surrounds, as the gap under the target.
    interval = state.t("goal.interval", interval=shown.interval) if shown.interval != "—" else None
    projected.metric(
        state.t("goal.projected"), shown.projected, delta=interval, delta_color="off", delta_arrow="off",
        help=state.t("col.interval_help") if interval else None,
    )
    chance.metric(state.t("col.chance"), shown.chance, help=state.t("col.chance_help"))


def goal_section(state: State, row: dict, path: pl.DataFrame, seed: dict) -> None:
    """Everything about one goal at the chosen date."""
    goal_id = row["goal_id"]
    unit = row["unit"]
    st.subheader(f"{goal_id} · {goal_name(state.lang, row)}", anchor=goal_id.lower())
    if state.department:
        st.caption(state.t("goal.dept_filtered", dept=department_label(state.lang, state.department)))
    shown = figures(state.lang, row)
    _kpis(state, row, shown)
    commentary.commentary_section(state, row)  # owners, change since last month, commentary

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**{state.t('goal.chart')}**")
        if path.height and not path["actual"].is_null().all():
            points = tuple(path.select("as_of", "actual").iter_rows())
            st.vega_lite_chart(
                spec=charts.goal_path_spec(
                    points, state.lang, unit, row["target"], row["projected"], row["deadline"],
                    row["projected_low"], row["projected_high"],
                ),
                width="stretch",
            )
        else:
            st.info(state.t("status.help.no_data"))
    with right:
        st.markdown(f"**{state.t('goal.what_it_takes')}**")
        st.markdown("\n".join(f"- {sentence}" for sentence in what_it_takes(state.lang, state.as_of, row, seed, shown)))
        st.markdown(f"**{state.t('goal.plan')}**")
        st.markdown(f"> {plan_sentence(state.lang, seed)}")
        st.markdown(f"**{state.t('goal.formula')}**")
        st.markdown(formula(state.lang, seed))
        choice = seed_text(state.lang, seed, "choice")
        if choice:
            st.markdown(f"**{state.t('goal.choice')}**")
            st.caption(choice)

    secondary = reads.secondary(goal_id, state.as_of, state.department)
    if secondary.height:
        st.markdown(f"**{state.t('goal.secondary')}**")
        columns = st.columns(max(secondary.height, 3))
        for column, item in zip(columns, secondary.iter_rows(named=True)):
            value = fmt_value(item["value"], "trips" if item["metric_id"] == "mean_case_site_visits" else "ratio")
            helptext = None
            if item["metric_id"] != "promised_reduction" and not is_missing(item["denominator"]):
                helptext = state.t("goal.numbers", num=fmt_count(item["numerator"]), den=fmt_count(item["denominator"]))
            column.metric(state.t(f"secondary.{item['metric_id']}"), value, help=helptext)

    department_breakdown(state, row, unit)
    holding_back(state, row, seed)


def department_breakdown(state: State, row: dict, unit: str) -> None:
    """The goal per department: bars coloured by status (with words) and a table."""
    target = None if row["target_kind"] == "baseline" else row["target"]
    chart, table = department_parts(reads.build(), row["goal_id"], state.as_of, state.lang, unit, row["target_kind"], target)
    st.markdown(f"**{state.t('goal.by_dept')}**", help=state.t("goal.by_dept_help"))
    if table is None:
        st.caption(state.t("common.no_rows"))
        return
    chart_col, table_col = st.columns([2, 3], gap="large")
    with chart_col:
        if chart is not None:
            st.vega_lite_chart(spec=chart, width="stretch")
    with table_col:
        value_columns = [state.t("col.actual"), state.t("col.target")]
        widths = {name: 64 for name in table.columns}
        widths[state.t("col.department")] = 150
        widths[state.t("col.status")] = 84
        widths[state.t("col.actual")] = 72
        formats = {"percent": value_columns} if unit == "ratio" else {"trips": value_columns}
        show_table(table, widths=widths, height=35 * (table.height + 1) + 3, **formats)


@st.cache_data(show_spinner=False, max_entries=2_000)
def department_parts(
    build: Identity, goal_id: str, as_of: dt.date, lang: str, unit: str, target_kind: str | None, target: float | None,
) -> tuple[dict | None, pl.DataFrame | None]:
    """The bars' spec (None when no department has a value) and the table, in `lang`, of one
    goal at one date, for every visitor of `build` (the run's pinned build keys the cache; the
    read below is of it): (None, None) when no department has a row. The departments holding
    the goal back come first, in the mart's order, as the monthly report lists them. `target`
    is the bars' rule (none for a baseline goal, whose target differs by department)."""
    frame = reads.by_department(goal_id, as_of)
    if not frame.height:
        return None, None
    frame = frame.with_columns(
        pl.col("department").map_elements(lambda d: department_label(lang, d), return_dtype=pl.String).alias("department_label")
    )
    chart = None
    if not frame["actual"].is_null().all():
        chart = charts.vega_lite_spec(department_bars(frame, lang, unit, target))

    def t(key: str) -> str:
        return words.t(lang, key)

    columns: dict[str, pl.Series] = {
        t("col.department"): frame["department_label"],
        t("col.status"): pl.Series([status_word(lang, s) for s in frame["status"].to_list()], dtype=pl.String),
        t("col.actual"): frame["actual"],
    }
    if target_kind == "baseline":
        columns[t("col.target")] = frame["target"]
    if not frame["numerator"].is_null().all():
        # G05's numerator is the sum of the items' trips, not a count of items meeting the goal.
        suffix = ".trips" if unit == "trips" else ""
        columns[t("col.numerator" + suffix)] = frame["numerator"].cast(pl.Int64, strict=False)
        columns[t("col.denominator" + suffix)] = frame["denominator"].cast(pl.Int64, strict=False)
    if not frame["to_go"].is_null().all():
        columns[t("col.to_go")] = frame["to_go"].cast(pl.Int64)
    if not frame["p_meet"].is_null().all():
        columns[t("col.chance_short")] = pl.Series(
            [fmt_chance(p, m) for p, m in zip(frame["p_meet"].to_list(), frame["month_no"].to_list())], dtype=pl.String
        )
    return chart, pl.DataFrame(columns)


def _filter_text(frame: pl.DataFrame, text: str, columns: Iterable[str]) -> pl.DataFrame:
    if not text.strip():
        return frame
    needle = text.strip().lower()
    condition = pl.lit(False)
    for column in columns:
        if column in frame.columns:
            condition = condition | pl.col(column).cast(pl.String).str.to_lowercase().str.contains(needle, literal=True).fill_null(False)
    return frame.filter(condition)


# Extra columns a catalogue goal's list may show (seeds/targets.csv list_columns), in this order;
# True where the value is a code shown by its label.
ITEM_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("category", True),
    ("online_depth", True),
    ("site_visits", False),
    ("handling_type", True),
    ("promised_days", False),
    ("statutory_days", False),
)


def holding_back(state: State, row: dict, seed: dict) -> None:
    """The items or records that keep the goal from its target, filterable and downloadable.
    What the list holds follows the goal's family; its extra columns, the seed's list_columns."""
    lang = state.lang
    goal_id, family = seed["goal_id"], seed["family"]
    extra = {column for column in (seed.get("list_columns") or "").split("|") if column}
    st.markdown(f"**{state.t('goal.list')}**")
    if family in reads.WAREHOUSE_LISTS:
        warehouse_list(state, goal_id, family, extra, seed_text(lang, seed, "list_title") or goal_id, *reads.WAREHOUSE_LISTS[family])
        return
    if family == "catalogue":
        raw = reads.goal_items(goal_id, state.as_of, state.department)
    elif family == "handling":
        raw = reads.handling_time(state.as_of, state.department)
    else:
        st.caption(state.t("goal.list_unavailable"))
        return
    title = seed_text(lang, seed, "list_title") or goal_id
    st.markdown(title)
    if not raw.height:
        st.success(state.t("goal.list_none"), icon=":material/check_circle:")
        return

    filters = st.columns([2, 2])
    text = filters[0].text_input(state.t("common.search"), key=f"search_{goal_id}_{lang}", help=state.t("common.search_help"))
    departments = sorted(d for d in raw["department"].unique().to_list() if d)
    chosen: str | None = None
    if state.department is None and len(departments) > 1:
        with filters[1]:
            chosen = list_department(state, goal_id, departments)

    frame = _filter_text(raw, text, ("unit_id", "unit_name", "item_code", "item_name", "department"))
    if chosen:
        frame = frame.filter(pl.col("department") == chosen)

    table, spec = _list_table(state, family, extra, frame)
    page = list_page(state, goal_id, table.height)
    shown = table.slice((page - 1) * LIST_PAGE_ROWS, LIST_PAGE_ROWS)
    show_table(shown, height=min(420, 36 * (shown.height + 1) + 3), **spec)
    st.caption(state.t("common.rows", n=f"{table.height:,}"))
    stem = file_stem(state, goal_id, chosen, text, False)
    downloads(state, table, stem, title, percent=spec.get("percent", ()))


def list_page(state: State, goal_id: str, rows: int) -> int:
    """The page of a list to show (from 1): a city's lists run to many thousands of rows, so a
    list longer than a page gets a page number to choose."""
    if rows <= LIST_PAGE_ROWS:
        return 1
    pages = math.ceil(rows / LIST_PAGE_ROWS)
    return int(st.number_input(
        state.t("common.page", pages=f"{pages:,}", rows=f"{LIST_PAGE_ROWS:,}"),
        min_value=1, max_value=pages, value=1, step=1, key=f"page_{goal_id}_{state.lang}",
    ))


def warehouse_list(
    state: State, goal_id: str, family: str, extra: set[str], title: str,
    counts: Callable[..., pl.DataFrame], records: Callable[..., pl.DataFrame],
) -> None:
    """A list read from the warehouse a page at a time: a case-share goal's cases (millions in
    a city, reads.case_record_counts / case_records) or a done-over-due goal's open records
    (tens of thousands, reads.open_duty_counts / open_duties). Only the page shown and the
    counts per department leave the warehouse, and the whole list only when a download is
    clicked."""
    lang = state.lang
    st.markdown(title)
    if family == "duty":
        st.caption(state.t("list.duty_hint"))
    by_department = counts(goal_id, state.as_of, state.department)
    if not by_department.height:
        st.success(state.t("goal.list_none"), icon=":material/check_circle:")
        return
    filters = st.columns([2, 2, 1] if family == "duty" else [2, 2])
    text = filters[0].text_input(state.t("common.search"), key=f"search_{goal_id}_{lang}", help=state.t("common.search_help"))
    departments = [d for d in by_department["department"].to_list() if d]
    chosen: str | None = None
    if state.department is None and len(departments) > 1:
        with filters[1]:
            chosen = list_department(state, goal_id, departments)
    overdue_only = False
    if family == "duty" and "deadline" in extra:
        with filters[2]:
            st.write("")
            overdue_only = st.toggle(state.t("common.overdue_only"), key=f"overdue_{goal_id}_{lang}", help=state.t("common.overdue_only_help"))
    narrowing = {"overdue_only": True} if overdue_only else {}
    department = state.department or chosen
    counted = counts(goal_id, state.as_of, department, text, **narrowing) if (text.strip() or chosen or overdue_only) else by_department
    total = int(counted["records"].sum()) if counted.height else 0
    page = list_page(state, goal_id, total)
    frame = records(goal_id, state.as_of, department, text, page=page, page_rows=LIST_PAGE_ROWS, **narrowing)
    # A duty list shows its case column when any record of the whole list names a case, so
    # every page and the download have the same columns.
    case_column = "with_case" not in counted.columns or int(counted["with_case"].sum()) > 0
    shown, spec = _list_table(state, family, extra, frame, case_column)
    show_table(shown, height=min(420, 36 * (shown.height + 1) + 3), **spec)
    st.caption(state.t("common.rows", n=f"{total:,}"))

    def whole_list() -> pl.DataFrame:
        return _list_table(state, family, extra, records(goal_id, state.as_of, department, text, **narrowing), case_column)[0]

    downloads(state, whole_list, file_stem(state, goal_id, chosen, text, overdue_only), title, rows=total, columns=shown.width)


LIST_DEPT = "list_dept"  # the URL key of the list's own department filter


def list_department(state: State, goal_id: str, departments: list[str]) -> str | None:
    """The list's department filter (when the sidebar shows all departments): one department
    or all, kept in the URL (`list_dept`) so a copied link shows the same rows."""
    key = f"list_dept_{goal_id}_{state.lang}"
    if key not in st.session_state:
        wanted = st.query_params.get(LIST_DEPT)
        st.session_state[key] = wanted if wanted in departments else ""

    def remember() -> None:
        value = st.session_state[key]
        if value:
            st.query_params[LIST_DEPT] = value
        elif LIST_DEPT in st.query_params:
            del st.query_params[LIST_DEPT]

    chosen = st.selectbox(
        state.t("common.departments"),
        ["", *departments],
        key=key,
        format_func=lambda d: department_label(state.lang, d) if d else state.t("sidebar.dept_all"),
        on_change=remember,
    )
    return chosen or None


def file_stem(state: State, goal_id: str, department: str | None, text: str, overdue_only: bool) -> str:
    """A download's name says what is in it: goal, date, department, search and the overdue
    filter, e.g. "G09-2021-06-30-妇幼健康科-overdue"."""
    parts = [goal_id, state.as_of.isoformat()]
    department = state.department or department
    if department:
        parts.append(department_label(state.lang, department))
    if text.strip():
        parts.append(state.t("common.file_search", text=text.strip()))
    if overdue_only:
        parts.append(state.t("common.file_overdue"))
    stem = "-".join(parts)
    return "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in stem)[:120]


def time_left(lang: str, workdays_left: object) -> str:
    """"剩余 3 个工作日", "逾期 94 个工作日", "今日到期": the working days to or past the deadline."""
    if is_missing(workdays_left):
        return "—"
    n = int(workdays_left)
    if n == 0:  # due today: it already counts against the goal when not done by tonight
        return words.t(lang, "list.due_today")
    if n < 0:
        return words.t(lang, "list.overdue_day") if n == -1 else words.t(lang, "list.overdue_days", n=f"{-n:,}")
    return words.t(lang, "list.day_left") if n == 1 else words.t(lang, "list.days_left", n=f"{n:,}")


def _list_table(
    state: State, family: str, extra: set[str], frame: pl.DataFrame, case_column: bool = True,
) -> tuple[pl.DataFrame, dict]:
    """The list with translated headers and values, and how to format its columns (a duty
    list's case column only when `case_column`: some record of the whole list names a case)."""
    lang = state.lang
    c = state.t
    department = [department_label(lang, d) for d in frame["department"].to_list()]
    if family == "catalogue":
        columns: dict[str, list | pl.Series] = {
            c("col.unit_id"): frame["unit_id"],
            c("col.unit_name"): frame["unit_name"],
            c("col.department"): department,
        }
        for column, coded in ITEM_COLUMNS:
            if column in extra:
                values = frame[column]
                columns[c(f"col.{column}")] = [code_label(lang, column, v) for v in values.to_list()] if coded else values
        return pl.DataFrame(columns), {}
    if family == "duty":
        columns = {c("col.record_id"): frame["record_id"]}
        if "case_id" in extra and case_column:
            columns[c("col.case_id")] = frame["case_id"]
        columns.update(
            {
                c("col.item_code"): frame["item_code"],
                c("col.item_name"): frame["item_name"],
                c("col.department"): department,
                c("col.started_at"): frame["started_at"],
            }
        )
        if "deadline" in extra:
            columns[c("col.deadline_date")] = frame["deadline_date"]
            columns[c("col.is_overdue")] = frame["is_overdue"]
            columns[c("col.workdays_left")] = [time_left(lang, n) for n in frame["workdays_left"].to_list()]
        spec = {
            "datetimes": [c("col.started_at")],
            "dates": [c("col.deadline_date")],
            "checks": [c("col.is_overdue")],
        }
        return pl.DataFrame(columns), spec
    if family == "case":
        columns = {
            c("col.case_id"): frame["case_id"],
            c("col.item_code"): frame["item_code"],
            c("col.item_name"): frame["item_name"],
            c("col.department"): department,
            c("col.channel"): [code_label(lang, "case_channel", v) for v in frame["channel"].to_list()],
            c("col.assisted_channel"): [code_label(lang, "assisted_channel", v) for v in frame["assisted_channel"].to_list()],
            c("col.counted_from"): frame["counted_from"],
        }
        return pl.DataFrame(columns), {"dates": [c("col.counted_from")]}
    columns = {
        c("col.item_code"): frame["item_code"],
        c("col.item_name"): frame["item_name"],
        c("col.department"): department,
        c("col.statutory_days"): frame["statutory_days"],
        c("col.promised_days"): frame["promised_days"],
        c("col.completed_cases"): frame["completed_cases"],
        c("col.mean_handling_workdays"): frame["mean_handling_workdays"],
        c("col.reduction"): frame["reduction"],
        c("col.promised_reduction"): frame["promised_reduction"],
    }
    spec = {"percent": [c("col.reduction"), c("col.promised_reduction")], "trips": [c("col.mean_handling_workdays")]}
    return pl.DataFrame(columns), spec
