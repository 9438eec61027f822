-- severity: warn
-- Reviews and decisions that name a case the case table does not hold (the contract allows
-- a missing case_id, but a case_id should lead somewhere). They still count in G08–G10, G15.
select 'reviews' as source_table, review_id as record_id, case_id
from staging.stg_reviews
where case_id is not null
    and case_id not in (select case_id from staging.stg_cases)
union all
select 'decisions', decision_id, case_id
from staging.stg_decisions
where case_id is not null
    and case_id not in (select case_id from staging.stg_cases)
