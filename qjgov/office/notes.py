"""The commentary store: what the office writes about each goal at each month-end.

Kept outside the warehouse, in a small SQLite file beside it (`data/notes.sqlite` next to
`data/warehouse.duckdb`), because the build replaces the warehouse file every time: a note
written into it would be lost at the next build. SQLite lets the app write while a build
reads (DuckDB allows one writing process only). The store is append-only: an edit is a new
row with its time, triggers refuse UPDATE and DELETE, and the latest row per goal and date
is the one shown. The build loads every row into `notes.goal_notes` and the marts
`marts.goal_commentary` (latest) and `marts.goal_commentary_history` (every edit).

On the commission's own server a note has an author (department, role, and the person's
e-mail, which stays here and never reaches the warehouse) and a state: an editor's note is
*submitted*; an approver *approves* it or *returns* it with a reason, each a new row that
copies the note it decides (`refers_to`). Only approved notes reach the warehouse. A note
written on an analyst's own machine, or shipped with the demo, is approved as it is saved.

Free text is checked for personal data (ID-card and mobile numbers, `personal.py`) before it
is stored: a note that holds one is refused with the field named.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from qjgov.office import store
from qjgov.warehouse import personal

FILE_NAME = "notes.sqlite"
TEXT_FIELDS = ("progress", "barriers", "next_steps", "justification")
ASSERTABLE = ("on_track", "at_risk", "off_track", "achieved", "missed")
MAX_CHARS = 2_000
STATES = ("submitted", "approved", "returned")
COLUMNS = (
    "note_id", "goal_id", "as_of", "progress", "barriers", "next_steps", "asserted_status", "justification",
    "written_at", "source", "state", "author_department", "author_role", "author_email", "refers_to", "reason",
    "decided_department", "decided_role", "decided_email",
)
# What the build carries into the warehouse (approved notes only, without e-mails).
WAREHOUSE_COLUMNS = (
    "note_id", "goal_id", "as_of", "progress", "barriers", "next_steps", "asserted_status", "justification",
    "written_at", "source", "author_department", "author_role", "decided_department", "decided_role",
)

SCHEMA = """
create table if not exists notes (
    note_id integer primary key autoincrement,
    goal_id text not null,
    as_of text not null,
    progress text,
    barriers text,
    next_steps text,
    asserted_status text,
    justification text,
    written_at text not null,
    source text not null default 'office',
    state text not null default 'approved',
    author_department text,
    author_role text,
    author_email text,
    refers_to integer,
    reason text,
    decided_department text,
    decided_role text,
    decided_email text
);
create trigger if not exists notes_no_update before update on notes
begin select raise(abort, 'the commentary store is append-only: write a new note instead'); end;
create trigger if not exists notes_no_delete before delete on notes
begin select raise(abort, 'the commentary store is append-only: write a new note instead'); end;
"""


class NoteRefused(ValueError):
    """A note that cannot be stored; the message says which field and why (`field` and
    `reason`, one of personal, too_long, unknown_status, no_justification, empty, let the app
    say it in the reader's language)."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Note:
    goal_id: str
    as_of: dt.date
    progress: str = ""
    barriers: str = ""
    next_steps: str = ""
    asserted_status: str | None = None
    justification: str = ""


def store_path(warehouse: Path) -> Path:
    """The store that belongs to a warehouse file: beside it, so a test's warehouse in a
    temporary folder never reads the analyst's notes."""
    return Path(warehouse).with_name(FILE_NAME)


def check(note: Note) -> Note:
    """The note cleaned, or NoteRefused naming the field: personal data, too long, an
    asserted status without its justification, nothing written."""
    cleaned = {name: (getattr(note, name) or "").strip() for name in TEXT_FIELDS}
    for name, text in cleaned.items():
        if len(text) > MAX_CHARS:
            raise NoteRefused(name, "too_long", f"{len(text):,} characters; at most {MAX_CHARS:,}")
        if personal.contains_personal_data(text):
            raise NoteRefused(
                name, "personal",
                "holds what reads as an ID-card or mobile number; commentary must not carry personal data: "
                "remove it and save again",
            )
    status = (note.asserted_status or "").strip() or None
    if status is not None and status not in ASSERTABLE:
        raise NoteRefused("asserted_status", "unknown_status", f"{status!r} is none of {', '.join(ASSERTABLE)}")
    if status and not cleaned["justification"]:
        raise NoteRefused("justification", "no_justification", "an asserted status needs its justification")
    if not any(cleaned[name] for name in ("progress", "barriers", "next_steps")) and not status:
        raise NoteRefused("progress, barriers, next_steps", "empty", "nothing written")
    return Note(note.goal_id.strip(), note.as_of, cleaned["progress"], cleaned["barriers"], cleaned["next_steps"],
                status, cleaned["justification"])


# Columns a store written before notes had authors and states lacks: added in place (its
# notes were approved as they were saved).
_ADDED = {
    "state": "text not null default 'approved'", "author_department": "text", "author_role": "text",
    "author_email": "text", "refers_to": "integer", "reason": "text", "decided_department": "text",
    "decided_role": "text", "decided_email": "text",
}


def _connect(path: Path) -> sqlite3.Connection:
    con = store.connect(path, SCHEMA)
    present = {row[1] for row in con.execute("pragma table_info(notes)")}
    for column, kind in _ADDED.items():
        if column not in present:
            con.execute(f"alter table notes add column {column} {kind}")
    return con


@dataclass(frozen=True)
class Author:
    """Who writes or decides a note: their department and role (shown with the note) and their
    e-mail (kept in the store only)."""

    department: str | None = None
    role: str | None = None
    email: str | None = None


def add(path: Path, note: Note, source: str = "office", written_at: dt.datetime | None = None,
        author: Author = Author(), state: str = "approved") -> int:
    """Append a note (after `check`); its id. Earlier notes for the same goal and date stay.
    An editor's note is "submitted"; one written where no approval is asked, "approved"."""
    if state not in ("submitted", "approved"):
        raise NoteRefused("state", "unknown_state", f"a new note is submitted or approved, not {state!r}")
    note = check(note)
    when = (written_at or dt.datetime.now()).isoformat(timespec="seconds")
    with _connect(Path(path)) as con:
        cursor = con.execute(
            "insert into notes (goal_id, as_of, progress, barriers, next_steps, asserted_status, justification, "
            "written_at, source, state, author_department, author_role, author_email) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (note.goal_id, note.as_of.isoformat(), note.progress, note.barriers, note.next_steps,
             note.asserted_status, note.justification, when, source, state, author.department, author.role, author.email),
        )
        return int(cursor.lastrowid)


