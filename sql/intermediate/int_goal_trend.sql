-- The least-squares line through a goal's month-end values of the year so far: one row per
-- goal, as-of date of the plan year and scope (a department, or null for the commission).
-- The points are the year's month-ends up to the as-of date, and the as-of date itself.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   slope: change of the value per month
--   intercept: the line's value at month 0
--   points: how many month-ends (and the as-of date) carry a value
--   month_mean: the mean month number of those points
--   month_sxx: the sum of squared distances of their month numbers from month_mean
--   residual_ss: the sum of squared distances of their values from the line (how far the months stray from it)
with values_ as (
    select * from intermediate.int_goal_values
)

select
    evaluated.goal_id,
    evaluated.department,
    evaluated.as_of,
    -- in month order, so the floating-point sums (and the projection) are the same every build
    regr_slope(point.actual, point.month_no order by point.month_no) as slope,
    regr_intercept(point.actual, point.month_no order by point.month_no) as intercept,
    count(point.actual) as points,
    regr_avgx(point.actual, point.month_no order by point.month_no) as month_mean,
    regr_sxx(point.actual, point.month_no order by point.month_no) as month_sxx,
    greatest(0, regr_syy(point.actual, point.month_no order by point.month_no)
        - regr_sxy(point.actual, point.month_no order by point.month_no) ** 2
        / nullif(regr_sxx(point.actual, point.month_no order by point.month_no), 0)) as residual_ss,
from values_ as evaluated
inner join values_ as point
    on point.goal_id = evaluated.goal_id
    and point.department is not distinct from evaluated.department
    and point.as_of <= evaluated.as_of
    and year(point.as_of) = year(evaluated.as_of)
    and (point.is_month_end or point.as_of = evaluated.as_of)
where not evaluated.is_baseline
group by all
