-- Licensing and penalty decisions subject to 双公示: one row per decision.
-- grain: decision_id
-- materialized: view
-- not_null: decision_id, decided_at
with source as (
    select * from raw.decisions
),

cleaned as (
    select
        trimmed(decision_id) as decision_id,
        trim(decision_type) as decision_type,
        nullif(trimmed(case_id), '') as case_id,
        nullif(trim(item_code), '') as item_code,
        cast(decided_at as timestamp) as decided_at,
        cast(published_at as timestamp) as published_at,
    from source
)

select * from cleaned
