-- How many cases each case-share goal's list holds, by department, the day each case entered
-- the goal's denominator and the day it began to count (null: never): one row per such
-- combination, a few hundred thousand in a city where the lists hold millions of cases. The app
-- counts a list at an as-of date D from it (counted_from <= D and (meets_from is null or
-- meets_from > D), summed) and finds the days a page of the list spans, without reading the cases.
-- grain: goal_id, department, counted_from, meets_from
-- materialized: table
-- not_null: goal_id, counted_from, cases
-- columns:
--   cases: the cases of marts.case_goal_records with these values
select
    goal_id,
    department,
    counted_from,
    meets_from,
    count(*) as cases,
from marts.case_goal_records
group by goal_id, department, counted_from, meets_from
