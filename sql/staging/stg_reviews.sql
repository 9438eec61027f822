-- Reviews (好差评): one row per review, typed, with the flags the review goals use.
-- grain: review_id
-- materialized: view
-- not_null: review_id, reviewed_at, rating
-- columns:
--   is_proactive: given by the applicant (channel other than 系统默认)
--   is_bad: rating 1 非常不满意 or 2 不满意
--   unfounded_at: when verification found a bad review 不属实 or 恶意评价; from then on it is out of G09
with source as (
    select * from raw.reviews
),

cleaned as (
    select
        trimmed(review_id) as review_id,
        nullif(trimmed(case_id), '') as case_id,
        nullif(trim(item_code), '') as item_code,
        trim(channel) as channel,
        cast(rating as integer) as rating,
        cast(reviewed_at as timestamp) as reviewed_at,
        coalesce(cast(real_name as boolean), false) as real_name,
        cast(reported_at as timestamp) as reported_at,
        cast(verified_at as timestamp) as verified_at,
        nullif(trim(verified_result), '') as verified_result,
        cast(rectified_at as timestamp) as rectified_at,
        cast(followed_up_at as timestamp) as followed_up_at,
        comment,
    from source
)

select
    *,
    channel <> '系统默认' as is_proactive,
    rating <= 2 as is_bad,
    case when verified_result in ('不属实', '恶意评价') then verified_at end as unfounded_at,
from cleaned
