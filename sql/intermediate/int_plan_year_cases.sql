-- The plan year's cases behind the case-share goals (G07, G19, G20, G21), with what their lists
-- show: one row per case accepted or completed (办结) in the plan year. Kept as a table, the
-- one copy of these cases in the published file: marts.case_goal_records, a view, reads it
-- four times over (once per goal), which as a table would store each case up to four times.
-- grain: case_id
-- materialized: table
-- not_null: case_id, department
-- columns:
--   accepted_date: the day the case was accepted, when in the plan year (null otherwise)
--   completed_date: the day the case was completed (办结), when in the plan year (null otherwise)
--   first_review_date: the day of its first proactive review (not 系统默认); null when none
with cases as (
    select * from intermediate.int_cases_enriched
),

items as (
    select * from intermediate.int_item_departments
),

plan_year as (
    select max(year(as_of)) as year from intermediate.int_as_of_dates where not is_baseline
)

select
    cases.case_id,
    cases.item_code,
    items.item_name,
    cases.department,
    cases.channel,
    cases.assisted_channel,
    case when year(cases.accepted_date) = plan_year.year then cases.accepted_date end as accepted_date,
    case when cases.is_completed and year(cases.completed_date) = plan_year.year then cases.completed_date end as completed_date,
    cases.first_review_date,
    cases.is_mobile,
    cases.postal,
    cases.is_special_group_channel,
from cases
cross join plan_year
left join items
    on items.item_code = cases.item_code
where year(cases.accepted_date) = plan_year.year
    or (cases.is_completed and year(cases.completed_date) = plan_year.year)
