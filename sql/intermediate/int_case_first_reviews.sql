-- Each case's first proactive review (not given by 系统默认): one row per reviewed case. The
-- case goals count a case as reviewed from this moment (int_cases_enriched, and through it the
-- lists of marts.case_goal_records).
-- grain: case_id
-- materialized: view
-- columns:
--   first_proactive_review_at: the earliest proactive review of the case
select
    case_id,
    min(reviewed_at) as first_proactive_review_at,
from staging.stg_reviews
where is_proactive
    and case_id is not null
group by case_id
