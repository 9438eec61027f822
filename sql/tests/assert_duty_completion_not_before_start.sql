-- A duty is not done before it starts (a response before the assignment, a rectification
-- before the review).
select goal_id, record_id, started_at, done_at
from intermediate.int_duty_records
where done_at < started_at
