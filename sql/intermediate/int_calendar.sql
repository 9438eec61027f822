-- The official working-day calendar with a running workday count: one row per day.
-- wd_between(a, b) = workday_index(b) - workday_index(a); deadline(t, N) is the workday whose
-- index is workday_index(date(t)) + N.
-- grain: calendar_date
-- materialized: table
-- columns:
--   workday_index: number of workdays on or before this day since the calendar begins
with calendar as (
    select * from raw.workday_calendar
)

select
    calendar_date,
    is_workday,
    is_makeup_workday,
    holiday_name,
    sum(case when is_workday then 1 else 0 end) over (order by calendar_date) as workday_index,
from calendar
