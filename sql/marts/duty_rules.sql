-- The working-day rules behind the done-over-due goals (seeds/rules.csv): one row per rule.
-- grain: rule
-- materialized: table
-- columns:
--   working_days: the working days a duty may take, counted from the day after it starts
--   source: where the rule comes from
select
    rule,
    cast(working_days as integer) as working_days,
    source,
from seeds.rules
order by rule
