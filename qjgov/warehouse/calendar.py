"""The official working-day calendar (State Council holidays and make-up workdays).

Taken from the maintained `chinese-calendar` package, never from weekdays alone: 2021 has
250 workdays, 2021-02-07 (a Sunday) is a workday and 2021-10-04 (a Monday) is not.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

Day = tuple[dt.date, bool, bool, str | None]


def covered_years() -> tuple[int, int]:
    """The first and last year the installed package has official data for."""
    years = sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})
    return years[0], years[-1]


def calendar_rows() -> list[Day]:
    """One row per day of every year the package covers: the date, whether it is a workday,
    whether it is a make-up workday (a weekend day worked), which holiday.

    Read from the package's own tables of holidays and make-up workdays with its rules (as
    `chinese_calendar.is_workday` and `get_holiday_detail` do, without checking each day's
    year against all the tables again: that took a second of every build)."""
    first, last = covered_years()
    start = dt.date(first, 1, 1)
    holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
    rows = []
    for offset in range((dt.date(last, 12, 31) - start).days + 1):
        day = start + dt.timedelta(days=offset)
        is_workday = day in workdays or (day.weekday() <= 4 and day not in holidays)
        holiday = (holidays.get(day) or None) if day not in workdays else None
        rows.append((day, is_workday, day.weekday() >= 5 and is_workday, holiday))
    return rows
