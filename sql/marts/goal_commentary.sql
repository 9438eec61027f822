-- The office's commentary on each goal at each as-of date, the latest approved edit of each:
-- one row per goal and as-of date that has an approved note (a submitted or returned one stays
-- in the office store). Written in the app (on an analyst's own machine)
-- or shipped with the demo, kept append-only in data/notes.sqlite outside the warehouse and
-- loaded by every build, so a rebuild never loses it. Beside an asserted status stands the
-- computed one, which the assertion never replaces.
-- grain: goal_id, as_of
-- materialized: table
-- not_null: goal_id, as_of, written_at, versions
-- accepted: asserted_status = on_track, at_risk, off_track, achieved, missed
-- columns:
--   progress: what moved since the last report, in the office's words
--   barriers: what holds the goal back
--   next_steps: what happens next, and by whom
--   asserted_status: the status the office asserts (empty when it asserts none)
--   justification: why the office asserts a status other than the computed one
--   written_at: when the latest edit was approved (local time; saved, where approval is not asked)
--   first_written_at: when the first note for this goal and date was written
--   versions: how many edits the store holds for this goal and date (every one is kept)
--   source: office (written in the app) or demo (the demo's sample commentary)
--   author_department: the department of the note's author (empty where no sign-in asked for one)
--   approved_by_department: the department that approved the note (empty where it was approved as it was saved)
--   approved_by_role: the approver's role (approver or admin)
--   computed_status: the status the warehouse computes (marts.goal_progress), always shown beside an asserted one
--   met: the target is met today (marts.goal_progress)
with notes as (
    select * from notes.goal_notes
),

ranked as (
    select
        *,
        row_number() over (partition by goal_id, as_of order by written_at desc, note_id desc) as recency,
        count(*) over (partition by goal_id, as_of) as versions,
        min(written_at) over (partition by goal_id, as_of) as first_written_at,
    from notes
),

progress as (
    select * from marts.goal_progress
)

select
    ranked.goal_id,
    ranked.as_of,
    nullif(ranked.progress, '') as progress,
    nullif(ranked.barriers, '') as barriers,
    nullif(ranked.next_steps, '') as next_steps,
    nullif(ranked.asserted_status, '') as asserted_status,
    nullif(ranked.justification, '') as justification,
    ranked.written_at,
    ranked.first_written_at,
    ranked.versions,
    ranked.source,
    ranked.author_department,
    ranked.approved_by_department,
    ranked.approved_by_role,
    progress.status as computed_status,
    progress.met,
from ranked
left join progress
    on progress.goal_id = ranked.goal_id
    and progress.as_of = ranked.as_of
where ranked.recency = 1
order by ranked.goal_id, ranked.as_of
