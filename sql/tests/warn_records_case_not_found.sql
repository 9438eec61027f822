-- severity: warn
-- Reviews and decisions that name a case the case table does not hold (the contract allows
-- a missing case_id, but a case_id should lead somewhere). They still count in G08–G10, G15.
-- One anti join for both, so the cases are hashed once; `not in` would be a null-aware join,
-- and stg_cases.case_id is never null (the raw check refuses a blank key).
with records as (
    select 'reviews' as source_table, review_id as record_id, case_id
    from staging.stg_reviews
    where case_id is not null
    union all
    select 'decisions', decision_id, case_id
    from staging.stg_decisions
    where case_id is not null
)

select
    records.source_table,
    records.record_id,
    records.case_id,
from records
anti join intermediate.int_cases_enriched as cases  -- stg_cases' case ids, trimmed once already
    on cases.case_id = records.case_id
