"""The spreadsheet files of the lists behind the numbers: CSV and Excel, as an analyst opens
them. The app's downloads and any other part that sends a list (a department's digest) write
them here.

CSV carries a byte-order mark so Excel on a Chinese Windows desktop reads UTF-8 instead of
guessing GBK. The Excel file is written with openpyxl (installed with the app) rather than
polars' `write_excel`, which needs xlsxwriter; shares keep their numeric value and get a
percent format, so the analyst can still sort and sum them. A text a spreadsheet would run as
a formula is written as text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
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
    # A text a spreadsheet would run as a formula (a crafted query's "=HYPERLINK(…)") starts with
    # a quote mark, as OWASP advises for CSV: the reader sees the text, nothing runs.
    out = out.with_columns([
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, kind in out.schema.items() if kind == pl.String
    ])
    out = out.rename({c: "'" + c for c in out.columns if re.match(FORMULA_START, c)})
    return out.write_csv(datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d").encode("utf-8-sig")


def to_xlsx(frame: pl.DataFrame, sheet: str, percent_columns: Iterable[str] = ()) -> bytes:
    """One sheet with a bold, frozen header; dates, shares and counts keep their types.

    Written row by row (openpyxl's write-only mode), so a large list takes a fifth of the
    memory a workbook held whole would."""
    # Imported when a file is made (a click): every page with a table imports this module.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    percent = set(percent_columns)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_sheet_title(sheet))
    worksheet.freeze_panes = "A2"
    formats: dict[int, str] = {}
    for index, column in enumerate(frame.columns):
        dtype = frame.schema[column]
        if column in percent:
            formats[index] = "0.0%"
        elif dtype == pl.Date:
            formats[index] = "yyyy-mm-dd"
        elif isinstance(dtype, pl.Datetime):
            formats[index] = "yyyy-mm-dd hh:mm"
        width = max([_display_width(column)] + [_display_width(v) for v in frame[column].head(200).to_list()])
        worksheet.column_dimensions[get_column_letter(index + 1)].width = min(60, width + 2)
    bold = Font(bold=True)
    header = [_text_cell(worksheet, column) for column in frame.columns]
    for cell in header:
        cell.font = bold
    worksheet.append(header)
    for row in frame.iter_rows():
        values = [_cell(value) for value in row]
        for index, value in enumerate(values):
            if isinstance(value, str) and value[:1] in FORMULA_SIGNS:
                values[index] = _text_cell(worksheet, value)
        for index, number_format in formats.items():
            if values[index] is not None:
                cell = WriteOnlyCell(worksheet, value=values[index])
                cell.number_format = number_format
                values[index] = cell
        worksheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def notice_csv(text: str) -> bytes:
    """A CSV of one cell that says why the file asked for is not there."""
    return ('"' + text.replace('"', '""') + '"\n').encode("utf-8-sig")


def notice_xlsx(text: str) -> bytes:
    """An Excel file of one cell that says why the file asked for is not there."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    worksheet = workbook.active
    worksheet["A1"] = text
    worksheet["A1"].font = Font(bold=True)
    worksheet.column_dimensions["A"].width = min(120, _display_width(text) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMULA_SIGNS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads a cell starting with as a formula
FORMULA_START = "^[" + re.escape("".join(FORMULA_SIGNS)) + "]"


def _text_cell(worksheet, value: str):
    """A cell that holds `value` as text, even when it reads as a formula (openpyxl would
    otherwise write "=…" as one, which Excel runs)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=value)
    cell.data_type = "s"
    return cell


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
