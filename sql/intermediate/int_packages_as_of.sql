-- The "一件事" packages as of each evaluation date: one row per as-of date and package, from
-- the latest package snapshot on or before the date, with the department of the lead item.
-- grain: as_of, package_code
-- materialized: temporary
-- columns:
--   department: department of the package's first member item (牵头科室), 未关联事项 when unknown
with chosen as (
    select * from intermediate.int_snapshots_as_of
    where source = 'packages'
),

packages as (
    select * from staging.stg_one_thing_packages
),

departments as (
    select * from intermediate.int_item_departments
),

unlinked as (
    select department from seeds.departments where unlinked
)

select
    chosen.as_of,
    packages.*,
    coalesce(departments.department, unlinked.department) as department,
from chosen
inner join packages
    on packages.snapshot_date = chosen.snapshot_date
cross join unlinked
left join departments
    on departments.item_code = packages.lead_item_code
