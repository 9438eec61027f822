"""The commentary store: what the office writes about each goal at each month-end.

Kept outside the warehouse, in a small SQLite file beside it (`data/notes.sqlite` next to
`data/warehouse.duckdb`), because the build replaces the warehouse file every time: a note
written into it would be lost at the next build. SQLite lets the app write while a build
reads (DuckDB allows one writing process only). The store is append-only: an edit is a new
row with its time, triggers refuse UPDATE and DELETE, and the latest row per goal and date
is the one shown. The build loads every row into `notes.goal_notes` and the marts
`marts.goal_commentary` (latest) and `marts.goal_commentary_history` (every edit).

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
COLUMNS = (
    "note_id", "goal_id", "as_of", "progress", "barriers", "next_steps", "asserted_status", "justification",
    "written_at", "source",
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
    source text not null default 'office'
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


def _connect(path: Path) -> sqlite3.Connection:
    return store.connect(path, SCHEMA)


def add(path: Path, note: Note, source: str = "office", written_at: dt.datetime | None = None) -> int:
    """Append a note (after `check`); its id. Earlier notes for the same goal and date stay."""
    note = check(note)
    when = (written_at or dt.datetime.now()).isoformat(timespec="seconds")
    with _connect(Path(path)) as con:
        cursor = con.execute(
            "insert into notes (goal_id, as_of, progress, barriers, next_steps, asserted_status, justification, "
            "written_at, source) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (note.goal_id, note.as_of.isoformat(), note.progress, note.barriers, note.next_steps,
             note.asserted_status, note.justification, when, source),
        )
        return int(cursor.lastrowid)


def read_all(path: Path) -> list[tuple]:
    """Every note ever written (COLUMNS order), oldest first; none when there is no store."""
    path = Path(path)
    if not path.exists():
        return []
    con = store.connect_readonly(path)
    try:
        return con.execute(f"select {', '.join(COLUMNS)} from notes order by note_id").fetchall()
    except sqlite3.OperationalError:  # a file without the table yet
        return []
    finally:
        con.close()


def latest(path: Path, goal_id: str, as_of: dt.date) -> dict | None:
    """The latest note for one goal and date, straight from the store (what the editor shows
    before the next build has carried it into the warehouse)."""
    rows = [row for row in read_all(path) if row[1] == goal_id and row[2] == as_of.isoformat()]
    return dict(zip(COLUMNS, rows[-1])) if rows else None


def load_into(con, path: Path) -> int:
    """The build's step: every note into `notes.goal_notes` (an empty table when there is no
    store), so the marts can pick the latest."""
    con.sql("create schema if not exists notes")
    con.sql(
        "create or replace table notes.goal_notes (note_id bigint, goal_id varchar, as_of date, progress varchar, "
        "barriers varchar, next_steps varchar, asserted_status varchar, justification varchar, written_at timestamp, "
        "source varchar)"
    )
    rows = read_all(path)
    if rows:
        con.executemany("insert into notes.goal_notes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.sql("comment on table notes.goal_notes is 'every commentary note written (append-only store data/notes.sqlite), loaded by the build'")
    return len(rows)
