"""Who answers for a goal or a milestone: the responsible department and the leading office
(seeds/targets.csv and milestones.csv, through marts.goals and marts.milestone_status), in the
reader's language."""

from __future__ import annotations

from qjgov.present import words


def department_name(lang: str, department: str | None, department_en: str | None) -> str:
    """A department in `lang`: its English label where English has one, else its own name."""
    return (department if lang == "zh" else (department_en or department)) or "—"


def _named(lang: str, row: dict, column: str) -> str:
    """A department column of `row` (with its `_en` label beside it) in `lang`."""
    return department_name(lang, row.get(column), row.get(column + "_en"))


def owner_name(lang: str, row: dict) -> str:
    """The goal's responsible department (owner_department, owner_department_en)."""
    return _named(lang, row, "owner_department")


def lead_name(lang: str, row: dict) -> str:
    """The goal's leading office (lead_office, lead_office_en)."""
    return _named(lang, row, "lead_office")


def owner_line(lang: str, row: dict) -> str:
    """"责任科室：医政医管科 · 牵头科室：行政审批科" from a row holding owner_department,
    lead_office and their `_en` labels."""
    return words.t(lang, "owners.line", owner=owner_name(lang, row), lead=lead_name(lang, row))
