-- Every edit of the commentary ever written, oldest first: one row per note. The store is
-- append-only, so this is the full record of what the office said and when.
-- grain: note_id
-- materialized: table
-- not_null: note_id, goal_id, as_of, written_at
-- columns:
--   note_id: the note's number in the store, in the order written
--   written_at: when it was written (local time)
--   source: office (written in the app) or demo (the demo's sample commentary)
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
from notes.goal_notes
order by note_id
