-- Cases with what the goals need beside them: one row per case, with its department, its
-- first proactive review and its handling time in working days.
-- grain: case_id
-- materialized: temporary
-- columns:
--   department: department of the case's item, 未关联事项 when the item is not in the catalogue
--   first_proactive_review_at: the earliest review of the case not given by 系统默认
--   handling_workdays: max(0, wd_between(accepted_at, completed_at) - suspended_days)
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

unlinked as (
    select department from seeds.departments where unlinked
)

-- Only the columns the case goals, handling times and open duties read: this is the widest
-- temporary table of the build, written once and read four times.
select
    cases.case_id,
    cases.item_code,
    cases.channel,
    cases.assisted_channel,
    cases.accepted_at,
    cases.completed_at,
    cases.accepted_date,
    cases.completed_date,
    cases.is_completed,
    cases.credit_checked,
    cases.postal,
    cases.fully_online,
    cases.site_visits,
    departments.item_name,
    coalesce(departments.department, unlinked.department) as department,
    proactive_reviews.first_proactive_review_at,
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
cross join unlinked
left join departments
    on departments.item_code = cases.item_code
