-- The sentences that belong to each goal (seeds/goal_words.csv), in Chinese and English: one
-- row per goal. Placeholders ({n}, {num}, {den}, {days}, …) are filled by the app.
-- grain: goal_id
-- materialized: view
-- not_null: goal_id
-- columns:
--   formula_zh: how the goal is computed; D is the as-of date
--   take_zh: what it would take to meet the goal, with {n} units still to go
--   take_met_zh: what it takes once the target is met, for a goal without a count to go (G04)
--   count_unit_zh: what the goal's "to go" counts, as a measure word (个, 件, 条, 次; English: items, cases, reviews, trips)
--   list_title_zh: the title of the list of what holds the goal back
--   rate_noun_zh: the records a run-rate goal speaks of (new complaints, new bad reviews, …)
--   rate_verb_zh: what must happen to them in time
--   choice_zh: the project's choice where the sources give no formula
with source as (
    select * from seeds.goal_words
),

cleaned as (
    select
        trim(goal_id) as goal_id,
        nullif(formula_zh, '') as formula_zh,
        nullif(formula_en, '') as formula_en,
        nullif(take_zh, '') as take_zh,
        nullif(take_en, '') as take_en,
        nullif(take_met_zh, '') as take_met_zh,
        nullif(take_met_en, '') as take_met_en,
        nullif(count_unit_zh, '') as count_unit_zh,
        nullif(count_unit_en, '') as count_unit_en,
        nullif(list_title_zh, '') as list_title_zh,
        nullif(list_title_en, '') as list_title_en,
        nullif(rate_noun_zh, '') as rate_noun_zh,
        nullif(rate_noun_en, '') as rate_noun_en,
        nullif(rate_verb_zh, '') as rate_verb_zh,
        nullif(rate_verb_en, '') as rate_verb_en,
        nullif(choice_zh, '') as choice_zh,
        nullif(choice_en, '') as choice_en,
    from source
)

select * from cleaned
