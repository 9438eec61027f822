"""The monthly progress report leadership reads: every goal at one month-end, as an A4 PDF
(or HTML) with cover, one-page summary, each goal with its chart, owners and commentary,
overdue milestones, the departments holding goals back and a note on data quality; or one
department's own report: the goals it owns, where it holds goals back and its overdue records.

    python -m qjgov.report --as-of 2021-06-30 [--department 行政审批科] [--lang zh|en] [--format pdf|html]
                           [--out reports/] [--warehouse data/warehouse.duckdb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from qjgov.paths import WAREHOUSE


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2021-06-30") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of", type=_date, required=True, help="the as-of date, a month-end of the plan year (YYYY-MM-DD)")
    parser.add_argument("--department", help="one department's own report (its name as in seeds/departments.csv); "
                        "without it, the commission's")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: %(default)s)")
    parser.add_argument("--format", choices=("pdf", "html"), default="pdf", help="output format (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: %(default)s)")
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE, help="the warehouse file (default: %(default)s)")
    args = parser.parse_args(argv)

    from qjgov.reporting.data import ReportError, UnknownDepartment
    from qjgov.reporting.render import write

    try:
        write(args.warehouse, args.as_of, args.lang, args.format, args.out, log=lambda message: print(message, flush=True),
              department=args.department)
    except UnknownDepartment as error:  # a wrong argument, as argparse exits for one
        print(f"report failed: {error}", file=sys.stderr)
        return 2
    except ReportError as error:
        print(f"report failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
