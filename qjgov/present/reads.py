"""The read queries of the app and the report: plain selects on the marts and meta.*, each a
function of a `Query` (SQL and parameters to a polars frame) over one published warehouse.

Every metric is computed in SQL (sql/marts); these queries only pick rows and columns for a
date, a goal and a department, and join the label marts (marts.goals, marts.labels). The app
passes its cached query on the build a page run pinned (`qjgov.app.reads`); the report and the
bench a plain one over a connection (`connection.reader`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import polars as pl

Query = Callable[[str, Sequence], pl.DataFrame]  # (sql, params) -> rows
LIST_PAGE_ROWS = 1_000  # the most rows of a list sent to the browser at once


def as_of_dates(q: Query) -> list[dt.date]:
    """The as-of dates of the plan year, oldest first."""
    return q("select distinct as_of from marts.goal_progress order by as_of")["as_of"].to_list()


def departments(q: Query) -> pl.DataFrame:
    """Department names in both languages, in the seed's order."""
    return q("select code as department, label_en as department_en from marts.labels "
        "where code_list = 'department' order by sort_order")


def areas(q: Query) -> pl.DataFrame:
    """Goal areas with names in both languages, in page order."""
    return q("select code as area, label_zh as area_zh, label_en as area_en, sort_order from marts.labels "
        "where code_list = 'area' order by sort_order")


# Everything said of a goal (marts.goals): names, area, family, unit and tolerance, the rule
# each duty follows, the plan sentence and the goal's own sentences in both languages, owners.
_GOAL = (
    "goal_id, area, area_order, goal_name_zh as name_zh, goal_name_en as name_en, comparator, projection_kind as kind, "
    "unit, tolerance, family, list_columns, plan_text_zh, plan_text_en, rule, rule_working_days as rule_days, "
    "formula_zh, formula_en, take_zh, take_en, take_met_zh, take_met_en, list_title_zh, list_title_en, "
    "rate_noun_zh, rate_noun_en, rate_verb_zh, rate_verb_en, choice_zh, choice_en, "
    "owner_department, owner_department_en, lead_office, lead_office_en, count_unit_zh, count_unit_en"
)


def targets(q: Query) -> pl.DataFrame:
    """G01–G21 with everything said of them (seeds/targets.csv and goal_words.csv)."""
    return q(f"select {_GOAL} from marts.goals order by goal_id")


def rules(q: Query) -> pl.DataFrame:
    """The working days of each duty rule (marts.duty_rules)."""
    return q("select rule, working_days, source from marts.duty_rules order by rule")


def code_labels(q: Query) -> dict[tuple[str, str], str]:
    """English labels of coded values, keyed by (code list, code)."""
    frame = q("select code_list, code, label_en from marts.labels")
    return {(row["code_list"], row["code"]): row["label_en"] for row in frame.iter_rows(named=True)}


# --------------------------------------------------------------------------- goals


_PROGRESS_COLUMNS = (
    "month_no, numerator, denominator, actual, target, target_kind, comparator, tolerance, met, on_time, "
    "projected, projected_low, projected_high, p_meet, p_meet_if_held, projection_kind, recent_rate, "
    "required_rate, to_go, gap, projected_gap, deadline, status"
)


def progress(q: Query, as_of: dt.date, department: str | None) -> pl.DataFrame:
    """Every goal at `as_of`: 21 rows, for the commission or one department, with the goal's
    one `unit` and count units (marts.goals).

    Starts from marts.goals so a goal a department has no rows for still shows (as no data).
    """
    if department is None:
        source, condition, params = "marts.goal_progress", "", (as_of,)
    else:
        source, condition, params = "marts.goal_progress_by_department", "and p.department = ?", (as_of, department)
    columns = ", ".join(f"p.{c.strip()}" for c in _PROGRESS_COLUMNS.split(","))
    return q(
        f"select t.goal_id, t.area, t.goal_name_zh as name_zh, t.goal_name_en as name_en, "
        f"t.projection_kind as kind, t.unit, t.count_unit_zh, t.count_unit_en, {columns} "
        f"from marts.goals as t "
        f"left join {source} as p on p.goal_id = t.goal_id and p.as_of = ? {condition} "
        f"order by t.goal_id",
        params,
    )


