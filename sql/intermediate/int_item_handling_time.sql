-- Handling time against the statutory limit (G04) item by item: one row per as-of date and
-- 依申请 item in the catalogue as of that date with statutory_days > 0 and at least one case
-- completed (办结) in the year to date.
-- grain: as_of, item_code
-- materialized: temporary
-- columns:
--   completed_cases: year-to-date 办结 cases of the item with an acceptance time
--   mean_handling_workdays: mean of max(0, wd_between(accepted, completed) - suspended_days)
--   reduction: 1 - mean_handling_workdays / statutory_days
--   total_handling_workdays: sum of the cases' handling working days (for the case-weighted view)
--   total_statutory_days: statutory days times cases (for the case-weighted view)
with catalogue as (
    select * from intermediate.int_catalogue_as_of
    where on_application
        and statutory_days > 0
),

cases as (
    select * from intermediate.int_cases_enriched
    where is_completed
        and accepted_date is not null
        and completed_date is not null
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
),

per_item as (
    select
        catalogue.as_of,
        catalogue.item_code,
        catalogue.item_name,
        catalogue.department,
        catalogue.statutory_days,
        catalogue.promised_days,
        count(*) as completed_cases,
        avg(cases.handling_workdays) as mean_handling_workdays,
        sum(cases.handling_workdays) as total_handling_workdays,
    from catalogue
    inner join as_of_dates
        on as_of_dates.as_of = catalogue.as_of
    inner join cases
        on cases.item_code = catalogue.item_code
        and cases.completed_date between as_of_dates.year_start and as_of_dates.as_of
    group by all
)

select
    as_of,
    item_code,
    item_name,
    department,
    statutory_days,
    promised_days,
    completed_cases,
    mean_handling_workdays,
    1 - mean_handling_workdays / statutory_days as reduction,
    total_handling_workdays,
    completed_cases * statutory_days as total_statutory_days,
from per_item
