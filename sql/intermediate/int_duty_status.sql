-- Where each duty record stands at each as-of date: one row per goal, as-of date and record
-- in scope (started in the year to date, not excluded as unfounded by then).
-- grain: goal_id, as_of, record_id
-- materialized: temporary
-- columns:
--   is_done: done_at is set and on or before the as-of date
--   is_due: the deadline has passed by the as-of date, or the duty is done
--   is_on_time: done, and done on or before the deadline
with records as (
    select * from intermediate.int_duty_records
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
),

in_scope as (
    select
        as_of_dates.as_of,
        records.*,
        coalesce(cast(records.done_at as date) <= as_of_dates.as_of, false) as is_done,
    from records
    inner join as_of_dates
        on cast(records.started_at as date) between as_of_dates.year_start and as_of_dates.as_of
    where records.excluded_at is null
        or cast(records.excluded_at as date) > as_of_dates.as_of
)

select
    goal_id,
    as_of,
    record_id,
    item_code,
    item_name,
    department,
    case_id,
    started_at,
    done_at,
    deadline_date,
    is_done,
    is_done or coalesce(deadline_date <= as_of, false) as is_due,
    is_done and cast(done_at as date) <= deadline_date as is_on_time,
from in_scope
