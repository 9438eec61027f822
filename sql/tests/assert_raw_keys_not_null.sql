-- No raw row lacks its key or the start time its metrics are counted from.
select 'items' as raw_table, item_code as key_value, 'snapshot_date or item_code' as missing
from raw.items where snapshot_date is null or item_code is null
union all
select 'one_thing_packages', package_code, 'snapshot_date or package_code'
from raw.one_thing_packages where snapshot_date is null or package_code is null
union all
select 'cases', case_id, 'case_id or submitted_at' from raw.cases where case_id is null or submitted_at is null
union all
select 'reviews', review_id, 'review_id or reviewed_at' from raw.reviews where review_id is null or reviewed_at is null
union all
select 'complaints', complaint_id, 'complaint_id or assigned_at' from raw.complaints where complaint_id is null or assigned_at is null
union all
select 'decisions', decision_id, 'decision_id or decided_at' from raw.decisions where decision_id is null or decided_at is null
