"""Downloads of the lists behind the numbers: CSV and Excel, as an analyst opens them.

CSV carries a byte-order mark so Excel on a Chinese Windows desktop reads UTF-8 instead of
guessing GBK. The Excel file is written with openpyxl (installed with the app) rather than
polars' `write_excel`, which needs xlsxwriter; shares keep their numeric value and get a
percent format, so the analyst can still sort and sum them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Iterable

import polars as pl


def to_csv(frame: pl.DataFrame, percent_columns: Iterable[str] = (), yes_no: tuple[str, str] = ("true", "false")) -> bytes:
    """UTF-8 with BOM; shares written as percent numbers with one decimal (83.3); yes and no
    in the reader's words (是/否, as the platform's exports write them)."""
    percent = [c for c in percent_columns if c in frame.columns]
    out = frame.with_columns([(pl.col(c) * 100).round(1).alias(c) for c in percent])
    out = out.with_columns([
        pl.when(pl.col(c)).then(pl.lit(yes_no[0])).otherwise(pl.when(pl.col(c).not_()).then(pl.lit(yes_no[1]))).alias(c)
        for c, kind in out.schema.items() if kind == pl.Boolean
    ])
    out = out.rename({c: f"{c} (%)" for c in percent})
    return out.write_csv(datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d").encode("utf-8-sig")


def to_xlsx(frame: pl.DataFrame, sheet: str, percent_columns: Iterable[str] = ()) -> bytes:
    """One sheet with a bold, frozen header; dates, shares and counts keep their types."""
    # Imported when a file is made (a click): every page with a table imports this module.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    percent = set(percent_columns)
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = _sheet_title(sheet)
    worksheet.append(list(frame.columns))
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    worksheet.freeze_panes = "A2"
    for row in frame.iter_rows():
        worksheet.append([_cell(value) for value in row])
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        dtype = frame.schema[column]
        number_format = None
        if column in percent:
            number_format = "0.0%"
        elif dtype == pl.Date:
            number_format = "yyyy-mm-dd"
        elif isinstance(dtype, pl.Datetime):
            number_format = "yyyy-mm-dd hh:mm"
        if number_format:
            for cell in worksheet[letter][1:]:
                cell.number_format = number_format
        width = max([_display_width(column)] + [_display_width(v) for v in frame[column].head(200).to_list()])
        worksheet.column_dimensions[letter].width = min(60, width + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value


def _display_width(value: object) -> int:
    """Characters as Excel lays them out: a CJK character takes two columns."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_title(text: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in '[]:*?/\\' else ch for ch in text).strip()
    return (cleaned or "data")[:31]
