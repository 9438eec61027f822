-- Milestones: ids M01…M15 once each, with a due date, and a known status.
select milestone_id, as_of, status
from marts.milestone_status
where status not in ('done', 'overdue', 'open')
    or due_date is null
    or not regexp_full_match(milestone_id, 'M[0-9]{2}')
