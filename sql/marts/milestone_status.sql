-- The plan's qualitative measures (M01–M15) at every as-of date: one row per milestone and
-- as-of date. done when the done date is on or before the date, overdue when the due date has
-- passed without it, else open (docs/metrics.md#milestones); a milestone done after its due date is
-- marked done_late, with the working days it came late.
-- grain: milestone_id, as_of
-- materialized: table
-- not_null: milestone_id, as_of, due_date, status, owner_department, lead_office
-- accepted: status = done, overdue, open
-- columns:
--   done_date: the done date, only when it is known by the as-of date
--   evidence: the evidence of completion, only once the milestone is done
--   status: done, overdue or open
--   days_overdue: calendar days past the due date (overdue milestones)
--   done_late: done, but after its due date ("done late")
--   working_days_late: working days from the due date to the done date (done late), or to the as-of date (overdue)
--   owner_department: the responsible department (seeds/milestones.csv)
--   lead_office: the office that leads the work
with milestones as (
    select * from seeds.milestones
),

calendar as (
    select * from intermediate.int_calendar
),

as_of_dates as (
    select * from intermediate.int_as_of_dates
    where not is_baseline
)

select
    milestones.milestone_id,
    milestones.plan_clause,
    milestones.name_zh,
    milestones.name_en,
    cast(milestones.due_date as date) as due_date,
    case when cast(milestones.done_date as date) <= as_of_dates.as_of then cast(milestones.done_date as date) end as done_date,
    case when cast(milestones.done_date as date) <= as_of_dates.as_of then milestones.evidence end as evidence,
    as_of_dates.as_of,
    case
        when cast(milestones.done_date as date) <= as_of_dates.as_of then 'done'
        when cast(milestones.due_date as date) < as_of_dates.as_of then 'overdue'
        else 'open'
    end as status,
    case
        when cast(milestones.done_date as date) <= as_of_dates.as_of then null
        when cast(milestones.due_date as date) < as_of_dates.as_of then as_of_dates.as_of - cast(milestones.due_date as date)
    end as days_overdue,
    trim(milestones.owner_department) as owner_department,
    owner.department_en as owner_department_en,
    trim(milestones.lead_office) as lead_office,
    lead.department_en as lead_office_en,
    cast(milestones.done_date as date) <= as_of_dates.as_of
        and cast(milestones.done_date as date) > cast(milestones.due_date as date) as done_late,
    case
        when cast(milestones.done_date as date) <= as_of_dates.as_of
            and cast(milestones.done_date as date) > cast(milestones.due_date as date)
            then done_day.workday_index - due_day.workday_index
        when cast(milestones.done_date as date) <= as_of_dates.as_of then null
        when cast(milestones.due_date as date) < as_of_dates.as_of then as_of_day.workday_index - due_day.workday_index
    end as working_days_late,
from milestones
cross join as_of_dates
left join calendar as due_day
    on due_day.calendar_date = cast(milestones.due_date as date)
left join calendar as done_day
    on done_day.calendar_date = cast(milestones.done_date as date)
left join calendar as as_of_day
    on as_of_day.calendar_date = as_of_dates.as_of
left join seeds.departments as owner
    on owner.department = trim(milestones.owner_department)
left join seeds.departments as lead
    on lead.department = trim(milestones.lead_office)
order by milestones.milestone_id, as_of_dates.as_of
