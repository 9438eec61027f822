-- severity: warn
-- Departments in the catalogue that seeds/departments.csv does not list: the app can only
-- show them in Chinese until the seed has their English name.
select distinct department
from staging.stg_items
where department not in (select department from seeds.departments)
