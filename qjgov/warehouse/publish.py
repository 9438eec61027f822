"""One build at a time, each publishing only the file it wrote and tested.

A build holds an OS file lock (`flock` on `.<warehouse>.lock` beside the served file) from
start to publish; the kernel releases it when the process ends, however it ends, so a killed
build never blocks the next one. The lock file names the build holding it, so a second build
can say which one it waits for. Each build writes to a temporary file of its own
(`.<warehouse>.building-<pid>-<random>`); whoever holds the lock may delete the temporary
files of builds that died, since every live build holds the lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Log = Callable[[str], None]


class BuildBusy(RuntimeError):
    """Another build of the same warehouse is running and this one would not wait."""


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.lock")


def temporary_path(target: Path) -> Path:
    """A temporary file name no other build can choose."""
    return target.with_name(f".{target.name}.building-{os.getpid()}-{secrets.token_hex(4)}")


def leftovers(target: Path) -> list[Path]:
    """Temporary files (and their WAL) of builds of `target`."""
    return sorted(target.parent.glob(f".{target.name}.building*"))


def _holder(lock_file: Path) -> str:
    try:
        text = lock_file.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another build"


@contextmanager
def build_lock(target: Path, wait: float, log: Log) -> Iterator[None]:
    """Hold the build lock of `target`; wait up to `wait` seconds for a running build (0: refuse
    at once), printing which build holds it."""
    path = lock_path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise BuildBusy(
                        f"{holder} is building {target}; wait for it to finish "
                        f"(or pass --wait SECONDS to wait for it)"
                    ) from None
                if not told:
                    log(f"waiting for {holder} to finish (up to {wait:.0f} s)")
                    told = True
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now().isoformat(timespec="seconds")
        handle.write(f"build pid {os.getpid()} started {started} ({' '.join(sys.argv) or 'python'})\n")
        handle.flush()
        for stale in leftovers(target):
            log(f"removing {stale.name}, left behind by a build that did not finish")
            stale.unlink(missing_ok=True)
        yield
    finally:
        handle.close()  # releases the lock


def discard(temporary: Path) -> None:
    """Remove a temporary file and its write-ahead log."""
    temporary.unlink(missing_ok=True)
    temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)


def publish(temporary: Path, target: Path) -> None:
    """Make the tested temporary file the served one in one atomic step, durably."""
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
