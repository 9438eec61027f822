-- Statuses are one of the six the app can show, and agree with the deadline rule.
select goal_id, as_of, department, status
from intermediate.int_goal_progress
where status not in ('achieved', 'on_track', 'at_risk', 'off_track', 'missed', 'no_data')
    or (as_of >= deadline and status in ('on_track', 'at_risk', 'off_track'))
    or (as_of < deadline and status = 'missed')
