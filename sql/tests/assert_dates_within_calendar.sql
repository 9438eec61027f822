-- Every duty has a deadline: its start date and deadline lie in the years the official
-- calendar covers. Without it a duty would never fall due.
select goal_id, record_id, started_at, rule_working_days
from intermediate.int_duty_records
where deadline_date is null
