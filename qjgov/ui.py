"""What every page shares: the sidebar state kept in the URL, formatting, status badges and
the goal section (chart, plan sentence, formula, what it would take, departments, the list
of what holds the number back, with downloads).

Pages stay thin: they pick what to show and call these. Nothing here computes a metric; it
formats the marts' values and chooses words for them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

import polars as pl
import streamlit as st

from qjgov import charts, export, i18n, reads
from qjgov.i18n import CATALOGUE_GOALS, DUTY_GOALS, RATE_GOALS, STATUS_STYLE, STATUSES

# The page files, in sidebar order within their sections; url paths never change with the
# language so a copied link keeps working.
OVERVIEW_FILE = "pages/overview.py"
METHOD_FILE = "pages/method.py"
DATA_FILE = "pages/data.py"
PAGE_ICONS: dict[str, str] = {
    "overview": ":material/dashboard:",
    "online": ":material/language:",
    "efficiency": ":material/speed:",
    "reviews": ":material/reviews:",
    "complaints": ":material/support_agent:",
    "one_thing": ":material/hub:",
    "credit": ":material/verified_user:",
    "inclusive": ":material/accessible:",
    "safeguards": ":material/flag:",
    "method": ":material/menu_book:",
    "data": ":material/database:",
}
URL_KEYS: tuple[str, ...] = ("as_of", "dept", "lang")
_WIDGET = {"as_of": "qj_as_of", "dept": "qj_dept", "lang": "qj_lang"}
_WRITTEN = "_qj_url_written"
_STATE = "_qj_state"
ALL_DEPARTMENTS = ""

COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "=": "=", ">": ">"}
# Goals with a documented choice where the sources give no formula (METRICS.md, README).
GOAL_CHOICES: dict[str, tuple[str, ...]] = {
    "G01": ("method.choice.catalogue",),
    "G02": ("method.choice.catalogue",),
    "G03": ("method.choice.complaint",),
    "G04": ("method.choice.g04",),
    "G07": ("method.choice.g07",),
    "G10": ("method.choice.g10",),
}


def area_file(area: str) -> str:
    """The page file of a goal area (pages/<area>.py)."""
    return f"pages/{area}.py"


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class State:
    """The as-of date, department filter and language every page reads."""

    as_of: dt.date
    department: str | None
    lang: str

    def t(self, key: str, **values: object) -> str:
        return i18n.t(self.lang, key, **values)


def _parse_date(text: str | None, dates: list[dt.date]) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value in dates else None


def resolve_state(dates: list[dt.date], departments: list[str]) -> State:
    """Decide date, department and language before anything is drawn.

    The URL wins on a session's first run and whenever it differs from what the app last
    wrote (a pasted link, a goal link, the browser's back button). When it carries none of
    the keys (a click in the sidebar navigation drops the query string) the session's values
    stand and are written back to the URL by `sidebar`.
    """
    ss = st.session_state
    url = {key: st.query_params.get(key) for key in URL_KEYS}
    written = ss.get(_WRITTEN)
    if written is None or (any(url.values()) and url != written):
        ss[_WIDGET["as_of"]] = _parse_date(url["as_of"], dates) or dates[-1]
        ss[_WIDGET["dept"]] = url["dept"] if url["dept"] in departments else ALL_DEPARTMENTS
        ss[_WIDGET["lang"]] = i18n.language(url["lang"])
    elif _WIDGET["lang"] not in ss and isinstance(ss.get(_STATE), State):
        # st.switch_page drops every widget's value; the last state (not a widget) stays.
        last = ss[_STATE]
        ss[_WIDGET["as_of"]] = last.as_of
        ss[_WIDGET["dept"]] = last.department or ALL_DEPARTMENTS
        ss[_WIDGET["lang"]] = last.lang
    if ss.get(_WIDGET["as_of"]) not in dates:
        ss[_WIDGET["as_of"]] = dates[-1]
    if ss.get(_WIDGET["dept"]) not in (ALL_DEPARTMENTS, *departments):
        ss[_WIDGET["dept"]] = ALL_DEPARTMENTS
    if ss.get(_WIDGET["lang"]) not in i18n.LANGUAGES:
        ss[_WIDGET["lang"]] = i18n.DEFAULT_LANGUAGE
    state = State(ss[_WIDGET["as_of"]], ss[_WIDGET["dept"]] or None, ss[_WIDGET["lang"]])
    ss[_STATE] = state
    return state


def page_state() -> State:
    """The state app.py resolved for this run; every page starts with this.

    Streamlit still treats a `pages/` folder next to the entry script the old way until the
    first `st.navigation` call in the process: a deep link (say /reviews?goal=G09) that is
    the first request after a (re)start, and every AppTest.switch_page, runs the page file
    alone, without app.py's sidebar, URL state and page list. Such a run switches the
    process to `st.navigation` mode and reruns, so app.py draws the frame and runs this page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
    state = st.session_state.get(_STATE)
    if state is None:  # not reached through app.py; still show something sensible
        state = resolve_state(reads.as_of_dates(), reads.departments()["department"].to_list())
    return state


def url_params(state: State, **extra: str) -> dict[str, str]:
    """The query string for this state, e.g. for a link to a goal."""
    params = {"as_of": state.as_of.isoformat(), "lang": state.lang}
    if state.department:
        params["dept"] = state.department
    params.update(extra)
    return params


def _write_url(state: State) -> None:
    wanted = url_params(state)
    for key in URL_KEYS:
        value = wanted.get(key)
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value
    st.session_state[_WRITTEN] = {key: wanted.get(key) for key in URL_KEYS}


def navigation(state: State) -> Any:
    """The page list, grouped in the sidebar, titled in the chosen language."""
    areas = reads.areas()
    name = "area_zh" if state.lang == "zh" else "area_en"
    area_pages = [
        st.Page(area_file(row["area"]), title=row[name], icon=PAGE_ICONS.get(row["area"]), url_path=row["area"].replace("_", "-"))
        for row in areas.iter_rows(named=True)
    ]
    sections = {
        state.t("nav.section.overview"): [
            st.Page(OVERVIEW_FILE, title=state.t("nav.overview"), icon=PAGE_ICONS["overview"], url_path="overview", default=True)
        ],
        state.t("nav.section.areas"): area_pages,
        state.t("nav.section.about"): [
            st.Page(METHOD_FILE, title=state.t("nav.method"), icon=PAGE_ICONS["method"], url_path="method"),
            st.Page(DATA_FILE, title=state.t("nav.data"), icon=PAGE_ICONS["data"], url_path="data"),
        ],
    }
    return st.navigation(sections, expanded=True)


def sidebar(state: State, dates: list[dt.date], departments: list[str]) -> None:
    """The shared controls; their values already sit in session state (resolve_state)."""
    lang = state.lang
    with st.sidebar:
        st.markdown(f"**{state.t('app.title')}**")
        st.selectbox(
            state.t("sidebar.as_of"),
            dates,
            key=_WIDGET["as_of"],
            format_func=lambda d: d.isoformat(),
            help=state.t("sidebar.as_of_help"),
        )
        st.selectbox(
            state.t("sidebar.dept"),
            [ALL_DEPARTMENTS, *departments],
            key=_WIDGET["dept"],
            format_func=lambda d: state.t("sidebar.dept_all") if d == ALL_DEPARTMENTS else department_label(lang, d),
            help=state.t("sidebar.dept_help"),
        )
        st.radio(
            state.t("sidebar.lang"),
            list(i18n.LANGUAGES),
            key=_WIDGET["lang"],
            format_func=lambda code: i18n.LANGUAGE_NAMES[code],
            horizontal=True,
        )
        info = reads.build_info()
        if info:
            built = info["built_at"]
            st.caption(state.t("sidebar.built", built_at=built.strftime("%Y-%m-%d %H:%M") if built else "—"))
        st.caption(state.t("sidebar.link_hint"))
    _write_url(state)


# --------------------------------------------------------------------------- formatting


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_percent(value: float | None) -> str:
    """0.8333 -> "83.3 %", as the platform writes shares."""
    return "—" if is_missing(value) else f"{value * 100:.1f} %"


def fmt_value(value: float | None, unit: str) -> str:
    """A goal's value in its own unit: a share, or trips with two decimals."""
    if is_missing(value):
        return "—"
    return fmt_percent(value) if unit == "ratio" else f"{value:.2f}"


def fmt_count(value: float | int | None) -> str:
    return "—" if is_missing(value) else f"{int(value):,}"


def fmt_target(lang: str, target: float | None, comparator: str | None, unit: str, target_kind: str | None) -> str:
    """"≥ 80.0 %", "≤ 0.30", or "> 35.7 % (last year)" for a baseline goal."""
    if is_missing(target):
        return "—"
    text = f"{COMPARATOR_SYMBOLS.get(comparator or '', comparator or '')} {fmt_value(target, unit)}"
    return i18n.t(lang, "target.baseline", value=text) if target_kind == "baseline" else text


def fmt_gap(lang: str, gap: float | None, unit: str, comparator: str | None) -> str:
    """The shortfall in words: "3.0 pp short", "2.9 pp ahead"; for trips "0.15 trips over"."""
    if is_missing(gap):
        return "—"
    size = abs(gap)
    amount = i18n.t(lang, "unit.pp", value=f"{size * 100:.1f}") if unit == "ratio" else i18n.t(lang, "unit.trips", value=f"{size:.2f}")
    shown_as_zero = size < (5e-4 if unit == "ratio" else 5e-3)  # "0.0 pp", "0.00 trips"
    if shown_as_zero:
        return i18n.t(lang, "gap.zero")
    if gap > 0:
        return i18n.t(lang, "gap.over" if comparator == "<=" else "gap.short", value=amount)
    return i18n.t(lang, "gap.ahead", value=amount)


def english(text: str | None) -> str:
    """Seed text for English screens without the Chinese gloss some sentences carry,
    e.g. "on-the-spot (即办件) items" -> "on-the-spot items"."""
    if not text:
        return ""
    return re.sub(r"\s*[（(][^）)]*[\u2e80-\u9fff][^）)]*[）)]", "", text).strip()


# Seed labels looked up once per process: they are called per table cell, where even a
# cache hit of reads.query (hashing the SQL) adds up; the seeds change only with the code.
_DEPARTMENT_EN: dict[str, str] = {}
_CODE_EN: dict[tuple[str, str], str] = {}


def department_label(lang: str, department: str | None) -> str:
    """A department in the reader's language (marts.labels)."""
    if not department:
        return "—"
    if lang == "zh":
        return department
    if not _DEPARTMENT_EN:
        _DEPARTMENT_EN.update({r["department"]: r["department_en"] for r in reads.departments().iter_rows(named=True)})
    return _DEPARTMENT_EN.get(department, department)


def code_label(lang: str, code_list: str, code: object) -> str:
    """A coded value (category, handling type, online depth, …) in the reader's language."""
    if is_missing(code):
        return "—"
    if code_list == "online_depth":
        if lang == "zh":
            return i18n.t(lang, f"depth.{int(code)}")
    elif lang == "zh":
        return str(code)
    if not _CODE_EN:
        _CODE_EN.update(reads.code_labels())
    label = _CODE_EN.get((code_list, str(code)))
    if code_list == "online_depth":
        return f"{int(code)} {label.lower()}" if label else i18n.t(lang, f"depth.{int(code)}")
    return label or str(code)


def formula(state: State, seed: dict) -> str:
    """A goal's formula, with the working days of its rule (marts.goals) where it has one."""
    key = f"formula.{seed['goal_id']}"
    days = seed.get("rule_days")
    return state.t(key, days="—" if days is None else days) if "days" in i18n.placeholders(i18n.ZH[key]) else state.t(key)


def goal_name(lang: str, row: dict) -> str:
    return row["name_zh"] if lang == "zh" else row["name_en"]


def plan_sentence(lang: str, row: dict) -> str:
    return row["plan_text_zh"] if lang == "zh" else english(row["plan_text_en"])


def badge(lang: str, status: str | None) -> str:
    """A status as a coloured pill with icon and word (HTML for st.markdown)."""
    status = status or "no_data"
    style = STATUS_STYLE[status]
    word = i18n.t(lang, ("ms." if status in i18n.MILESTONE_STATUSES else "status.") + status)
    return (
        f'<span class="qj-badge" style="background:{style["fill"]};color:{style["ink"]};'
        f'padding:0.15rem 0.6rem;border-radius:0.8rem;font-weight:600;white-space:nowrap;">'
        f'{style["icon"]} {word}</span>'
    )


def page_header(state: State, title: str, lead: str | None = None) -> None:
    """Title, the as-of/department line and a one-sentence lead."""
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


# --------------------------------------------------------------------------- tables


def show_table(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    trips: Iterable[str] = (),
    dates: Iterable[str] = (),
    datetimes: Iterable[str] = (),
    checks: Iterable[str] = (),
    counts: Iterable[str] = (),
    widths: dict[str, str | int] | None = None,
    height: int | str = "auto",
    key: str | None = None,
    **kwargs: Any,
) -> Any:
    """st.dataframe with shares as "83.3 %", trips with two decimals and ISO dates.

    Shares are multiplied by 100 for display only (the downloads keep fractions).
    """
    percent = [c for c in percent if c in frame.columns]
    shown = frame.with_columns([(pl.col(c) * 100).alias(c) for c in percent])
    column_kinds = (
        (percent, lambda c: st.column_config.NumberColumn(c, format="%.1f %%")),
        (trips, lambda c: st.column_config.NumberColumn(c, format="%.2f")),
        (dates, lambda c: st.column_config.DateColumn(c, format="YYYY-MM-DD")),
        (datetimes, lambda c: st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")),
        (checks, lambda c: st.column_config.CheckboxColumn(c)),
        (counts, lambda c: st.column_config.NumberColumn(c, format="localized")),
    )
    config: dict[str, Any] = {
        column: make(column) for columns, make in column_kinds for column in columns if column in frame.columns
    }
    for column, width in (widths or {}).items():
        if column in frame.columns:
            existing = config.get(column)
            if existing is not None:
                existing["width"] = width
            else:
                config[column] = st.column_config.Column(column, width=width)
    config.update(kwargs.pop("column_config", {}))
    return st.dataframe(shown, hide_index=True, column_config=config, height=height, key=key, placeholder="—", **kwargs)


def downloads(state: State, frame: pl.DataFrame, stem: str, sheet: str, percent: Iterable[str] = ()) -> None:
    """CSV and Excel of exactly the rows shown; the Excel file is made only when clicked."""
    percent = list(percent)
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        state.t("common.download_csv"),
        data=export.to_csv(frame, percent),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"csv_{stem}_{state.lang}",
    )
    right.download_button(
        state.t("common.download_xlsx"),
        data=lambda: export.to_xlsx(frame, sheet, percent),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
        key=f"xlsx_{stem}_{state.lang}",
    )


# --------------------------------------------------------------------------- overview parts


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
                "status": i18n.status_word(lang, row["status"]),
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


def milestone_table(state: State, frame: pl.DataFrame) -> None:
    """M01–M15 with status words; evidence only in Chinese (the seed keeps it in Chinese)."""
    lang = state.lang
    table = pl.DataFrame(
        {
            state.t("col.goal_id"): frame["milestone_id"],
            state.t("col.milestone"): frame["name_zh" if lang == "zh" else "name_en"],
            state.t("col.plan_clause"): [i18n.plan_clause(lang, c) for c in frame["plan_clause"].to_list()],
            state.t("col.due_date"): frame["due_date"],
            state.t("col.done_date"): frame["done_date"],
            state.t("col.status"): [i18n.milestone_word(lang, s) for s in frame["status"].to_list()],
            state.t("col.days_overdue"): frame["days_overdue"],
        }
    )
    if lang == "zh":
        table = table.with_columns(frame["evidence"].alias(state.t("col.evidence")))
    show_table(table, dates=[state.t("col.due_date"), state.t("col.done_date")], height=35 * (table.height + 1) + 3)


# --------------------------------------------------------------------------- goal section


def what_it_takes(state: State, goal_id: str, row: dict) -> list[str]:
    """The goal's "what it would take" in sentences, from the mart's to_go, required_rate,
    gap and projection; units named per goal (items, trips, reviews, decisions, cases…)."""
    unit = row["unit"] or row["seed_unit"]
    if is_missing(row["actual"]):
        return [state.t("status.help.no_data")]
    sentences: list[str] = []
    if goal_id == "G04":
        values = dict(actual=fmt_percent(row["actual"]), target=fmt_percent(row["target"]))
        if row["met"]:
            sentences.append(state.t("take.G04_met", **values))
        else:
            gap = i18n.t(state.lang, "unit.pp", value=f"{abs(row['gap']) * 100:.1f}")
            sentences.append(state.t("take.G04", gap=gap, **values))
    elif not is_missing(row["to_go"]):
        to_go = int(row["to_go"])
        if to_go == 0:
            sentences.append(state.t("take.met"))
        else:
            sentences.append(
                state.t(f"take.{goal_id}", n=f"{to_go:,}", num=fmt_count(row["numerator"]), den=fmt_count(row["denominator"]))
            )
    rate = row["required_rate"]
    if goal_id in RATE_GOALS and not is_missing(rate):
        words = dict(noun=state.t(f"rate.noun.{goal_id}"), verb=state.t(f"rate.verb.{goal_id}"), rate=fmt_percent(rate))
        if rate > 1:
            sentences.append(state.t("rate.impossible", **words))
        elif rate < 0:
            sentences.append(state.t("rate.assured", noun=words["noun"], verb=words["verb"]))
        else:
            sentences.append(state.t("rate.within", **words))
        if not is_missing(row.get("recent_rate")):
            sentences.append(state.t("rate.recent", rate=fmt_percent(row["recent_rate"])))
    target = fmt_target(state.lang, row["target"], row["comparator"], unit, row["target_kind"])
    if row["deadline"] is not None and state.as_of >= row["deadline"]:
        sentences.append(state.t("projection.final", actual=fmt_value(row["actual"], unit), target=target))
    elif not is_missing(row["projected"]):
        kind = "projection.run_rate" if row["projection_kind"] == "run_rate" else "projection.trend"
        sentences.append(state.t(kind, projected=fmt_value(row["projected"], unit), target=target))
    return sentences


def _kpis(state: State, row: dict) -> None:
    unit = row["unit"] or row["seed_unit"]
    status, actual, target, projected, to_go = st.columns([1.1, 1, 1.7, 1.1, 0.8])
    with status:
        st.markdown(f"<div style='font-size:0.875rem;margin-bottom:0.35rem'>{state.t('goal.status')}</div>", unsafe_allow_html=True)
        st.markdown(badge(state.lang, row["status"]), unsafe_allow_html=True)
    numbers = None
    if not is_missing(row["denominator"]):
        numbers = state.t("goal.numbers", num=fmt_count(row["numerator"]), den=fmt_count(row["denominator"]))
    actual.metric(state.t("goal.actual"), fmt_value(row["actual"], unit), help=numbers)
    target.metric(
        state.t("goal.target"),
        fmt_target(state.lang, row["target"], row["comparator"], unit, row["target_kind"]),
        delta=fmt_gap(state.lang, row["gap"], unit, row["comparator"]) if not is_missing(row["gap"]) else None,
        delta_color="off",
        delta_arrow="off",
    )
    projected.metric(state.t("goal.projected"), fmt_value(row["projected"], unit))
    to_go.metric(state.t("goal.to_go"), fmt_count(row["to_go"]))


def goal_section(state: State, row: dict, path: pl.DataFrame, seed: dict) -> None:
    """Everything about one goal at the chosen date."""
    goal_id = row["goal_id"]
    unit = row["unit"] or row["seed_unit"]
    st.subheader(f"{goal_id} · {goal_name(state.lang, row)}", anchor=goal_id.lower())
    if state.department:
        st.caption(state.t("goal.dept_filtered", dept=department_label(state.lang, state.department)))
    _kpis(state, row)

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**{state.t('goal.chart')}**")
        if path.height and not path["actual"].is_null().all():
            st.altair_chart(
                charts.goal_path(path, state.lang, unit, row["target"], row["projected"], row["deadline"]),
                width="stretch",
            )
        else:
            st.info(state.t("status.help.no_data"))
    with right:
        st.markdown(f"**{state.t('goal.what_it_takes')}**")
        st.markdown("\n".join(f"- {sentence}" for sentence in what_it_takes(state, goal_id, row)))
        st.markdown(f"**{state.t('goal.plan')}**")
        st.markdown(f"> {plan_sentence(state.lang, seed)}")
        st.markdown(f"**{state.t('goal.formula')}**")
        st.markdown(formula(state, seed))
        for key in GOAL_CHOICES.get(goal_id, ()):
            st.markdown(f"**{state.t('goal.choice')}**")
            st.caption(state.t(key))

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
    holding_back(state, goal_id, row)


def department_breakdown(state: State, row: dict, unit: str) -> None:
    """The goal per department: bars coloured by status (with words) and a table."""
    goal_id = row["goal_id"]
    frame = reads.by_department(goal_id, state.as_of)
    st.markdown(f"**{state.t('goal.by_dept')}**", help=state.t("goal.by_dept_help"))
    if not frame.height:
        st.caption(state.t("common.no_rows"))
        return
    frame = frame.with_columns(
        pl.col("department").map_elements(lambda d: department_label(state.lang, d), return_dtype=pl.String).alias("department_label")
    ).sort("gap", descending=True, nulls_last=True)
    chart_col, table_col = st.columns([2, 3], gap="large")
    with chart_col:
        if not frame["actual"].is_null().all():
            target = None if row["target_kind"] == "baseline" else row["target"]
            st.altair_chart(charts.department_bars(frame, state.lang, unit, target), width="stretch")
    with table_col:
        columns: dict[str, pl.Series] = {
            state.t("col.department"): frame["department_label"],
            state.t("col.status"): pl.Series([i18n.status_word(state.lang, s) for s in frame["status"].to_list()], dtype=pl.String),
            state.t("col.actual"): frame["actual"],
        }
        if row["target_kind"] == "baseline":
            columns[state.t("col.target")] = frame["target"]
        if not frame["numerator"].is_null().all():
            # G05's numerator is the sum of the items' trips, not a count of items meeting the goal.
            suffix = ".trips" if unit == "trips" else ""
            columns[state.t("col.numerator" + suffix)] = frame["numerator"].cast(pl.Int64, strict=False)
            columns[state.t("col.denominator" + suffix)] = frame["denominator"].cast(pl.Int64, strict=False)
        if not frame["to_go"].is_null().all():
            columns[state.t("col.to_go")] = frame["to_go"]
        table = pl.DataFrame(columns)
        value_columns = [state.t("col.actual"), state.t("col.target")]
        widths = {name: 64 for name in table.columns}
        widths[state.t("col.department")] = 150
        widths[state.t("col.status")] = 84
        widths[state.t("col.actual")] = 72
        formats = {"percent": value_columns} if unit == "ratio" else {"trips": value_columns}
        show_table(table, widths=widths, height=35 * (table.height + 1) + 3, **formats)


def _filter_text(frame: pl.DataFrame, text: str, columns: Iterable[str]) -> pl.DataFrame:
    if not text.strip():
        return frame
    needle = text.strip().lower()
    condition = pl.lit(False)
    for column in columns:
        if column in frame.columns:
            condition = condition | pl.col(column).cast(pl.String).str.to_lowercase().str.contains(needle, literal=True).fill_null(False)
    return frame.filter(condition)


def holding_back(state: State, goal_id: str, row: dict) -> None:
    """The items or records that keep the goal from its target, filterable and downloadable."""
    lang = state.lang
    st.markdown(f"**{state.t('goal.list')}**")
    if goal_id in CATALOGUE_GOALS:
        raw = reads.goal_items(goal_id, state.as_of, state.department)
        kind = "items"
    elif goal_id in DUTY_GOALS:
        raw = reads.open_duties(goal_id, state.as_of, state.department)
        kind = "duties"
    elif goal_id == "G04":
        raw = reads.handling_time(state.as_of, state.department)
        if not is_missing(row["target"]):
            raw = raw.filter(pl.col("reduction") < row["target"])
        kind = "handling"
    else:
        st.caption(state.t("goal.list_unavailable"))
        return
    title = state.t(f"list.{goal_id}")
    st.markdown(title)
    if kind == "duties":
        st.caption(state.t("list.duty_hint"))
    if not raw.height:
        st.success(state.t("goal.list_none"), icon=":material/check_circle:")
        return

    filters = st.columns([2, 2, 1]) if kind == "duties" else st.columns([2, 2])
    text = filters[0].text_input(state.t("common.search"), key=f"search_{goal_id}_{lang}", help=state.t("common.search_help"))
    departments = sorted(d for d in raw["department"].unique().to_list() if d)
    chosen: list[str] = []
    if state.department is None and len(departments) > 1:
        chosen = filters[1].multiselect(
            state.t("common.departments"),
            departments,
            key=f"depts_{goal_id}_{lang}",
            format_func=lambda d: department_label(lang, d),
            placeholder=state.t("common.all_items"),
        )
    overdue_only = False
    if kind == "duties" and goal_id != "G16":
        with filters[2]:
            st.write("")
            overdue_only = st.toggle(state.t("common.overdue_only"), key=f"overdue_{goal_id}_{lang}", help=state.t("common.overdue_only_help"))

    frame = _filter_text(raw, text, ("unit_id", "unit_name", "record_id", "item_code", "item_name", "case_id", "department"))
    if chosen:
        frame = frame.filter(pl.col("department").is_in(chosen))
    if overdue_only:
        frame = frame.filter(pl.col("is_overdue"))

    table, spec = _list_table(state, goal_id, kind, frame)
    show_table(table, height=min(420, 36 * (table.height + 1) + 3), **spec)
    st.caption(state.t("common.rows", n=f"{table.height:,}"))
    stem = f"{goal_id}-{state.as_of.isoformat()}" + (f"-{state.department}" if state.department else "")
    downloads(state, table, stem, title, percent=spec.get("percent", ()))


def _list_table(state: State, goal_id: str, kind: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """The list with translated headers and values, and how to format its columns."""
    lang = state.lang
    c = state.t
    department = [department_label(lang, d) for d in frame["department"].to_list()]
    if kind == "items":
        columns: dict[str, list | pl.Series] = {
            c("col.unit_id"): frame["unit_id"],
            c("col.unit_name"): frame["unit_name"],
            c("col.department"): department,
        }
        if goal_id != "G11":
            columns[c("col.category")] = [code_label(lang, "category", v) for v in frame["category"].to_list()]
        if goal_id in {"G01", "G02", "G05", "G18"}:
            columns[c("col.online_depth")] = [code_label(lang, "online_depth", v) for v in frame["online_depth"].to_list()]
        if goal_id == "G05":
            columns[c("col.site_visits")] = frame["site_visits"]
        if goal_id == "G06":
            columns[c("col.handling_type")] = [code_label(lang, "handling_type", v) for v in frame["handling_type"].to_list()]
            columns[c("col.promised_days")] = frame["promised_days"]
            columns[c("col.statutory_days")] = frame["statutory_days"]
        return pl.DataFrame(columns), {}
    if kind == "duties":
        columns = {c("col.record_id"): frame["record_id"]}
        if goal_id != "G16":
            columns[c("col.case_id")] = frame["case_id"]
        columns.update(
            {
                c("col.item_code"): frame["item_code"],
                c("col.item_name"): frame["item_name"],
                c("col.department"): department,
                c("col.started_at"): frame["started_at"],
            }
        )
        if goal_id != "G16":
            columns[c("col.deadline_date")] = frame["deadline_date"]
            columns[c("col.is_overdue")] = frame["is_overdue"]
            columns[c("col.workdays_left")] = frame["workdays_left"].cast(pl.Int64, strict=False)
        if frame["case_id"].is_null().all():
            columns.pop(c("col.case_id"), None)
        spec = {
            "datetimes": [c("col.started_at")],
            "dates": [c("col.deadline_date")],
            "checks": [c("col.is_overdue")],
        }
        return pl.DataFrame(columns), spec
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


# --------------------------------------------------------------------------- area page


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
    key = f"tabs_{area}_{state.lang}"
    tabs = st.tabs(
        list(labels.values()),
        default=labels.get(requested),
        key=key,
        on_change=_remember_goal,
        args=(key, goal_by_label),
    )
    for tab, gid in zip(tabs, labels):
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
    counts = {s: frame.filter(pl.col("status") == s).height for s in i18n.MILESTONE_STATUSES}
    st.markdown(
        " ".join(f"{badge(state.lang, s)} {counts[s]}" for s in i18n.MILESTONE_STATUSES),
        unsafe_allow_html=True,
    )
    st.markdown(f"**{state.t('safeguards.timeline')}**")
    labelled = frame.with_columns(
        (
            pl.col("milestone_id") + " " + pl.col("name_zh" if state.lang == "zh" else "name_en").str.slice(0, 24 if state.lang == "zh" else 44)
        ).alias("label")
    )
    st.altair_chart(charts.milestone_timeline(labelled, state.lang, state.as_of), width="stretch")
    milestone_table(state, frame)
