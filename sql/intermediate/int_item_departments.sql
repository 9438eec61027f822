-- Each catalogue item's department and name from its most recent snapshot: one row per item.
-- Records (cases, reviews, complaints, decisions) are attributed to departments through it;
-- a record whose item never appears in the catalogue goes under 未关联事项.
-- grain: item_code
-- materialized: table
with items as (
    select * from staging.stg_items
)

select
    item_code,
    arg_max(item_name, snapshot_date) as item_name,
    arg_max(department, snapshot_date) as department,
    arg_max(category, snapshot_date) as category,
    max(snapshot_date) as last_snapshot_date,
from items
group by item_code
