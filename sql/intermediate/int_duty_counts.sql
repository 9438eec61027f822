-- The done-over-due goals (G03, G08, G09, G10, G15) counted at every as-of date: one row per
-- goal, as-of date and department with a record in scope (started in the year to date, not
-- excluded as unfounded by then). Its cost grows with the records, not records × dates: each
-- record adds +1 on the day it starts to count and -1 on the day it is excluded; a running
-- sum per day gives the counts, and each as-of date takes the running sum of its last day.
-- grain: goal_id, as_of, department
-- materialized: temporary
-- columns:
--   in_scope: records started in the year to date and not excluded by the as-of date
--   done: of those, done (done_at on or before the as-of date)
--   due: of those, done or past their deadline
--   on_time: of those, done on or before their deadline
with records as (
    select
        goal_id,
        department,
        cast(started_at as date) as start_date,
        cast(done_at as date) as done_date,
        deadline_date,
        cast(excluded_at as date) as excluded_date,
    from intermediate.int_duty_records
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
),

-- The first day each record counts in each measure (null: never; greatest() would skip a
-- null, so each is checked first).
spans as (
    select goal_id, department, start_date, excluded_date, 'in_scope' as measure, start_date as from_date
    from records
    union all
    select goal_id, department, start_date, excluded_date, 'done',
        case when done_date is not null then greatest(start_date, done_date) end
    from records
    union all
    select goal_id, department, start_date, excluded_date, 'due',
        case
            when coalesce(done_date, deadline_date) is not null
                then greatest(start_date, least(coalesce(done_date, deadline_date), coalesce(deadline_date, done_date)))
        end
    from records
    union all
    select goal_id, department, start_date, excluded_date, 'on_time', greatest(start_date, done_date)
    from records
    where done_date <= deadline_date
),

events as (
    select goal_id, department, year(start_date) as year, measure, from_date as day, 1 as change
    from spans
    where from_date is not null
        and (excluded_date is null or excluded_date > from_date)
    union all
    select goal_id, department, year(start_date), measure, excluded_date, -1
    from spans
    where from_date is not null
        and excluded_date > from_date
),

daily as (
    select goal_id, department, year, measure, day, sum(change) as change
    from events
    group by goal_id, department, year, measure, day
),

running as (
    select
        goal_id,
        department,
        year,
        measure,
        day,
        sum(change) over (partition by goal_id, department, year, measure order by day) as value,
    from daily
),

grid as (
    select distinct
        running.goal_id,
        running.department,
        running.measure,
        as_of_dates.as_of,
    from running
    inner join as_of_dates
        on year(as_of_dates.as_of) = running.year
),

at_dates as (
    select
        grid.goal_id,
        grid.department,
        grid.as_of,
        grid.measure,
        coalesce(running.value, 0) as value,
    from grid
    asof left join running
        on running.goal_id = grid.goal_id
        and running.department = grid.department
        and running.measure = grid.measure
        and running.year = year(grid.as_of)
        and running.day <= grid.as_of
)

select
    goal_id,
    as_of,
    department,
    sum(value) filter (where measure = 'in_scope') as in_scope,
    coalesce(sum(value) filter (where measure = 'done'), 0) as done,
    coalesce(sum(value) filter (where measure = 'due'), 0) as due,
    coalesce(sum(value) filter (where measure = 'on_time'), 0) as on_time,
from at_dates
group by all
having sum(value) filter (where measure = 'in_scope') > 0
