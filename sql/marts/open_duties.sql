-- The records that hold the 100 % goals back, at every as-of date: one row per goal, as-of
-- date and record in scope that is not done: complaints not answered (G03), proactive reviews
-- not reported (G08), bad reviews not rectified (G09) or not followed up (G10), decisions not
-- published (G15), accepted cases without a credit check (G16).
-- grain: goal_id, as_of, record_id
-- materialized: table
-- not_null: goal_id, as_of, record_id, deadline_date
-- columns:
--   record_id: complaint_id, review_id, decision_id or case_id
--   deadline_date: the date the duty falls due (none for G16, due at acceptance)
--   is_overdue: past its deadline at the as-of date, so it already counts against the goal
--   workdays_left: working days from the as-of date to the deadline (negative when overdue)
with as_of_dates as (
    select * from intermediate.int_as_of_dates
    where not is_baseline
),

-- Records in scope and not done at each date: a range join, so the rows made are the open
-- ones only (most records are done within days).
duties as (
    select
        as_of_dates.as_of,
        records.*,
        coalesce(records.deadline_date <= as_of_dates.as_of, false) as is_due,
    from intermediate.int_duty_records as records
    inner join as_of_dates
        on cast(records.started_at as date) between as_of_dates.year_start and as_of_dates.as_of
        and (records.done_at is null or cast(records.done_at as date) > as_of_dates.as_of)
        and (records.excluded_at is null or cast(records.excluded_at as date) > as_of_dates.as_of)
),

unchecked_cases as (
    select
        'G16' as goal_id,
        as_of_dates.as_of,
        cases.case_id as record_id,
        cases.item_code,
        items.item_name,
        cases.department,
        cases.case_id,
        cases.unchecked_accepted_at as started_at,
        cases.accepted_date as deadline_date,
        true as is_due,
    from intermediate.int_cases_enriched as cases
    inner join as_of_dates
        on cases.accepted_date between as_of_dates.year_start and as_of_dates.as_of
    left join intermediate.int_item_departments as items
        on items.item_code = cases.item_code
    where not cases.credit_checked
),

open_records as (
    select
        duties.goal_id,
        duties.as_of,
        duties.record_id,
        duties.item_code,
        duties.item_name,
        duties.department,
        duties.case_id,
        duties.started_at,
        duties.deadline_date,
        duties.is_due,
    from duties
    union all
    select * from unchecked_cases
),

calendar as (
    select * from intermediate.int_calendar
)

select
    open_records.goal_id,
    open_records.as_of,
    open_records.record_id,
    open_records.item_code,
    open_records.item_name,
    open_records.department,
    open_records.case_id,
    open_records.started_at,
    open_records.deadline_date,
    open_records.is_due as is_overdue,
    cast(deadline_day.workday_index - as_of_day.workday_index as integer) as workdays_left,
from open_records
left join calendar as as_of_day
    on as_of_day.calendar_date = open_records.as_of
left join calendar as deadline_day
    on deadline_day.calendar_date = open_records.deadline_date
order by open_records.goal_id, open_records.as_of, open_records.deadline_date
