-- Cases counted in the year to date, by department: one row per as-of date (baseline date
-- included) and department with any case accepted or completed (办结) in the year so far.
-- The case-based goals (int_case_goal_facts) and the case-based views beside the item-based
-- goals (marts.secondary_metrics) both count from here.
-- grain: as_of, department
-- materialized: temporary
-- not_null: as_of, department
-- columns:
--   accepted_cases: cases accepted from the year start to the as-of date
--   credit_checked_cases: of those, cases whose red/black lists were checked (逢办必查)
--   mobile_cases: of those, cases applied for on the phone (渝快办APP or mini-program)
--   postal_cases: of those, cases whose result or materials went by post
--   special_group_cases: of those, cases through 无障碍通道, 无智能手机通道 or 绿色通道
--   fully_online_cases: of those, cases handled entirely online
--   site_visits: the trips on site those cases took, summed
--   completed_cases: cases completed (办结) from the year start to the as-of date
--   reviewed_cases: of those, cases with a proactive review by the as-of date
--   same_day_cases: of those, cases completed on the day they were accepted
with cases as (
    select * from intermediate.int_cases_enriched
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
),

accepted as (
    select
        as_of_dates.as_of,
        cases.department,
        count(*) as accepted_cases,
        count(*) filter (where cases.credit_checked) as credit_checked_cases,
        count(*) filter (where cases.is_mobile) as mobile_cases,
        count(*) filter (where cases.postal) as postal_cases,
        count(*) filter (where cases.is_special_group_channel) as special_group_cases,
        count(*) filter (where cases.fully_online) as fully_online_cases,
        sum(cases.site_visits) as site_visits,
    from cases
    inner join as_of_dates
        on cases.accepted_date between as_of_dates.year_start and as_of_dates.as_of
    group by all
),

completed as (
    select
        as_of_dates.as_of,
        cases.department,
        count(*) as completed_cases,
        count(*) filter (where cast(cases.first_proactive_review_at as date) <= as_of_dates.as_of) as reviewed_cases,
        count(*) filter (where cases.completed_date = cases.accepted_date) as same_day_cases,
    from cases
    inner join as_of_dates
        on cases.completed_date between as_of_dates.year_start and as_of_dates.as_of
    where cases.is_completed
    group by all
)

select
    coalesce(accepted.as_of, completed.as_of) as as_of,
    coalesce(accepted.department, completed.department) as department,
    coalesce(accepted.accepted_cases, 0) as accepted_cases,
    coalesce(accepted.credit_checked_cases, 0) as credit_checked_cases,
    coalesce(accepted.mobile_cases, 0) as mobile_cases,
    coalesce(accepted.postal_cases, 0) as postal_cases,
    coalesce(accepted.special_group_cases, 0) as special_group_cases,
    coalesce(accepted.fully_online_cases, 0) as fully_online_cases,
    coalesce(accepted.site_visits, 0) as site_visits,
    coalesce(completed.completed_cases, 0) as completed_cases,
    coalesce(completed.reviewed_cases, 0) as reviewed_cases,
    coalesce(completed.same_day_cases, 0) as same_day_cases,
from accepted
full outer join completed
    on completed.as_of = accepted.as_of
    and completed.department = accepted.department
