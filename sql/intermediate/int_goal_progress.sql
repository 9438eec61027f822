-- Target versus actual, projection, "to go" and status for every goal and scope: one row
-- per goal, as-of date of the plan year and scope (a department, or null for the whole
-- commission): whether the target is met, the shortfalls and the status (docs/metrics.md#projection-to-go-and-status),
-- from the value and projection of int_goal_projection. The two goal_progress marts read this.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   target: the fixed target, or for baseline goals the value as of the previous year's last day
--   met: the actual meets the target today ("met today"; exact on the counts for count-based goals); never the status before the deadline
--   on_time: share of due duties done by their deadline (done-over-due goals)
--   projected: year-end projection: least-squares trend over month-ends, or the run rate of the last three months
--   p_meet: the chance that the year-end value meets the target, from what is known at the as-of date; in December 1 or 0; empty with no value or no target
--   projected_low: the 10th percentile of the year-end value (the low end of its 80 % interval), never above the projection; in December the actual
--   projected_high: the 90th percentile of the year-end value (the high end of its 80 % interval), never below the projection; in December the actual
--   p_meet_if_held: run_rate goals from January to October with a required rate within 0–100 %: the chance at the next month-end if the coming month's units meet the goal at exactly the required rate
--   recent_rate: run_rate goals: the share meeting the goal among the units added in the last three months
--   required_rate: share of the rest of the year's units that must meet the goal (run_rate goals, before December)
--   to_go: more units needed at today's denominator (trips to remove for G05; none for G04; none when no count at today's denominator can beat the baseline)
--   gap: how far the actual falls short of the target, in the metric's unit (negative: ahead)
--   projected_gap: how far the projection falls short of the target (negative: ahead)
--   within_tolerance: the shortfall (of the actual at the deadline, of the projection before) is no more than the tolerance
with projected as (
    select * from intermediate.int_goal_projection
),

chances as (
    select * from intermediate.int_goal_chance
),

judged as (
    select
        *,
        case
            when actual is null or target is null then null
            when comparator = '>' and shows_counts
                then numerator * baseline_denominator > baseline_numerator * denominator
            when comparator = '>' then actual > target
            when comparator = '<=' then numerator <= target * denominator + rounding_slack
            else numerator >= target * denominator - rounding_slack
        end as is_met,
        case
            when comparator = '<=' then actual - target
            else target - actual
        end as shortfall,
        -- '>' goals with counts: the count that beats the baseline at today's denominator,
        -- ⌊b·den⌋ + 1 (exact on the counts)
        case
            when comparator = '>' and shows_counts and baseline_denominator > 0
                then (cast(baseline_numerator as hugeint) * cast(denominator as hugeint)) // cast(baseline_denominator as hugeint) + 1
        end as beats_baseline_at,
    from projected
),

finished as (
    select
        *,
        case
            when comparator = '<=' then projection - target
            else target - projection
        end as projected_shortfall,
        case
            when comparator = '<=' then projection <= target + rounding_slack
            when comparator = '>' then projection > target + rounding_slack
            else projection >= target - rounding_slack
        end as projection_meets,
    from judged
)

select
    finished.goal_id,
    finished.area,
    finished.goal_name_zh,
    finished.goal_name_en,
    finished.department,
    finished.as_of,
    finished.month_no,
    case when finished.shows_counts then finished.numerator end as numerator,
    case when finished.shows_counts then finished.denominator end as denominator,
    finished.actual,
    finished.target,
    finished.target_kind,
    finished.comparator,
    finished.tolerance,
    finished.unit,
    finished.shows_counts,
    finished.is_met as met,
    case when finished.denominator > 0 then finished.on_time_numerator / finished.denominator end as on_time,
    finished.projection as projected,
    case
        when finished.actual is null or finished.target is null then null
        when finished.month_no = 12 then case when finished.is_met then 1.0 else 0.0 end
        else chances.p_meet
    end as p_meet,
    case when finished.month_no = 12 then finished.actual else chances.projected_low end as projected_low,
    case when finished.month_no = 12 then finished.actual else chances.projected_high end as projected_high,
    chances.p_meet_if_held,
    finished.projection_kind,
    case when finished.projection_kind = 'run_rate' then finished.recent_rate end as recent_rate,
    finished.required_rate,
    case
        when not finished.shows_counts or finished.actual is null or finished.target is null then null
        when finished.comparator = '>=' then greatest(0, ceil(finished.target * finished.denominator - finished.rounding_slack) - finished.numerator)
        when finished.comparator = '<=' then greatest(0, finished.numerator - floor(finished.target * finished.denominator + finished.rounding_slack))
        when finished.comparator = '=' then finished.denominator - finished.numerator
        -- none when more units would have to count than there are (a baseline of 100 %)
        when finished.comparator = '>' and finished.beats_baseline_at <= finished.denominator
            then greatest(0, finished.beats_baseline_at - finished.numerator)
    end::bigint as to_go,
    finished.shortfall as gap,
    finished.projected_shortfall as projected_gap,
    case
        when finished.as_of >= finished.deadline then finished.shortfall <= finished.tolerance + finished.rounding_slack
        else finished.projected_shortfall <= finished.tolerance + finished.rounding_slack
    end as within_tolerance,
    finished.deadline,
    finished.baseline_value,
    finished.rounding_slack,
    case
        when finished.actual is null or finished.target is null then 'no_data'
        when finished.as_of >= finished.deadline and finished.is_met then 'achieved'
        when finished.as_of >= finished.deadline then 'missed'
        when finished.projection_meets then 'on_track'
        when finished.projected_shortfall <= finished.tolerance + finished.rounding_slack then 'at_risk'
        else 'off_track'
    end as status,
from finished
left join chances
    on chances.goal_id = finished.goal_id
    and chances.department is not distinct from finished.department
    and chances.as_of = finished.as_of
