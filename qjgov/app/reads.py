"""What the pages read: plain selects on the marts and meta.*, cached.

Every metric is computed in SQL (sql/marts); these queries only pick rows and columns for a
date, a goal and a department, and join the label marts (marts.goals, marts.labels).

One `connection.PublishedWarehouse` per process (`st.cache_resource`) holds a read-only connection per
published file and a cursor per query. Each script run pins the build it started on
(`pin_build`), so a page never mixes two builds, and the next run moves to the newest one.
Results are cached on the build's identity, the SQL text and its parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from pathlib import Path
from typing import Callable

import polars as pl
import streamlit as st

from qjgov import versions
from qjgov.app import connection, heap, words

_BUILD_LOCK = threading.Lock()
_MODEL_STEP = re.compile(r"\[\s*(\d+)/(\d+)\]")
_PINNED = "qj_build"


# --------------------------------------------------------------------------- connection


@st.cache_resource(show_spinner=False, on_release=lambda warehouse: warehouse.close())
def _warehouse(path: str) -> connection.PublishedWarehouse:
    """The process's reader of the warehouse published at `path`."""
    return connection.PublishedWarehouse(Path(path))


@st.cache_data(show_spinner=False, max_entries=2000)
def _query(path: str, build: connection.Identity, sql: str, params: tuple) -> pl.DataFrame:
    return _warehouse(path).query(sql, list(params) if params else None, pinned=build)


def pin_build() -> connection.Identity:
    """Pin this script run to the build published now; the next run will look again."""
    build = _warehouse(str(connection.warehouse_path())).current()
    st.session_state[_PINNED] = build
    return build


def build() -> connection.Identity:
    """The build this script run reads (pinned by app.py), or the one published now."""
    return tuple(st.session_state.get(_PINNED) or _warehouse(str(connection.warehouse_path())).current())


def query(sql: str, params: tuple = ()) -> pl.DataFrame:
    """Run a read-only query on the served warehouse; cached on (file, build, SQL, params)."""
    return _query(str(connection.warehouse_path()), build(), sql, tuple(params))


def open_warehouse(texts: Callable[[str], str]) -> str:
    """Pin the run to the published build; stop the page with a plain message when another
    program holds the file open for writing (which blocks every reader), or when the file
    lacks marts this version's pages read (built by an older version); say so above the page
    when it was built from other models or seeds than this version's, or it cannot tell.
    Returns which ("same", "other" or "unknown"; see `warehouse_age`)."""
    heap.freeze_once()  # every run starts here: the libraries are loaded by now
    try:
        pin_build()
    except connection.WarehouseBusy:
        st.error(texts("warehouse.busy").format(path=connection.warehouse_path()))
        st.stop()
    missing, models = warehouse_age()
    if missing:
        shown = ", ".join(missing[:4]) + (f" (+{len(missing) - 4})" if len(missing) > 4 else "")
        st.error(texts("warehouse.outdated").format(path=connection.warehouse_path(), missing=shown))
        st.stop()
    if models != "same":
        st.warning(texts(f"warehouse.{models}_models"), icon=":material/update:")
    return models


AGE_CHECKED_EVERY = 10  # seconds: an edit of the models or seeds is told within this


def warehouse_age() -> tuple[list[str], str]:
    """The marts the warehouse lacks, and whether it was built from this version's models and
    seeds (`versions.warehouse_age`). Every run asks, and the answer walks the models and seeds
    on disk, so it is kept per build for a few seconds."""
    return _warehouse_age(str(connection.warehouse_path()), build())


@st.cache_data(show_spinner=False, ttl=AGE_CHECKED_EVERY, max_entries=8)
def _warehouse_age(path: str, build: connection.Identity) -> tuple[list[str], str]:
    return versions.warehouse_age(lambda sql: _query(path, build, sql, ()))


