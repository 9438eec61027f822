"""Backups of the office store: the one file that cannot be rebuilt.

    python -m qjgov.backup --out DIR [--warehouse data/warehouse.duckdb]
    python -m qjgov.backup --restore FILE [--warehouse data/warehouse.duckdb] [--force]

The warehouse is rebuilt from raw data at every build; the notes and the audit trail exist
only in the office store (`notes.store_path`, beside the warehouse). A backup is taken with
SQLite's online backup while the server goes on writing: it copies one committed state, never
half a write. A restore checks the file before it touches anything (SQLite's integrity check,
the store's tables and triggers, nothing in the live store that the file lacks) and swaps it
in whole, keeping the store it replaces beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import stat
import sys
from contextlib import closing
from pathlib import Path

from qjgov.office import audit, notes
from qjgov.office import store as office_store
from qjgov.paths import WAREHOUSE

# Every table of the store with its triggers: a backup holds them all, a restore wants them all.
SCHEMAS = (notes.SCHEMA, audit.SCHEMA)
# How long a restore waits for the store to be free before it says the store is in use.
RESTORE_WAIT = 5


class BackupError(RuntimeError):
    """A backup or restore that was not done, and why; nothing was changed."""


def expected_objects() -> set[tuple[str, str]]:
    """(type, name) of every table and trigger the store's code creates."""
    with closing(sqlite3.connect(":memory:")) as con:
        for schema in SCHEMAS:
            con.executescript(schema)
        return _objects(con)


def _objects(con: sqlite3.Connection) -> set[tuple[str, str]]:
    return {
        (kind, name)
        for kind, name in con.execute("select type, name from sqlite_master where type in ('table', 'trigger')")
        if not name.startswith("sqlite_")
    }


