-- Where the commission stands on every goal: one row per goal and as-of date of the plan
-- year (every month-end up to the last data date, and the last data date). Target versus
-- actual, the year-end projection, what it would take and the status (docs/metrics.md).
-- grain: goal_id, as_of
-- materialized: table
-- not_null: goal_id, as_of, status
-- accepted: status = achieved, on_track, at_risk, off_track, missed, no_data
-- columns:
--   goal_id: G01…G21 as in docs/metrics.md and seeds/targets.csv
--   as_of: only what was known by the end of this date counts
--   numerator: units meeting the goal (site visits for G05; empty for G04, a mean of item reductions)
--   denominator: units in scope (empty for G04)
--   actual: the goal's value: a fraction (0.8, not 80), or trips for G05
--   target: the fixed target, or for baseline goals the value as of the previous year's last day
--   comparator: >=, <=, = (a 100 % goal) or > (strictly above the baseline)
--   met: the actual meets the target today (shown as "met today"); before the deadline it is not the status
--   on_time: done-over-due goals: share of due duties done by their deadline
--   projected: the year-end projection (trend: least squares over month-ends; run_rate: last three months' rate)
--   p_meet: the chance that the year-end value meets the target, given only what was known at the as-of date (docs/metrics.md#chance-of-meeting); in December 1 or 0; empty with no value or no target
--   projected_low: the low end of the 80 % interval of the year-end value (its 10th percentile), never above the projection; in December the actual
--   projected_high: the high end of the 80 % interval of the year-end value (its 90th percentile), never below the projection; in December the actual
--   p_meet_if_held: run_rate goals from January to October with a required rate within 0–100 %: the chance at the next month-end if the coming month's units meet the goal at exactly the required rate
--   recent_rate: run_rate goals: the share meeting the goal among the units added in the last three months (the rate the projection carries forward)
--   required_rate: run_rate goals before December: the share of the rest of the year's units that must meet the goal (above 1: out of reach; below 0: assured)
--   to_go: more units needed at today's denominator: items, cases, duties; trips to remove for G05; none for G04; none when no count at today's denominator can beat the baseline (a baseline of 100 %)
--   gap: how far the actual falls short of the target, in the metric's unit (negative: ahead)
--   within_tolerance: the shortfall (of the actual at the deadline, of the projection before it) is within the goal's tolerance
--   status: on or after the deadline achieved or missed; before it on_track, at_risk or off_track by the projection alone; no_data
with progress as (
    select * from intermediate.int_goal_progress
    where department is null
)

-- int_goal_progress already holds the columns in the order analysts read them; only its
-- working columns stay behind.
select * exclude (department, shows_counts, baseline_value, rounding_slack),
from progress
order by goal_id, as_of