def series(q: Query, department: str | None, until: dt.date) -> pl.DataFrame:
    """Every goal's values at every as-of date up to `until`: the monthly paths."""
    if department is None:
        return q(
            "select goal_id, as_of, actual, target, projected, status from marts.goal_progress "
            "where as_of <= ? order by goal_id, as_of",
            (until,),
        )
    return q(
        "select goal_id, as_of, actual, target, projected, status from marts.goal_progress_by_department "
        "where department = ? and as_of <= ? order by goal_id, as_of",
        (department, until),
    )


def by_department(q: Query, goal_id: str, as_of: dt.date) -> pl.DataFrame:
    """One goal at one date, department by department: those holding it back first, in the
    mart's order (holding_back_rank), then the rest, the furthest from the target first."""
    return q(
        f"select department, unit, {_PROGRESS_COLUMNS}, holds_back, holding_back_rank "
        "from marts.goal_progress_by_department where goal_id = ? and as_of = ? "
        "order by holding_back_rank nulls last, gap desc nulls last, department",
        (goal_id, as_of),
    )


def holding_back(q: Query, as_of: dt.date, statuses: tuple[str, ...], most: int) -> pl.DataFrame:
    """The departments holding back each goal whose commission-wide status at `as_of` is one
    of `statuses`: the first `most` of each, in the mart's order (holding_back_rank)."""
    marks = ", ".join("?" for _ in statuses)
    return q(
        "select d.goal_id, d.department, l.label_en as department_en, d.unit, d.actual, d.target, d.to_go, d.status "
        "from marts.goal_progress_by_department as d "
        "inner join marts.goal_progress as p on p.goal_id = d.goal_id and p.as_of = d.as_of "
        "left join marts.labels as l on l.code_list = 'department' and l.code = d.department "
        f"where d.as_of = ? and p.status in ({marks}) and d.holding_back_rank <= ? "
        "order by d.goal_id, d.holding_back_rank",
        (as_of, *statuses, most),
    )


def departments_at(q: Query, as_of: dt.date) -> pl.DataFrame:
    """Every goal of every department at `as_of` (marts.goal_progress_by_department), with the
    goal's area and count units (marts.goals) and the department's status and actual at the
    previous month-end (marts.goal_changes' previous_as_of; none in the plan year's first
    month): what a department's digest says of the goals it holds back."""
    columns = ", ".join(f"d.{c.strip()}" for c in _PROGRESS_COLUMNS.split(","))
    return q(
        f"select d.goal_id, d.department, t.area, t.count_unit_zh, t.count_unit_en, d.unit, {columns}, d.holds_back, "
        "c.previous_as_of, b.status as previous_status, b.actual as previous_actual "
        "from marts.goal_progress_by_department as d "
        "inner join marts.goals as t on t.goal_id = d.goal_id "
        "left join marts.goal_changes as c on c.goal_id = d.goal_id and c.as_of = d.as_of "
        "left join marts.goal_progress_by_department as b on b.goal_id = d.goal_id and b.department = d.department "
        "and b.as_of = c.previous_as_of "
        "where d.as_of = ? order by d.department, d.goal_id",
        (as_of,),
    )


def held_back_by(q: Query, as_of: dt.date, department: str) -> pl.DataFrame:
    """The department's own rows at `as_of` of every goal it holds back (holds_back), whoever
    owns the goal, with the goal's names, owners and count units (marts.goals): what the
    department's report lists under the goals it holds back."""
    return q(
        "select d.goal_id, g.goal_name_zh as name_zh, g.goal_name_en as name_en, g.owner_department, g.owner_department_en, "
        "g.count_unit_zh, g.count_unit_en, d.month_no, d.unit, d.actual, d.target, d.comparator, d.target_kind, "
        "d.to_go, d.status, d.p_meet, d.holding_back_rank "
        "from marts.goal_progress_by_department as d inner join marts.goals as g on g.goal_id = d.goal_id "
        "where d.as_of = ? and d.department = ? and d.holds_back order by d.goal_id",
        (as_of, department),
    )


