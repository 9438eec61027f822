-- Every goal in seeds/targets.csv has a known comparator, kind and unit, a target or the
-- baseline rule, and done-over-due goals have their rule's working days; a known family, and
-- a formula and a "what it would take" sentence in both languages (seeds/goal_words.csv).
select targets.goal_id, comparator, target_kind, target_value, projection_kind, unit, rule, rule_working_days, family
from staging.stg_targets as targets
left join staging.stg_goal_words as goal_words
    on goal_words.goal_id = targets.goal_id
where comparator not in ('>=', '<=', '=', '>')
    or projection_kind not in ('trend', 'run_rate')
    or unit not in ('ratio', 'trips')
    or (target_kind = 'fixed' and target_value is null)
    or (target_kind = 'baseline' and comparator <> '>')
    or (rule is not null and rule_working_days is null)
    or deadline is null
    or family not in ('catalogue', 'duty', 'case', 'handling')
    or goal_words.formula_zh is null or goal_words.formula_en is null
    or goal_words.take_zh is null or goal_words.take_en is null
