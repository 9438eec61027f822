-- What changed since the previous month-end: one row per goal and as-of date, with the
-- actual and the status at the month-end before it, for the monthly report's "what changed"
-- and the scorecard's arrows. The first month-end of the plan year has no previous one.
-- grain: goal_id, as_of
-- materialized: table
-- not_null: goal_id, as_of, status
-- columns:
--   previous_as_of: the last month-end before the as-of date (null for the first month of the plan year)
--   actual_change: actual minus the previous actual, in the metric's unit (a fraction for shares: 0.021 is 2.1 pp; trips for G05)
--   previous_status: the status at the previous month-end
--   status_changed: the status differs from the previous month-end's
--   previous_met: whether the target was met at the previous month-end
with progress as (
    select * from marts.goal_progress
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
    where not is_baseline
),

previous_dates as (
    select
        current_dates.as_of,
        max(earlier.as_of) as previous_as_of,
    from as_of_dates as current_dates
    left join as_of_dates as earlier
        on earlier.as_of < current_dates.as_of
        and earlier.is_month_end
    group by current_dates.as_of
)

select
    progress.goal_id,
    progress.as_of,
    previous_dates.previous_as_of,
    progress.unit,
    progress.actual,
    previous.actual as previous_actual,
    progress.actual - previous.actual as actual_change,
    progress.status,
    previous.status as previous_status,
    coalesce(previous.status <> progress.status, false) as status_changed,
    progress.met,
    previous.met as previous_met,
from progress
inner join previous_dates
    on previous_dates.as_of = progress.as_of
left join progress as previous
    on previous.goal_id = progress.goal_id
    and previous.as_of = previous_dates.previous_as_of
order by progress.goal_id, progress.as_of
