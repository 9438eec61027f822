-- Fractions stay within [0, 1]: actual, projection and on-time share of every ratio goal.
-- G04's value is a mean of item reductions (1 - handling/statutory), which is at most 1 but
-- falls below 0 where items take longer than the law allows; its projection before December
-- is clipped (in December the projection is the year's value itself).
select goal_id, as_of, department, actual, projected, on_time
from intermediate.int_goal_progress
where unit = 'ratio'
    and (
        actual > 1
        or (shows_counts and actual < 0)
        or projected > 1
        or (projected < 0 and (shows_counts or month_no < 12))
        or on_time not between 0 and 1
    )
