-- Statuses are one of the six the app can show, and agree with the deadline rule: nothing is
-- achieved or missed before the deadline (docs/metrics.md#status), and in December the projection
-- is the actual, exactly (unclipped: G04's year value may be negative).
select goal_id, as_of, department, status
from intermediate.int_goal_progress
where status not in ('achieved', 'on_track', 'at_risk', 'off_track', 'missed', 'no_data')
    or (as_of >= deadline and status in ('on_track', 'at_risk', 'off_track'))
    or (as_of < deadline and status in ('achieved', 'missed'))
    or (month_no = 12 and projected is distinct from actual)