def ensure_warehouse(texts: Callable[[str], str], log_lines: int = 6) -> None:
    """Build the demo warehouse when there is none (a hosted demo's first start), showing
    progress; stop the page with a message naming the problem when that fails. A warehouse
    that exists is never rebuilt here, however old (see `open_warehouse`).

    One build per process at a time: a second session that arrives meanwhile waits for the
    lock and then finds the file.
    """
    path = connection.warehouse_path()
    if path.exists():
        return
    from qjgov.warehouse.build import BuildError
    from qjgov.demo.build import ensure_demo_warehouse

    with _BUILD_LOCK:
        if path.exists():
            return
        with st.status(texts("warehouse.building"), expanded=True) as status:
            bar = st.progress(0.0)
            tail = st.empty()
            lines: list[str] = []

            def log(message: str) -> None:
                lines.append(str(message))
                tail.code("\n".join(lines[-log_lines:]), language=None)
                step = _MODEL_STEP.search(str(message))
                if step:
                    bar.progress(min(1.0, int(step.group(1)) / int(step.group(2))))

            try:
                ensure_demo_warehouse(path, log=log)
            except (BuildError, OSError, ImportError) as error:
                status.update(state="error")
                st.error(texts("warehouse.failed").format(error=words.plain(error)))
                st.stop()
            bar.progress(1.0)
            status.update(label=texts("warehouse.ready"), state="complete", expanded=False)


# --------------------------------------------------------------------------- labels


_KEPT_PER_BUILD: list[Callable[[], None]] = []


def per_build(read: Callable[[], object]) -> Callable[[], object]:
    """A read every script run makes (dates, departments, areas, goals, build facts) kept per
    build in the process, as formatting keeps its labels: a hit of `query` hashes the SQL and
    its parameters (about half a millisecond), and each run asks for six of these. The value
    is shared, so callers treat it as read-only (polars frames are; lists and dicts are copied)."""
    @functools.lru_cache(maxsize=4)
    def kept(path: str, build: connection.Identity) -> object:
        return read()

    @functools.wraps(read)
    def cached() -> object:
        value = kept(str(connection.warehouse_path()), build())
        return type(value)(value) if isinstance(value, (list, dict)) else value

    _KEPT_PER_BUILD.append(kept.cache_clear)
    return cached


def forget_per_build() -> None:
    """Drop what `per_build` keeps (so the next reads run their queries: the bench records them)."""
    for clear in _KEPT_PER_BUILD:
        clear()


@per_build
def as_of_dates() -> list[dt.date]:
    """The as-of dates of the plan year, oldest first."""
    return query("select distinct as_of from marts.goal_progress order by as_of")["as_of"].to_list()


@per_build
def departments() -> pl.DataFrame:
    """Department names in both languages, in the seed's order."""
    return query("select code as department, label_en as department_en from marts.labels "
        "where code_list = 'department' order by sort_order")


@per_build
def areas() -> pl.DataFrame:
    """Goal areas with names in both languages, in page order."""
    return query("select code as area, label_zh as area_zh, label_en as area_en, sort_order from marts.labels "
        "where code_list = 'area' order by sort_order")


@per_build
def targets() -> pl.DataFrame:
    """G01–G21: names, plan sentences, area, family, the rule each duty follows, and the
    sentences of each goal in both languages (seeds/targets.csv and goal_words.csv)."""
    return query(
        "select goal_id, area, goal_name_zh as name_zh, goal_name_en as name_en, comparator, "
        "projection_kind as kind, unit, tolerance, family, list_columns, plan_text_zh, plan_text_en, rule, rule_working_days as rule_days, "
        "formula_zh, formula_en, take_zh, take_en, take_met_zh, take_met_en, list_title_zh, list_title_en, "
        "rate_noun_zh, rate_noun_en, rate_verb_zh, rate_verb_en, choice_zh, choice_en "
        "from marts.goals order by goal_id"
    )


def rules() -> pl.DataFrame:
    return query("select rule, working_days, source from marts.duty_rules order by rule")


