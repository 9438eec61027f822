-- How likely each goal is to meet its target at the year end, and the range its year-end
-- value is likely to fall in, before December: one row per goal, as-of date and scope that
-- has a value. The spread of the year-end value is worked out here from the months so far;
-- goal_chance() draws the year end from it (qjgov/warehouse/chance.py, seeded, so every build
-- of the same data gives the same numbers). The rules are docs/metrics.md#chance-of-meeting;
-- int_goal_progress adds December (known, not drawn) and the rows without data.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   rate_sd: run_rate goals: the standard deviation of the share of the rest of the year's units that will meet the goal, around the recent rate
--   line_sd: trend goals: the standard deviation of the trend line's value at month 12, from how far the months stray from the line
--   move_chance: trend goals: the chance that a month left changes the value
--   move_sd: trend goals: the standard deviation of a month's change when it changes
--   p_meet: the chance that the year-end value meets the target
--   projected_low: the 10th percentile of the year-end value, or the projection when that is lower
--   projected_high: the 90th percentile of the year-end value, or the projection when that is higher
--   p_meet_if_held: run_rate goals: the chance at the next month-end if the coming month's units meet the goal at exactly the required rate
with projected as (
    select * from intermediate.int_goal_projection
    where month_no < 12 and actual is not null
),

-- The values the spread is read from (int_goal_points: the year's month-ends up to the
-- as-of date, and the as-of date itself), with the year to date's share, for the binomial
-- noise a month's share carries.
points as (
    select
        point.*,
        least(1, greatest(0, evaluated.actual)) as share,
    from intermediate.int_goal_points as point
    inner join projected as evaluated
        on evaluated.goal_id = point.goal_id
        and evaluated.department is not distinct from point.department
        and evaluated.as_of = point.as_of
),

-- Each month's own units (the year-to-date counts less the month before's) and its share.
months as (
    select
        *,
        denominator - coalesce(lag(denominator) over by_month, 0) as month_units,
        numerator - coalesce(lag(numerator) over by_month, 0) as month_met,
        actual - lag(actual) over by_month as value_change,
    from points
    window by_month as (partition by goal_id, department, as_of order by month_no)
),

month_rates as (
    select
        *,
        case when month_units > 0 then month_met / month_units end as month_rate,
    from months
),

-- How a month's share moved from the month before's, and how much of that the sampling noise
-- of the two months' units explains by itself.
rate_changes as (
    select
        *,
        month_rate - lag(month_rate) over by_month as rate_change,
        share * (1 - share) * (1 / month_units + 1 / lag(month_units) over by_month) as rate_noise,
    from month_rates
    window by_month as (partition by goal_id, department, as_of order by month_no)
),

spread as (
    select
        goal_id,
        department,
        as_of,
        -- the steps' squares beyond sampling noise (none when the noise explains them all)
        sum(rate_change ** 2 - rate_noise) as rate_excess,
        count(rate_change) as rate_steps,
        count(value_change) as value_steps,
        count(*) filter (where abs(value_change) > 1e-9) as value_moves,  -- months whose value changed
        coalesce(sum(value_change ** 2) filter (where abs(value_change) > 1e-9), 0) as value_move_ss,
    from rate_changes
    group by all
),

settings as (
    select
        0.01 as usual_rate_step,  -- run_rate: a month's share moves about this much from the month before's
        3 as usual_rate_steps,  -- … which counts as much as this many steps seen in the data
        0.02 as usual_value_move,  -- trend: when a month's value changes, it moves about this much (two percentage points, 0.02 trips)
        2 as usual_value_moves,  -- … which counts as much as this many moves seen in the data
),

