-- The cases behind the case-share goals (G07, G19, G20, G21): one row per goal and case of the
-- plan year in the goal's denominator, with the day it entered the denominator and the day it
-- began to count towards the goal (null: never). At an as-of date D the cases that hold a goal
-- back are those with counted_from <= D and (meets_from is null or meets_from > D), which is
-- exactly the goal's denominator minus its numerator. A view: the cases are not stored twice.
-- grain: goal_id, case_id
-- materialized: view
-- not_null: goal_id, case_id, counted_from
-- accepted: goal_id = G07, G19, G20, G21
-- columns:
--   counted_from: the day the case entered the goal's denominator (completed for G07, accepted for the others)
--   meets_from: the day it began to count towards the goal (its first proactive review for G07; its acceptance when it came through the goal's channel); null when it never did
--   channel: how the case was applied for
--   assisted_channel: the special-group or assisted channel it came through, if any
with cases as (
    select * from staging.stg_cases
),

first_reviews as (
    select * from intermediate.int_case_first_reviews
),

departments as (
    select * from intermediate.int_item_departments
),

unlinked as (
    select department from seeds.departments where unlinked
),

plan_year as (
    select max(year(as_of)) as year from intermediate.int_as_of_dates where not is_baseline
),

plan_cases as (
    select
        cases.case_id,
        cases.item_code,
        departments.item_name,
        coalesce(departments.department, unlinked.department) as department,
        cases.channel,
        cases.assisted_channel,
        cases.postal,
        cases.is_mobile,
        cases.is_special_group_channel,
        cases.is_completed,
        cases.accepted_date,
        cases.completed_date,
        cast(first_reviews.first_proactive_review_at as date) as first_review_date,
        plan_year.year,
    from cases
    cross join plan_year
    cross join unlinked
    left join departments
        on departments.item_code = cases.item_code
    left join first_reviews
        on first_reviews.case_id = cases.case_id
)

select 'G07' as goal_id, case_id, item_code, item_name, department, channel, assisted_channel,
    completed_date as counted_from, first_review_date as meets_from
from plan_cases
where is_completed and year(completed_date) = year
union all
select 'G19', case_id, item_code, item_name, department, channel, assisted_channel,
    accepted_date, case when is_mobile then accepted_date end
from plan_cases
where year(accepted_date) = year
union all
select 'G20', case_id, item_code, item_name, department, channel, assisted_channel,
    accepted_date, case when postal then accepted_date end
from plan_cases
where year(accepted_date) = year
union all
select 'G21', case_id, item_code, item_name, department, channel, assisted_channel,
    accepted_date, case when is_special_group_channel then accepted_date end
from plan_cases
where year(accepted_date) = year
