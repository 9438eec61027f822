-- Which snapshot answers for each evaluation date: one row per as-of date and snapshot
-- source (items, packages), the latest snapshot on or before the date. A date before the
-- first snapshot has no row: no catalogue, no data.
-- grain: source, as_of
-- materialized: temporary
with as_of_dates as (
    select * from intermediate.int_as_of_dates
),

snapshots as (
    select distinct 'items' as source, snapshot_date from staging.stg_items
    union all
    select distinct 'packages', snapshot_date from staging.stg_one_thing_packages
)

select
    snapshots.source,
    as_of_dates.as_of,
    max(snapshots.snapshot_date) as snapshot_date,
from as_of_dates
inner join snapshots
    on snapshots.snapshot_date <= as_of_dates.as_of
group by snapshots.source, as_of_dates.as_of
