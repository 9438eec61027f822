-- The least-squares line through a goal's month-end values of the year so far: one row per
-- goal, as-of date of the plan year and scope (a department, or null for the commission).
-- The points are the year's month-ends up to the as-of date, and the as-of date itself
-- (int_goal_points).
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   slope: change of the value per month
--   intercept: the line's value at month 0
--   points: how many month-ends (and the as-of date) carry a value
--   month_mean: the mean month number of those points
--   month_sxx: the sum of squared distances of their month numbers from month_mean
--   residual_ss: the sum of squared distances of their values from the line (how far the months stray from it)
with points as (
    select * from intermediate.int_goal_points
)

select
    goal_id,
    department,
    as_of,
    -- in month order, so the floating-point sums (and the projection) are the same every build
    regr_slope(actual, month_no order by month_no) as slope,
    regr_intercept(actual, month_no order by month_no) as intercept,
    count(actual) as points,
    regr_avgx(actual, month_no order by month_no) as month_mean,
    regr_sxx(actual, month_no order by month_no) as month_sxx,
    greatest(0, regr_syy(actual, month_no order by month_no)
        - regr_sxy(actual, month_no order by month_no) ** 2
        / nullif(regr_sxx(actual, month_no order by month_no), 0)) as residual_ss,
from points
group by all
