-- The marts speak only of the goals in seeds/targets.csv, with ids G01…G21.
select distinct goal_id, 'goal_progress_by_department' as mart
from marts.goal_progress_by_department
where goal_id not in (select goal_id from staging.stg_targets)
union all
select distinct goal_id, 'open_duties'
from marts.open_duties
where goal_id not in (select goal_id from staging.stg_targets)
union all
select goal_id, 'targets'
from staging.stg_targets
where not regexp_full_match(goal_id, 'G[0-9]{2}')
