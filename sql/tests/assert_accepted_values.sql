-- Coded columns hold only the values of their code list (seeds/codes.csv), and cases name
-- a township of seeds/townships.csv. Nulls are allowed where the contract allows them.
with codes as (
    select code_list, cast(code as varchar) as code from seeds.codes
),

-- Each table is read once: its coded columns' distinct combinations, a handful of rows.
item_codes as materialized (
    select distinct category, handling_type, online_depth from staging.stg_items
),

case_codes as materialized (
    select distinct channel, status, applicant_type, cross_province_mode, assisted_channel, township
    from staging.stg_cases
),

review_codes as materialized (
    select distinct channel, rating, verified_result from staging.stg_reviews
),

observed as (
    select distinct 'category' as code_list, category as code, 'items' as source_table from item_codes
    union all select distinct 'handling_type', handling_type, 'items' from item_codes
    union all select distinct 'online_depth', cast(online_depth as varchar), 'items' from item_codes
    union all select distinct 'case_channel', channel, 'cases' from case_codes
    union all select distinct 'case_status', status, 'cases' from case_codes
    union all select distinct 'applicant_type', applicant_type, 'cases' from case_codes
    union all select distinct 'cross_province_mode', cross_province_mode, 'cases' from case_codes
    union all select distinct 'assisted_channel', assisted_channel, 'cases' from case_codes
    union all select distinct 'review_channel', channel, 'reviews' from review_codes
    union all select distinct 'rating', cast(rating as varchar), 'reviews' from review_codes
    union all select distinct 'verified_result', verified_result, 'reviews' from review_codes
    union all select distinct 'complaint_source', source, 'complaints' from staging.stg_complaints
    union all select distinct 'decision_type', decision_type, 'decisions' from staging.stg_decisions
),

townships as (
    select distinct 'township' as code_list, township as code, 'cases' as source_table
    from case_codes
    where township is not null
        and township not in (select township from seeds.townships)
)

select observed.source_table, observed.code_list, observed.code
from observed
left join codes
    on codes.code_list = observed.code_list
    and codes.code = observed.code
where observed.code is not null
    and codes.code is null
union all
select source_table, code_list, code from townships
