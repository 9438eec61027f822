"""The report as bytes (PDF through WeasyPrint, or the HTML itself) and as files.

WeasyPrint sets HTML and CSS into PDF with Pango: the CJK font (Noto Sans CJK, Debian's
`fonts-noto-cjk`) is found through fontconfig and embedded as a subset; charts arrive as SVG
from Altair through vl-convert and stay vector graphics in the PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from pathlib import Path
from typing import Callable

from qjgov.reporting import data as report_data

FORMATS = ("pdf", "html")
Log = Callable[[str], None]


def draw_svg(spec: dict) -> str:
    """A Vega-Lite spec as SVG (vl-convert: Vega in Rust, no browser, no network)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)


def render(warehouse: Path, as_of: dt.date, lang: str = "zh", fmt: str = "pdf", log: Log = lambda message: None,
           department: str | None = None) -> bytes:
    """The report for `as_of` in `lang` as PDF or HTML bytes: the commission's, or with
    `department` that department's own (`report_data.UnknownDepartment` for a name the
    warehouse does not know)."""
    if fmt not in FORMATS:
        raise report_data.ReportError(f"unknown format {fmt!r}: pdf or html")
    log(f"reading {warehouse} at {as_of.isoformat()}" + (f" for {department}" if department is not None else ""))
    data = report_data.read(Path(warehouse), as_of, department)
    if data.models != "same":
        log(f"note: {warehouse} was built from {'other' if data.models == 'other' else 'unrecorded'} models or seeds than "
            "this version's, so its numbers may follow other definitions; rebuild it to be sure "
            "(`make build`, or `make demo` for the demo)")
    total = data.goals.height
    seen: list[str] = []

    lock = threading.Lock()

    def progress(goal_id: str) -> None:
        with lock:
            seen.append(goal_id)
            log(f"  [{len(seen):>2}/{total}] chart of {goal_id}")

    log(f"drawing the charts of {total} goals")
    # Imported here: the document imports Altair, which the app's overview (whose download
    # buttons import this module) would otherwise load on its first run, before any click.
    from qjgov.reporting.document import document

    text = document(data, lang, draw_svg, progress)
    if fmt == "html":
        return text.encode("utf-8")
    log("setting the PDF (A4)")
    import weasyprint

    return weasyprint.HTML(string=text, base_url=str(Path.cwd())).write_pdf()


def notice(text: str, lang: str, fmt: str) -> bytes:
    """One paragraph as a PDF or HTML file, for the visitor who asked for a report that could
    not be made then (the server busy): a file that says so is clearer than a failed download."""
    import html

    from qjgov.reporting.document import FONTS

    page = (f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8"><title>qjgov</title>'
            f"<style>body {{ font-family: {FONTS}; font-size: 14pt; margin: 3em; }}</style></head>"
            f"<body><p>{html.escape(text)}</p></body></html>")
    if fmt == "html":
        return page.encode("utf-8")
    import weasyprint

    return weasyprint.HTML(string=page).write_pdf()


def file_name(as_of: dt.date, lang: str, fmt: str, department: str | None = None) -> str:
    """`qjgov-report-2021-06-30-zh.pdf`, and for a department `qjgov-report-2021-06-30-zh-行政审批科.pdf`."""
    suffix = "" if department is None else "-" + department_slug(department)
    return f"qjgov-report-{as_of.isoformat()}-{lang}{suffix}.{fmt}"


SLUG_CHARACTERS = 40  # a department's part of a file name at most (3 bytes each in UTF-8: far below 255)


def department_slug(department: str) -> str:
    """A department's name as part of a file name that every file system, archive and mail
    client takes: its letters and digits (Chinese ones too) as they are, so the seed's names
    come through unchanged; anything else (a slash, a colon, a space) as one hyphen. A name
    that had to be changed so, or cut to SLUG_CHARACTERS, gets a short digest of the whole name
    beside it, so two departments never share a file name."""
    slug = re.sub(r"\W+", "-", department).strip("-")
    if slug == department and len(slug) <= SLUG_CHARACTERS:
        return slug
    digest = hashlib.sha256(department.encode("utf-8")).hexdigest()[:8]
    return "-".join(part for part in (slug[:SLUG_CHARACTERS].strip("-"), digest) if part)


def write(warehouse: Path, as_of: dt.date, lang: str, fmt: str, out: Path, log: Log = print, department: str | None = None) -> Path:
    """Write the report (the commission's, or `department`'s own) into the folder `out`; its path."""
    content = render(warehouse, as_of, lang, fmt, log, department=department)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / file_name(as_of, lang, fmt, department)
    target.write_bytes(content)
    log(f"wrote {target} ({len(content) / 1024:,.0f} KB)")
    return target
