"""What the report reads: plain selects on the marts and meta.* at one as-of date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from qjgov.present import connection, reads


class ReportError(Exception):
    """The report cannot be made; the message says why and what to do."""


class UnknownDepartment(ReportError):
    """The report was asked for a department the warehouse does not know: a mistake in what
    the user typed (the command exits 2 for it, as for a wrong flag), not in the warehouse."""


@dataclass
class DepartmentPart:
    """What a department's own report adds: which department, and its own figures."""

    name: str
    name_en: str | None
    held_back: pl.DataFrame  # its own rows of every goal it holds back at as_of (reads.held_back_by)
    open_records: pl.DataFrame  # its open and overdue records per goal at as_of (reads.open_records_by)


@dataclass
class ReportData:
    as_of: dt.date
    dates: list[dt.date]
    built_at: dt.datetime | None
    data_span: tuple[dt.date | None, dt.date | None]
    areas: pl.DataFrame
    goals: pl.DataFrame  # one row per goal (the department's own, for its report): marts.goals and marts.goal_progress at as_of, with reads.previous_chances
    series: pl.DataFrame  # every goal's monthly path up to as_of
    changes: pl.DataFrame  # marts.goal_changes at as_of
    commentary: pl.DataFrame  # marts.goal_commentary at as_of
    milestones: pl.DataFrame  # overdue milestones at as_of (the department's own, for its report)
    holding_back: pl.DataFrame  # departments behind off-track goals
    coverage: pl.DataFrame
    warnings: pl.DataFrame
    models: str = "same"  # "other" or "unknown": built from other models or seeds than this version's
    department: DepartmentPart | None = None  # None: the commission's report

    @property
    def previous_as_of(self) -> dt.date | None:
        values = self.changes["previous_as_of"].drop_nulls()
        return values[0] if values.len() else None


# Statuses of the goals whose departments holding them back the report lists (its "off track"
# list).
BEHIND = ("off_track", "missed")

# The departments holding back a goal listed per goal: the first few, in the mart's order.
HOLDING_BACK_LISTED = 5


def _department(q: reads.Query, as_of: dt.date, department: str) -> DepartmentPart:
    """The department's own part of its report; a name the warehouse does not know is refused
    with the names it does know."""
    known = reads.departments(q)
    match = known.filter(pl.col("department") == department)
    if not match.height:
        shown = ", ".join(known["department"].to_list()) or "none"
        raise UnknownDepartment(f"no department {department!r} in the warehouse; it knows: {shown}")
    return DepartmentPart(
        name=department,
        name_en=match["department_en"][0],
        held_back=reads.held_back_by(q, as_of, department),
        open_records=reads.open_records_by(q, as_of, department),
    )


def read(warehouse: Path, as_of: dt.date, department: str | None = None) -> ReportData:
    """Everything the report shows at `as_of`, from the warehouse at `warehouse`; for
    `department`, the goals and milestones it owns and its own part (`DepartmentPart`)."""
    with connection.reading_at(warehouse, as_of, ReportError, "the report") as (q, models, dates):
        info = reads.build_info(q)
        part = None if department is None else _department(q, as_of, department)
        # each goal with its chance at the previous month-end, so the summary reads one row
        goals = reads.goals_at(q, as_of).join(
            reads.previous_chances(q, as_of), on="goal_id", how="left", validate="1:1", maintain_order="left")
        milestones = reads.overdue_milestones(q, as_of)
        if part is not None:
            goals = goals.filter(pl.col("owner_department") == department)
            milestones = milestones.filter(pl.col("owner_department") == department)
        return ReportData(
            as_of=as_of,
            dates=dates,
            built_at=info.get("built_at"),
            data_span=reads.data_span(q),
            areas=reads.areas(q),
            goals=goals,
            series=reads.series(q, None, as_of),
            changes=reads.goal_changes(q, as_of),
            commentary=reads.commentary(q, as_of),
            milestones=milestones,
            holding_back=reads.holding_back(q, as_of, BEHIND, HOLDING_BACK_LISTED),
            coverage=reads.coverage(q),
            warnings=reads.warnings(q),
            models=models,
            department=part,
        )
