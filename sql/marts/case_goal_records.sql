-- The cases behind the case-share goals (G07, G19, G20, G21): one row per goal and case of the
-- plan year in the goal's denominator, with the day it entered the denominator and the day it
-- began to count towards the goal (null: never). At an as-of date D the cases that hold a goal
-- back are those with counted_from <= D and (meets_from is null or meets_from > D), which is
-- exactly the goal's denominator minus its numerator. A view over the plan year's cases
-- (intermediate.int_plan_year_cases), so they are not stored four times: each branch of the
-- UNION is one goal, one row per case of that table (the build proves the grain so).
-- grain: goal_id, case_id
-- materialized: view
-- not_null: goal_id, case_id, counted_from
-- accepted: goal_id = G07, G19, G20, G21
-- columns:
--   counted_from: the day the case entered the goal's denominator (completed for G07, accepted for the others)
--   meets_from: the day it began to count towards the goal (its first proactive review for G07; its acceptance when it came through the goal's channel); null when it never did
--   channel: how the case was applied for
--   assisted_channel: the special-group or assisted channel it came through, if any
select 'G07' as goal_id, case_id, item_code, item_name, department, channel, assisted_channel,
    completed_date as counted_from, first_review_date as meets_from
from intermediate.int_plan_year_cases
where completed_date is not null
union all
select 'G19', case_id, item_code, item_name, department, channel, assisted_channel,
    accepted_date, case when is_mobile then accepted_date end
from intermediate.int_plan_year_cases
where accepted_date is not null
union all
select 'G20', case_id, item_code, item_name, department, channel, assisted_channel,
    accepted_date, case when postal then accepted_date end
from intermediate.int_plan_year_cases
where accepted_date is not null
union all
select 'G21', case_id, item_code, item_name, department, channel, assisted_channel,
    accepted_date, case when is_special_group_channel then accepted_date end
from intermediate.int_plan_year_cases
where accepted_date is not null
