-- goal_progress_by_department has at most one row per goal, as-of date and department.
select goal_id, as_of, department, count(*) as copies
from marts.goal_progress_by_department
group by goal_id, as_of, department
having count(*) > 1