def code_labels() -> dict[tuple[str, str], str]:
    """English labels of coded values, keyed by (code list, code)."""
    frame = query("select code_list, code, label_en from marts.labels")
    return {(row["code_list"], row["code"]): row["label_en"] for row in frame.iter_rows(named=True)}


# --------------------------------------------------------------------------- goals


_PROGRESS_COLUMNS = (
    "numerator, denominator, actual, target, target_kind, comparator, tolerance, unit, met, on_time, "
    "projected, projection_kind, recent_rate, required_rate, to_go, gap, projected_gap, deadline, status"
)


def progress(as_of: dt.date, department: str | None) -> pl.DataFrame:
    """Every goal at `as_of`: 21 rows, for the commission or one department.

    Starts from marts.goals so a goal a department has no rows for still shows (as no data).
    """
    if department is None:
        source, condition, params = "marts.goal_progress", "", (as_of,)
    else:
        source, condition, params = "marts.goal_progress_by_department", "and p.department = ?", (as_of, department)
    columns = ", ".join(f"p.{c.strip()}" for c in _PROGRESS_COLUMNS.split(","))
    return query(
        f"select t.goal_id, t.area, t.goal_name_zh as name_zh, t.goal_name_en as name_en, "
        f"t.projection_kind as kind, t.unit as seed_unit, t.count_unit_zh, t.count_unit_en, {columns} "
        f"from marts.goals as t "
        f"left join {source} as p on p.goal_id = t.goal_id and p.as_of = ? {condition} "
        f"order by t.goal_id",
        params,
    )


def series(department: str | None, until: dt.date) -> pl.DataFrame:
    """Every goal's values at every as-of date up to `until`: the monthly paths."""
    if department is None:
        return query(
            "select goal_id, as_of, actual, target, projected, status from marts.goal_progress "
            "where as_of <= ? order by goal_id, as_of",
            (until,),
        )
    return query(
        "select goal_id, as_of, actual, target, projected, status from marts.goal_progress_by_department "
        "where department = ? and as_of <= ? order by goal_id, as_of",
        (department, until),
    )


def by_department(goal_id: str, as_of: dt.date) -> pl.DataFrame:
    """One goal at one date, department by department."""
    return query(
        f"select department, {_PROGRESS_COLUMNS} from marts.goal_progress_by_department "
        "where goal_id = ? and as_of = ? order by actual nulls last, department",
        (goal_id, as_of),
    )


def goal_items(goal_id: str, as_of: dt.date, department: str | None) -> pl.DataFrame:
    """The catalogue items (packages for G11) that do not yet meet a catalogue goal."""
    return query(
        "select unit_id, unit_name, department, category, online_depth, handling_type, site_visits, "
        "statutory_days, promised_days "
        "from marts.goal_items where goal_id = ? and as_of = ? and not meets "
        "and (? is null or department = ?) "
        "order by department, unit_id",
        (goal_id, as_of, department, department),
    )


# A case-share goal's list at D: the plan year's cases in the denominator that do not count.
# A city's lists run to millions of cases, so the app reads them a page at a time.
_CASE_LIST = (
    "from marts.case_goal_records where goal_id = ? "
    "and counted_from between make_date(year(cast(? as date)), 1, 1) and ? "
    "and (meets_from is null or meets_from > ?) "
    "and (cast(? as varchar) is null or department = ?) "
    "and (cast(? as varchar) is null or contains(lower(case_id), ?) or contains(lower(item_code), ?) "
    "or contains(lower(item_name), ?) or contains(lower(department), ?))"
)


def _case_list_params(goal_id: str, as_of: dt.date, department: str | None, text: str | None) -> tuple:
    needle = text.strip().lower() if text and text.strip() else None
    return (goal_id, as_of, as_of, as_of, department, department, *(needle,) * 5)


# The same list counted from marts.case_list_counts (cases per goal, department and day), which
# a search cannot use: a few hundred thousand rows to sum rather than millions of cases.
_CASE_COUNTS = (
    "from marts.case_list_counts where goal_id = ? "
    "and counted_from between make_date(year(cast(? as date)), 1, 1) and ? "
    "and (meets_from is null or meets_from > ?) "
    "and (cast(? as varchar) is null or department = ?)"
)


