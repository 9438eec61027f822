-- severity: warn
-- Records whose item never appears in the catalogue. The contract allows them; the goals
-- file them under 未关联事项. Reported so the catalogue can be completed. Anti joins (not
-- exists), since stg_items.item_code is never null (a raw key).
with known as materialized (
    select distinct item_code from staging.stg_items
)
select 'cases' as source_table, case_id as record_id, item_code
from staging.stg_cases as records
where item_code is null or not exists (select 1 from known where known.item_code = records.item_code)
union all
select 'complaints', complaint_id, item_code
from staging.stg_complaints as records
where item_code is null or not exists (select 1 from known where known.item_code = records.item_code)
union all
select 'reviews', review_id, item_code
from staging.stg_reviews as records
where item_code is null or not exists (select 1 from known where known.item_code = records.item_code)
union all
select 'decisions', decision_id, item_code
from staging.stg_decisions as records
where item_code is null or not exists (select 1 from known where known.item_code = records.item_code)
