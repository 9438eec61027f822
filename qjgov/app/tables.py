"""Tables as the app shows them (shares as "83.3 %", ISO dates) and their CSV and Excel
downloads."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import polars as pl
import streamlit as st

from qjgov.app import export
from qjgov.app.state import State


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


def downloads(
    state: State, frame: pl.DataFrame | Callable[[], pl.DataFrame], stem: str, sheet: str, percent: Iterable[str] = (),
    rows: int | None = None,
) -> None:
    """CSV and Excel of every row of the list (all its pages); each file is made only when its
    button is clicked (from `frame`, or what it returns when it is a function that reads the
    list, with `rows` rows). A list longer than an Excel sheet is offered as CSV only."""
    percent = list(percent)
    whole = frame if callable(frame) else (lambda: frame)
    rows = frame.height if rows is None and not callable(frame) else rows
    too_long = rows is not None and rows > EXCEL_ROWS
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(
        state.t("common.download_csv"),
        data=lambda: export.to_csv(whole(), percent, (state.t("common.yes"), state.t("common.no"))),
        file_name=f"{stem}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"csv_{stem}_{state.lang}",
    )
    right.download_button(
        state.t("common.download_xlsx"),
        data=lambda: export.to_xlsx(whole(), sheet, percent),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
        key=f"xlsx_{stem}_{state.lang}",
        disabled=too_long,
        help=state.t("common.excel_too_long", rows=f"{EXCEL_ROWS:,}") if too_long else None,
    )