def open_records_by(q: Query, as_of: dt.date, department: str) -> pl.DataFrame:
    """The department's records not done at `as_of` (marts.open_duties), counted per goal:
    `open` of them, `overdue` past their deadline."""
    return q(
        "select o.goal_id, g.goal_name_zh as name_zh, g.goal_name_en as name_en, count(*) as open, "
        "count(*) filter (where o.is_overdue) as overdue "
        "from marts.open_duties as o inner join marts.goals as g on g.goal_id = o.goal_id "
        "where o.as_of = ? and o.department = ? group by all order by o.goal_id",
        (as_of, department),
    )


def goals_at(q: Query, as_of: dt.date) -> pl.DataFrame:
    """Every goal with everything said of it (`targets`) and where it stands at `as_of`
    (marts.goal_progress), in area order."""
    goal = ", ".join(f"g.{column.strip()}" for column in _GOAL.split(","))
    return q(
        f"select {goal}, p.month_no, p.numerator, p.denominator, p.actual, p.target, p.target_kind, p.met, p.on_time, "
        "p.projected, p.projected_low, p.projected_high, p.p_meet, p.p_meet_if_held, p.projection_kind, "
        "p.recent_rate, p.required_rate, p.to_go, p.gap, p.deadline, p.status "
        "from marts.goals as g left join marts.goal_progress as p on p.goal_id = g.goal_id and p.as_of = ? "
        "order by g.area_order, g.goal_id",
        (as_of,),
    )


def previous_chances(q: Query, as_of: dt.date) -> pl.DataFrame:
    """Every goal's chance of meeting its target at the month-end before `as_of`
    (marts.goal_changes' previous_as_of; none in the plan year's first month), beside
    `goals_at`'s chance of today: the report's summary names the goals whose chance fell most,
    from the same mart's two rows."""
    return q(
        "select p.goal_id, c.previous_as_of, b.month_no as previous_month_no, b.p_meet as previous_p_meet "
        "from marts.goal_progress as p "
        "left join marts.goal_changes as c on c.goal_id = p.goal_id and c.as_of = p.as_of "
        "left join marts.goal_progress as b on b.goal_id = p.goal_id and b.as_of = c.previous_as_of "
        "where p.as_of = ? order by p.goal_id",
        (as_of,),
    )


def goal_owners(q: Query) -> pl.DataFrame:
    """Every goal's responsible department and leading office, in both languages."""
    return q("select goal_id, owner_department, owner_department_en, lead_office, lead_office_en from marts.goals order by goal_id")


def goal_changes(q: Query, as_of: dt.date) -> pl.DataFrame:
    """Every goal's change since the previous month-end, at `as_of` (commission level)."""
    return q(
        "select goal_id, previous_as_of, actual_change, previous_status, status, status_changed, unit "
        "from marts.goal_changes where as_of = ? order by goal_id",
        (as_of,),
    )


def commentary(q: Query, as_of: dt.date, goal_id: str | None = None) -> pl.DataFrame:
    """The latest approved note of every goal that has one at `as_of` (marts.goal_commentary),
    or of `goal_id` alone, with the approving department's English label."""
    return q(
        "select c.goal_id, c.as_of, c.progress, c.barriers, c.next_steps, c.asserted_status, c.justification, "
        "c.written_at, c.versions, c.computed_status, c.met, c.author_department, c.approved_by_department, "
        "l.label_en as approved_by_department_en, c.approved_by_role "
        "from marts.goal_commentary as c "
        "left join marts.labels as l on l.code_list = 'department' and l.code = c.approved_by_department "
        "where c.as_of = ? and (cast(? as varchar) is null or c.goal_id = ?) order by c.goal_id",
        (as_of, goal_id, goal_id),
    )


