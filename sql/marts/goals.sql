-- The goals of the plan as the app and analysts name them: one row per goal G01–G21, with
-- its area, names and plan sentence in both languages, its target rule and its duty rule.
-- columns:
--   area_order: the area's place in the app's page order
--   target_value: the fixed target (null for baseline goals, whose target is last year's value)
--   rule_working_days: working days a duty may take (done-over-due goals)
with targets as (
    select * from staging.stg_targets
),

areas as (
    select * from seeds.areas
)

select
    targets.goal_id,
    targets.area,
    areas.area_zh,
    areas.area_en,
    areas.sort_order as area_order,
    targets.goal_name_zh,
    targets.goal_name_en,
    targets.comparator,
    targets.target_kind,
    cast(targets.target_value as double) as target_value,
    targets.tolerance,
    targets.deadline,
    targets.projection_kind,
    targets.unit,
    targets.rule,
    targets.rule_working_days,
    targets.plan_text_zh,
    targets.plan_text_en,
from targets
left join areas
    on areas.area = targets.area
order by targets.goal_id
