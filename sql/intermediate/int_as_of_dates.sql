-- The dates every goal is evaluated at: one row per as-of date. Every month-end of the plan
-- year up to the last data date, the last data date itself when it is not a month-end, and
-- the baseline date (last day of the previous year) that "raise" goals compare against.
-- grain: as_of
-- materialized: table
-- columns:
--   as_of: the evaluation date; only what was known by the end of it counts
--   year_start: 1 January of the as-of date's year: year-to-date records start here
--   month_no: month number k of the as-of date (1…12)
--   is_baseline: the last day of the year before the plan year
--   is_month_end: the as-of date is the last day of its month
--   three_months_earlier: the month-end three months before, when it lies in the same year
--   last_data_date: the latest date found anywhere in the data
with plan as (
    select
        max(deadline) as deadline,
        year(max(deadline)) as plan_year,
    from staging.stg_targets
),

data_dates as (
    select max(snapshot_date) as data_date from staging.stg_items
    union all
    select max(snapshot_date) from staging.stg_one_thing_packages
    union all
    select max(cast(greatest(submitted_at, accepted_at, completed_at) as date)) from staging.stg_cases
    union all
    select max(cast(greatest(reviewed_at, reported_at, verified_at, rectified_at, followed_up_at) as date)) from staging.stg_reviews
    union all
    select max(cast(greatest(assigned_at, responded_at, resolved_at) as date)) from staging.stg_complaints
    union all
    select max(cast(greatest(decided_at, published_at) as date)) from staging.stg_decisions
),

last_data as (
    select max(data_date) as last_data_date from data_dates
),

candidates as (
    select last_day(make_date(plan.plan_year, month_no, 1)) as as_of
    from plan, range(1, 13) as months(month_no)
    union
    select last_data.last_data_date
    from last_data, plan
    where year(last_data.last_data_date) = plan.plan_year
    union
    select make_date(plan.plan_year - 1, 12, 31)
    from plan
),

evaluated as (
    select
        candidates.as_of,
        last_data.last_data_date,
        plan.plan_year,
    from candidates, last_data, plan
    where candidates.as_of <= last_data.last_data_date
)

select
    as_of,
    make_date(year(as_of), 1, 1) as year_start,
    month(as_of) as month_no,
    year(as_of) = plan_year - 1 as is_baseline,
    as_of = last_day(as_of) as is_month_end,
    case
        when month(as_of) > 3 then last_day(as_of - interval 3 month)
    end::date as three_months_earlier,
    plan_year,
    last_data_date,
from evaluated
