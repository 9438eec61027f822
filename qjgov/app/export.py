"""Downloads of the lists behind the numbers: the CSV and Excel files of
`qjgov.present.spreadsheets`, made apart from the page.

Making a file is the costly part of a download (openpyxl takes about 11 s of a core for a
million cells, holding the interpreter's lock all along), so `made_apart` makes it apart from
the process that draws pages: in a child process with bounded time, memory and file size and a
lower CPU priority (`qjgov.limits.worker`), while one of the server's download slots is held
(`QJGOV_DOWNLOAD_SLOTS`, shared by every app process; `qjgov.limits.slots`). The list itself is
read in the page's process (DuckDB and Polars release the lock while they read) and handed to
the child as Arrow.
"""

from __future__ import annotations

from typing import Any, Callable

import polars as pl

from qjgov import settings
from qjgov.limits import slots, worker

MB = 1 << 20
# A file made in a child: two minutes at most (a million cells take openpyxl some 11 s of a
# core; at the lowest priority but one, on a server busy drawing pages, several times that),
# 1.5 GB of address space beyond the child's start (the list and its file side by side), and a
# file of 256 MB at most (a CSV of some two million rows), which the page's process then holds
# while it is downloaded.
BOUNDS = worker.Bounds(seconds=120, memory=1536 * MB, output=256 * MB, nice=10)
SLOT_WAIT = 45.0  # seconds a click waits for a free download slot (the browser gives up after 180 in all)
QUEUE = 3  # downloads waiting or being made in one app process at once; one more hears the server is busy
worker.preload(__name__, "qjgov.present.spreadsheets", "openpyxl")


def made_apart(make: Callable[..., bytes], read: Callable[[], pl.DataFrame], *args: Any) -> bytes:
    """`make(read(), *args)`: the list read here, the file made in a bounded child, while a
    download slot is held. Raises slots.Busy (no slot freed up in time), worker.Exceeded
    (a bound passed) or worker.Failed."""
    with slots.queued("download", QUEUE):
        with slots.slot("download", settings.download_slots(), wait=SLOT_WAIT):
            return worker.call(make, (read(), *args), BOUNDS)