spreads as (
    select
        projected.goal_id,
        projected.department,
        projected.as_of,
        projected.month_no,
        projected.projection_kind,
        projected.comparator,
        projected.target,
        projected.unit,
        projected.rounding_slack,
        projected.actual,
        projected.numerator,
        projected.denominator,
        projected.rest,
        projected.recent_rate,
        projected.required_rate,
        projected.denominator - projected.denominator_3m_earlier as recent_units,
        projected.raw_projection,
        projected.projection,
        12 - projected.month_no as months_left,
        projected.numerator - projected.numerator_3m_earlier as recent_met,
        -- run_rate: the share the rest of the year's units will meet, around the recent rate:
        -- a random walk from it, averaged over the h months left ((h + 1)(2h + 1) / 6h steps'
        -- worth), whose step is the months' own beyond sampling noise, drawn towards the usual
        -- step while few months are known; plus the recent rate's own sampling noise
        case when projected.projection_kind = 'run_rate' then sqrt(
            (settings.usual_rate_steps * settings.usual_rate_step ** 2 + greatest(coalesce(spread.rate_excess, 0), 0))
                / (settings.usual_rate_steps + spread.rate_steps)
                * (months_left + 1) * (2 * months_left + 1) / (6 * months_left)
            + case
                when recent_units > 0 and projected.recent_rate between 0 and 1
                    then projected.recent_rate * (1 - projected.recent_rate) / recent_units
                else 0
            end
        ) end as rate_sd,
        -- trend: how far the line's value at month 12 may be off, from how far the months
        -- stray from it (three points or more: the variance of a least-squares line's value)
        case when projected.projection_kind = 'trend' then sqrt(
            case
                when projected.points >= 3 and projected.month_sxx > 0
                    then projected.residual_ss / greatest(projected.points - 2, 1)
                        * (1 / projected.points + (12 - projected.month_mean) ** 2 / projected.month_sxx)
                else 0
            end
        ) end as line_sd,
        -- trend: the months left move the value with the chance that a month so far moved it
        -- (a quarter of a changed and of an unchanged month added, so neither is certain) …
        case when projected.projection_kind = 'trend'
            then (spread.value_moves + 0.25) / (spread.value_steps + 0.5)
        end as move_chance,
        -- … by about as much as the months that moved it did, drawn towards the usual move
        case when projected.projection_kind = 'trend' then sqrt(
            (settings.usual_value_moves * settings.usual_value_move ** 2 + spread.value_move_ss)
                / (settings.usual_value_moves + spread.value_moves)
        ) end as move_sd,
    from projected
    inner join spread
        on spread.goal_id = projected.goal_id
        and spread.department is not distinct from projected.department
        and spread.as_of = projected.as_of
    cross join settings
),

-- A department's recent rate is read against the commission's (few units say little alone).
commission as (
    select goal_id, as_of, recent_met as pooled_met, recent_units as pooled_units,
    from spreads
    where department is null
),

drawn as (
    select
        spreads.*,
        goal_chance(struct_pack(
            key := spreads.goal_id || '|' || coalesce(spreads.department, '') || '|' || spreads.as_of,
            projection_kind := spreads.projection_kind,
            comparator := spreads.comparator,
            target := spreads.target,
            unit := spreads.unit,
            rounding_slack := spreads.rounding_slack,
            month_no := spreads.month_no::integer,
            actual := spreads.actual,
            projection := spreads.projection,
            raw_projection := spreads.raw_projection,
            numerator := spreads.numerator,
            denominator := spreads.denominator,
            rest := spreads.rest,
            recent_met := spreads.recent_met,
            recent_units := spreads.recent_units,
            pooled_met := case when spreads.department is not null then commission.pooled_met end,
            pooled_units := case when spreads.department is not null then commission.pooled_units end,
            rate_sd := spreads.rate_sd,
            required_rate := spreads.required_rate,
            line_sd := spreads.line_sd,
            move_chance := spreads.move_chance,
            move_sd := spreads.move_sd
        )) as chance,
    from spreads
    left join commission
        on commission.goal_id = spreads.goal_id
        and commission.as_of = spreads.as_of
)

select
    goal_id,
    department,
    as_of,
    rate_sd,
    line_sd,
    move_chance,
    move_sd,
    chance.p_meet,
    chance.low as projected_low,
    chance.high as projected_high,
    chance.p_meet_if_held,
from drawn
