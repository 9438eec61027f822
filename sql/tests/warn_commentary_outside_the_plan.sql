-- severity: warn
-- Commentary for a goal or a date this warehouse does not hold (a note written against
-- another build's dates): kept, but no page shows it.
select goal_id, as_of, written_at
from marts.goal_commentary
where computed_status is null
