-- Display labels in both languages for every coded value the app shows: one row per code
-- list and code. Departments and areas from their seeds, the data's code lists from
-- seeds/codes.csv (whose Chinese label is the code itself).
-- grain: code_list, code
-- materialized: table
-- columns:
--   code_list: department, area, or a code list of seeds/codes.csv (case_channel, category, …)
--   sort_order: display order within the code list
with departments as (
    select
        'department' as code_list,
        department as code,
        department as label_zh,
        department_en as label_en,
        row_number() over () as sort_order,
    from seeds.departments
),

areas as (
    select
        'area' as code_list,
        area as code,
        area_zh as label_zh,
        area_en as label_en,
        sort_order,
    from seeds.areas
),

codes as (
    select
        code_list,
        cast(code as varchar) as code,
        cast(code as varchar) as label_zh,
        label_en,
        sort_order,
    from seeds.codes
)

select * from departments
union all
select * from areas
union all
select * from codes
