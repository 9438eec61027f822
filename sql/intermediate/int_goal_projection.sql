-- Each goal's value beside its target and its year-end projection: one row per goal, as-of
-- date of the plan year and scope (a department, or null for the whole commission). The
-- projection rules are docs/metrics.md#projection; int_goal_progress judges from here.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   target: the fixed target, or for baseline goals the value as of the previous year's last day
--   recent_rate: the share meeting the goal among the units added in the last three months
--   rest: the units the rest of the year will add at this year's pace so far
--   required_rate: run_rate goals before December: the share of the rest of the year's units that must meet the goal
--   projection: year-end projection: trend (least squares, three month-ends or more) or run rate, clipped to the unit's range; in December the actual itself, unclipped (G04's year value may be negative)
--   rounding_slack: how far apart two values may be and still count as equal (floating-point rounding of target × denominator)
with values_ as (
    select * from intermediate.int_goal_values
),

targets as (
    select * from staging.stg_targets
),

trend as (
    select * from intermediate.int_goal_trend
),

current_ as (
    select
        values_.*,
        targets.area,
        targets.goal_name_zh,
        targets.goal_name_en,
        targets.comparator,
        targets.target_kind,
        targets.tolerance,
        targets.projection_kind,
        targets.deadline,
        targets.unit,
        case
            when targets.target_kind = 'baseline' then values_.baseline_value
            else cast(targets.target_value as double)
        end as target,
        coalesce(earlier.numerator, 0) as numerator_3m_earlier,
        coalesce(earlier.denominator, 0) as denominator_3m_earlier,
        trend.slope,
        trend.intercept,
        trend.points,
        trend.month_mean,
        trend.month_sxx,
        trend.residual_ss,
    from values_
    inner join targets
        on targets.goal_id = values_.goal_id
    left join values_ as earlier
        on earlier.goal_id = values_.goal_id
        and earlier.department is not distinct from values_.department
        and earlier.as_of = values_.three_months_earlier
    left join trend
        on trend.goal_id = values_.goal_id
        and trend.department is not distinct from values_.department
        and trend.as_of = values_.as_of
    where not values_.is_baseline
),

rates as (
    select
        *,
        denominator * (12 - month_no) / month_no as rest,
        case
            when denominator > denominator_3m_earlier
                then (numerator - numerator_3m_earlier) / (denominator - denominator_3m_earlier)
            else actual
        end as recent_rate,
    from current_
),

projected as (
    select
        *,
        case
            when actual is null then null
            when month_no = 12 then actual
            when projection_kind = 'run_rate'
                then (numerator + recent_rate * rest) / (denominator + rest)
            when points >= 3 then intercept + slope * 12
            else actual
        end as raw_projection,
    from rates
)

select
    *,
    case
        when raw_projection is null then null
        when month_no = 12 then raw_projection  -- the year's value is known: shown as it is
        when unit = 'ratio' then greatest(0, least(1, raw_projection))
        else greatest(0, raw_projection)
    end as projection,
    case
        when projection_kind = 'run_rate' and month_no < 12 and rest > 0
            then (target * (denominator + rest) - numerator) / rest
    end as required_rate,
    1e-9 as rounding_slack,
from projected
