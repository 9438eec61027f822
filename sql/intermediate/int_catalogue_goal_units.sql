-- The catalogue goals item by item: one row per catalogue goal, as-of date and item (or
-- package, for G11) in the goal's denominator, saying whether it counts in the numerator.
-- grain: goal_id, as_of, unit_id
-- materialized: temporary
-- columns:
--   unit_id: item_code, or package_code for G11
--   num_value: what the unit adds to the numerator: 1/0, or the item's site visits for G05
--   meets: the unit already does what the goal asks (for G05: needs no trip on site)
with catalogue as (
    select * from intermediate.int_catalogue_as_of
),

packages as (
    select * from intermediate.int_packages_as_of
),

units as (
    select 'G01' as goal_id, as_of, item_code as unit_id, item_name as unit_name, department,
        online_depth = 4 as meets, null::double as num_value
    from catalogue where is_licensing
    union all
    select 'G02', as_of, item_code, item_name, department, online_depth = 4, null
    from catalogue where on_application
    union all
    select 'G05', as_of, item_code, item_name, department, site_visits = 0, site_visits
    from catalogue where on_application
    union all
    select 'G06', as_of, item_code, item_name, department, handling_type = '即办件', null
    from catalogue where on_application
    union all
    select 'G12', as_of, item_code, item_name, department, on_yukuaiban, null
    from catalogue where is_licensing
    union all
    select 'G13', as_of, item_code, item_name, department, cross_province_live, null
    from catalogue where cross_province_planned
    union all
    select 'G14', as_of, item_code, item_name, department, chuanyu_live, null
    from catalogue where chuanyu_batch = 2
    union all
    select 'G17', as_of, item_code, item_name, department, in_hall and chief_rep, null
    from catalogue where on_application
    union all
    select 'G18', as_of, item_code, item_name, department, online_depth >= 3, null
    from catalogue where on_application
    union all
    select 'G11', as_of, package_code, package_name, department, fully_integrated, null
    from packages where high_frequency
)

select
    goal_id,
    as_of,
    unit_id,
    unit_name,
    department,
    meets,
    coalesce(num_value, case when meets then 1 else 0 end) as num_value,
from units
