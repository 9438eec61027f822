"""The outbox: every digest and alert the commission's server tried to send, in the office
store beside the warehouse (`qjgov.office.store`, data/notes.sqlite): to whom, for which
department, what kind, as of which date, its message id, when, and whether it went.

A message is known by its kind and `key` (what it is about: a department's digest as of a
date, a goal's change of status) and its recipient. Once one has gone, `delivered` says so and
a second run sends nothing; a failed one stays on the outbox as failed and is tried again on
the next run, until it goes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qjgov.office import store

KINDS = ("digest", "alert")
OUTCOMES = ("sent", "failed")
WEBHOOK = "webhook"  # the recipient of a webhook post

SCHEMA = f"""
create table if not exists outbox (
    id integer primary key,
    kind text not null check (kind in ({', '.join(repr(k) for k in KINDS)})),
    message_key text not null,
    recipient text not null,
    department text,
    as_of text not null,
    message_id text,
    attempted_at text not null,
    outcome text not null check (outcome in ({', '.join(repr(o) for o in OUTCOMES)})),
    error text
);
create index if not exists outbox_message on outbox (kind, message_key, recipient);
create trigger if not exists outbox_no_update before update on outbox
begin select raise(abort, 'the outbox is append-only'); end;
create trigger if not exists outbox_no_delete before delete on outbox
begin select raise(abort, 'the outbox is append-only'); end;
"""

COLUMNS = ("id", "kind", "message_key", "recipient", "department", "as_of", "message_id", "attempted_at", "outcome", "error")


def delivered(path: Path, kind: str, key: str, recipient: str) -> bool:
    """Whether this message has reached this recipient already (a send that went)."""
    if not Path(path).exists():
        return False
    with store.connect(path, SCHEMA) as con:
        return con.execute(
            "select 1 from outbox where kind = ? and message_key = ? and recipient = ? and outcome = 'sent' limit 1",
            (kind, key, recipient.lower()),
        ).fetchone() is not None


def record(path: Path, *, kind: str, key: str, recipient: str, department: str | None, as_of: dt.date,
           message_id: str | None, outcome: str, error: str | None = None, now: dt.datetime | None = None) -> None:
    """Append one attempt to the outbox."""
    if kind not in KINDS or outcome not in OUTCOMES:
        raise ValueError(f"kind {kind!r} / outcome {outcome!r}: one of {KINDS} / {OUTCOMES}")
    attempted = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    with store.connect(path, SCHEMA) as con:
        con.execute(
            "insert into outbox (kind, message_key, recipient, department, as_of, message_id, attempted_at, outcome, error) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, key, recipient.lower(), department, as_of.isoformat(), message_id, attempted, outcome, error),
        )


def read(path: Path, as_of: dt.date | None = None) -> list[dict]:
    """Every attempt, oldest first (of one as-of date when given); `pending` is true on a failed
    attempt whose message has not gone since."""
    if not Path(path).exists():
        return []
    with store.connect(path, SCHEMA) as con:
        rows = con.execute(
            f"select {', '.join(COLUMNS)}, "
            "outcome = 'failed' and not exists (select 1 from outbox as later where later.kind = outbox.kind "
            "and later.message_key = outbox.message_key and later.recipient = outbox.recipient "
            "and later.outcome = 'sent') as pending "
            "from outbox where ? is null or as_of = ? order by id",
            (as_of and as_of.isoformat(), as_of and as_of.isoformat()),
        ).fetchall()
    return [dict(zip((*COLUMNS, "pending"), (*row[:-1], bool(row[-1])))) for row in rows]
