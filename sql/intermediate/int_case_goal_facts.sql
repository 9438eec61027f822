-- The case-based goals (G07, G16, G19, G20, G21) counted year to date: one row per goal,
-- as-of date and department, with numerator and denominator.
-- grain: goal_id, as_of, department
-- columns:
--   numerator: cases meeting the goal's condition, known by the as-of date
--   denominator: year-to-date completed cases (G07) or accepted cases (the others)
with cases as (
    select * from intermediate.int_cases_enriched
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
),

completed_ytd as (
    select
        as_of_dates.as_of,
        cases.department,
        count(*) as completed_cases,
        count(*) filter (where cast(cases.first_proactive_review_at as date) <= as_of_dates.as_of) as reviewed_cases,
    from cases
    inner join as_of_dates
        on cases.completed_date between as_of_dates.year_start and as_of_dates.as_of
    where cases.status = '办结'
    group by all
),

accepted_ytd as (
    select
        as_of_dates.as_of,
        cases.department,
        count(*) as accepted_cases,
        count(*) filter (where cases.credit_checked) as credit_checked_cases,
        count(*) filter (where cases.is_mobile) as mobile_cases,
        count(*) filter (where cases.postal) as postal_cases,
        count(*) filter (where cases.is_special_group_channel) as special_group_cases,
    from cases
    inner join as_of_dates
        on cases.accepted_date between as_of_dates.year_start and as_of_dates.as_of
    group by all
)

select 'G07' as goal_id, as_of, department, reviewed_cases as numerator, completed_cases as denominator
from completed_ytd
union all
select 'G16', as_of, department, credit_checked_cases, accepted_cases from accepted_ytd
union all
select 'G19', as_of, department, mobile_cases, accepted_cases from accepted_ytd
union all
select 'G20', as_of, department, postal_cases, accepted_cases from accepted_ytd
union all
select 'G21', as_of, department, special_group_cases, accepted_cases from accepted_ytd
