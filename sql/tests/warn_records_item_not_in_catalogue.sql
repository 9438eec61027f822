-- severity: warn
-- Records whose item never appears in the catalogue. The contract allows them; the goals
-- file them under 未关联事项. Reported so the catalogue can be completed.
with known as (
    select distinct item_code from staging.stg_items
)
select 'cases' as source_table, case_id as record_id, item_code
from staging.stg_cases where item_code is null or item_code not in (select item_code from known)
union all
select 'complaints', complaint_id, item_code
from staging.stg_complaints where item_code is null or item_code not in (select item_code from known)
union all
select 'reviews', review_id, item_code
from staging.stg_reviews where item_code is null or item_code not in (select item_code from known)
union all
select 'decisions', decision_id, item_code
from staging.stg_decisions where item_code is null or item_code not in (select item_code from known)
