"""Read-only access to the served warehouse, for the app and for scripts.

The app never writes. A build publishes a new warehouse by atomically replacing the file, so
"the warehouse" is a sequence of published files. `PublishedWarehouse` keeps one read-only
connection per published file and moves every new query to the newest one; a query already
running, or a page pinned to the file it started on, finishes on the old one, which is closed
once nobody uses it.

Each published file is opened as `ATTACH … (READ_ONLY)` in a database of its own
(`duckdb.connect(':memory:')`). A plain `duckdb.connect(path, read_only=True)` would not do:
within one process DuckDB hands a second connection to a path that still has one open the
first connection's database, i.e. the file that was replaced, so a reader would never move on.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from qjgov.paths import WAREHOUSE

CATALOG = "warehouse"  # the name the published file is attached under
Identity = tuple[int, int, int]  # (inode, mtime in ns, size): which published file


class WarehouseMissing(FileNotFoundError):
    """No warehouse has been built at the path."""


class WarehouseBusy(RuntimeError):
    """Another program holds the warehouse file open for writing, which blocks every reader."""


def warehouse_path() -> Path:
    """The warehouse file, read from the environment at call time.

    `qjgov.paths.WAREHOUSE` is fixed when the module is first imported; tests and hosted
    demos that set QJGOV_WAREHOUSE later (AppTest runs the app in the test's own process)
    still get the file they asked for.
    """
    return Path(os.environ.get("QJGOV_WAREHOUSE", str(WAREHOUSE)))


def identity(path: Path) -> Identity:
    """Which published file `path` is now; changes with every publish (a new inode)."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise WarehouseMissing(
            f"no warehouse at {path}: run `make run` or `python -m qjgov.demo` to build the demo one"
        ) from None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def attach_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection of its own to the file now at `path`, read-only, as catalog `warehouse`."""
    con = duckdb.connect(":memory:")
    quoted = "'" + str(path).replace("'", "''") + "'"
    try:
        con.execute(f"attach {quoted} as {CATALOG} (read_only)")
    except duckdb.IOException as error:
        con.close()
        if "lock" in str(error).lower():
            raise WarehouseBusy(
                f"the warehouse {path} is held open for writing by another program; close it, "
                "or open it read-only (e.g. `make sql`, or `duckdb -readonly`), and reload"
            ) from None
        raise
    con.execute(f"use {CATALOG}")
    return con


def connect(path: Path = WAREHOUSE) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file for a script; a clear error when it has not
    been built or is held open for writing."""
    identity(Path(path))
    return attach_read_only(Path(path))


def query(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pl.DataFrame:
    """Run `sql` on a fresh cursor of `con` and return a polars frame."""
    cursor = con.cursor()
    try:
        cursor.execute(f"use {CATALOG}")
        return cursor.sql(sql, params=params).pl()
    finally:
        cursor.close()


def reader(con: duckdb.DuckDBPyConnection) -> Callable[..., pl.DataFrame]:
    """`query` on `con` as a `qjgov.present.reads.Query`: (sql, params) -> rows."""
    return lambda sql, params=(): query(con, sql, list(params) if params else None)


@contextmanager
def reading_at(
    path: Path, as_of: dt.date, error: type[Exception], what: str,
) -> Iterator[tuple[Callable[..., pl.DataFrame], str, list[dt.date]]]:
    """The warehouse at `path` opened for a command that reads it at `as_of` (`what`: the
    monthly report, a digest): its query, which models built it and its as-of dates. Every way it cannot be
    read is an `error` saying what to do: no file, busy or unreadable, built by an older
    version, no such as-of date, or lacking what `what` reads; the connection is closed after."""
    from qjgov import versions
    from qjgov.present import reads

    try:
        con = connect(Path(path))
    except WarehouseMissing:
        raise error(f"no warehouse at {path}: build it first (`make build`, or `python -m qjgov.demo` for the demo)") from None
    except (WarehouseBusy, duckdb.Error) as problem:
        raise error(f"the warehouse {path} could not be opened: {problem}") from None
    try:
        q = reader(con)
        missing, models = versions.warehouse_age(q)
        if missing:
            raise error(
                f"the warehouse {path} was built by an older version and lacks {', '.join(missing)}: "
                "rebuild it with `make build` (your own data) or `make demo` (the demo data)"
            )
        dates = reads.as_of_dates(q)
        if as_of not in dates:
            shown = ", ".join(d.isoformat() for d in dates) or "none"
            raise error(f"no as-of date {as_of.isoformat()} in the warehouse; it holds: {shown}")
        yield q, models, dates
    except duckdb.Error as problem:
        raise error(f"the warehouse {path} lacks what {what} reads ({problem}); rebuild it with `make build`") from None
    finally:
        con.close()


@dataclass(eq=False)
class _Generation:
    identity: Identity
    con: duckdb.DuckDBPyConnection
    users: int = 0
    retired: bool = False


class PublishedWarehouse:
    """The published warehouse at one path, followed across publishes.

    Keeps the newest file's connection and the one before it (a page that started on the
    previous build finishes there); older ones are closed as soon as their last query ends.
    """

    KEEP = 2

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._generations: list[_Generation] = []  # oldest first; the last is current

    def current(self) -> Identity:
        """The identity of the file now published (opening it if it is new)."""
        generation = self._acquire(None)
        self._release(generation)
        return generation.identity

    @contextmanager
    def cursor(self, pinned: Identity | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the pinned build if it is still open, otherwise on the newest one."""
        generation = self._acquire(pinned)
        try:
            cursor = generation.con.cursor()
            try:
                cursor.execute(f"use {CATALOG}")
                yield cursor
            finally:
                cursor.close()
        finally:
            self._release(generation)

    def query(self, sql: str, params: list | None = None, pinned: Identity | None = None) -> pl.DataFrame:
        with self.cursor(pinned) as cursor:
            return cursor.sql(sql, params=params).pl()

    def close(self) -> None:
        with self._lock:
            for generation in self._generations:
                self._retire(generation)
            self._generations = []

    # ------------------------------------------------------------------ internals

    def _acquire(self, pinned: Identity | None) -> _Generation:
        with self._lock:
            if pinned is not None:
                for generation in self._generations:
                    if generation.identity == pinned and not generation.retired:
                        generation.users += 1
                        return generation
            now = identity(self.path)
            if not self._generations or self._generations[-1].identity != now:
                self._open(now)
            generation = self._generations[-1]
            generation.users += 1
            return generation

    def _open(self, seen: Identity) -> None:
        # A publish between the stat and the attach would put the new file under the old
        # identity: stat again after attaching and retry until both agree.
        while True:
            con = attach_read_only(self.path)
            after = identity(self.path)
            if after == seen:
                break
            con.close()
            seen = after
        self._generations.append(_Generation(seen, con))
        while len(self._generations) > self.KEEP:
            self._retire(self._generations.pop(0))

    def _retire(self, generation: _Generation) -> None:
        generation.retired = True
        if generation.users == 0:
            generation.con.close()

    def _release(self, generation: _Generation) -> None:
        with self._lock:
            generation.users -= 1
            if generation.retired and generation.users == 0:
                generation.con.close()
