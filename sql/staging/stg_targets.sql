-- The goals of the plan (seeds/targets.csv) with their rules' working days: one row per goal.
-- grain: goal_id
-- materialized: view
-- not_null: goal_id, comparator, deadline, family, owner_department, lead_office
-- accepted: family = catalogue, duty, case, handling
-- columns:
--   comparator: >=, <=, = (a 100 % duty) or > (beat the baseline)
--   target_value: the fixed target as a fraction (or trips for G05); null for baseline goals
--   target_kind: fixed, or baseline: the same metric as of the last day of the previous year
--   tolerance: how far the projection may miss and still count as at risk, in the metric's unit
--   projection_kind: trend (least squares over month-ends) or run_rate (recent three months)
--   shows_counts: numerator and denominator are counts an analyst can read (false for G04, a mean of item reductions)
--   rule_working_days: the working days a duty may take (seeds/rules.csv), for done-over-due goals
--   family: what the goal counts: catalogue (items or packages as of D), duty (records done over due),
--     case (cases in the year to date) or handling (G04, handling time per item)
--   list_columns: the extra columns the app shows in the goal's list, separated by |
--   owner_department: the responsible department, answerable for the number (seeds/departments.csv)
--   lead_office: the office that leads the work (the plan: 审批科具体负责, 相关业务科室配合)
with source as (
    select * from seeds.targets
),

rules as (
    select * from seeds.rules
),

cleaned as (
    select
        trim(source.goal_id) as goal_id,
        trim(source.area) as area,
        source.name_zh as goal_name_zh,
        source.name_en as goal_name_en,
        trim(source.comparator) as comparator,
        try_cast(source.target as decimal(12, 6)) as target_value,
        case when trim(cast(source.target as varchar)) = 'baseline' then 'baseline' else 'fixed' end as target_kind,
        cast(source.deadline as date) as deadline,
        cast(coalesce(source.tolerance, 0.05) as double) as tolerance,
        trim(source.kind) as projection_kind,
        trim(source.unit) as unit,
        coalesce(cast(source.shows_counts as boolean), true) as shows_counts,
        nullif(trim(source.rule), '') as rule,
        cast(rules.working_days as integer) as rule_working_days,
        trim(source.family) as family,
        coalesce(trim(source.list_columns), '') as list_columns,
        source.plan_text_zh,
        source.plan_text_en,
        trim(source.owner_department) as owner_department,
        trim(source.lead_office) as lead_office,
    from source
    left join rules
        on trim(source.rule) = trim(rules.rule)
)

select * from cleaned
