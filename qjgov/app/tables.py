"""Tables as the app shows them (shares as "83.3 %", ISO dates) and their CSV and Excel
downloads (made apart from the pages: qjgov.app.export)."""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Iterable

import polars as pl
import streamlit as st

from qjgov.app import export
from qjgov.app.state import State
from qjgov.limits import slots, worker
from qjgov.present import spreadsheets

_LOG = logging.getLogger(__name__)


def show_table(
    frame: pl.DataFrame,
    *,
    percent: Iterable[str] = (),
    trips: Iterable[str] = (),
    dates: Iterable[str] = (),
    datetimes: Iterable[str] = (),
    checks: Iterable[str] = (),
    counts: Iterable[str] = (),
    widths: dict[str, str | int] | None = None,
    height: int | str = "auto",
    key: str | None = None,
    **kwargs: Any,
) -> Any:
    """st.dataframe with shares as "83.3 %", trips with two decimals and ISO dates.

    Shares are multiplied by 100 for display only (the downloads keep fractions).
    """
    percent = [c for c in percent if c in frame.columns]
    shown = frame.with_columns([(pl.col(c) * 100).alias(c) for c in percent])
    column_kinds = (
        (percent, lambda c: st.column_config.NumberColumn(c, format="%.1f %%")),
        (trips, lambda c: st.column_config.NumberColumn(c, format="%.2f")),
        (dates, lambda c: st.column_config.DateColumn(c, format="YYYY-MM-DD")),
        (datetimes, lambda c: st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")),
        (checks, lambda c: st.column_config.CheckboxColumn(c)),
        (counts, lambda c: st.column_config.NumberColumn(c, format="localized")),
    )
    config: dict[str, Any] = {
        column: make(column) for columns, make in column_kinds for column in columns if column in frame.columns
    }
    for column, width in (widths or {}).items():
        if column in frame.columns:
            existing = config.get(column)
            if existing is not None:
                existing["width"] = width
            else:
                config[column] = st.column_config.Column(column, width=width)
    config.update(kwargs.pop("column_config", {}))
    return st.dataframe(shown, hide_index=True, column_config=config, height=height, key=key, placeholder="—", **kwargs)


EXCEL_ROWS = 1_048_575  # an Excel sheet holds 1,048,576 rows, the header one of them
# openpyxl writes about 90,000 cells a second on one core here (some 11 s for a million, in a
# file of about 3 MB), while a CSV of the same is made in a tenth of a second. Past a million
# cells a visitor would wait long and hold one of the server's few download slots as long, so
# a larger list or answer is offered as CSV only.
EXCEL_CELLS = 1_000_000


class _TooManyCells(Exception):
    """The list read at the click is larger than an Excel file made here may be."""


def downloads(
    state: State, frame: pl.DataFrame | Callable[[], pl.DataFrame], stem: str, sheet: str, percent: Iterable[str] = (),
    rows: int | None = None, columns: int | None = None,
) -> None:
    """CSV and Excel of every row of the list (all its pages); each file is made only when its
    button is clicked (from `frame`, or what it returns when it is a function that reads the
    list, with `rows` rows and `columns` columns), apart from the pages (`spreadsheet`). A list
    longer than an Excel sheet, or of more than EXCEL_CELLS cells, is offered as CSV only."""
    percent = list(percent)
    whole = frame if callable(frame) else (lambda: frame)
    if not callable(frame):
        rows, columns = frame.height if rows is None else rows, frame.width
    too_long = rows is not None and rows > EXCEL_ROWS
    too_many = not too_long and rows is not None and columns is not None and rows * columns > EXCEL_CELLS
    if too_long:
        excel_help = state.t("common.excel_too_long", rows=f"{EXCEL_ROWS:,}")
    elif too_many:
        excel_help = state.t("common.excel_too_many_cells", cells=f"{EXCEL_CELLS:,}")
    else:
        excel_help = None
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        state.t("common.download_csv"),
        data=functools.partial(spreadsheet, state, "csv", whole, sheet, percent),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"csv_{stem}_{state.lang}",
    )
    right.download_button(
        state.t("common.download_xlsx"),
        data=functools.partial(spreadsheet, state, "xlsx", whole, sheet, percent),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
        key=f"xlsx_{stem}_{state.lang}",
        disabled=too_long or too_many,
        help=excel_help,
    )


def spreadsheet(state: State, kind: str, read: Callable[[], pl.DataFrame], sheet: str, percent: list[str]) -> bytes:
    """The file a download button hands over ("csv" or "xlsx"), made apart from the pages
    (export.made_apart). When it cannot be made (the server busy with other downloads, a bound
    passed, more cells than an Excel file made here may hold), the visitor gets a file of the
    same kind that says so in their words: a failed deferred download shows only Streamlit's
    "Failed to generate file for download", in English, for five seconds."""

    def read_within_excel_bounds() -> pl.DataFrame:
        frame = read()
        if frame.height > EXCEL_ROWS or frame.height * frame.width > EXCEL_CELLS:
            raise _TooManyCells
        return frame

    try:
        if kind == "csv":
            return export.made_apart(spreadsheets.to_csv, read, percent, (state.t("common.yes"), state.t("common.no")))
        return export.made_apart(spreadsheets.to_xlsx, read_within_excel_bounds, sheet, percent)
    except slots.Busy:
        text = state.t("common.download_busy")
    except _TooManyCells:
        text = state.t("common.excel_too_many_cells", cells=f"{EXCEL_CELLS:,}")
    except worker.Exceeded:
        bounds = export.BOUNDS
        text = state.t("common.download_too_large", size=f"{bounds.output // export.MB} MB", seconds=f"{bounds.seconds:g}")
    except worker.Failed as failed:
        _LOG.warning("a %s download could not be made: %s", kind, failed)
        text = state.t("common.download_failed")
    return spreadsheets.notice_csv(text) if kind == "csv" else spreadsheets.notice_xlsx(text)
