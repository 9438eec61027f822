-- Fractions stay within [0, 1]: actual, projection and on-time share of every ratio goal.
select goal_id, as_of, department, actual, projected, on_time
from intermediate.int_goal_progress
where unit = 'ratio'
    and (
        actual not between 0 and 1
        or projected not between 0 and 1
        or on_time not between 0 and 1
    )