def _case_counts(goal_id: str, as_of: dt.date, department: str | None, text: str | None, by: str) -> pl.DataFrame:
    """The list's cases counted by `by` (department or counted_from), as `records`."""
    params = _case_list_params(goal_id, as_of, department, text)
    if params[-1] is None:
        return query(f"select {by}, sum(cases) as records {_CASE_COUNTS} group by 1 order by 1", params[:6])
    return query(f"select {by}, count(*) as records {_CASE_LIST} group by 1 order by 1", params)


def case_record_counts(goal_id: str, as_of: dt.date, department: str | None, text: str | None = None) -> pl.DataFrame:
    """How many cases a case-share goal's list holds at `as_of`, per department (`records`)."""
    return _case_counts(goal_id, as_of, department, text, "department")


def case_records(
    goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, page: int | None = None, page_rows: int = 1_000,
) -> pl.DataFrame:
    """The plan year's cases in a case-share goal's denominator at `as_of` that do not count
    towards it (marts.case_goal_records), newest first, whose case, item or department holds
    `text`; page `page` (from 1) of `page_rows` rows, or every row (read once, not cached:
    for a download)."""
    sql = (
        f"select case_id, item_code, item_name, department, channel, assisted_channel, counted_from {_CASE_LIST} "
        "order by counted_from desc, case_id"
    )
    params = _case_list_params(goal_id, as_of, department, text)
    if page is None:
        return _warehouse(str(connection.warehouse_path())).query(sql, list(params), pinned=build())
    # Sorting millions of cases for one page is slow; counting them by day is not. The page's
    # rows lie between two days found from those counts, and only those days are sorted.
    skip = (int(page) - 1) * int(page_rows)
    days = _case_counts(goal_id, as_of, department, text, "counted_from").sort("counted_from", descending=True)
    before = within = 0  # rows on days newer than the page's; rows on its days so far
    newest = oldest = None
    for day, n in days.iter_rows():
        if newest is None and before + n <= skip:
            before += n
            continue
        newest, oldest, within = newest or day, day, within + n
        if before + within >= skip + page_rows:
            break
    if newest is None:
        return query(f"{sql} limit 0", params)
    window = sql.replace(" order by ", " and counted_from between ? and ? order by ", 1)
    return query(f"{window} limit {int(page_rows)} offset {skip - before}", (*params, oldest, newest))


# A done-over-due goal's open records at a date, filtered as its list is: a city's lists run
# to tens of thousands of records, so they are counted, searched and paged in the warehouse.
_DUTY_LIST = (
    "from marts.open_duties where goal_id = ? and as_of = ? "
    "and (cast(? as varchar) is null or department = ?) "
    "and (not ? or is_overdue) "
    "and (cast(? as varchar) is null or contains(lower(record_id), ?) or contains(lower(item_code), ?) "
    "or contains(lower(item_name), ?) or contains(lower(case_id), ?) or contains(lower(department), ?))"
)


def _duty_list_params(goal_id: str, as_of: dt.date, department: str | None, text: str | None, overdue_only: bool) -> tuple:
    needle = text.strip().lower() if text and text.strip() else None
    return (goal_id, as_of, department, department, bool(overdue_only), *(needle,) * 6)


def open_duty_counts(
    goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, overdue_only: bool = False,
) -> pl.DataFrame:
    """How many records a done-over-due goal's list holds at `as_of`, per department (`records`),
    and how many of them name a case (`with_case`)."""
    params = _duty_list_params(goal_id, as_of, department, text, overdue_only)
    return query(f"select department, count(*) as records, count(case_id) as with_case {_DUTY_LIST} group by 1 order by 1", params)


