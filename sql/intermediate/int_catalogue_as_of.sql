-- The service catalogue as of each evaluation date: one row per as-of date and item, taken
-- from the latest snapshot on or before the date. No snapshot yet means no rows (no data).
with as_of_dates as (
    select * from intermediate.int_as_of_dates
),

snapshots as (
    select distinct snapshot_date from staging.stg_items
),

chosen as (
    select
        as_of_dates.as_of,
        max(snapshots.snapshot_date) as snapshot_date,
    from as_of_dates
    inner join snapshots
        on snapshots.snapshot_date <= as_of_dates.as_of
    group by as_of_dates.as_of
),

items as (
    select * from staging.stg_items
)

select
    chosen.as_of,
    items.*,
from chosen
inner join items
    on items.snapshot_date = chosen.snapshot_date
