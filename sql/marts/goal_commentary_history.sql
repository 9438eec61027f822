-- Every approved edit of the commentary, oldest first: one row per approved note. The store is
-- append-only, so this is the full record of what the office said and when (what was
-- submitted or returned stays in the store).
-- grain: note_id
-- materialized: table
-- not_null: note_id, goal_id, as_of, written_at
-- columns:
--   note_id: the note's number in the store, in the order written
--   written_at: when it was written (local time)
--   source: office (written in the app) or demo (the demo's sample commentary)
--   author_department: the department of the note's author (empty where no sign-in asked for one)
--   approved_by_department: the department that approved it (empty where it was approved as it was saved)
select
    note_id,
    goal_id,
    as_of,
    nullif(progress, '') as progress,
    nullif(barriers, '') as barriers,
    nullif(next_steps, '') as next_steps,
    nullif(asserted_status, '') as asserted_status,
    nullif(justification, '') as justification,
    written_at,
    source,
    author_department,
    approved_by_department,
    approved_by_role,
from notes.goal_notes
order by note_id
