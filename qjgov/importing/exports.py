"""Reading the platform's export files into rows of text: the format and encoding, the sheets,
the header row, and what each header means.

Every source ends as sheets of rows of strings (None for an empty cell), so one set of
converters serves CSV, real .xls and .xlsx workbooks (calamine, through polars) and the HTML
tables some systems save under an .xls name.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from qjgov.paths import SEEDS_DIR
from qjgov.warehouse.contract import RAW_TABLES

PERSONAL = "(personal)"
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TOTALS = ("合计", "总计", "小计")


class FileRefused(Exception):
    """The whole file cannot be imported; the message names what is missing and what was found."""


@dataclass
class Sheet:
    name: str  # the sheet's name, or "" for a CSV
    rows: list[list[str | None]]


@dataclass
class Aliases:
    """Export headers per contract column (seeds/export_headers.csv), matched after NFKC and
    without spaces, and the headers of personal data, which are dropped unread."""

    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> header -> column
    personal: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path = SEEDS_DIR / "export_headers.csv") -> "Aliases":
        aliases = cls()
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                headers = list(dict.fromkeys(normalise_header(h) for h in row["headers"].split("|") if h.strip()))  # in the seed's order
                if row["column"] == PERSONAL:
                    aliases.personal |= set(headers)
                    continue
                table, column = row["table"], row["column"]
                if table not in RAW_TABLES or column not in RAW_TABLES[table]:
                    raise ValueError(f"{path}: {table}.{column} is not a contract column")
                mapping = aliases.columns.setdefault(table, {})
                for header in [*headers, normalise_header(column)]:
                    mapping[header] = column
        return aliases

    def match(self, table: str, header: str | None) -> str | None:
        """The contract column a header names in `table`, PERSONAL, or None."""
        key = normalise_header(header)
        if not key:
            return None
        if key in self.personal:
            return PERSONAL
        return self.columns.get(table, {}).get(key)

    def named(self, table: str, column: str) -> str:
        """A contract column with the export headers that name it: `assigned_at (交办时间|派单时间)`."""
        headers = [h for h, c in self.columns.get(table, {}).items() if c == column and h != normalise_header(column)]
        return f"{column} ({'|'.join(headers)})" if headers else column

    def score(self, table: str, cells: list[str | None]) -> int:
        """How many different contract columns of `table` a row's cells name."""
        return len({self.match(table, cell) for cell in cells} - {None, PERSONAL})


def normalise_header(text: str | None) -> str:
    """Headers compare after NFKC (full-width brackets are half-width) and without spaces or
    the * some exports put on required columns."""
    if text is None:
        return ""
    return re.sub(r"[\s*＊]+", "", unicodedata.normalize("NFKC", str(text)))


# --------------------------------------------------------------------------- formats


def detect(data: bytes, name: str) -> str:
    """csv, xlsx, xls or html, by the first bytes (an .xls name may hide any of them)."""
    if not data:
        raise FileRefused("the file is empty (0 bytes)")
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(XLS_MAGIC):
        return "xls"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<meta", b"<?xml", b"<head")) or b"<table" in head:
        return "html"
    sample = data[:65536]
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in (0x09, 0x0A, 0x0D))
    if controls > len(sample) / 100:  # text has almost none; binary data has one byte in nine
        raise FileRefused(f"{name} is neither text nor a workbook (binary data that is not .xlsx or .xls)")
    return "csv"


def decode(data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (with or without BOM), then GB18030 (which covers GBK),
    then charset-normalizer's best guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FileRefused("the text encoding could not be recognised (tried UTF-8, GB18030)")
    return str(best), best.encoding


def _cell(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def read_csv(data: bytes) -> tuple[list[Sheet], str]:
    text, encoding = decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return [Sheet("", rows)], encoding


def read_workbook(path: Path) -> list[Sheet]:
    """Every sheet of an .xlsx or real .xls, every cell as text (calamine through polars)."""
    try:
        frames = pl.read_excel(path, sheet_id=0, engine="calamine", has_header=False, infer_schema_length=0)
    except Exception as error:  # noqa: BLE001 — calamine raises its own types for broken workbooks
        raise FileRefused(f"the workbook could not be read: {str(error).splitlines()[0][:200]}") from None
    return [Sheet(name, [[_cell(v) for v in row] for row in frame.rows()]) for name, frame in frames.items()]


class _Tables(HTMLParser):
    """The rows of every <table> in an HTML page (what some systems save as .xls)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(_cell("".join(self._cell).strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_html(data: bytes) -> tuple[list[Sheet], str]:
    text, encoding = decode(data)
    match = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:2048])
    if match and encoding != "utf-8-sig":
        declared = match.group(1).decode("ascii").lower()
        try:
            text, encoding = data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
    parser = _Tables()
    parser.feed(text)
    return [Sheet(f"table {n}", rows) for n, rows in enumerate(parser.tables, start=1)], encoding


def read_sheets(path: Path) -> tuple[str, list[Sheet]]:
    """(a description of the format, the sheets) of an export file."""
    data = path.read_bytes()
    kind = detect(data, path.name)
    if kind == "csv":
        sheets, encoding = read_csv(data)
        return f"CSV ({encoding})", sheets
    if kind == "html":
        sheets, encoding = read_html(data)
        return f"HTML table ({encoding})", sheets
    return kind, read_workbook(path)


# --------------------------------------------------------------------------- headers


def header_row(sheet: Sheet, aliases: Aliases, table: str) -> int | None:
    """The first row whose cells name at least two columns of `table` (or all of a one-column
    match when the row has a single cell), within the first 30 rows."""
    for index, row in enumerate(sheet.rows[:30]):
        filled = [cell for cell in row if cell]
        matched = aliases.score(table, row)
        if matched >= 2 or (matched and matched == len(filled)):
            return index
    return None


def guess_table(sheets: list[Sheet], aliases: Aliases) -> str:
    """The one contract table whose headers a file's header row matches best."""
    scores: dict[str, int] = {}
    for table in RAW_TABLES:
        for sheet in sheets:
            for row in sheet.rows[:30]:
                scores[table] = max(scores.get(table, 0), aliases.score(table, row))
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < 2:
        raise FileRefused("no row of the file names the columns of any contract table; pass --table TABLE")
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        tied = ", ".join(table for table, score in ranked if score == ranked[0][1])
        raise FileRefused(f"the headers fit several tables equally ({tied}); pass --table TABLE")
    return ranked[0][0]


def is_totals(row: list[str | None]) -> bool:
    """A totals row at the bottom of a report: its first filled cells start 合计, 总计 or 小计
    (合计, 合 计, 合计：, 合计(件) …)."""
    filled = [re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell)) for cell in row if cell]
    return any(cell.startswith(TOTALS) for cell in filled[:2])
