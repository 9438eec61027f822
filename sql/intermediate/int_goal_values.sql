-- Every goal's value for the whole commission and for each department, with its baseline:
-- one row per goal, as-of date (baseline date included) and scope. The scope is a department,
-- or null for the whole commission. Every goal has a row at every as-of date, with zero
-- counts where there is nothing to count.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   department: the department, or null for the whole commission
--   actual: numerator / denominator; null when the denominator is zero
--   baseline_numerator: the numerator at the last day of the previous year (same scope)
--   baseline_denominator: the denominator at the last day of the previous year (same scope)
--   baseline_value: the goal's value at the last day of the previous year (same scope)
with facts as (
    select * from intermediate.int_goal_facts
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
),

targets as (
    select * from staging.stg_targets
),

rolled_up as (
    select
        goal_id,
        as_of,
        department,
        -- in department order, so G04's sum of fractions is the same to the last bit every build
        sum(numerator order by department) as numerator,
        sum(denominator) as denominator,
        sum(on_time_numerator) as on_time_numerator,
    from facts
    group by grouping sets ((goal_id, as_of, department), (goal_id, as_of))
),

scopes as (
    select goal_id, null::varchar as department from targets
    union
    select distinct goal_id, department from facts
),

grid as (
    select
        scopes.goal_id,
        scopes.department,
        as_of_dates.as_of,
        as_of_dates.month_no,
        as_of_dates.is_baseline,
        as_of_dates.is_month_end,
        as_of_dates.three_months_earlier,
    from scopes
    cross join as_of_dates
),

valued as (
    select
        grid.*,
        targets.shows_counts,
        coalesce(rolled_up.numerator, 0) as numerator,
        coalesce(rolled_up.denominator, 0) as denominator,
        rolled_up.on_time_numerator,
        case when rolled_up.denominator > 0 then rolled_up.numerator / rolled_up.denominator end as actual,
    from grid
    left join rolled_up
        on rolled_up.goal_id = grid.goal_id
        and rolled_up.as_of = grid.as_of
        and rolled_up.department is not distinct from grid.department
    inner join targets
        on targets.goal_id = grid.goal_id
),

baselines as (
    select
        goal_id,
        department,
        numerator as baseline_numerator,
        denominator as baseline_denominator,
        actual as baseline_value,
    from valued
    where is_baseline
)

select
    valued.*,
    baselines.baseline_numerator,
    baselines.baseline_denominator,
    baselines.baseline_value,
from valued
left join baselines
    on baselines.goal_id = valued.goal_id
    and baselines.department is not distinct from valued.department
