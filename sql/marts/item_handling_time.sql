-- Handling time against the statutory limit per item (behind G04): one row per as-of date and
-- 依申请 item with statutory_days > 0 and year-to-date completed cases.
-- grain: as_of, item_code
-- materialized: table
-- columns:
--   mean_handling_workdays: mean working days from acceptance to completion, less suspended days
--   reduction: 1 - mean_handling_workdays / statutory_days (G04 averages this over items)
--   promised_reduction: 1 - promised_days / statutory_days, the compression the item promises
--   meets: the item's reduction reaches G04's target (the items that do not are the goal tab's list)
with handling as (
    select * from intermediate.int_item_handling_time
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
    where not is_baseline
),

g04 as (
    select cast(target_value as double) as target from staging.stg_targets
    where goal_id = 'G04'
)

select
    handling.as_of,
    handling.item_code,
    handling.item_name,
    handling.department,
    handling.statutory_days,
    handling.promised_days,
    handling.completed_cases,
    handling.mean_handling_workdays,
    handling.reduction,
    1 - handling.promised_days / handling.statutory_days as promised_reduction,
    handling.reduction >= g04.target - 1e-9 as meets,
from handling
inner join as_of_dates
    on as_of_dates.as_of = handling.as_of
left join g04 on true
order by handling.as_of, handling.reduction
