-- The case-based goals (G07, G16, G19, G20, G21) counted year to date: one row per goal,
-- as-of date and department, with numerator and denominator.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   numerator: cases meeting the goal's condition, known by the as-of date
--   denominator: year-to-date completed cases (G07) or accepted cases (the others)
with counts as (
    select * from intermediate.int_case_counts_ytd
)

select 'G07' as goal_id, as_of, department, reviewed_cases as numerator, completed_cases as denominator
from counts where completed_cases > 0
union all
select 'G16', as_of, department, credit_checked_cases, accepted_cases from counts where accepted_cases > 0
union all
select 'G19', as_of, department, mobile_cases, accepted_cases from counts where accepted_cases > 0
union all
select 'G20', as_of, department, postal_cases, accepted_cases from counts where accepted_cases > 0
union all
select 'G21', as_of, department, special_group_cases, accepted_cases from counts where accepted_cases > 0