def open_duties(
    goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, overdue_only: bool = False,
    page: int | None = None, page_rows: int = 1_000,
) -> pl.DataFrame:
    """The records not done for a done-over-due goal (G03, G08–G10, G15, G16), deadlines first,
    whose record, case, item or department holds `text` (only the overdue ones if asked);
    page `page` (from 1) of `page_rows` rows, or every row (for a download)."""
    sql = (
        "select record_id, item_code, item_name, department, case_id, started_at, deadline_date, "
        f"is_overdue, workdays_left {_DUTY_LIST} order by deadline_date, record_id"
    )
    if page is not None:
        sql += f" limit {int(page_rows)} offset {(int(page) - 1) * int(page_rows)}"
    return query(sql, _duty_list_params(goal_id, as_of, department, text, overdue_only))


def handling_time(as_of: dt.date, department: str | None) -> pl.DataFrame:
    """G04 item by item, the smallest reduction first."""
    return query(
        "select item_code, item_name, department, statutory_days, promised_days, completed_cases, "
        "mean_handling_workdays, reduction, promised_reduction "
        "from marts.item_handling_time where as_of = ? and (? is null or department = ?) "
        "order by reduction, item_code",
        (as_of, department, department),
    )


def secondary(goal_id: str, as_of: dt.date, department: str | None) -> pl.DataFrame:
    """The case-based views shown beside an item-based goal."""
    return query(
        "select metric_id, numerator, denominator, value from marts.secondary_metrics "
        "where goal_id = ? and as_of = ? and department is not distinct from ? order by metric_id",
        (goal_id, as_of, department),
    )


def milestones(as_of: dt.date) -> pl.DataFrame:
    """M01–M15 at `as_of`."""
    return query(
        "select milestone_id, plan_clause, name_zh, name_en, due_date, done_date, evidence, "
        "case when done_late then 'done_late' else status end as status, working_days_late, "
        "owner_department, owner_department_en "
        "from marts.milestone_status where as_of = ? order by milestone_id",
        (as_of,),
    )


# --------------------------------------------------------------------------- meta


@per_build
def build_info() -> dict:
    """When and with what the warehouse was built (one row)."""
    frame = query("select built_at, duckdb_version, storage_version, build_seconds from meta.build_info")
    return frame.row(0, named=True) if frame.height else {}


@per_build
def generated_data() -> bool:
    """Whether any raw file of this build came from the demo generator (meta.raw_files.origin)."""
    frame = query(
        "select count(*) as n from duckdb_columns() "
        "where schema_name = 'meta' and table_name = 'raw_files' and column_name = 'origin'"
    )
    if not frame["n"][0]:  # a warehouse built before files carried their origin
        return False
    return bool(query("select count(*) as n from meta.raw_files where origin = 'demo'")["n"][0])


def data_span() -> tuple:
    """The first and last date any raw record or snapshot holds."""
    frame = query("select min(first_date) as first_date, max(last_date) as last_date from marts.data_coverage")
    return tuple(frame.row(0)) if frame.height else (None, None)


def catalogue_tables() -> pl.DataFrame:
    """The warehouse's tables and views with the descriptions the build wrote (COMMENT ON)."""
    return query(
        "select schema_name, table_name, comment from duckdb_tables() where database_name = current_database() "
        "union all select schema_name, view_name, comment from duckdb_views() where database_name = current_database() "
        "and not internal order by 1, 2"
    )


def catalogue_columns() -> pl.DataFrame:
    return query(
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = current_database() order by schema_name, table_name, column_index"
    )


def raw_tables() -> list[str]:
    """The raw tables of the contract, as the warehouse lists them."""
    return query("select raw_table from marts.data_coverage order by raw_table")["raw_table"].to_list()


def raw_files() -> pl.DataFrame:
    return query("select raw_table, file, row_count from meta.raw_files order by raw_table, file")


def model_runs() -> pl.DataFrame:
    return query(
        "select model, layer, row_count, seconds from meta.model_runs "
        "order by case layer when 'staging' then 1 when 'intermediate' then 2 else 3 end, model"
    )


def test_results() -> pl.DataFrame:
    return query("select test, severity, failing_rows, passed from meta.test_results order by test")
