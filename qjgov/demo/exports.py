"""The demo data written the way the platform exports it, to try the importer without real data.

    python -m qjgov.demo.exports [--raw data/raw] [--out data/exports]

Chinese headers (the usual one of seeds/export_headers.csv), 是/否 for booleans, ratings and
online depth in words, package members joined with 、; catalogues and packages as .xlsx with a
title row, the records as GB18030 CSV. The tests write every other supported format with the
same functions (UTF-8 with and without BOM, real .xls, an HTML table named .xls).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
from pathlib import Path

import polars as pl

from qjgov.paths import DATA_DIR, RAW_DIR, SEEDS_DIR
from qjgov.warehouse.contract import RAW_TABLES
from qjgov.importing.values import DEPTHS, RATINGS

FORMATS = ("csv-gb18030", "csv-utf8", "csv-utf8-bom", "xlsx", "xls", "html-xls")
TITLES = {
    "items": "黔江区卫生健康委政务服务事项清单",
    "one_thing_packages": "黔江区卫生健康委“一件事”套餐清单",
    "cases": "黔江区卫生健康委办件明细表",
    "reviews": "黔江区卫生健康委好差评明细表",
    "complaints": "黔江区卫生健康委交办投诉明细表",
    "decisions": "黔江区卫生健康委双公示决定明细表",
}
_RATING_WORDS = {number: word for word, number in RATINGS.items()}
_DEPTH_WORDS = {0: "线下办理", 1: "网上咨询", 2: "网上预约", 3: "网上预审", 4: "全程网办"}
assert set(_DEPTH_WORDS.values()) <= set(DEPTHS)


def usual_headers(seeds_dir: Path = SEEDS_DIR) -> dict[tuple[str, str], str]:
    """The first (usual) export header of every contract column."""
    headers = {}
    with open(seeds_dir / "export_headers.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            headers[(row["table"], row["column"])] = row["headers"].split("|")[0]
    return headers


def as_export(table: str, frame: pl.DataFrame, native: bool = False) -> tuple[list[str], list[list[object]]]:
    """Headers and rows as an export writes them; `native` keeps times and numbers as values
    (for workbooks, whose cells carry types) instead of text."""
    headers_by_column = usual_headers()
    columns = list(RAW_TABLES[table])
    headers = [headers_by_column[(table, column)] for column in columns]

    def cell(column: str, value: object) -> object:
        if value is None:
            return None if native else ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if (table, column) == ("reviews", "rating"):
            return _RATING_WORDS[value]
        if (table, column) == ("items", "online_depth"):
            return _DEPTH_WORDS[value]
        if (table, column) == ("one_thing_packages", "item_codes"):
            return "、".join(str(value).split("|"))
        if native:
            return value
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S")
        return str(value)

    rows = [[cell(column, value) for column, value in zip(columns, row)] for row in frame.select(columns).iter_rows()]
    return headers, rows


def write_export(table: str, frame: pl.DataFrame, path: Path, kind: str, title: bool = True) -> Path:
    """Write `frame` (contract columns) as an export of `kind` (one of FORMATS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    caption = f"{TITLES[table]}（演示数据）"
    if kind.startswith("csv"):
        headers, rows = as_export(table, frame)
        encoding = {"csv-gb18030": "gb18030", "csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig"}[kind]
        with open(path, "w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            if title:
                writer.writerow([caption])
            writer.writerow(headers)
            writer.writerows(rows)
    elif kind == "xlsx":
        from openpyxl import Workbook

        headers, rows = as_export(table, frame, native=True)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(table)
        if title:
            sheet.append([caption])
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    elif kind == "xls":
        import xlwt

        headers, rows = as_export(table, frame, native=True)
        workbook = xlwt.Workbook(encoding="utf-8")
        moments = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
        days = xlwt.easyxf(num_format_str="yyyy-mm-dd")
        per_sheet = 60_000  # an .xls sheet holds 65,536 rows
        for number, start in enumerate(range(0, max(len(rows), 1), per_sheet), start=1):
            sheet = workbook.add_sheet(f"{table}{number}")
            offset = 0
            if title:
                sheet.write(0, 0, caption)
                offset = 1
            for column, header in enumerate(headers):
                sheet.write(offset, column, header)
            for r, row in enumerate(rows[start:start + per_sheet], start=offset + 1):
                for c, value in enumerate(row):
                    if isinstance(value, dt.datetime):
                        sheet.write(r, c, value, moments)
                    elif isinstance(value, dt.date):
                        sheet.write(r, c, dt.datetime.combine(value, dt.time()), days)
                    elif value is not None:
                        sheet.write(r, c, value)
        workbook.save(str(path))
    elif kind == "html-xls":
        headers, rows = as_export(table, frame)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
        path.write_text(
            '<html><head><meta charset="utf-8"></head><body><table>'
            + (f"<tr><td colspan='{len(headers)}'>{html.escape(caption)}</td></tr>" if title else "")
            + "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"
            + body + "</table></body></html>",
            encoding="utf-8",
        )
    else:
        raise ValueError(f"unknown export kind {kind}; one of {FORMATS}")
    return path


def write_demo_exports(raw_dir: Path = RAW_DIR, out: Path = DATA_DIR / "exports", log=print) -> list[Path]:
    """Every demo table as the platform would export it."""
    written = []
    for table in RAW_TABLES:
        frame = pl.read_parquet(raw_dir / table / "*.parquet")
        kind, suffix = ("xlsx", "xlsx") if table in ("items", "one_thing_packages") else ("csv-gb18030", "csv")
        path = write_export(table, frame, out / f"{table}.{suffix}", kind)
        log(f"{path}: {frame.height:,} rows ({kind})")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.demo.exports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="demo landing zone to read (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DATA_DIR / "exports", help="folder for the export files (default: %(default)s)")
    args = parser.parse_args(argv)
    if not any(args.raw.glob("*/*.parquet")):
        print(f"no demo data in {args.raw}: run `python -m qjgov.generate` (or `make run`) first")
        return 1
    write_demo_exports(args.raw, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
