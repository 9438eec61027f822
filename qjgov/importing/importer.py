"""Import the platform's export files into the landing zone: every row accounted for.

    python -m qjgov.importer [--table TABLE] [--snapshot-date D] [--raw DIR] [--quarantine DIR]
                             [--report FILE] [--dry-run] [--allow-missing COLUMN] [--build] FILE...

For each file: detect the format and encoding, find the header row in every sheet, map the
headers through seeds/export_headers.csv, drop personal-data columns unread, convert every
value into the contract's type, check every row against the contract's rules (the same the
build applies, so what lands always builds), and account for each data row as exactly one of
landed, replaced (a key the landing zone or an earlier file already had, with other values),
duplicate (the same values again) or quarantined (refused, with the reason, in
data/quarantine/<table>/ as CSV with BOM). Valid rows land as one new Parquet batch under
data/raw/<table>/; older batches lose the keys the new one replaces, so a key has one row.
Text that is not a key or a code is masked for ID-card and mobile numbers; a key or code that
holds one is refused. Title, blank and totals rows are skipped and counted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from qjgov.paths import DATA_DIR, RAW_DIR, SEEDS_DIR, WAREHOUSE
from qjgov.importing import values
from qjgov.warehouse import personal
from qjgov.warehouse.calendar import covered_years
from qjgov.warehouse.contract import CODE_LISTS, FREE_TEXT, RAW_KEYS, RAW_TABLES
from qjgov.importing.exports import PERSONAL, Aliases, FileRefused, Sheet, guess_table, header_row, is_totals, read_sheets
from qjgov.warehouse.load import Rule, find_files, quote, row_rules

QUARANTINE_DIR = DATA_DIR / "quarantine"
Log = Callable[[str], None]
EXAMPLES_SHOWN = 20
PROGRESS_EVERY = 50_000
PREVIEW_ROWS = 20

# When a record's duty ends, it cannot be before it started (sql/tests/assert_duty_completion_not_before_start.sql).
DUTY_ORDER: dict[str, tuple[str, tuple[str, ...]]] = {
    "complaints": ("assigned_at", ("responded_at", "resolved_at")),
    "reviews": ("reviewed_at", ("reported_at", "verified_at", "rectified_at", "followed_up_at")),
    "decisions": ("decided_at", ("published_at",)),
}
# Times whose disappearance in a later export moves a record backwards.
PROGRESS_TIMES: dict[str, tuple[str, ...]] = {
    "cases": ("accepted_at", "completed_at"),
    "reviews": ("reported_at", "verified_at", "rectified_at", "followed_up_at"),
    "complaints": ("responded_at", "resolved_at"),
    "decisions": ("published_at",),
}


@dataclass
class FileReport:
    file: str
    table: str | None = None
    rows_read: int = 0
    landed: int = 0
    replaced: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped_rows: int = 0
    refused: bool = False
    reason: str | None = None
    unrecognised_columns: list[str] = field(default_factory=list)
    unknown_item_codes: int = 0
    unknown_item_code_examples: list[str] = field(default_factory=list)
    missing_columns_allowed: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)  # a second header for a column already read
    skipped_sheets: list[str] = field(default_factory=list)
    moved_backwards: list[str] = field(default_factory=list)
    personal_columns_dropped: int = 0
    format: str = ""
    quarantine_file: str | None = None
    refused_rows: list[dict] = field(default_factory=list)  # the first problems, masked as the quarantine file has them
    preview: list[dict] = field(default_factory=list)  # the first rows as they will land

    def balances(self) -> bool:
        return self.refused or self.rows_read == self.landed + self.replaced + self.duplicates + self.quarantined


@dataclass
class _Row:
    sheet: str
    number: int  # 1-based row number in the sheet, as a spreadsheet shows it
    values: dict[str, object]

    def key(self, table: str) -> tuple:
        return tuple(self.values[k] for k in RAW_KEYS[table])

    def content(self, table: str) -> tuple:
        return tuple(self.values[c] for c in RAW_TABLES[table])


@dataclass
class _Problem:
    row: _Row
    column: str
    value: object
    reason: str


class Importer:
    """One import command: files in order, one table, one landing zone."""

    def __init__(
        self,
        raw_dir: Path = RAW_DIR,
        quarantine_dir: Path = QUARANTINE_DIR,
        seeds_dir: Path = SEEDS_DIR,
        snapshot_date: dt.date | None = None,
        allow_missing: Iterable[str] = (),
        log: Log = print,
    ) -> None:
        self.raw_dir, self.quarantine_dir = Path(raw_dir), Path(quarantine_dir)
        self.snapshot_date = snapshot_date
        self.allow_missing = set(allow_missing)
        self.log = log
        self.aliases = Aliases.load(seeds_dir / "export_headers.csv")
        codes = pl.read_csv(seeds_dir / "codes.csv", infer_schema_length=0)
        self.codes = {name: set(group["code"].to_list()) for (name,), group in codes.group_by("code_list")}
        self.townships = set(pl.read_csv(seeds_dir / "townships.csv", infer_schema_length=0)["township"].to_list())
        first, last = covered_years()
        self.first_day, self.last_day = dt.date(first, 1, 1), dt.date(last, 12, 31)

    # ------------------------------------------------------------------ one file

    def read(self, path: Path, table: str | None) -> tuple[FileReport, list[_Row], list[_Problem]]:
        """Rows of one file converted and checked; a refused file raises FileRefused."""
        report = FileReport(str(path))
        if not path.exists():
            raise FileRefused(f"{path} does not exist")
        report.format, sheets = read_sheets(path)
        table = table or guess_table(sheets, self.aliases)
        report.table = table
        schema = RAW_TABLES[table]
        rows: list[_Row] = []
        problems: list[_Problem] = []
        incomplete: list[str] = []
        read_any = False
        for sheet in sheets:
            start = header_row(sheet, self.aliases, table)
            if start is None:
                if sheet.rows and any(any(row) for row in sheet.rows):
                    report.skipped_sheets.append(sheet.name or "(csv)")
                continue
            headers = sheet.rows[start]
            mapping: dict[int, str] = {}
            unrecognised, duplicates, personal_columns = [], [], 0
            for index, header in enumerate(headers):
                column = self.aliases.match(table, header)
                if column == PERSONAL:
                    personal_columns += 1
                elif column is None:
                    if header:
                        unrecognised.append(header)
                elif column in mapping.values():
                    first = headers[next(i for i, c in mapping.items() if c == column)]
                    duplicates.append(f"{header} (also {column}, like {first}; the first is read)")
                else:
                    mapping[index] = column
            missing = [c for c in schema if c not in mapping.values()]
            if "snapshot_date" in missing and self.snapshot_date is not None:
                missing.remove("snapshot_date")
            refused_missing = [c for c in missing if c not in self.allow_missing]
            if refused_missing:
                incomplete.append(
                    f"sheet {sheet.name or '(csv)'}: missing columns of table {table}: "
                    f"{', '.join(self.aliases.named(table, c) for c in refused_missing)} "
                    f"(found: {', '.join(h for h in headers if h)})"
                )
                report.skipped_sheets.append(sheet.name or "(csv)")
                continue
            read_any = True
            report.personal_columns_dropped += personal_columns
            report.unrecognised_columns += [h for h in unrecognised if h not in report.unrecognised_columns]
            report.duplicate_columns += duplicates
            for column in missing:
                if column not in report.missing_columns_allowed:
                    report.missing_columns_allowed.append(column)
            report.skipped_rows += start  # title rows above the header
            self._convert(sheet, start, mapping, table, report, rows, problems)
        if not read_any and incomplete:
            raise FileRefused(
                "; ".join(incomplete) + ". Every contract column is required; pass --allow-missing COLUMN to land one "
                "as empty" + (", or --snapshot-date D for a catalogue without its date" if "snapshot_date" in " ".join(incomplete) else "")
            )
        if not read_any:
            raise FileRefused(
                f"no row names the columns of table {table} (e.g. {', '.join(list(self.aliases.columns[table])[:4])}); "
                f"found first row: {[c[:30] for c in (sheets[0].rows[0] if sheets and sheets[0].rows else []) if c][:6]}"
            )
        problems += self._check(table, rows, unreadable={(id(p.row), p.column) for p in problems})
        return report, rows, problems

    def _convert(self, sheet: Sheet, start: int, mapping: dict[int, str], table: str, report: FileReport,
                 rows: list[_Row], problems: list[_Problem]) -> None:
        convert = {column: values.converter(table, column) for column in RAW_TABLES[table]}
        free_text = set(FREE_TEXT.get(table, ())) | {c for c in ("item_name", "package_name") if c in RAW_TABLES[table]}
        for offset, cells in enumerate(sheet.rows[start + 1:], start=start + 2):
            if not any(cells):
                report.skipped_rows += 1
                continue
            if is_totals(cells):
                report.skipped_rows += 1
                continue
            report.rows_read += 1
            if report.rows_read % PROGRESS_EVERY == 0:
                self.log(f"  {Path(report.file).name}: {report.rows_read:,} rows read")
            row = _Row(sheet.name, offset, {column: None for column in RAW_TABLES[table]})
            if "snapshot_date" in row.values and self.snapshot_date is not None:
                row.values["snapshot_date"] = self.snapshot_date
            for index, column in mapping.items():
                raw = cells[index] if index < len(cells) else None
                if column in free_text and raw:
                    raw = personal.mask(raw)
                try:
                    row.values[column] = convert[column](raw)
                except ValueError as error:
                    problems.append(_Problem(row, column, raw, f"cannot be read: {error}"))
                    continue
                if isinstance(row.values[column], str) and column not in free_text and personal.contains_personal_data(row.values[column]):
                    problems.append(_Problem(row, column, raw, "holds what reads as an ID-card or mobile number; keys and codes cannot be masked"))
            rows.append(row)

    def _check(self, table: str, rows: list[_Row], unreadable: set[tuple[int, str]] = frozenset()) -> list[_Problem]:
        """The contract's row rules (those the build applies) and the build's error-level data
        tests that a single row can break, evaluated in DuckDB over the converted rows. A rule
        that reads a cell which could not be read (`unreadable`: id of the row, column) is not
        applied to that row: the cell is its problem, not "is empty" or what follows from that."""
        if not rows:
            return []
        rules = row_rules(table, self.first_day, self.last_day) + self._extra_rules(table)
        frame = pl.DataFrame([r.values for r in rows], schema=RAW_TABLES[table], orient="row").with_row_index("_row")
        con = duckdb.connect()
        try:
            con.register("imported", frame)
            broken = con.execute(
                f"select _row, list_filter([{', '.join(f'case when coalesce({rule.condition}, false) then {n} end' for n, rule in enumerate(rules))}], "
                f"lambda m: m is not null) from imported where {' or '.join(f'coalesce({rule.condition}, false)' for rule in rules)}"
            ).fetchall()
        finally:
            con.close()
        reads = [{c for c in RAW_TABLES[table] if re.search(rf"\b{re.escape(c)}\b", rule.condition)} for rule in rules]
        problems = []
        for index, found in broken:
            row = rows[index]
            for n in found:
                if any((id(row), column) in unreadable for column in reads[n]):
                    continue
                problems.append(_Problem(row, rules[n].column, row.values.get(rules[n].column), rules[n].reason))
        return problems

    def _extra_rules(self, table: str) -> list[Rule]:
        rules = []
        for (code_table, column), code_list in CODE_LISTS.items():
            if code_table == table:
                known = ", ".join(quote(code) for code in sorted(self.codes.get(code_list, ())))
                rules.append(Rule(column, f"{column} not in ({known})", "", f"not a known {code_list} (seeds/codes.csv)"))
        if table == "cases":
            towns = ", ".join(quote(t) for t in sorted(self.townships))
            rules += [
                Rule("township", f"township not in ({towns})", "", "not a township of seeds/townships.csv"),
                Rule("accepted_at", "accepted_at < submitted_at", "", "accepted before it was submitted"),
                Rule("completed_at", "completed_at < coalesce(accepted_at, submitted_at)", "", "completed before it was accepted"),
                Rule("completed_at", "status = '办结' and (completed_at is null or accepted_at is null)", "",
                     "a completed case (办结) needs its acceptance and completion times"),
                Rule("completed_at", "status = '在办' and completed_at is not null", "", "a case still open (在办) has no completion time"),
            ]
        if table in DUTY_ORDER:
            start, ends = DUTY_ORDER[table]
            rules += [Rule(end, f"{end} < {start}", "", f"before {start}") for end in ends]
        return rules

    # ------------------------------------------------------------------ the command

    def run(self, files: list[Path], table: str | None = None, dry_run: bool = False) -> list[FileReport]:
        """Import `files` in order; land and quarantine unless `dry_run`."""
        reports: list[FileReport] = []
        accepted: dict[str, dict[tuple, tuple[_Row, FileReport]]] = {}
        quarantine: list[tuple[FileReport, list[_Problem]]] = []
        existing_cache: dict[str, dict[tuple, tuple]] = {}
        item_codes: list[tuple[FileReport, set[str]]] = []
        for path in files:
            path = Path(path)
            began = time.perf_counter()
            self.log(f"reading {path}")
            try:
                report, rows, problems = self.read(path, table)
            except FileRefused as refusal:
                reason = personal.mask(str(refusal))  # a refusal may quote cells
                reports.append(FileReport(str(path), table, refused=True, reason=reason))
                self.log(f"  refused: {reason}")
                continue
            reports.append(report)
            table_name = report.table
            existing = existing_cache.setdefault(table_name, self._existing(table_name))
            incoming = accepted.setdefault(table_name, {})
            refused_rows = {id(p.row) for p in problems}
            # A key twice in one file with different values: both rows are refused.
            by_key: dict[tuple, list[_Row]] = {}
            for row in rows:
                if id(row) not in refused_rows:
                    by_key.setdefault(row.key(table_name), []).append(row)
            for key, group in by_key.items():
                contents = {r.content(table_name) for r in group}
                if len(contents) > 1:
                    for r in group:
                        problems.append(_Problem(r, ",".join(RAW_KEYS[table_name]), " ".join(map(str, key)),
                                                 f"the same key appears {len(group)} times in this file with different values"))
                        refused_rows.add(id(r))
                    continue
                report.duplicates += len(group) - 1
                row = group[0]
                content = row.content(table_name)
                earlier = incoming.get(key)
                before = earlier[0].content(table_name) if earlier else existing.get(key)
                if before == content:
                    report.duplicates += 1
                    continue
                if before is not None:
                    report.replaced += 1
                    backwards = self._backwards(table_name, before, content)
                    if backwards:
                        report.moved_backwards.append(f"{' '.join(map(str, key))}: {backwards} disappeared")
                else:
                    report.landed += 1
                incoming[key] = (row, report)
            report.quarantined = len(refused_rows)
            report.refused_rows = [_problem_record(report, problem) for problem in _in_order(problems)[:PREVIEW_ROWS]]
            report.preview = [r.values for r in rows if id(r) not in refused_rows][:PREVIEW_ROWS]
            item_codes.append((report, {r.values["item_code"] for r in rows if id(r) not in refused_rows and r.values.get("item_code")}))
            quarantine.append((report, problems))
            self.log(f"  {report.rows_read:,} rows read in {time.perf_counter() - began:.1f} s")
        # Item codes the catalogue does not know, counting the catalogue files of this command too.
        known = {key[1] for key in existing_cache.get("items") or self._existing("items")}
        known |= {key[1] for key in accepted.get("items", {})}
        for report, codes in item_codes:
            if report.table != "items":
                unknown = sorted(codes - known)
                report.unknown_item_codes, report.unknown_item_code_examples = len(unknown), unknown[:EXAMPLES_SHOWN]
        if not dry_run:
            for report, problems in quarantine:
                if problems:
                    report.quarantine_file = str(self._write_quarantine(report, problems))
            for table_name, incoming in accepted.items():
                if incoming:
                    self._land(table_name, incoming)
        return reports

    def _existing(self, table: str) -> dict[tuple, tuple]:
        """Key -> values of every row already in the landing zone."""
        paths, _ = find_files(self.raw_dir / table)
        if not paths:
            return {}
        # glob=False: a `*`, `?` or `[` in a landed file's name is part of the name, not a pattern.
        frame = pl.concat([pl.read_parquet(p, glob=False).select(list(RAW_TABLES[table])).cast(RAW_TABLES[table]) for p in paths])
        columns = list(RAW_TABLES[table])
        positions = [columns.index(k) for k in RAW_KEYS[table]]
        return {tuple(row[i] for i in positions): row for row in frame.iter_rows()}

    def _backwards(self, table: str, before: tuple, after: tuple) -> str:
        columns = list(RAW_TABLES[table])
        lost = [c for c in PROGRESS_TIMES.get(table, ()) if before[columns.index(c)] is not None and after[columns.index(c)] is None]
        return ", ".join(lost)

    def _land(self, table: str, incoming: dict[tuple, tuple[_Row, FileReport]]) -> None:
        """Write the new rows as one batch and take their keys out of the older batches, each
        file replaced atomically."""
        folder = self.raw_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        batch = folder / f"import-{stamp}-{secrets.token_hex(3)}.parquet"
        new = pl.DataFrame([row.values for row, _ in incoming.values()], schema=RAW_TABLES[table], orient="row")
        replaced_keys = pl.DataFrame([dict(zip(RAW_KEYS[table], key)) for key in incoming], schema={k: RAW_TABLES[table][k] for k in RAW_KEYS[table]}, orient="row")
        writes: list[tuple[Path, pl.DataFrame]] = [(batch, new)]
        for path in find_files(folder)[0]:
            old = pl.read_parquet(path, glob=False).cast(RAW_TABLES[table], strict=False)
            kept = old.join(replaced_keys, on=list(RAW_KEYS[table]), how="anti")
            if kept.height != old.height:
                writes.append((path, kept))
        for path, frame in writes:
            temporary = path.with_name(f".{path.name}.importing")
            frame.write_parquet(temporary)
            os.replace(temporary, path)
        self.log(f"landed {new.height:,} rows in {batch}")

    def _write_quarantine(self, report: FileReport, problems: list[_Problem]) -> Path:
        folder = self.quarantine_dir / (report.table or "unknown")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{secrets.token_hex(3)}-{Path(report.file).stem}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "sheet", "row", "key", "column", "value", "reason"])
            for problem in _in_order(problems):
                writer.writerow([Path(report.file).name, *_problem_record(report, problem).values()])
        return path


def _in_order(problems: list[_Problem]) -> list[_Problem]:
    return sorted(problems, key=lambda p: (p.row.sheet, p.row.number))


def _problem_record(report: FileReport, problem: _Problem) -> dict:
    """A refused row's problem as the quarantine file writes it: sheet, row, key, column,
    value and reason, ID-card and mobile numbers masked."""
    key = " ".join("" if v is None else str(v) for v in problem.row.key(report.table))
    value = "" if problem.value is None else str(problem.value)
    return {"sheet": problem.row.sheet, "row": problem.row.number, "key": personal.mask(key), "column": problem.column,
            "value": personal.mask(value), "reason": personal.mask(problem.reason)}


# --------------------------------------------------------------------------- the report


def print_report(reports: list[FileReport], log: Log = print) -> None:
    headers = ("file", "table", "read", "landed", "replaced", "duplicates", "quarantined", "skipped", "")
    rows = [
        (
            Path(r.file).name, r.table or "—", f"{r.rows_read:,}", f"{r.landed:,}", f"{r.replaced:,}", f"{r.duplicates:,}",
            f"{r.quarantined:,}", f"{r.skipped_rows:,}", "REFUSED" if r.refused else "",
        )
        for r in reports
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows)]
    for line in (headers, *rows):
        log("  ".join(str(value).ljust(width) for value, width in zip(line, widths)).rstrip())
    for r in reports:
        notes = []
        if r.refused:
            notes.append(f"refused: {r.reason}")
        if r.unrecognised_columns:
            notes.append(f"columns not recognised, not loaded: {r.unrecognised_columns}")
        if r.personal_columns_dropped:
            notes.append(f"{r.personal_columns_dropped} personal-data column(s) dropped unread")
        if r.duplicate_columns:
            notes.append(f"second columns for the same field, not read: {r.duplicate_columns}")
        if r.skipped_sheets:
            notes.append(f"sheets without a complete header row, not read: {r.skipped_sheets}")
        if r.missing_columns_allowed:
            notes.append(f"missing columns landed as empty (--allow-missing): {r.missing_columns_allowed}")
        if r.unknown_item_codes:
            notes.append(f"{r.unknown_item_codes} item code(s) not in the catalogue (filed under 未关联事项): {r.unknown_item_code_examples}")
        if r.moved_backwards:
            notes.append(f"{len(r.moved_backwards)} record(s) moved backwards: {r.moved_backwards[:EXAMPLES_SHOWN]}")
        if r.quarantine_file:
            notes.append(f"refused rows: {r.quarantine_file}")
        for note in notes:
            log(f"{Path(r.file).name}: {note}")


def report_json(reports: list[FileReport]) -> dict:
    keys = ("file", "table", "rows_read", "landed", "replaced", "duplicates", "quarantined", "skipped_rows", "refused",
            "reason", "unrecognised_columns", "unknown_item_codes")
    files = []
    for report in reports:
        data = asdict(report)
        entry = {key: data[key] for key in keys}
        entry.update(
            unknown_item_code_examples=report.unknown_item_code_examples,
            moved_backwards=report.moved_backwards,
            missing_columns_allowed=report.missing_columns_allowed,
            duplicate_columns=report.duplicate_columns,
            skipped_sheets=report.skipped_sheets,
            quarantine_file=report.quarantine_file,
        )
        files.append(entry)
    return {"files": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.importer", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="export files (CSV, .xlsx, .xls), imported in this order")
    parser.add_argument("--table", choices=sorted(RAW_TABLES), help="the contract table (default: told by the headers)")
    parser.add_argument("--snapshot-date", type=dt.date.fromisoformat, help="snapshot date for a catalogue export without one (YYYY-MM-DD)")
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="landing zone (default: %(default)s)")
    parser.add_argument("--quarantine", type=Path, default=QUARANTINE_DIR, help="where refused rows go (default: %(default)s)")
    parser.add_argument("--report", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--dry-run", action="store_true", help="read, check and report; write nothing")
    parser.add_argument("--allow-missing", action="append", default=[], metavar="COLUMN", help="land a missing column as empty (repeatable)")
    parser.add_argument("--build", action="store_true", help="rebuild the warehouse from --raw after a successful import")
    parser.add_argument("--target", type=Path, default=WAREHOUSE, help="the warehouse --build writes (default: %(default)s)")
    args = parser.parse_args(argv)
    importer = Importer(args.raw, args.quarantine, snapshot_date=args.snapshot_date, allow_missing=args.allow_missing)
    reports = importer.run(args.files, args.table, dry_run=args.dry_run)
    print_report(reports)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report_json(reports), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    refused = any(r.refused for r in reports)
    if args.dry_run:
        print("dry run: nothing was written")
    elif any(r.landed or r.replaced for r in reports):
        if args.build:
            from qjgov.warehouse.build import BuildError, build

            try:
                build(raw_dir=args.raw, target=args.target)
            except BuildError as error:
                print(f"build failed: {error}", file=sys.stderr)
                return 1
        else:
            print("to see the new data in the app, rebuild: python -m qjgov.build (or make build)")
    return 1 if refused else 0
