"""Each department's monthly digest by e-mail, with its own report attached; and the outbox.

    python -m qjgov.notify --as-of 2021-06-30 [--department NAME] [--dry-run] [--out digests/]
    python -m qjgov.notify --outbox [--as-of 2021-06-30]

Sends each department that owns a goal or holds one back one e-mail per recipient (the
editors and approvers of the access file who want it), through the SMTP server of
QJGOV_SMTP_*; every send goes on the outbox, so a rerun sends only what has not gone yet.
`--dry-run` writes the messages as .eml files instead, and needs no SMTP server.
docs/deployment.md#digests-and-alerts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from qjgov.paths import WAREHOUSE

OUTBOX_COLUMNS = ("attempted_at", "kind", "as_of", "department", "recipient", "outcome", "message_id", "error")
SUMMARY_COLUMNS = ("department", "recipients", "sent", "already sent", "failed")
DRY_RUN_COLUMNS = ("department", "recipients", "written")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2021-06-30") from None


def report_pdf(warehouse: Path, as_of: dt.date, lang: str, department: str) -> bytes:
    """The department's own monthly report as PDF (qjgov.reporting: 10–30 s each)."""
    from qjgov.reporting.render import render

    return render(warehouse, as_of, lang, "pdf", department=department)


def show_outbox(store: Path, as_of: dt.date | None) -> int:
    """The outbox as a table, oldest first; a failure not yet followed by a send is pending."""
    from qjgov.notify import outbox
    from qjgov.office.audit import table

    records = outbox.read(store, as_of)
    if not records:
        print(f"Nothing on the outbox{f' as of {as_of.isoformat()}' if as_of else ''} in {store}.")
        return 0
    shown = [
        {**{key: "" if record[key] is None else str(record[key]) for key in OUTBOX_COLUMNS},
         "outcome": "FAILED, pending" if record["pending"] else record["outcome"]}
        for record in records
    ]
    print(table(shown, OUTBOX_COLUMNS))
    pending = sum(record["pending"] for record in records)
    if pending:
        print(f"{pending} failed send(s) pending: the next run for their as-of date tries them again.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.notify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of", type=_date, help="the as-of date, a month-end of the plan year (YYYY-MM-DD)")
    parser.add_argument("--department", metavar="NAME", help="this department's digest only (e.g. 行政审批科)")
    parser.add_argument("--dry-run", action="store_true", help="write the messages as .eml files into --out; send and record nothing")
    parser.add_argument("--out", type=Path, default=Path("digests"), help="the dry run's folder (default: %(default)s)")
    parser.add_argument("--outbox", action="store_true", help="print the outbox (of --as-of when given) and stop")
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE,
                        help="the warehouse file; the office store (the outbox) is beside it (default: %(default)s)")
    args = parser.parse_args(argv)

    from qjgov.office import access, notes

    store = notes.store_path(args.warehouse)
    if args.outbox:
        return show_outbox(store, args.as_of)
    if args.as_of is None:
        parser.error("--as-of is required (or --outbox)")

    from qjgov import settings
    from qjgov.notify import digest, mail
    from qjgov.reporting.data import ReportError

    try:
        smtp = None if args.dry_run else mail.smtp_settings()
        base = settings.base_url()
        people = access.current()
    except (settings.SettingError, access.AccessError) as error:
        print(f"notify: {error}", file=sys.stderr)
        return 2
    known = access.departments_of_seeds()
    if args.department is not None and args.department not in known:
        print(f"notify: no department {args.department!r}; the departments: {', '.join(known)}", file=sys.stderr)
        return 2
    if base is None:
        print(f"note: {settings.BASE_URL} is not set, so the digests carry no links into the app")
    try:
        tallies = digest.run(args.warehouse, args.as_of, people, report_pdf, store=store, base=base,
                             only=args.department, smtp=smtp, out=args.out if args.dry_run else None,
                             log=lambda message: print(message, flush=True))
    except (digest.DigestError, ReportError) as error:
        print(f"notify: {error}", file=sys.stderr)
        return 1
    print(summary(tallies, args.as_of, args.dry_run))
    if args.dry_run:
        print(f"dry run: {sum(t.written for t in tallies)} message(s) written into {args.out}; nothing sent or recorded")
    return 1 if any(t.failed for t in tallies) else 0


def summary(tallies: list, as_of: dt.date, dry_run: bool) -> str:
    """Per department: its recipients and what became of their digests; then the departments
    nobody receives a digest for, by name (a digest nobody reads is no digest)."""
    from qjgov.office.audit import table

    columns = DRY_RUN_COLUMNS if dry_run else SUMMARY_COLUMNS
    rows = [dict(zip(columns, (t.department, str(t.recipients),
                               *((str(t.written),) if dry_run else (str(t.sent), str(t.already), str(t.failed))))))
            for t in tallies]
    lines = [f"digests as of {as_of.isoformat()}", table(rows, columns)]
    nobody = [t.department for t in tallies if not t.recipients]
    if nobody:
        lines.append(f"no recipient: {', '.join(nobody)} (nobody in the access file holds the editor or approver role for it with the digest on)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
