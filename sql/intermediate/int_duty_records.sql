-- The records behind the "100 %" duties (G03, G08, G09, G10, G15): one row per goal and
-- record, with its start, its completion and its deadline in working days.
-- grain: goal_id, record_id
-- materialized: temporary
-- columns:
--   started_at: t: when the duty began (assigned, reviewed, decided)
--   done_at: when the duty was done (responded, reported, rectified, followed up, published)
--   excluded_at: for G09, when verification found the bad review unfounded (不属实/恶意评价)
--   deadline_date: the N-th workday strictly after date(started_at), N from seeds/rules.csv
with targets as (
    select * from staging.stg_targets
),

reviews as (
    select * from staging.stg_reviews
),

records as (
    select 'G03' as goal_id, complaint_id as record_id, item_code, null as case_id,
        assigned_at as started_at, responded_at as done_at, null::timestamp as excluded_at
    from staging.stg_complaints
    union all
    select 'G08', review_id, item_code, case_id, reviewed_at, reported_at, null
    from reviews where is_proactive
    union all
    select 'G09', review_id, item_code, case_id, reviewed_at, rectified_at, unfounded_at
    from reviews where is_bad
    union all
    select 'G10', review_id, item_code, case_id, reviewed_at, followed_up_at, null
    from reviews where is_bad and real_name
    union all
    select 'G15', decision_id, item_code, case_id, decided_at, published_at, null
    from staging.stg_decisions
),

calendar as (
    select * from intermediate.int_calendar
),

-- Each working day by its index (a day off shares the index of the working day before it).
workdays as (
    select workday_index, min(calendar_date) as calendar_date
    from calendar
    where is_workday
    group by workday_index
),

departments as (
    select * from intermediate.int_item_departments
),

-- The one department of records whose item is not in the catalogue: read as a scalar
-- subquery, which DuckDB refuses should the seeds ever name two.
unlinked as (
    select department from seeds.departments where unlinked
)

select
    records.goal_id,
    records.record_id,
    records.item_code,
    departments.item_name,
    coalesce(departments.department, (select department from unlinked)) as department,
    records.case_id,
    records.started_at,
    records.done_at,
    records.excluded_at,
    targets.rule_working_days,
    deadline_day.calendar_date as deadline_date,
from records
inner join targets
    on targets.goal_id = records.goal_id
left join calendar as start_day
    on start_day.calendar_date = cast(records.started_at as date)
left join workdays as deadline_day
    on deadline_day.workday_index = start_day.workday_index + targets.rule_working_days
left join departments
    on departments.item_code = records.item_code
