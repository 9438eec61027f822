-- Every goal in seeds/targets.csv has a known comparator, kind and unit, a target or the
-- baseline rule, and done-over-due goals have their rule's working days.
select goal_id, comparator, target_kind, target_value, projection_kind, unit, rule, rule_working_days
from staging.stg_targets
where comparator not in ('>=', '<=', '=', '>')
    or projection_kind not in ('trend', 'run_rate')
    or unit not in ('ratio', 'trips')
    or (target_kind = 'fixed' and target_value is null)
    or (target_kind = 'baseline' and comparator <> '>')
    or (rule is not null and rule_working_days is null)
    or deadline is null