def commentary_history(q: Query, goal_id: str, as_of: dt.date) -> pl.DataFrame:
    """Every edit of a goal's commentary at a date, newest first."""
    return q(
        "select note_id, written_at, progress, barriers, next_steps, asserted_status, justification "
        "from marts.goal_commentary_history where goal_id = ? and as_of = ? order by note_id desc",
        (goal_id, as_of),
    )


def overdue_milestones(q: Query, as_of: dt.date) -> pl.DataFrame:
    """The milestones overdue at `as_of`, with who answers for them."""
    return q(
        "select milestone_id, name_zh, name_en, due_date, days_overdue, owner_department, "
        "owner_department_en, lead_office, lead_office_en from marts.milestone_status "
        "where as_of = ? and status = 'overdue' order by milestone_id",
        (as_of,),
    )


def coverage(q: Query) -> pl.DataFrame:
    """Each raw table's rows and the dates they span."""
    return q("select raw_table, row_count, first_date, last_date from marts.data_coverage order by raw_table")


def warnings(q: Query) -> pl.DataFrame:
    """The warn-severity data tests that found rows."""
    return q("select test, failing_rows from meta.test_results where not passed and severity = 'warn' order by test")


def goal_items(q: Query, goal_id: str, as_of: dt.date, department: str | None) -> pl.DataFrame:
    """The catalogue items (packages for G11) that do not yet meet a catalogue goal."""
    return q(
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


def _case_counts(q: Query, goal_id: str, as_of: dt.date, department: str | None, text: str | None, by: str) -> pl.DataFrame:
    """The list's cases counted by `by` (department or counted_from), as `records`."""
    params = _case_list_params(goal_id, as_of, department, text)
    if params[-1] is None:
        return q(f"select {by}, sum(cases) as records {_CASE_COUNTS} group by 1 order by 1", params[:6])
    return q(f"select {by}, count(*) as records {_CASE_LIST} group by 1 order by 1", params)


def case_record_counts(q: Query, goal_id: str, as_of: dt.date, department: str | None, text: str | None = None) -> pl.DataFrame:
    """How many cases a case-share goal's list holds at `as_of`, per department (`records`)."""
    return _case_counts(q, goal_id, as_of, department, text, "department")


def case_records(
    q: Query, goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, page: int | None = None, page_rows: int = 1_000,
) -> pl.DataFrame:
    """The plan year's cases in a case-share goal's denominator at `as_of` that do not count
    towards it (marts.case_goal_records), newest first, whose case, item or department holds
    `text`; page `page` (from 1) of `page_rows` rows, or every row (read once, not cached:
    for a download: the app reads it with an uncached `q`)."""
    sql = (
        f"select case_id, item_code, item_name, department, channel, assisted_channel, counted_from {_CASE_LIST} "
        "order by counted_from desc, case_id"
    )
    params = _case_list_params(goal_id, as_of, department, text)
    if page is None:
        return q(sql, params)
    # Sorting millions of cases for one page is slow; counting them by day is not. The page's
    # rows lie between two days found from those counts, and only those days are sorted.
    skip = (int(page) - 1) * int(page_rows)
    days = _case_counts(q, goal_id, as_of, department, text, "counted_from").sort("counted_from", descending=True)
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
        return q(f"{sql} limit 0", params)
    window = sql.replace(" order by ", " and counted_from between ? and ? order by ", 1)
    return q(f"{window} limit {int(page_rows)} offset {skip - before}", (*params, oldest, newest))


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
    q: Query, goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, overdue_only: bool = False,
) -> pl.DataFrame:
    """How many records a done-over-due goal's list holds at `as_of`, per department (`records`),
    and how many of them name a case (`with_case`)."""
    params = _duty_list_params(goal_id, as_of, department, text, overdue_only)
    return q(f"select department, count(*) as records, count(case_id) as with_case {_DUTY_LIST} group by 1 order by 1", params)