def decide(path: Path, note_id: int, approve: bool, decider: Author, reason: str = "",
           decided_at: dt.datetime | None = None) -> int:
    """Approve a submitted note, or return it with a reason: a new row that copies it, with
    the decision, the reason and who decided; its id. Only the latest note of its goal and
    date can be decided, and only while it is submitted (a newer submission, or a decision
    already made, is named in the refusal)."""
    reason = (reason or "").strip()
    if not approve:
        if not reason:
            raise NoteRefused("reason", "no_reason", "a returned note needs the reason it is returned")
        if len(reason) > MAX_CHARS:
            raise NoteRefused("reason", "too_long", f"{len(reason):,} characters; at most {MAX_CHARS:,}")
        if personal.contains_personal_data(reason):
            raise NoteRefused("reason", "personal", "holds what reads as an ID-card or mobile number: remove it")
    when = (decided_at or dt.datetime.now()).isoformat(timespec="seconds")
    with _connect(Path(path)) as con:
        con.row_factory = sqlite3.Row
        con.execute("begin immediate")  # no second decision between the check and the write
        row = con.execute("select * from notes where note_id = ?", (int(note_id),)).fetchone()
        if row is None:
            raise NoteRefused("note", "unknown_note", f"no note {note_id}")
        newest = con.execute(
            "select max(note_id) from notes where goal_id = ? and as_of = ?", (row["goal_id"], row["as_of"])
        ).fetchone()[0]
        if newest != row["note_id"] or row["state"] != "submitted":
            raise NoteRefused("note", "stale", f"note {note_id} is no longer the one waiting for a decision")
        cursor = con.execute(
            "insert into notes (goal_id, as_of, progress, barriers, next_steps, asserted_status, justification, "
            "written_at, source, state, author_department, author_role, author_email, refers_to, reason, "
            "decided_department, decided_role, decided_email) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row["goal_id"], row["as_of"], row["progress"], row["barriers"], row["next_steps"], row["asserted_status"],
             row["justification"], when, row["source"], "approved" if approve else "returned", row["author_department"],
             row["author_role"], row["author_email"], row["note_id"], reason or None, decider.department, decider.role,
             decider.email),
        )
        return int(cursor.lastrowid)


def read_all(path: Path) -> list[tuple]:
    """Every note ever written (COLUMNS order), oldest first; none when there is no store."""
    path = Path(path)
    if not path.exists():
        return []
    con = store.connect_readonly(path)
    try:
        present = {row[1] for row in con.execute("pragma table_info(notes)")}
        # A store written before notes had states: its notes were approved as they were saved.
        columns = [name if name in present else ("'approved'" if name == "state" else "null") for name in COLUMNS]
        return con.execute(f"select {', '.join(columns)} from notes order by note_id").fetchall()
    except sqlite3.OperationalError:  # a file without the table yet
        return []
    finally:
        con.close()


def latest(path: Path, goal_id: str, as_of: dt.date) -> dict | None:
    """The latest note for one goal and date, in whatever state, straight from the store (what
    the editor and the approver see before the next build has carried it into the warehouse)."""
    rows = [row for row in read_all(path) if row[1] == goal_id and row[2] == as_of.isoformat()]
    return dict(zip(COLUMNS, rows[-1])) if rows else None


def load_into(con, path: Path) -> int:
    """The build's step: every approved note into `notes.goal_notes` (an empty table when there
    is no store), without e-mails, so the marts can pick the latest. Submitted and returned
    notes stay in the store: the warehouse, and so the public SQL page, never holds them."""
    con.sql("create schema if not exists notes")
    con.sql(
        "create or replace table notes.goal_notes (note_id bigint, goal_id varchar, as_of date, progress varchar, "
        "barriers varchar, next_steps varchar, asserted_status varchar, justification varchar, written_at timestamp, "
        "source varchar, author_department varchar, author_role varchar, approved_by_department varchar, "
        "approved_by_role varchar)"
    )
    kept = [COLUMNS.index(name) for name in WAREHOUSE_COLUMNS]
    state = COLUMNS.index("state")
    rows = [tuple(row[i] for i in kept) for row in read_all(path) if row[state] == "approved"]
    if rows:
        con.executemany(f"insert into notes.goal_notes values ({', '.join('?' * len(WAREHOUSE_COLUMNS))})", rows)
    con.sql("comment on table notes.goal_notes is 'every commentary note written (append-only store data/notes.sqlite), loaded by the build'")
    return len(rows)
