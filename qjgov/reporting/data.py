"""What the report reads: plain selects on the marts and meta.* at one as-of date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from qjgov import versions
from qjgov.app import connection


class ReportError(Exception):
    """The report cannot be made; the message says why and what to do."""


@dataclass
class ReportData:
    as_of: dt.date
    dates: list[dt.date]
    built_at: dt.datetime | None
    data_span: tuple[dt.date | None, dt.date | None]
    areas: pl.DataFrame
    goals: pl.DataFrame  # one row per goal: marts.goals and marts.goal_progress at as_of
    series: pl.DataFrame  # every goal's monthly path up to as_of
    changes: pl.DataFrame  # marts.goal_changes at as_of
    commentary: pl.DataFrame  # marts.goal_commentary at as_of
    milestones: pl.DataFrame  # overdue milestones at as_of
    holding_back: pl.DataFrame  # departments behind off-track goals
    coverage: pl.DataFrame
    warnings: pl.DataFrame
    models: str = "same"  # "other" or "unknown": built from other models or seeds than this version's

    @property
    def previous_as_of(self) -> dt.date | None:
        values = self.changes["previous_as_of"].drop_nulls()
        return values[0] if values.len() else None


# Statuses whose goal a department holds back (the report's "off track" list).
BEHIND = ("off_track", "missed")

_GOALS = """
select
    g.goal_id, g.area, g.area_order, g.goal_name_zh as name_zh, g.goal_name_en as name_en,
    g.comparator, g.projection_kind as kind, g.unit as seed_unit, g.tolerance as seed_tolerance, g.family,
    g.plan_text_zh, g.plan_text_en, g.rule, g.rule_working_days as rule_days,
    g.formula_zh, g.formula_en, g.take_zh, g.take_en, g.take_met_zh, g.take_met_en,
    g.list_title_zh, g.list_title_en, g.rate_noun_zh, g.rate_noun_en, g.rate_verb_zh, g.rate_verb_en,
    g.choice_zh, g.choice_en,
    g.owner_department, g.owner_department_en, g.lead_office, g.lead_office_en, g.count_unit_zh, g.count_unit_en,
    p.numerator, p.denominator, p.actual, p.target, p.target_kind, p.tolerance, p.unit, p.met, p.on_time,
    p.projected, p.projection_kind, p.recent_rate, p.required_rate, p.to_go, p.gap, p.deadline, p.status
from marts.goals as g
left join marts.goal_progress as p
    on p.goal_id = g.goal_id and p.as_of = ?
order by g.area_order, g.goal_id
"""

_HOLDING_BACK = """
with behind as (
    select goal_id from marts.goal_progress where as_of = ? and status in ('off_track', 'missed')
),

ranked as (
    select
        d.goal_id, d.department, l.label_en as department_en, d.actual, d.target, d.to_go, d.status,
        row_number() over (partition by d.goal_id order by d.to_go desc nulls last, d.gap desc nulls last, d.department) as place,
    from marts.goal_progress_by_department as d
    inner join behind on behind.goal_id = d.goal_id
    left join marts.labels as l on l.code_list = 'department' and l.code = d.department
    where d.as_of = ? and not coalesce(d.met, false) and d.actual is not null
        -- a baseline of 100 % no count can beat (qjgov.app.formatting.cannot_be_exceeded)
        and not coalesce(d.comparator = '>' and d.to_go > d.denominator - d.numerator, false)
)

select * exclude (place) from ranked where place <= 5 order by goal_id, place
"""


def read(warehouse: Path, as_of: dt.date) -> ReportData:
    """Everything the report shows at `as_of`, from the warehouse at `warehouse`."""
    try:
        con = connection.connect(Path(warehouse))
    except connection.WarehouseMissing:
        raise ReportError(
            f"no warehouse at {warehouse}: build it first (`make build`, or `python -m qjgov.demo` for the demo)"
        ) from None
    except (connection.WarehouseBusy, duckdb.Error) as error:
        raise ReportError(f"the warehouse {warehouse} could not be opened: {error}") from None
    try:
        q = lambda sql, params=None: connection.query(con, sql, params)  # noqa: E731
        missing, models = versions.warehouse_age(q)
        if missing:
            raise ReportError(
                f"the warehouse {warehouse} was built by an older version and lacks {', '.join(missing)}: "
                "rebuild it with `make build` (your own data) or `make demo` (the demo data)"
            )
        dates = q("select distinct as_of from marts.goal_progress order by as_of")["as_of"].to_list()
        if as_of not in dates:
            shown = ", ".join(d.isoformat() for d in dates) or "none"
            raise ReportError(f"no as-of date {as_of.isoformat()} in the warehouse; it holds: {shown}")
        info = q("select built_at from meta.build_info")
        span = q("select min(first_date) as first_date, max(last_date) as last_date from marts.data_coverage")
        return ReportData(
            as_of=as_of,
            dates=dates,
            built_at=info["built_at"][0] if info.height else None,
            data_span=tuple(span.row(0)) if span.height else (None, None),
            areas=q("select code as area, label_zh as area_zh, label_en as area_en, sort_order from marts.labels "
                    "where code_list = 'area' order by sort_order"),
            goals=q(_GOALS, [as_of]),
            series=q("select goal_id, as_of, actual, target, projected, status from marts.goal_progress "
                     "where as_of <= ? order by goal_id, as_of", [as_of]),
            changes=q("select goal_id, previous_as_of, actual_change, previous_status, status, status_changed, unit "
                      "from marts.goal_changes where as_of = ? order by goal_id", [as_of]),
            commentary=q("select goal_id, progress, barriers, next_steps, asserted_status, justification, written_at, "
                         "versions, computed_status, met from marts.goal_commentary where as_of = ? order by goal_id", [as_of]),
            milestones=q("select milestone_id, name_zh, name_en, due_date, days_overdue, owner_department, "
                         "owner_department_en, lead_office, lead_office_en from marts.milestone_status "
                         "where as_of = ? and status = 'overdue' order by milestone_id", [as_of]),
            holding_back=q(_HOLDING_BACK, [as_of, as_of]),
            coverage=q("select raw_table, row_count, first_date, last_date from marts.data_coverage order by raw_table"),
            warnings=q("select test, failing_rows from meta.test_results where not passed and severity = 'warn' order by test"),
            models=models,
        )
    except duckdb.Error as error:
        raise ReportError(f"the warehouse {warehouse} lacks what the report reads ({error}); rebuild it with `make build`") from None
    finally:
        con.close()