def _rows(con: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Per table: its rows and its largest row id (the store is append-only, so a later row
    has a larger id)."""
    tables = sorted(name for kind, name in _objects(con) if kind == "table")
    return {
        name: tuple(con.execute(f'select count(*), coalesce(max(rowid), 0) from "{name}"').fetchone())
        for name in tables
    }


def _fsync(path: Path) -> None:
    """Data (or a folder's entry) on the disk before the next step relies on it."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _free(path: Path, suffix: str = "") -> Path:
    """The path, or with -2, -3, … before `suffix` (its ending) when it is taken: a backup
    never overwrites an earlier one, nor a restore the store an earlier restore kept."""
    base = path.name[: len(path.name) - len(suffix)]
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{base}-{number}{suffix}")
    return candidate


def _copy(source: sqlite3.Connection, target: Path, mode: int | None) -> dict[str, tuple[int, int]]:
    """Copy a database into `target` (a new file) with SQLite's backup in one step, so the copy
    is one committed state of the source; complete the schema, check it, sync it. Its rows."""
    if mode is not None:  # made private before a byte is written: it holds staff e-mails
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode & 0o600))
    with closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        # One self-contained file: no write-ahead log beside it to lose when it is moved.
        copy.execute("pragma journal_mode = delete")
        for schema in SCHEMAS:  # a store no one has audited yet gains the empty table
            copy.executescript(schema)
        problems = [row[0] for row in copy.execute("pragma integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"the copy in {target} fails SQLite's integrity check: {'; '.join(problems[:5])}")
        rows = _rows(copy)
    if mode is not None:
        os.chmod(target, mode)  # then as private as the store, no more
    _fsync(target)
    return rows


def backup(store: Path, out: Path, now: dt.datetime | None = None) -> tuple[Path, dict[str, int]]:
    """A consistent copy of the store in `out`, named by the local time
    (office-YYYYMMDD-HHMM.sqlite); its path and rows per table."""
    store = Path(store)
    if not store.exists():
        raise BackupError(f"there is no office store at {store}: nothing to back up "
                          "(the first note or audit record creates it)")
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot make the backup folder {out}: {error}") from None
    target = _free(out / f"office-{(now or dt.datetime.now()):%Y%m%d-%H%M}.sqlite", ".sqlite")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(office_store.connect_readonly(store)) as source:
            rows = _copy(source, partial, stat.S_IMODE(store.stat().st_mode))
        os.replace(partial, target)
        _fsync(out)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {store}: {error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target, {name: count for name, (count, _) in rows.items()}


def check(file: Path) -> dict[str, tuple[int, int]]:
    """What a restore checks in a file before it touches the store: that it is a SQLite file
    that passes SQLite's integrity check and holds every table and trigger of the store. Its
    rows per table; BackupError saying what is wrong."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"{file} does not exist (or is not a file)")
    try:
        with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as con:
            problems = [row[0] for row in con.execute("pragma integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{file} fails SQLite's integrity check, so it is not restored: {'; '.join(problems[:5])}")
            missing = expected_objects() - _objects(con)
            if missing:
                named = ", ".join(f"{kind} {name}" for kind, name in sorted(missing))
                raise BackupError(f"{file} is not an office store backup: it lacks {named}")
            return _rows(con)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{file} is not a readable SQLite file, so it is not restored ({error})") from None


def _describe(rows: dict[str, tuple[int, int]]) -> str:
    return ", ".join(f"{name} {count:,} rows" for name, (count, _) in rows.items())


def _keep(live: sqlite3.Connection | None, store: Path) -> Path:
    """A copy of the store about to be replaced, beside it. Copied through the connection
    that holds the lock (a second handle on the file, opened and closed here, would drop
    SQLite's locks with it); byte for byte when SQLite cannot read the store."""
    kept = _free(store.with_name(store.name + ".before-restore"))
    if live is None:
        kept.write_bytes(store.read_bytes())
    else:
        with closing(sqlite3.connect(kept)) as copy:
            live.backup(copy)
            copy.execute("pragma journal_mode = delete")
    os.chmod(kept, stat.S_IMODE(store.stat().st_mode))
    _fsync(kept)
    return kept


def restore(file: Path, store: Path, force: bool = False, log=print) -> Path | None:
    """Put a backup back in place of the store, after `check`, refusing (unless `force`) when
    the live store holds rows the file lacks. The swap is one rename: the store is either the
    old one or the new one, never half of each. Stop the server first: the store is locked
    while it is replaced, and a server still writing would be refused. The path the replaced
    store is kept at (None when there was none)."""
    file, store = Path(file), Path(store)
    if store.exists() and file.resolve() == store.resolve():
        raise BackupError(f"{file} is the live store itself")
    wanted = check(file)
    log(f"{file} passes SQLite's integrity check and holds the store's tables and triggers: {_describe(wanted)}")
    kept = None
    live = None
    try:
        if store.exists():
            live = sqlite3.connect(store, timeout=RESTORE_WAIT, isolation_level=None)
            try:
                # Folds the write-ahead log into the file, which needs the file alone: no log
                # may outlive the swap and be read as part of the restored store. The read
                # transaction then keeps any writer from committing until the swap is done
                # (a write transaction would keep SQLite's backup from reading the file).
                live.execute("pragma journal_mode = delete")
                live.execute("begin")
                present = _rows(live)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                raise BackupError(f"the office store {store} is in use ({error}): stop the server and restore again") from None
            except sqlite3.DatabaseError as error:
                live.close()
                live, present = None, None
                if not force:
                    raise BackupError(
                        f"the office store {store} cannot be read ({error}): add --force to replace it "
                        "(it is kept beside as .before-restore)"
                    ) from None
            if Path(f"{store}-wal").exists():
                raise BackupError(f"{store}-wal is still there after the store was folded into one file: not restored")
            if present is not None:
                newer = [
                    f"{name}: {count:,} rows in the store, {wanted.get(name, (0, 0))[0]:,} in the file"
                    for name, (count, largest) in present.items()
                    if count > wanted.get(name, (0, 0))[0] or largest > wanted.get(name, (0, 0))[1]
                ]
                if newer and not force:
                    raise BackupError(
                        f"the office store {store} holds rows that {file} does not ({'; '.join(newer)}): restoring "
                        "would lose them. Back up the store first, then add --force to restore anyway."
                    )
            kept = _keep(live, store)
            log(f"replacing {store} ({_describe(present) if present else 'unreadable'}); it is kept as {kept}")
        else:
            store.parent.mkdir(parents=True, exist_ok=True)
            log(f"there is no office store at {store}: {file} is put there")
        mode = stat.S_IMODE(store.stat().st_mode) if store.exists() else None
        incoming = store.with_name(f".{store.name}.restoring")
        incoming.unlink(missing_ok=True)
        try:
            with closing(sqlite3.connect(f"file:{file}?mode=ro", uri=True)) as source:
                copied = _copy(source, incoming, mode)
            if copied != wanted:
                raise BackupError(f"the copy of {file} holds {_describe(copied)}, not {_describe(wanted)}: not restored")
            os.replace(incoming, store)
            _fsync(store.parent)
        finally:
            incoming.unlink(missing_ok=True)
    except sqlite3.Error as error:
        raise BackupError(f"{store} was not restored from {file}: {error}") from None
    finally:
        if live is not None:
            live.close()
    log(f"restored {store} from {file}")
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qjgov.backup",
        description="Back up the office store (the notes and the audit trail) while the server runs, or restore one.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", type=Path, metavar="DIR",
                      help="write a consistent copy into DIR as office-YYYYMMDD-HHMM.sqlite")
    what.add_argument("--restore", type=Path, metavar="FILE", help="put FILE back as the office store, after checking it")
    parser.add_argument("--force", action="store_true",
                        help="restore even when the store holds rows the file lacks (the replaced store is kept)")
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE, metavar="PATH",
                        help="the warehouse file; the office store is beside it (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.force and args.out:
        parser.error("--force goes with --restore")
    store = notes.store_path(args.warehouse)
    try:
        if args.out:
            path, rows = backup(store, args.out)
            print(path)
            for name, count in rows.items():
                print(f"  {name}: {count:,} rows")
        else:
            restore(args.restore, store, force=args.force)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 1
    return 0
