-- goal_progress has exactly one row for every goal in seeds/targets.csv and every as-of date.
with expected as (
    select targets.goal_id, dates.as_of
    from staging.stg_targets as targets
    cross join intermediate.int_as_of_dates as dates
    where not dates.is_baseline
),

actual as (
    select goal_id, as_of, count(*) as copies
    from marts.goal_progress
    group by goal_id, as_of
)

select
    coalesce(expected.goal_id, actual.goal_id) as goal_id,
    coalesce(expected.as_of, actual.as_of) as as_of,
    coalesce(actual.copies, 0) as copies,
from expected
full outer join actual
    on actual.goal_id = expected.goal_id
    and actual.as_of = expected.as_of
where coalesce(actual.copies, 0) <> 1
    or expected.goal_id is null
