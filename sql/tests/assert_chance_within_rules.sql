-- The chance of meeting a goal and its 80 % interval keep their rules
-- (docs/metrics.md#chance-of-meeting): chances within [0, 1] and empty exactly where there is
-- no value or no target; the interval holds the projection, low end first; in December the
-- chance is 1 or 0 as the year's value meets the target, and both ends are the actual.
select goal_id, as_of, department, actual, target, met, projected, p_meet, projected_low, projected_high, p_meet_if_held
from intermediate.int_goal_progress
where p_meet not between 0 and 1
    or p_meet_if_held not between 0 and 1
    or ((actual is null or target is null) != (p_meet is null))
    or ((actual is null) != (projected_low is null or projected_high is null))
    or projected_low > projected + rounding_slack
    or projected_high < projected - rounding_slack
    or (month_no = 12 and (
        p_meet is distinct from case when met then 1.0 when not met then 0.0 end
        or projected_low is distinct from actual
        or projected_high is distinct from actual
        or p_meet_if_held is not null
    ))
