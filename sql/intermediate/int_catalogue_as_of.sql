-- The service catalogue as of each evaluation date: one row per as-of date and item, taken
-- from the latest snapshot on or before the date. No snapshot yet means no rows (no data).
-- grain: as_of, item_code
-- materialized: temporary
with chosen as (
    select * from intermediate.int_snapshots_as_of
    where source = 'items'
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
