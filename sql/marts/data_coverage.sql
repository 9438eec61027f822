-- What the warehouse was built from: one row per raw table, with its rows and the first and
-- last date it holds (snapshot dates for the catalogue, start dates for records).
-- grain: raw_table
-- materialized: table
-- columns:
--   first_date: the earliest snapshot or start date in the table
--   last_date: the latest snapshot or start date in the table
with coverage as (
    select 'items' as raw_table, count(*) as row_count, min(snapshot_date) as first_date, max(snapshot_date) as last_date
    from staging.stg_items
    union all
    select 'one_thing_packages', count(*), min(snapshot_date), max(snapshot_date)
    from staging.stg_one_thing_packages
    union all
    select 'cases', count(*), min(cast(submitted_at as date)), max(cast(submitted_at as date))
    from staging.stg_cases
    union all
    select 'reviews', count(*), min(cast(reviewed_at as date)), max(cast(reviewed_at as date))
    from staging.stg_reviews
    union all
    select 'complaints', count(*), min(cast(assigned_at as date)), max(cast(assigned_at as date))
    from staging.stg_complaints
    union all
    select 'decisions', count(*), min(cast(decided_at as date)), max(cast(decided_at as date))
    from staging.stg_decisions
)

select
    raw_table,
    row_count,
    first_date,
    last_date,
from coverage
