-- The case-based views shown beside the item-based goals (docs/metrics.md#the-case-based-views-beside-the-item-based-goals): one row per
-- view, as-of date and scope (a department, or null for the whole commission).
-- grain: metric_id, goal_id, as_of, department
-- materialized: table
-- columns:
--   metric_id: fully_online_case_share (beside G01/G02), mean_case_site_visits (G05), same_day_completion_share (G06), case_weighted_reduction and promised_reduction (G04)
--   goal_id: the goal the view stands beside
--   department: the department, or null for the whole commission
--   value: numerator / denominator (for promised_reduction the mean over items)
with counts as (
    select * from intermediate.int_case_counts_ytd
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
    where not is_baseline
),

handling as (
    select * from intermediate.int_item_handling_time
),

catalogue as (
    select * from intermediate.int_catalogue_as_of
    where on_application
        and statutory_days > 0
),

parts as (
    select
        'fully_online_case_share' as metric_id,
        'G02' as goal_id,
        counts.as_of,
        counts.department,
        counts.fully_online_cases as numerator,
        counts.accepted_cases as denominator,
    from counts
    inner join as_of_dates
        on as_of_dates.as_of = counts.as_of
    where counts.accepted_cases > 0
    union all
    select 'mean_case_site_visits', 'G05', counts.as_of, counts.department, counts.site_visits, counts.accepted_cases
    from counts
    inner join as_of_dates
        on as_of_dates.as_of = counts.as_of
    where counts.accepted_cases > 0
    union all
    select 'same_day_completion_share', 'G06', counts.as_of, counts.department, counts.same_day_cases, counts.completed_cases
    from counts
    inner join as_of_dates
        on as_of_dates.as_of = counts.as_of
    where counts.completed_cases > 0
    union all
    select
        'case_weighted_reduction',
        'G04',
        handling.as_of,
        handling.department,
        sum(handling.total_statutory_days - handling.total_handling_workdays),
        sum(handling.total_statutory_days),
    from handling
    inner join as_of_dates
        on as_of_dates.as_of = handling.as_of
    group by all
    union all
    select
        'promised_reduction',
        'G04',
        catalogue.as_of,
        catalogue.department,
        sum(1 - catalogue.promised_days / catalogue.statutory_days order by catalogue.item_code),
        count(*),
    from catalogue
    inner join as_of_dates
        on as_of_dates.as_of = catalogue.as_of
    group by all
),

rolled_up as (
    select
        metric_id,
        goal_id,
        as_of,
        department,
        sum(numerator order by department) as numerator,
        sum(denominator order by department) as denominator,
    from parts
    group by grouping sets ((metric_id, goal_id, as_of, department), (metric_id, goal_id, as_of))
)

select
    metric_id,
    goal_id,
    as_of,
    department,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator,
    case when denominator > 0 then numerator / denominator end as value,
from rolled_up
order by metric_id, as_of, department nulls first
