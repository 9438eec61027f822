"""The audit trail: who did what to the commission's data, when, and with what outcome.

    python -m qjgov.audit [--since YYYY-MM-DD] [--json] [--warehouse data/warehouse.duckdb]

A table `audit` in the office store's file (`notes.store_path`, beside the warehouse), so it
outlives every build, as the notes do, and is backed up with them (`qjgov.backup`). It is
append-only like the notes: triggers refuse UPDATE and DELETE, so a record, once written,
stays as it was written. The build never loads it: staff e-mails stay in the office store
and never reach the warehouse or the public SQL page.

A record that cannot be written raises `AuditError`, so the caller refuses the action instead
of doing it off the record. What is written is bounded and holds no control characters: the
e-mail and a file name come from outside and are shown in a terminal and on a page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import unicodedata
from contextlib import closing
from pathlib import Path

from qjgov.office import notes
from qjgov.paths import WAREHOUSE
from qjgov.office import store as office_store

ACTIONS = (
    "sign_in", "sign_in_refused", "sign_out", "refused", "note_submitted", "note_approved", "note_returned",
    "note_saved", "import", "rebuild",
)
OUTCOMES = ("ok", "refused", "failed")
KEYS = ("at", "email", "role", "department", "action", "target", "outcome", "detail")
# The longest each text may be: an e-mail address as RFC 5321 allows it, a goal id or a file
# name, what happened in a sentence or two.
BOUNDS = {"email": 254, "role": 40, "department": 100, "target": 200, "detail": 2_000}
# Characters that would let a value move the terminal's cursor, recolour it or reverse the
# order in which the rest of a line reads: every control character (Unicode's Cc) and the
# bidirectional embeddings, overrides and isolates.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

SCHEMA = """
create table if not exists audit (
    audit_id integer primary key autoincrement,
    at text not null,
    email text,
    role text,
    department text,
    action text not null,
    target text,
    outcome text not null,
    detail text not null default ''
);
create trigger if not exists audit_no_update before update on audit
begin select raise(abort, 'the audit trail is append-only: records are never changed'); end;
create trigger if not exists audit_no_delete before delete on audit
begin select raise(abort, 'the audit trail is append-only: records are never deleted'); end;
"""


class AuditError(RuntimeError):
    """A record that was not written: a value out of bounds (`field` names it) or a store that
    could not be written (`field` is None). The caller refuses the action it was recording."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _unsafe(text: str) -> str | None:
    """The first character that must not be stored or shown raw, if any."""
    for char in text:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            return char
    return None


def _checked(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AuditError(f"audit record: {field} must be text, not {type(value).__name__}", field)
    if len(value) > BOUNDS[field]:
        raise AuditError(f"audit record: {field} is {len(value):,} characters; at most {BOUNDS[field]:,}", field)
    char = _unsafe(value)
    if char is not None:
        position = value.index(char)
        raise AuditError(
            f"audit record: {field} holds the control character U+{ord(char):04X} at position {position}; "
            "write it as plain text", field,
        )
    return value


def record(store: Path, *, email: str | None, role: str | None, department: str | None, action: str,
           target: str | None, outcome: str, detail: str = "", at: dt.datetime | None = None) -> None:
    """Append one record (`at`, local time to the second, defaults to now, as the notes do).
    Raises AuditError when a value is refused or the store cannot be written."""
    if action not in ACTIONS:
        raise AuditError(f"audit record: action {action!r} is none of {', '.join(ACTIONS)}", "action")
    if outcome not in OUTCOMES:
        raise AuditError(f"audit record: outcome {outcome!r} is none of {', '.join(OUTCOMES)}", "outcome")
    values = {
        "email": _checked("email", email),
        "role": _checked("role", role),
        "department": _checked("department", department),
        "target": _checked("target", target),
        "detail": _checked("detail", detail if detail is not None else ""),
    }
    when = (at or dt.datetime.now()).isoformat(timespec="seconds")
    try:
        with office_store.connect(Path(store), SCHEMA) as con:
            con.execute(
                "insert into audit (at, email, role, department, action, target, outcome, detail) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                (when, values["email"], values["role"], values["department"], action, values["target"], outcome,
                 values["detail"]),
            )
    except (sqlite3.Error, OSError) as error:
        raise AuditError(f"the audit trail in {store} could not be written ({error}); the action is refused") from error


def read(store: Path, since: dt.date | None = None) -> list[dict]:
    """Every record (from `since` on, when given), oldest first, as dicts with KEYS; none when
    there is no store or no record yet. Never creates or changes the store."""
    store = Path(store)
    if not store.exists():
        return []
    query = f"select {', '.join(KEYS)} from audit"
    parameters: tuple = ()
    if since is not None:
        # `at` is ISO text, so a date sorts before every time of its own day.
        query += " where at >= ?"
        parameters = (since.isoformat(),)
    with closing(office_store.connect_readonly(store)) as con:
        has_table = con.execute("select 1 from sqlite_master where type = 'table' and name = 'audit'").fetchone()
        if not has_table:
            return []
        rows = con.execute(query + " order by audit_id", parameters).fetchall()
    return [dict(zip(KEYS, row)) for row in rows]


# --------------------------------------------------------------------------- the command


def shown(text: str | None) -> str:
    """A value as text that cannot act on the terminal: a record written around `record`
    (with the sqlite3 tool) may hold control characters; each shows as its \\u escape."""
    if text is None:
        return ""
    return "".join(f"\\u{ord(char):04x}" if _unsafe(char) else char for char in text)


def _width(text: str) -> int:
    """Columns a terminal gives the text: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def table(records: list[dict], keys: tuple[str, ...] = KEYS) -> str:
    """The records as aligned columns under their `keys`, the last (the detail) whole."""
    rows = [list(keys)] + [[shown(entry[key]) for key in keys] for entry in records]
    widths = [max(_width(row[column]) for row in rows) for column in range(len(keys) - 1)]
    lines = []
    for row in rows:
        cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines)


def as_json(records: list[dict]) -> str:
    """One JSON array; characters kept readable, any control character escaped."""
    text = json.dumps(records, ensure_ascii=False, indent=1)
    # JSON's own structure is ASCII, so an unsafe character can only sit inside a string,
    # where its \\u escape means the same character.
    return "".join(f"\\u{ord(char):04x}" if _unsafe(char) and char != "\n" else char for char in text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qjgov.audit",
        description="The audit trail of the office store: every sign-in, refusal, note, approval, import and rebuild.",
    )
    parser.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="only records from this day on (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true",
                        help="one JSON array of objects with the keys " + ", ".join(KEYS))
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE, metavar="PATH",
                        help="the warehouse file; the office store is beside it (default: %(default)s)")
    args = parser.parse_args(argv)
    store_file = notes.store_path(args.warehouse)
    try:
        records = read(store_file, args.since)
    except sqlite3.Error as error:
        print(f"{store_file} cannot be read as the office store ({error})", file=sys.stderr)
        return 1
    if args.json:
        print(as_json(records))
    elif records:
        print(table(records))
    elif not store_file.exists():
        print(f"No audit trail yet: there is no office store at {store_file}.")
    else:
        since = f" since {args.since.isoformat()}" if args.since else ""
        print(f"No audit record{since} in {store_file}.")
    return 0
