"""The one way into the office store's SQLite file (`data/notes.sqlite` beside the warehouse),
shared by every table it holds (the notes, the audit trail), so they all open it alike.

Write-ahead logging lets the server append while a build or a backup reads, and a reader sees
one committed state throughout; a writer waits up to `TIMEOUT` seconds for another's lock
before it gives up with an error instead of failing at once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

TIMEOUT = 30


class Connection(sqlite3.Connection):
    """A connection that, used in `with`, commits (or rolls back) and then closes: no
    connection outlives its write waiting for the garbage collector, holding the file open
    (an open one keeps a restore out, `qjgov.office.backup`)."""

    def __exit__(self, *exception) -> bool:
        try:
            return super().__exit__(*exception)
        finally:
            self.close()


def connect(path: Path, schema: str) -> Connection:
    """A writing connection with `schema` (its `create … if not exists` and triggers) applied,
    the folder made when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=TIMEOUT, factory=Connection)
    con.execute("pragma journal_mode = wal")
    con.executescript(schema)
    return con


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, for readers that must never create the file or change
    it (the build, the audit command, a backup)."""
    return sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=TIMEOUT)
