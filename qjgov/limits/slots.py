"""A fixed number of jobs of one kind at once for the whole server.

Each slot is a file in the run directory locked with `flock`: every app process behind the
front shares the directory, so the bound holds across replicas, and a lock dies with the
process that held it (a killed replica never keeps a slot). A job that finds every slot taken
waits up to `wait` seconds, then hears `Busy`.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qjgov import settings


class Busy(RuntimeError):
    """Every slot of the kind is taken; the message says how many and what to do."""


def _try_lock(path: Path) -> int | None:
    """The open, exclusively locked file `path` (made if missing), or None when another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextmanager
def _first_free(paths: list[Path], wait: float, busy: str, poll: float = 0.05) -> Iterator[int]:
    """Hold the lock of the first of `paths` free, trying again until `wait` seconds have
    passed (then Busy with the message `busy`); yields its index."""
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        for index, path in enumerate(paths):
            fd = _try_lock(path)
            if fd is None:
                continue
            try:
                yield index
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        if time.monotonic() >= deadline:
            raise Busy(busy)
        time.sleep(poll)


def _slot_paths(kind: str, count: int) -> list[Path]:
    folder = settings.run_dir() / "slots"
    return [folder / f"{kind}-{number}.lock" for number in range(count)]


@contextmanager
def slot(kind: str, count: int, wait: float = 0.0) -> Iterator[int]:
    """Hold one of `count` slots of `kind` while the block runs; yields the slot's number."""
    if count < 1:
        raise ValueError(f"{kind}: at least one slot is needed, not {count}")
    busy = f"the server is busy: {count} {kind} job{'s' if count != 1 else ''} already running"
    with _first_free(_slot_paths(kind, count), wait, busy) as number:
        yield number


def taken(kind: str, count: int) -> int:
    """How many slots of `kind` are held now (for a status line; may change at once)."""
    held = 0
    for path in _slot_paths(kind, count):
        if not path.exists():
            continue
        fd = _try_lock(path)
        if fd is None:
            held += 1
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    return held


_queues: dict[str, threading.BoundedSemaphore] = {}
_queues_lock = threading.Lock()


@contextmanager
def queued(kind: str, most: int) -> Iterator[None]:
    """At most `most` jobs of `kind` in this process at once, waiting for a slot or running;
    one more hears `Busy` at once.

    A job waiting for a slot holds a thread of the process: Streamlit makes a deferred
    download on asyncio's default executor (min(32, cores + 4) threads, six on two cores), which
    also serves the lazy chunks of every visitor's large tables, so a crowd of clicks must not
    take all of them."""
    with _queues_lock:
        queue = _queues.setdefault(f"{kind}/{most}", threading.BoundedSemaphore(most))
    if not queue.acquire(blocking=False):
        raise Busy(f"the server is busy: {most} {kind} job{'s' if most != 1 else ''} already waiting here")
    try:
        yield
    finally:
        queue.release()


@contextmanager
def locked(path: Path, wait: float) -> Iterator[None]:
    """Hold the lock on the file `path` (made if missing) while the block runs, so one process
    of the server at a time does the work it guards (making one report); another waits up to
    `wait` seconds, then hears `Busy`."""
    with _first_free([Path(path)], wait, f"the server is busy: {Path(path).stem} is being made for another visitor"):
        yield
