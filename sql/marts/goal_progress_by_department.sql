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
with progress as (
    select * from intermediate.int_goal_progress
    where department is not null
)

-- int_goal_progress already holds the columns in the order analysts read them; only its
-- working columns stay behind.
select * exclude (shows_counts, baseline_value, rounding_slack),
from progress
order by goal_id, department, as_of
