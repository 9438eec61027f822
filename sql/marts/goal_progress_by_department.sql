-- Every goal per department: one row per goal, as-of date and department (the department of
-- the record's item; records whose item is not in the catalogue under 未关联事项; a package
-- under its lead item's department). Same columns and rules as marts.goal_progress; a
-- baseline goal's target is the department's own value a year earlier.
-- grain: goal_id, as_of, department
-- materialized: table
-- not_null: goal_id, as_of, department, status
-- accepted: status = achieved, on_track, at_risk, off_track, missed, no_data
-- columns:
--   department: 承办科室 of the item behind the records, or 未关联事项
--   status: on or after the deadline achieved or missed; before it on_track, at_risk or off_track by the projection alone; no_data
--   holds_back: the department keeps the goal from its target today: it has a value and a target, does not meet it, and (a goal with counts) some count at today's denominator still could
--   holding_back_rank: 1, 2, … among the departments holding the goal back at this date: most to go first, then the largest gap, then the department's name; empty when it does not hold the goal back (the goal tab's order; the monthly report lists the first five of a goal off track or missed)
with progress as (
    select * from intermediate.int_goal_progress
    where department is not null
),

judged as (
    select
        *,
        coalesce(not met and (numerator is null or to_go is not null), false) as holds_back,
    from progress
)

-- int_goal_progress already holds the columns in the order analysts read them; only its
-- working columns stay behind.
select
    * exclude (shows_counts, baseline_value, rounding_slack),
    case
        when holds_back then row_number() over (
            partition by goal_id, as_of, holds_back
            order by to_go desc nulls last, gap desc nulls last, department
        )
    end as holding_back_rank,
from judged
order by goal_id, department, as_of
