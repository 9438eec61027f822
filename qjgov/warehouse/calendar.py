"""The official working-day calendar (State Council holidays and make-up workdays).

Taken from the maintained `chinese-calendar` package, never from weekdays alone: 2021 has
250 workdays, 2021-02-07 (a Sunday) is a workday and 2021-10-04 (a Monday) is not.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import polars as pl


def covered_years() -> tuple[int, int]:
    """The first and last year the installed package has official data for."""
    years = sorted({day.year for day in chinese_calendar.holidays} | {day.year for day in chinese_calendar.workdays})
    return years[0], years[-1]


def calendar_frame() -> pl.DataFrame:
    """One row per day of every year the package covers: is it a workday, which holiday.

    Read from the package's own tables of holidays and make-up workdays with its rules (as
    `chinese_calendar.is_workday` and `get_holiday_detail` do, without checking each day's
    year against all the tables again: that took a second of every build)."""
    first, last = covered_years()
    days = pl.date_range(dt.date(first, 1, 1), dt.date(last, 12, 31), "1d", eager=True).to_list()
    holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
    rows = []
    for day in days:
        is_workday = day in workdays or (day.weekday() <= 4 and day not in holidays)
        rows.append(
            {
                "calendar_date": day,
                "is_workday": is_workday,
                "is_makeup_workday": day.weekday() >= 5 and is_workday,
                "holiday_name": (holidays.get(day) or None) if day not in workdays else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={"calendar_date": pl.Date(), "is_workday": pl.Boolean(), "is_makeup_workday": pl.Boolean(), "holiday_name": pl.String()},
        orient="row",
    )