def open_duties(
    q: Query, goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, overdue_only: bool = False,
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
    return q(sql, _duty_list_params(goal_id, as_of, department, text, overdue_only))


def handling_time(q: Query, as_of: dt.date, department: str | None) -> pl.DataFrame:
    """The items holding G04 back (their reduction short of its target), the smallest first."""
    return q(
        "select item_code, item_name, department, statutory_days, promised_days, completed_cases, "
        "mean_handling_workdays, reduction, promised_reduction "
        "from marts.item_handling_time where as_of = ? and (? is null or department = ?) and not coalesce(meets, false) "
        "order by reduction, item_code",
        (as_of, department, department),
    )


def secondary(q: Query, goal_id: str, as_of: dt.date, department: str | None) -> pl.DataFrame:
    """The case-based views shown beside an item-based goal."""
    return q(
        "select metric_id, numerator, denominator, value from marts.secondary_metrics "
        "where goal_id = ? and as_of = ? and department is not distinct from ? order by metric_id",
        (goal_id, as_of, department),
    )


def milestones(q: Query, as_of: dt.date) -> pl.DataFrame:
    """M01–M15 at `as_of`."""
    return q(
        "select milestone_id, plan_clause, name_zh, name_en, due_date, done_date, evidence, "
        "case when done_late then 'done_late' else status end as status, working_days_late, "
        "owner_department, owner_department_en "
        "from marts.milestone_status where as_of = ? order by milestone_id",
        (as_of,),
    )


# --------------------------------------------------------------------------- meta


def build_info(q: Query) -> dict:
    """When and with what the warehouse was built (one row)."""
    frame = q("select built_at, duckdb_version, storage_version, build_seconds from meta.build_info")
    return frame.row(0, named=True) if frame.height else {}


def generated_data(q: Query) -> bool:
    """Whether any raw file of this build came from the demo generator (meta.raw_files.origin)."""
    frame = q(
        "select count(*) as n from duckdb_columns() "
        "where schema_name = 'meta' and table_name = 'raw_files' and column_name = 'origin'"
    )
    if not frame["n"][0]:  # a warehouse built before files carried their origin
        return False
    return bool(q("select count(*) as n from meta.raw_files where origin = 'demo'")["n"][0])


def data_span(q: Query) -> tuple:
    """The first and last date any raw record or snapshot holds."""
    frame = q("select min(first_date) as first_date, max(last_date) as last_date from marts.data_coverage")
    return tuple(frame.row(0)) if frame.height else (None, None)


def catalogue_tables(q: Query) -> pl.DataFrame:
    """The warehouse's tables and views with the descriptions the build wrote (COMMENT ON)."""
    return q(
        "select schema_name, table_name, comment from duckdb_tables() where database_name = current_database() "
        "union all select schema_name, view_name, comment from duckdb_views() where database_name = current_database() "
        "and not internal order by 1, 2"
    )


def catalogue_columns(q: Query) -> pl.DataFrame:
    """Every column of the warehouse with its type and the description the build wrote."""
    return q(
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = current_database() order by schema_name, table_name, column_index"
    )


def raw_tables(q: Query) -> list[str]:
    """The raw tables of the contract, as the warehouse lists them."""
    return q("select raw_table from marts.data_coverage order by raw_table")["raw_table"].to_list()


def raw_files(q: Query) -> pl.DataFrame:
    """The raw files each table of this build was loaded from."""
    return q("select raw_table, file, row_count from meta.raw_files order by raw_table, file")


def model_runs(q: Query) -> pl.DataFrame:
    """Each model of the build with its rows and seconds, in layer order."""
    return q(
        "select model, layer, row_count, seconds from meta.model_runs "
        "order by case layer when 'staging' then 1 when 'intermediate' then 2 else 3 end, model"
    )


def test_results(q: Query) -> pl.DataFrame:
    """Every data test of the build and how it went."""
    return q("select test, severity, failing_rows, passed from meta.test_results order by test")


# The lists read from the warehouse a page at a time, by goal family: (counts per department,
# records).
WAREHOUSE_LISTS: dict[str, tuple[Callable[..., pl.DataFrame], Callable[..., pl.DataFrame]]] = {
    "case": (case_record_counts, case_records),
    "duty": (open_duty_counts, open_duties),
}
