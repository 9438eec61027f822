-- Every raw table's key is unique across all its files (DATA_CONTRACT.md).
select 'items' as raw_table, snapshot_date || ' ' || item_code as key_value, count(*) as copies
from raw.items group by snapshot_date, item_code having count(*) > 1
union all
select 'one_thing_packages', snapshot_date || ' ' || package_code, count(*)
from raw.one_thing_packages group by snapshot_date, package_code having count(*) > 1
union all
select 'cases', case_id, count(*) from raw.cases group by case_id having count(*) > 1
union all
select 'reviews', review_id, count(*) from raw.reviews group by review_id having count(*) > 1
union all
select 'complaints', complaint_id, count(*) from raw.complaints group by complaint_id having count(*) > 1
union all
select 'decisions', decision_id, count(*) from raw.decisions group by decision_id having count(*) > 1
