-- The items (or, for G11, packages) behind each catalogue goal: one row per goal, as-of date
-- and unit in the goal's denominator, with whether it already meets the goal. Filter
-- `not meets` for the items that hold the number back.
-- grain: goal_id, as_of, unit_id
-- materialized: table
-- columns:
--   unit_id: item_code, or package_code for G11
--   meets: the unit does what the goal asks (fully online, 即办件, on 渝快办, live, in the hall with a chief representative, …)
--   site_visits: the item's required trips (G05)
--   online_depth: 0 线下 … 4 全程网办 (items)
with units as (
    select * from intermediate.int_catalogue_goal_units
),

catalogue as (
    select * from intermediate.int_catalogue_as_of
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
    where not is_baseline
)

select
    units.goal_id,
    units.as_of,
    units.unit_id,
    units.unit_name,
    units.department,
    units.meets,
    catalogue.category,
    catalogue.online_depth,
    catalogue.handling_type,
    catalogue.site_visits,
    catalogue.statutory_days,
    catalogue.promised_days,
from units
inner join as_of_dates
    on as_of_dates.as_of = units.as_of
left join catalogue
    on catalogue.as_of = units.as_of
    and catalogue.item_code = units.unit_id
order by units.goal_id, units.as_of, units.department, units.unit_id
