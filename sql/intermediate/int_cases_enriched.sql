-- Cases with what the goals need beside them: one row per case, with its department, its
-- first proactive review and its handling time in working days.
-- grain: case_id
-- materialized: temporary
-- columns:
--   department: department of the case's item, 未关联事项 when the item is not in the catalogue
--   first_review_date: the day of the case's earliest review not given by 系统默认 (the case goals
--     count days, so the time of day is not kept)
--   handling_workdays: max(0, wd_between(accepted_at, completed_at) - suspended_days)
--   unchecked_accepted_at: when a case accepted without a credit check was accepted, the start
--     of its open G16 duty (marts.open_duties); null for a checked case. Only these cases keep
--     a time: a timestamp per case was a third of this table's cost to write
with cases as (
    select * from staging.stg_cases
),

proactive_reviews as (
    select * from intermediate.int_case_first_reviews
),

calendar as (
    select * from intermediate.int_calendar
),

departments as (
    select * from intermediate.int_item_departments
),

-- The one department of records whose item is not in the catalogue: read as a scalar
-- subquery, which DuckDB refuses should the seeds ever name two.
unlinked as (
    select department from seeds.departments where unlinked
)

-- Only the columns the case goals, handling times and open duties read: this is the widest
-- temporary table of the build, written once and read four times. Item names are looked up
-- by its readers that show them (from int_item_departments, a few thousand rows).
select
    cases.case_id,
    cases.item_code,
    cases.channel,
    cases.assisted_channel,
    cases.accepted_date,
    cases.completed_date,
    cases.is_completed,
    cases.credit_checked,
    cases.postal,
    cases.fully_online,
    cases.site_visits,
    coalesce(departments.department, (select department from unlinked)) as department,
    cast(proactive_reviews.first_proactive_review_at as date) as first_review_date,
    case when not cases.credit_checked then cases.accepted_at end as unchecked_accepted_at,
    greatest(0, completed_day.workday_index - accepted_day.workday_index - cases.suspended_days) as handling_workdays,
    cases.is_mobile,
    cases.is_special_group_channel,
from cases
left join proactive_reviews
    on proactive_reviews.case_id = cases.case_id
left join calendar as accepted_day
    on accepted_day.calendar_date = cases.accepted_date
left join calendar as completed_day
    on completed_day.calendar_date = cases.completed_date
left join departments
    on departments.item_code = cases.item_code
