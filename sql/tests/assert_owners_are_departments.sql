-- Every goal and milestone names its responsible department and leading office from
-- seeds/departments.csv (the unlinked-items row is no owner).
select 'goal' as kind, goal_id as id, owner_department as department
from marts.goals
where owner_department not in (select department from seeds.departments where not unlinked)
union all
select 'goal', goal_id, lead_office
from marts.goals
where lead_office not in (select department from seeds.departments where not unlinked)
union all
select distinct 'milestone', milestone_id, owner_department
from marts.milestone_status
where owner_department not in (select department from seeds.departments where not unlinked)
union all
select distinct 'milestone', milestone_id, lead_office
from marts.milestone_status
where lead_office not in (select department from seeds.departments where not unlinked)
