"""The overview's download of the monthly report (PDF, and HTML) for the chosen date and
language: the same document `python -m qjgov.report` writes.

A report takes seconds of a core to make (some 7 s for the PDF of the demo), so it is made
once per build, as-of date, language and format, and kept as a file under the run directory
(`reports/<build>/qjgov-report-<date>-<lang>.<fmt>`), which every app process behind the front
shares: a second request, from any session or replica, reads the file. It is made in a bounded
child process with a lower CPU priority (`qjgov.limits.worker`) while one of the server's
download slots is held (`qjgov.limits.slots`), so the pages keep their speed; a lock file per
report makes two sessions that ask for the same missing report at once make it once. Keeping
the first report of a new build removes the folders of the builds before it.

The file is made only when the button is clicked (Streamlit calls `data` then, on a thread of
its own). When it cannot be made in time (the server busy), the visitor gets a file of the
same format that says so in their language.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import shutil
import time
from pathlib import Path

import streamlit as st

from qjgov import settings
from qjgov.app import export, reads
from qjgov.app.state import State
from qjgov.limits import slots, worker
from qjgov.present import connection, words
from qjgov.reporting import render

MIME = {"pdf": "application/pdf", "html": "text/html"}
# Rendering reserves tens of GB of address space for V8's heap (the charts, through
# vl-convert) but holds some 400 MB: its memory is bounded as held, not as mapped.
BOUNDS = worker.Bounds(seconds=90, memory=1 << 30, resident=True, nice=10)
NOTICE_BOUNDS = worker.Bounds(seconds=30, memory=512 << 20, resident=True, nice=10)
WAIT = 60.0  # seconds a click waits for the same report made elsewhere, then for a slot (the browser gives up at 180)
RENDER = render.render  # what makes a report in the child (a test counts the reports made)
_LOG = logging.getLogger(__name__)


def reports_dir() -> Path:
    return settings.run_dir() / "reports"


def build_folder(build: connection.Identity) -> Path:
    """Where the reports of `build` are kept (named by the build's inode, modification time and size)."""
    return reports_dir() / "-".join(str(part) for part in build)


def report_path(build: connection.Identity, as_of: dt.date, lang: str, fmt: str) -> Path:
    return build_folder(build) / render.file_name(as_of, lang, fmt)


def stored_report(warehouse: Path, as_of: dt.date, lang: str, fmt: str) -> bytes:
    """The report of the build published at `warehouse` now: read from its file, or made and
    kept. Raises slots.Busy, worker.Exceeded or worker.Failed when it cannot be made."""
    build = connection.identity(warehouse)
    target = report_path(build, as_of, lang, fmt)
    kept = _read(target)
    if kept is not None:
        return kept
    deadline = time.monotonic() + WAIT
    with slots.locked(target.parent / f".{target.name}.lock", wait=WAIT):
        kept = _read(target)  # made by another session while this one waited
        if kept is not None:
            return kept
        with slots.slot("download", settings.download_slots(), wait=max(0.0, deadline - time.monotonic())):
            content = worker.call(RENDER, (Path(warehouse).resolve(), as_of, lang, fmt), BOUNDS)
        if connection.identity(warehouse) == build:  # else a publish came mid-way: which build it shows is unsure
            _keep(target, content, warehouse)
    return content


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:  # not made yet, or its build's folder removed just now
        return None


def _keep(target: Path, content: bytes, warehouse: Path) -> None:
    """Write the file whole or not at all (a reader elsewhere never sees half of it), then
    remove the reports of builds no longer published (read again now: a publish may have come
    since the caller looked, and the new build's reports and locks must stay)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(content)
        os.replace(partial, target)
    except OSError as error:  # a full disk, or the folder removed by a newer build: served, not kept
        _LOG.warning("the report %s was not kept: %s", target.name, error)
        return
    try:
        current = build_folder(connection.identity(warehouse))
    except connection.WarehouseMissing:
        return
    for folder in reports_dir().iterdir():
        if folder.is_dir() and folder != current:
            shutil.rmtree(folder, ignore_errors=True)


def report_bytes(as_of: dt.date, lang: str, fmt: str = "pdf", build: tuple | None = None) -> bytes:
    """The report as bytes, for the build published now (`build`, the one the page was drawn
    from, tells the buttons of two builds apart), or a file saying why it is not there."""
    try:
        with slots.queued("download", export.QUEUE):
            return stored_report(connection.warehouse_path(), as_of, lang, fmt)
    except slots.Busy:
        text = words.t(lang, "report.download_busy")
    except (worker.Exceeded, worker.Failed) as error:
        _LOG.warning("the report for %s (%s, %s) could not be made: %s", as_of, lang, fmt, error)
        text = words.t(lang, "report.download_failed")
    return notice(text, lang, fmt)


def notice(text: str, lang: str, fmt: str) -> bytes:
    """`text` as a PDF or HTML file, made once in a child and kept under the run directory
    (a busy server is when it is asked for)."""
    path = settings.run_dir() / "notices" / f"{hashlib.sha256(f'{lang}/{text}'.encode()).hexdigest()[:16]}.{fmt}"
    kept = _read(path)
    if kept is not None:
        return kept
    try:
        content = worker.call(render.notice, (text, lang, fmt), NOTICE_BOUNDS)
    except (worker.Exceeded, worker.Failed) as error:  # the notice itself could not be made: say it in plain text
        _LOG.warning("the %s notice could not be made: %s", fmt, error)
        return text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(content)
    os.replace(partial, path)
    return content


def download_buttons(state: State) -> None:
    """The overview's hook: download buttons for the monthly report at the chosen date."""
    build = reads.build()
    columns = st.columns([1, 1, 1])
    for column, fmt in zip(columns, ("pdf", "html")):
        with column:
            st.download_button(
                state.t(f"report.download_{fmt}"),
                data=functools.partial(report_bytes, state.as_of, state.lang, fmt, build),
                file_name=render.file_name(state.as_of, state.lang, fmt),
                mime=MIME[fmt],
                on_click="ignore",
                icon=":material/picture_as_pdf:" if fmt == "pdf" else ":material/description:",
                help=state.t("report.download_help"),
                key=f"report_{fmt}_{state.as_of.isoformat()}_{state.lang}",
            )
