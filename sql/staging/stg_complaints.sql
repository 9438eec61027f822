-- Complaints assigned by the national platform and 渝快办 (交办投诉): one row per complaint.
-- grain: complaint_id
-- materialized: view
-- not_null: complaint_id, assigned_at
with source as (
    select * from raw.complaints
),

cleaned as (
    select
        trimmed(complaint_id) as complaint_id,
        trim(source) as source,
        nullif(trim(item_code), '') as item_code,
        cast(assigned_at as timestamp) as assigned_at,
        cast(responded_at as timestamp) as responded_at,
        cast(resolved_at as timestamp) as resolved_at,
        content,
    from source
)

select * from cleaned
