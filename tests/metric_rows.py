"""Hand-written raw rows and mart readers for the metric tests (tests/test_metrics_*.py).

Every builder returns one raw row (a dict in the contract's columns) with defaults that meet
every goal, so a test states only what it is about. Dates and times are written as ISO
strings; a time without a clock reads as 10:00 that day.
"""

from __future__ import annotations

import datetime as dt

import duckdb

DEPT = "医政医管科"  # the default item's department
OTHER_DEPT = "疾控科"
UNLINKED = "未关联事项"  # where records whose item is not in the catalogue go


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ts(text: str | None) -> dt.datetime | None:
    """'2021-02-05 09:00' or '2021-02-05' (10:00) as a timestamp; None stays None."""
    if text is None:
        return None
    return dt.datetime.fromisoformat(text if " " in text else f"{text} 10:00")


def item(code: str = "A1", snapshot: str = "2021-01-31", **overrides) -> dict:
    """A catalogue row: a 依申请 licensing item that meets every catalogue goal."""
    row = dict(
        snapshot_date=day(snapshot),
        item_code=code,
        item_name=f"事项{code}",
        category="行政许可",
        on_application=True,
        department=DEPT,
        statutory_days=20,
        promised_days=5,
        handling_type="承诺件",
        online_depth=4,
        site_visits=0,
        on_yukuaiban=True,
        in_hall=True,
        chief_rep=True,
        high_frequency=False,
        cross_province_planned=False,
        cross_province_live=False,
        chuanyu_batch=None,
        chuanyu_live=False,
        notify_commit=False,
    )
    row.update(overrides)
    return row


def package(code: str, snapshot: str, item_codes: str = "A1", **overrides) -> dict:
    """A high-frequency "一件事" package with all four of 一次告知、一表申报、一窗受理、一次办成."""
    row = dict(
        snapshot_date=day(snapshot),
        package_code=code,
        package_name=f"一件事{code}",
        high_frequency=True,
        one_notice=True,
        one_form=True,
        one_window=True,
        one_completion=True,
        item_codes=item_codes,
    )
    row.update(overrides)
    return row


def case(
    case_id: str,
    accepted: str | None = "2021-03-01",
    completed: str | None = None,
    status: str | None = None,
    item_code: str | None = "A1",
    **overrides,
) -> dict:
    """A case (办件): 办结 when it has a completion time and was accepted, else 在办.
    Submitted an hour before it was accepted (or ended, when never accepted)."""
    accepted_at, completed_at = ts(accepted), ts(completed)
    if status is None:
        status = "办结" if completed_at and accepted_at else "在办"
    first = accepted_at or completed_at
    row = dict(
        case_id=case_id,
        item_code=item_code,
        applicant_type="个人",
        channel="窗口",
        township="城东街道",
        submitted_at=first - dt.timedelta(hours=1),
        accepted_at=accepted_at,
        completed_at=completed_at,
        status=status,
        suspended_days=0,
        site_visits=0,
        fully_online=False,
        chuanyu=False,
        credit_checked=True,
        credit_commitment=False,
        assisted_channel=None,
        elderly=False,
        postal=False,
    )
    row.update(overrides)
    return row


def review(review_id: str, reviewed: str, item_code: str | None = "A1", **overrides) -> dict:
    """A review (好差评) given at the hall evaluator, 非常满意, not real-name, nothing done yet.
    Timestamps among the overrides may be written as strings."""
    row = dict(
        review_id=review_id,
        case_id=None,
        item_code=item_code,
        channel="大厅评价器",
        rating=5,
        reviewed_at=ts(reviewed),
        real_name=False,
        reported_at=None,
        verified_at=None,
        verified_result=None,
        rectified_at=None,
        followed_up_at=None,
        comment=None,
    )
    for key, value in overrides.items():
        row[key] = ts(value) if key.endswith("_at") else value
    return row


def complaint(complaint_id: str, assigned: str, responded: str | None = None, item_code: str | None = "A1") -> dict:
    return dict(
        complaint_id=complaint_id,
        source="渝快办",
        item_code=item_code,
        assigned_at=ts(assigned),
        responded_at=ts(responded),
        resolved_at=None,
        content=None,
    )


def decision(decision_id: str, decided: str, published: str | None = None, item_code: str | None = "A1") -> dict:
    return dict(
        decision_id=decision_id,
        decision_type="行政许可",
        case_id=None,
        item_code=item_code,
        decided_at=ts(decided),
        published_at=ts(published),
    )


# --------------------------------------------------------------------------- readers


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    relation = con.execute(sql, params)
    columns = [c[0] for c in relation.description]
    return [dict(zip(columns, values)) for values in relation.fetchall()]


def progress(con: duckdb.DuckDBPyConnection, goal_id: str) -> dict[dt.date, dict]:
    """marts.goal_progress for one goal, keyed by as-of date."""
    rows = _rows(con, "select * from marts.goal_progress where goal_id = ? order by as_of", [goal_id])
    return {row["as_of"]: row for row in rows}


def at(con: duckdb.DuckDBPyConnection, goal_id: str, as_of: str) -> dict:
    """The marts.goal_progress row of one goal at one as-of date."""
    rows = progress(con, goal_id)
    assert day(as_of) in rows, f"{goal_id}: no row as of {as_of}; as-of dates: {sorted(rows)}"
    return rows[day(as_of)]


def by_department(con: duckdb.DuckDBPyConnection, goal_id: str, as_of: str) -> dict[str, dict]:
    """marts.goal_progress_by_department for one goal and as-of date, keyed by department."""
    rows = _rows(
        con,
        "select * from marts.goal_progress_by_department where goal_id = ? and as_of = ?",
        [goal_id, day(as_of)],
    )
    return {row["department"]: row for row in rows}


def counts(row: dict) -> tuple:
    """(numerator, denominator) of a mart row, as plain numbers for exact comparison."""
    return row["numerator"], row["denominator"]
