"""The overview's download of the monthly report (PDF, and HTML) for the chosen date and
language: the same document `python -m qjgov.report` writes.

The file is made only when the button is clicked (Streamlit calls `data` then, on a thread of
its own) and kept per build, date, language and format, so a second click is instant.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import streamlit as st

from qjgov.app import connection, reads
from qjgov.app.state import State
from qjgov.reporting import render

MIME = {"pdf": "application/pdf", "html": "text/html"}


@functools.lru_cache(maxsize=8)
def _report(path: str, build: tuple, as_of: dt.date, lang: str, fmt: str) -> bytes:
    return render.render(Path(path), as_of, lang, fmt)


def report_bytes(as_of: dt.date, lang: str, fmt: str = "pdf", build: tuple | None = None) -> bytes:
    """The report as bytes, for the build now served (or the one given)."""
    path = connection.warehouse_path()
    return _report(str(path), tuple(build or connection.identity(path)), as_of, lang, fmt)


def download_buttons(state: State) -> None:
    """The overview's hook: download buttons for the monthly report at the chosen date."""
    build = reads.build()
    columns = st.columns([1, 1, 2])
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
