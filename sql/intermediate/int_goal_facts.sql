-- Every goal's additive counts by department: one row per goal, as-of date and department
-- that has records or items for the goal at that date. Sums over departments give the
-- commission's figure; actual = numerator / denominator.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   numerator: units meeting the goal; for G05 the sum of site visits; for G04 the sum of item reductions
--   denominator: units in scope; for G04 the number of items with completed cases
--   on_time_numerator: duties done by their deadline (done-over-due goals only)
with catalogue_units as (
    select * from intermediate.int_catalogue_goal_units
),

handling_time as (
    select * from intermediate.int_item_handling_time
),

duties as (
    select * from intermediate.int_duty_counts
),

case_facts as (
    select * from intermediate.int_case_goal_facts
)

select
    goal_id,
    as_of,
    department,
    sum(num_value)::double as numerator,
    count(*)::double as denominator,
    null::double as on_time_numerator,
from catalogue_units
group by all
union all
select
    'G04',
    as_of,
    department,
    sum(reduction order by item_code),  -- in a fixed order: the same sum to the last bit every build
    count(*),
    null,
from handling_time
group by all
union all
select
    goal_id,
    as_of,
    department,
    done,
    due,
    on_time,
from duties
union all
select
    goal_id,
    as_of,
    department,
    numerator,
    denominator,
    null,
from case_facts
