-- Counted goals never have more units meeting the goal than units in scope (done <= due),
-- and the on-time duties never exceed the done ones. G05 counts trips, so it is left out.
select goal_id, as_of, department, numerator, denominator, on_time, actual
from intermediate.int_goal_progress
where unit = 'ratio'
    and (
        numerator > denominator
        or numerator < 0
        or on_time > actual + rounding_slack
    )
