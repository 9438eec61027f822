-- The goals of the plan as the app and analysts name them: one row per goal G01–G21, with
-- its area, names and plan sentence in both languages, its target rule and its duty rule.
-- grain: goal_id
-- materialized: table
-- not_null: goal_id, area, family, formula_zh, formula_en, take_zh, take_en, owner_department, lead_office
-- columns:
--   area_order: the area's place in the app's page order
--   target_value: the fixed target (null for baseline goals, whose target is last year's value)
--   rule_working_days: working days a duty may take (done-over-due goals)
--   family: catalogue, duty, case or handling: what the goal counts
--   list_columns: extra columns of the goal's list in the app, separated by |
--   formula_zh: the goal's formula (D is the as-of date; {days} the rule's working days)
--   take_zh: what it would take, with {n} units to go (and {num}, {den} where counts show)
--   owner_department: the responsible department, answerable for the number
--   lead_office: the office that leads the work
with targets as (
    select * from staging.stg_targets
),

areas as (
    select * from seeds.areas
),

goal_words as (
    select * from staging.stg_goal_words
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
    targets.family,
    targets.list_columns,
    targets.plan_text_zh,
    targets.plan_text_en,
    goal_words.formula_zh,
    goal_words.formula_en,
    goal_words.take_zh,
    goal_words.take_en,
    goal_words.take_met_zh,
    goal_words.take_met_en,
    goal_words.count_unit_zh,
    goal_words.count_unit_en,
    goal_words.list_title_zh,
    goal_words.list_title_en,
    goal_words.rate_noun_zh,
    goal_words.rate_noun_en,
    goal_words.rate_verb_zh,
    goal_words.rate_verb_en,
    goal_words.choice_zh,
    goal_words.choice_en,
    targets.owner_department,
    owner.department_en as owner_department_en,
    targets.lead_office,
    lead.department_en as lead_office_en,
from targets
left join areas
    on areas.area = targets.area
left join goal_words
    on goal_words.goal_id = targets.goal_id
left join seeds.departments as owner
    on owner.department = targets.owner_department
left join seeds.departments as lead
    on lead.department = targets.lead_office
order by targets.goal_id
