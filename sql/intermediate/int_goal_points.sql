-- The values a goal's year so far is read from at each as-of date: the year's month-ends up to
-- the as-of date, and the as-of date itself (standing for its month when it is not a
-- month-end). One row per goal, as-of date of the plan year, scope (a department, or null for
-- the commission) and month. The trend line (int_goal_trend) is fitted through them, and the
-- chance of meeting (int_goal_chance) reads the months' steps from them.
-- grain: goal_id, as_of, department, month_no
-- materialized: temporary
-- columns:
--   as_of: the as-of date the points are read at
--   month_no: the point's month (1…the as-of date's)
--   numerator: the point's year-to-date numerator
--   denominator: the point's year-to-date denominator
--   actual: the point's value
with values_ as (
    select * from intermediate.int_goal_values
    where not is_baseline
)

select
    evaluated.goal_id,
    evaluated.department,
    evaluated.as_of,
    point.month_no,
    point.numerator,
    point.denominator,
    point.actual,
from values_ as evaluated
inner join values_ as point
    on point.goal_id = evaluated.goal_id
    and point.department is not distinct from evaluated.department
    and point.as_of <= evaluated.as_of
    and year(point.as_of) = year(evaluated.as_of)
    and (point.is_month_end or point.as_of = evaluated.as_of)
