-- Records whose item is not in the catalogue are filed under the one department the seeds
-- mark unlinked (seeds/departments.csv, 未关联事项): exactly one must be. (With none, those
-- records would have no department; two, and the models reading it refuse to run.)
select count(*) as unlinked_departments
from seeds.departments
where unlinked
having count(*) <> 1
