-- A case is submitted before it is accepted and accepted before it is completed; a
-- completed case has a completion time, an open one (在办) none.
select case_id, status, submitted_at, accepted_at, completed_at
from staging.stg_cases
where accepted_at < submitted_at
    or completed_at < coalesce(accepted_at, submitted_at)
    or (is_completed and (completed_at is null or accepted_at is null))
    or (status = '在办' and completed_at is not null)
