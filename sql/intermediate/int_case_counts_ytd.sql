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

-- Counted per department and day first, so the join to the as-of dates meets days, not
-- cases: the cost grows with the cases once, not with cases × as-of dates.
accepted_days as (
    select
        department,
        accepted_date,
        count(*) as accepted_cases,
        count(*) filter (where credit_checked) as credit_checked_cases,
        count(*) filter (where is_mobile) as mobile_cases,
        count(*) filter (where postal) as postal_cases,
        count(*) filter (where is_special_group_channel) as special_group_cases,
        count(*) filter (where fully_online) as fully_online_cases,
        sum(site_visits) as site_visits,
    from cases
    where accepted_date is not null
    group by all
),

completed_days as (
    select
        department,
        completed_date,
        first_review_date,
        count(*) as completed_cases,
        count(*) filter (where completed_date = accepted_date) as same_day_cases,
    from cases
    where is_completed
        and completed_date is not null
    group by all
),

accepted as (
    select
        as_of_dates.as_of,
        days.department,
        cast(sum(days.accepted_cases) as bigint) as accepted_cases,
        cast(sum(days.credit_checked_cases) as bigint) as credit_checked_cases,
        cast(sum(days.mobile_cases) as bigint) as mobile_cases,
        cast(sum(days.postal_cases) as bigint) as postal_cases,
        cast(sum(days.special_group_cases) as bigint) as special_group_cases,
        cast(sum(days.fully_online_cases) as bigint) as fully_online_cases,
        sum(days.site_visits) as site_visits,
    from accepted_days as days
    inner join as_of_dates
        on days.accepted_date between as_of_dates.year_start and as_of_dates.as_of
    group by all
),

completed as (
    select
        as_of_dates.as_of,
        days.department,
        cast(sum(days.completed_cases) as bigint) as completed_cases,
        cast(coalesce(sum(days.completed_cases) filter (where days.first_review_date <= as_of_dates.as_of), 0) as bigint) as reviewed_cases,
        cast(sum(days.same_day_cases) as bigint) as same_day_cases,
    from completed_days as days
    inner join as_of_dates
        on days.completed_date between as_of_dates.year_start and as_of_dates.as_of
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
