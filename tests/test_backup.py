"""Backups of the office store (docs/deployment.md#audit-trail-and-backups): one taken while
another process goes on writing notes and audit records is one committed state of the store,
and a restore puts it back after checking it, refusing what is corrupt, what is not a store
and what would lose rows the live store holds."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from qjgov.office import audit, backup, notes
from qjgov.paths import ROOT

JUNE = dt.date(2021, 6, 30)

# The writer's i-th note and audit record: long enough to span pages, so a copy taken in the
# middle of a write would show a row cut short.
WRITER = """
import datetime as dt, sys
from pathlib import Path
from qjgov.office import audit, notes

store, stop = Path(sys.argv[1]), Path(sys.argv[2])
i = 0
while not stop.exists() and i < 20_000:
    notes.add(store, notes.Note("G01", dt.date(2021, 6, 30), progress=f"第{i}稿 " + "进展" * 700))
    audit.record(store, email=f"writer{i}@example.gov.cn", role="editor", department="医政医管科",
                 action="note_submitted", target="G01", outcome="ok", detail=f"step {i} " + "x" * 1_900)
    i += 1
"""


def progress(i: int) -> str:
    return f"第{i}稿 " + "进展" * 700


def detail(i: int) -> str:
    return f"step {i} " + "x" * 1_900


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer did not get that far in time"
        time.sleep(0.05)


def count(store: Path, table: str) -> int:
    with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30)) as con:
        try:
            return con.execute(f"select count(*) from {table}").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            return 0


def test_a_backup_taken_while_another_process_writes_is_one_committed_state(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    store = notes.store_path(warehouse)
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store), str(stop)], cwd=ROOT)
    try:
        wait_for(lambda: store.exists() and count(store, "audit") >= 30)
        done = subprocess.run(
            [sys.executable, "-m", "qjgov.backup", "--out", str(tmp_path / "backups"), "--warehouse", str(warehouse)],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        taken = Path(done.stdout.splitlines()[0])
        wait_for(lambda: count(store, "audit") >= count(taken, "audit") + 30)
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert taken.parent == tmp_path / "backups" and taken.name.startswith("office-") and taken.suffix == ".sqlite"

    con = sqlite3.connect(f"file:{taken}?mode=ro", uri=True)
    assert con.execute("pragma integrity_check").fetchall() == [("ok",)]
    rows = con.execute("select note_id, goal_id, as_of, progress, source from notes order by note_id").fetchall()
    trail = con.execute("select audit_id, email, role, department, action, target, outcome, detail from audit "
                        "order by audit_id").fetchall()
    con.close()
    n, m = len(rows), len(trail)
    # Exactly what the writer had committed at one moment: a prefix of its sequence, each row
    # whole, the note of step i written before its audit record.
    assert rows == [(i + 1, "G01", "2021-06-30", progress(i), "office") for i in range(n)]
    assert trail == [(i + 1, f"writer{i}@example.gov.cn", "editor", "医政医管科", "note_submitted", "G01", "ok", detail(i))
                     for i in range(m)]
    assert m in (n - 1, n) and m >= 30
    assert count(store, "audit") > m  # the writer went on while and after the copy was made
    assert done.stdout.splitlines()[1:] == [f"  audit: {m:,} rows", f"  notes: {n:,} rows"]


def make_store(store: Path) -> None:
    notes.add(store, notes.Note("G01", JUNE, progress="一稿"))
    for action in ("note_submitted", "note_approved"):
        audit.record(store, email="a@example.gov.cn", role="approver", department="行政审批科", action=action,
                     target="G01", outcome="ok")


def contents(store: Path) -> tuple[list, list]:
    return notes.read_all(store), audit.read(store)


def test_restore_round_trips_and_keeps_the_store_it_replaced(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    store = notes.store_path(warehouse)
    make_store(store)
    store.chmod(0o600)
    before = contents(store)
    taken, rows = backup.backup(store, tmp_path / "backups", now=dt.datetime(2026, 12, 6, 21, 30))
    assert taken == tmp_path / "backups" / "office-20261206-2130.sqlite" and rows == {"audit": 2, "notes": 1}
    assert stat.S_IMODE(taken.stat().st_mode) == 0o600  # it holds staff e-mails, as the store does
    again, _ = backup.backup(store, tmp_path / "backups", now=dt.datetime(2026, 12, 6, 21, 30))
    assert again.name == "office-20261206-2130-2.sqlite"  # never over an earlier backup
    audit.record(store, email="b@example.gov.cn", role="admin", department=None, action="rebuild", target=None,
                 outcome="ok")

    # The live store has a row the file lacks: refused, and nothing changed.
    assert backup.main(["--restore", str(taken), "--warehouse", str(warehouse)]) == 1
    out, err = capsys.readouterr()
    assert "audit: 3 rows in the store, 2 in the file" in err and "add --force" in err
    assert len(audit.read(store)) == 3 and not list(tmp_path.glob("*.before-restore*"))

    assert backup.main(["--restore", str(taken), "--warehouse", str(warehouse), "--force"]) == 0
    out, _ = capsys.readouterr()
    kept = tmp_path / "notes.sqlite.before-restore"
    assert f"replacing {store} (audit 3 rows, notes 1 rows); it is kept as {kept}" in out
    assert contents(store) == before
    assert len(audit.read(kept)) == 3
    assert stat.S_IMODE(store.stat().st_mode) == stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not Path(f"{store}-wal").exists() or Path(f"{store}-wal").stat().st_size == 0

    # The restored store is the store again: written to, and still append-only.
    make_store(store)
    assert len(audit.read(store)) == 4
    with closing(sqlite3.connect(store)) as con, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("delete from audit")

    # A file holding everything the live store holds needs no --force; the earlier copy stays.
    newest, _ = backup.backup(store, tmp_path / "backups")
    assert backup.main(["--restore", str(newest), "--warehouse", str(warehouse)]) == 0
    assert len(audit.read(store)) == 4 and len(audit.read(kept)) == 3
    assert (tmp_path / "notes.sqlite.before-restore-2").exists()


def test_restore_where_there_is_no_store_puts_it_there(tmp_path: Path) -> None:
    make_store(tmp_path / "old" / "notes.sqlite")
    taken, _ = backup.backup(tmp_path / "old" / "notes.sqlite", tmp_path / "backups")
    store = tmp_path / "new" / "notes.sqlite"
    assert backup.restore(taken, store, log=lambda message: None) is None
    assert contents(store) == contents(tmp_path / "old" / "notes.sqlite")


def test_restore_refuses_a_corrupt_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    store = notes.store_path(warehouse)
    make_store(store)
    taken, _ = backup.backup(store, tmp_path / "backups")
    with closing(sqlite3.connect(taken)) as con:
        page_size = con.execute("pragma page_size").fetchone()[0]
        root = con.execute("select rootpage from sqlite_master where name = 'audit'").fetchone()[0]
    with open(taken, "r+b") as file:  # the audit table's page header overwritten
        file.seek((root - 1) * page_size)
        file.write(b"\x0d\xff\xff\xff\xff\xff\xff\xff")
    before = store.read_bytes()
    assert backup.main(["--restore", str(taken), "--warehouse", str(warehouse), "--force"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{taken} fails SQLite's integrity check, so it is not restored: ") or err.startswith(
        f"{taken} is not a readable SQLite file, so it is not restored (database disk image is malformed)")
    assert store.read_bytes() == before and not list(tmp_path.glob("*.before-restore*"))


def test_restore_refuses_what_is_not_a_store(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    store = notes.store_path(warehouse)
    make_store(store)
    before = store.read_bytes()

    text = tmp_path / "notes.csv"
    text.write_text("goal_id,progress\nG01,一稿\n")
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as con:
        con.execute("create table notes (goal_id text)")
    unguarded = tmp_path / "unguarded.sqlite"
    taken, _ = backup.backup(store, tmp_path / "backups")
    unguarded.write_bytes(taken.read_bytes())
    with closing(sqlite3.connect(unguarded)) as con:
        con.execute("drop trigger audit_no_delete")

    expected = {
        text: f"{text} is not a readable SQLite file, so it is not restored (file is not a database)",
        other: f"{other} is not an office store backup: it lacks table audit, trigger audit_no_delete, "
               "trigger audit_no_update, trigger notes_no_delete, trigger notes_no_update",
        unguarded: f"{unguarded} is not an office store backup: it lacks trigger audit_no_delete",
        tmp_path / "missing.sqlite": f"{tmp_path / 'missing.sqlite'} does not exist (or is not a file)",
    }
    for file, message in expected.items():
        assert backup.main(["--restore", str(file), "--warehouse", str(warehouse), "--force"]) == 1, file
        assert capsys.readouterr().err == message + "\n"
    assert store.read_bytes() == before and not list(tmp_path.glob("*.before-restore*"))


def test_restore_refuses_a_store_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server holding the store open would go on writing to the file the restore replaces."""
    store = tmp_path / "notes.sqlite"
    make_store(store)
    taken, _ = backup.backup(store, tmp_path / "backups")
    monkeypatch.setattr(backup, "RESTORE_WAIT", 0.1)
    server = sqlite3.connect(store)
    server.execute("select count(*) from audit").fetchall()
    try:
        with pytest.raises(backup.BackupError, match=f"the office store {store} is in use .*stop the server"):
            backup.restore(taken, store, log=lambda message: None)
    finally:
        server.close()
    assert backup.restore(taken, store, log=lambda message: None) == tmp_path / "notes.sqlite.before-restore"


def test_nothing_to_back_up_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert backup.main(["--out", str(tmp_path / "backups"), "--warehouse", str(tmp_path / "warehouse.duckdb")]) == 1
    assert capsys.readouterr().err == (f"there is no office store at {tmp_path / 'notes.sqlite'}: nothing to back up "
                                       "(the first note or audit record creates it)\n")
    assert not (tmp_path / "backups").exists() or not os.listdir(tmp_path / "backups")
