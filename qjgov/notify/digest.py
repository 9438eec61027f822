"""Each department's month in its inbox: one e-mail per recipient, in the recipient's language,
with the goals the department answers for (status, met today, chance of meeting, the change
since the previous month-end, what it would take, the approved commentary), the goals it holds
back (its own figures), its overdue records with a link into the app, and its own monthly
report as a PDF.

Owners do not open dashboards on their own; they read what reaches them. A digest says the
same as the app and the report, through the same words and formats (qjgov/present), so a
number reads alike in the inbox, on a page and on paper. Every send goes on the outbox
(qjgov/notify/outbox.py): a digest that went is never sent twice, one that failed is tried
again on the next run.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import polars as pl

from qjgov.notify import mail, outbox
from qjgov.notify.recipients import recipients
from qjgov.office.access import Access, Person, departments_of_seeds
from qjgov.present import connection, reads, words
from qjgov.present.links import goal_url
from qjgov.present.numbers import figures, fmt_change, fmt_value, is_missing
from qjgov.present.owners import department_name
from qjgov.present.statuses import fmt_status_change, status_word
from qjgov.present.takes import what_it_takes
from qjgov.present.words import goal_name
from qjgov.reporting.render import file_name

KIND = "digest"
SEPARATOR = " · "
Render = Callable[[Path, dt.date, str, str], bytes]  # (warehouse, as_of, lang, department) -> PDF


class DigestError(Exception):
    """The digests cannot be made; the message says why and what to do."""


@dataclass
class Month:
    """What every department's digest at one as-of date says, read once for all of them."""

    as_of: dt.date
    goals: pl.DataFrame  # reads.goals_at: the commission's row of every goal, with its words and owners
    changes: pl.DataFrame  # reads.goal_changes
    commentary: pl.DataFrame  # reads.commentary: the approved notes
    by_department: pl.DataFrame  # reads.departments_at
    overdue: dict[str, pl.DataFrame]  # a department's open and overdue records per goal (reads.open_records_by)
    names_en: dict[str, str]  # a department's English label
    generated: bool  # built from the demo generator's data


def read(warehouse: Path, as_of: dt.date) -> Month:
    """Everything the digests at `as_of` say, from the warehouse at `warehouse`."""
    with connection.reading_at(warehouse, as_of, DigestError, "the digest") as (q, _, _):
        names = reads.departments(q)
        month = Month(
            as_of=as_of,
            goals=reads.goals_at(q, as_of),
            changes=reads.goal_changes(q, as_of),
            commentary=reads.commentary(q, as_of),
            by_department=reads.departments_at(q, as_of),
            overdue={},
            names_en=dict(zip(names["department"], names["department_en"])),
            generated=reads.generated_data(q),
        )
        month.overdue = {name: reads.open_records_by(q, as_of, name) for name in departments(month)}
        return month


def departments(month: Month) -> list[str]:
    """The departments that get a digest: each that owns a goal or holds one back at the
    as-of date, in the seed's order. The row for items linked to no department is nobody's."""
    owners = set(month.goals["owner_department"].drop_nulls())
    holding = set(month.by_department.filter(pl.col("holds_back"))["department"])
    return [name for name in departments_of_seeds() if name in owners | holding]


# --------------------------------------------------------------------------- what it says


@dataclass(frozen=True)
class Block:
    """One goal (or one line of the overdue list): a heading, lines of figures, what it would
    take, the approved commentary and a link into the app."""

    heading: str
    facts: list[str] = field(default_factory=list)
    takes: list[str] = field(default_factory=list)
    note: list[str] = field(default_factory=list)
    link: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list[Block]
    lead: str | None = None
    empty: str | None = None  # said when there is no block


@dataclass(frozen=True)
class Digest:
    """One department's digest in one language, before it becomes text and HTML."""

    department: str
    lang: str
    subject: str
    opening: list[str]
    sections: list[Section]
    closing: list[str]


def compose(month: Month, department: str, lang: str, base: str | None) -> Digest:
    """The department's digest in `lang`; links under the app's address `base` (none without)."""
    name = department_name(lang, department, month.names_en.get(department))
    as_of = month.as_of.isoformat()
    goals = {row["goal_id"]: row for row in month.goals.iter_rows(named=True)}
    owned = [row for row in goals.values() if row["owner_department"] == department]
    mine = month.by_department.filter(pl.col("department") == department)
    held = [row for row in mine.filter(pl.col("holds_back")).iter_rows(named=True)]
    overdue = month.overdue[department].filter(pl.col("overdue") > 0)

    def link(goal_id: str, only: str | None) -> str | None:
        return goal_url(base, goals[goal_id]["area"], goal_id, month.as_of, lang, only) if base else None

    opening = [words.t(lang, "notify.greeting", dept=name), words.t(lang, "notify.intro", as_of=as_of)]
    if month.generated:
        opening.append(_pair(lang, "app.demo_notice", words.t(lang, "app.demo_notice_help")))
    sections = [
        Section(words.t(lang, "notify.owned", n=len(owned)),
                [_owned(month, row, lang, link(row["goal_id"], None)) for row in owned],
                empty=words.t(lang, "notify.owned_none")),
        Section(words.t(lang, "notify.held", n=len(held)),
                [_held(month, row, goals[row["goal_id"]], lang, link(row["goal_id"], department)) for row in held],
                lead=words.t(lang, "notify.held_lead") if held else None, empty=words.t(lang, "notify.held_none")),
        Section(words.t(lang, "notify.overdue"),
                [Block(words.t(lang, "notify.overdue_line", goal=_heading(lang, goals[r["goal_id"]]), n=r["overdue"]),
                       link=link(r["goal_id"], department)) for r in overdue.iter_rows(named=True)],
                lead=words.t(lang, "common.overdue_only_help") if overdue.height else None,
                empty=words.t(lang, "notify.overdue_none")),
    ]
    return Digest(department, lang, words.t(lang, "notify.subject", dept=name, as_of=as_of), opening, sections,
                  [words.t(lang, "notify.footer"), words.t(lang, "app.title")])


def _heading(lang: str, goal: dict) -> str:
    return f"{goal['goal_id']} {goal_name(lang, goal)}"


def _pair(lang: str, key: str, value: str) -> str:
    return words.t(lang, "notify.pair", label=words.t(lang, key), value=value)


def _facts(lang: str, row: dict, change: str) -> list[str]:
    """A goal row's figures as the report writes them (`figures`), a line per subject."""
    shown = figures(lang, row)
    met = "—" if row["met"] is None else words.t(lang, "common.yes" if row["met"] else "common.no")
    lines = [
        SEPARATOR.join([_pair(lang, "col.status", status_word(lang, row["status"])), _pair(lang, "status.met_today", met)]),
        SEPARATOR.join([_pair(lang, "report.number", shown.actual), _pair(lang, "report.target", shown.target),
                        _pair(lang, "report.gap", shown.gap)]),
    ]
    ahead = [_pair(lang, "report.projected", shown.projected)]
    if shown.chance != "—":
        ahead += [_pair(lang, "report.interval", shown.interval), _pair(lang, "report.chance", shown.chance)]
    lines.append(SEPARATOR.join(ahead))
    if shown.to_go:
        lines.append(_pair(lang, "report.to_go", shown.to_go))
    lines.append(change)
    return lines


def _since(lang: str, previous_as_of: dt.date | None, change: str) -> str:
    if previous_as_of is None:
        return words.t(lang, "changes.first")
    return words.t(lang, "changes.goal_line", previous=previous_as_of.isoformat(), change=change)


def _status_change(lang: str, previous: str | None, current: str | None) -> str:
    return fmt_status_change(lang, previous, current) or words.t(lang, "changes.unchanged")


def _owned(month: Month, row: dict, lang: str, link: str | None) -> Block:
    """A goal the department answers for, at the commission: as the report shows it."""
    changes = month.changes.filter(pl.col("goal_id") == row["goal_id"])
    c = changes.row(0, named=True) if changes.height else {}
    change = _since(lang, c.get("previous_as_of"), words.t(
        lang, "notify.change", status=_status_change(lang, c.get("previous_status"), c.get("status")),
        delta=fmt_change(lang, c.get("actual_change"), row["unit"])))
    notes = month.commentary.filter(pl.col("goal_id") == row["goal_id"])
    note = notes.row(0, named=True) if notes.height else None
    return Block(_heading(lang, row), _facts(lang, row, change), _takes(lang, month.as_of, row, row), _note(lang, note), link)


def _held(month: Month, row: dict, goal: dict, lang: str, link: str | None) -> Block:
    """A goal the department holds back: its own figures, and what it would take of it."""
    previous = _status_change(lang, row["previous_status"], row["status"])
    if not is_missing(row["previous_actual"]):
        previous = words.t(lang, "notify.previous_actual", status=previous,
                           value=fmt_value(row["previous_actual"], row["unit"], row["target"]))
    return Block(_heading(lang, goal), _facts(lang, row, _since(lang, row["previous_as_of"], previous)),
                 _takes(lang, month.as_of, row, goal), link=link)


def _takes(lang: str, as_of: dt.date, row: dict, seed: dict) -> list[str]:
    """What it would take, without the Markdown emphasis the app's sentences may carry."""
    return [re.sub(r"\*\*(.+?)\*\*", r"\1", sentence) for sentence in what_it_takes(lang, as_of, row, seed)]


def _note(lang: str, note: dict | None) -> list[str]:
    """The approved commentary as lines: its title and who approved it, then each field."""
    if not note:
        return []
    written = note["written_at"].strftime("%Y-%m-%d %H:%M") if note.get("written_at") else "—"
    title = words.t(lang, "commentary.title")
    if note.get("approved_by_department"):
        approver = department_name(lang, note["approved_by_department"], note.get("approved_by_department_en"))
        title += SEPARATOR + words.t(lang, "commentary.approved_line", dept=approver, at=written)
    lines = [title]
    for key in ("progress", "barriers", "next_steps"):
        if note.get(key):
            lines += _field(lang, f"commentary.{key}", note[key])
    if note.get("asserted_status"):
        lines.append(_pair(lang, "commentary.asserted", status_word(lang, note["asserted_status"])))
        lines += _field(lang, "commentary.justification", note.get("justification") or "—")
    return lines


def _field(lang: str, key: str, text: str) -> list[str]:
    """A note's field as lines: its first line after the label, each further line of its own,
    indented, so a note written in paragraphs keeps them in both parts of the e-mail."""
    first, *rest = str(text).splitlines() or [""]
    return [_pair(lang, key, first), *(f"    {line}" for line in rest if line.strip())]


# --------------------------------------------------------------------------- as an e-mail


def plain_text(digest: Digest) -> str:
    """The digest as the plain-text part."""
    out = [*(f"{line}\n" for line in digest.opening)]
    for section in digest.sections:
        out.append(f"\n{section.title}\n{'=' * 40}\n")
        if section.lead:
            out.append(f"{section.lead}\n")
        if not section.blocks and section.empty:
            out.append(f"{section.empty}\n")
        for block in section.blocks:
            out.append(f"\n{block.heading}\n")
            out += [f"  {line}\n" for line in block.facts]
            if block.takes:
                out.append(f"  {words.t(digest.lang, 'report.what_it_takes')}\n")
                out += [f"  - {sentence}\n" for sentence in block.takes]
            out += [f"  {line}\n" for line in block.note]
            if block.link:
                out.append(f"  {_pair(digest.lang, 'notify.open', block.link)}\n")
    out.append("\n--\n")
    out += [f"{line}\n" for line in digest.closing]
    return "".join(out)


def html_text(digest: Digest) -> str:
    """The digest as the HTML part: every word from data escaped, links as they are made."""
    esc = html.escape
    out = [f'<!doctype html><html lang="{esc(digest.lang)}"><head><meta charset="utf-8"><title>{esc(digest.subject)}</title></head>'
           '<body style="font-family: sans-serif; line-height: 1.5; max-width: 46em">']
    out += [f"<p>{esc(line)}</p>" for line in digest.opening]
    for section in digest.sections:
        out.append(f"<h2>{esc(section.title)}</h2>")
        if section.lead:
            out.append(f"<p>{esc(section.lead)}</p>")
        if not section.blocks and section.empty:
            out.append(f"<p>{esc(section.empty)}</p>")
        for block in section.blocks:
            out.append(f"<h3>{esc(block.heading)}</h3>")
            out += [f"<div>{esc(line)}</div>" for line in block.facts]
            if block.takes:
                out.append(f"<p><b>{esc(words.t(digest.lang, 'report.what_it_takes'))}</b></p><ul>")
                out += [f"<li>{esc(sentence)}</li>" for sentence in block.takes]
                out.append("</ul>")
            if block.note:
                out.append(f"<p><b>{esc(block.note[0])}</b></p>")
                out += [f"<div>{esc(line)}</div>" for line in block.note[1:]]
            if block.link:
                out.append(f'<p><a href="{esc(block.link)}">{esc(words.t(digest.lang, "notify.open"))}</a></p>')
    out.append('<hr><p style="color: #555">' + "<br>".join(esc(line) for line in digest.closing) + "</p></body></html>")
    return "".join(out)


def eml_name(as_of: dt.date, department: str, email: str) -> str:
    """A dry run's file: `digest-2021-06-30-行政审批科-zhang@example.gov.cn.eml`; anything but
    letters, digits and `.@+-` in a name or an address (an access file's e-mail may hold a
    slash) as a hyphen, so the file stays in its folder."""
    parts = (as_of.isoformat(), department, email)
    return "digest-" + "-".join(re.sub(r"[^\w.@+-]+", "-", part) for part in parts) + ".eml"


def message(digest: Digest, as_of: dt.date, to: str, pdf: bytes, domain: str) -> EmailMessage:
    """The e-mail: plain text, its HTML alternative and the department's report attached."""
    mail_message = EmailMessage()
    mail_message["To"] = to
    mail_message["Subject"] = digest.subject
    mail_message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    mail_message["Message-ID"] = make_msgid("digest", domain=domain)
    mail_message["Content-Language"] = "zh-CN" if digest.lang == "zh" else "en"
    mail_message.set_content(plain_text(digest))
    mail_message.add_alternative(html_text(digest), subtype="html")
    mail_message.add_attachment(pdf, maintype="application", subtype="pdf",
                                filename=file_name(as_of, digest.lang, "pdf", digest.department))
    return mail_message


# --------------------------------------------------------------------------- the run


@dataclass
class Tally:
    """What happened to one department's digest."""

    department: str
    recipients: int = 0
    sent: int = 0
    already: int = 0
    failed: int = 0
    written: int = 0  # a dry run's files


def key(as_of: dt.date, department: str) -> str:
    """What a digest is about, on the outbox: its as-of date and department."""
    return f"{as_of.isoformat()}|{department}"


def run(
    warehouse: Path, as_of: dt.date, access: Access, render: Render, *, store: Path, base: str | None,
    only: str | None = None, smtp: mail.Smtp | None = None, out: Path | None = None,
    log: Callable[[str], None] = print,
) -> list[Tally]:
    """Send (with `smtp`) or write into `out` (a dry run) every due digest at `as_of`, of
    `only` when given; one Tally per department. A send is recorded on the outbox at `store`
    whatever its outcome; a dry run records nothing and writes every message."""
    if (smtp is None) == (out is None):
        raise ValueError("either smtp (send) or out (a dry run)")
    month = read(warehouse, as_of)
    names = departments(month)
    if only is not None:
        if only not in names:
            raise DigestError(f"{only} owns no goal and holds none back at {as_of.isoformat()}: no digest for it "
                              f"(the departments with one: {', '.join(names)})")
        names = [only]
    domain = smtp.sender.rpartition("@")[2] if smtp else "localhost"
    tallies = []
    for department in names:
        tally = Tally(department)
        tallies.append(tally)
        people = recipients(access, department)
        tally.recipients = len(people)
        due: list[Person] = []
        for person in people:
            if smtp and outbox.delivered(store, KIND, key(as_of, department), person.email):
                tally.already += 1
            else:
                due.append(person)
        reports: dict[str, bytes] = {}
        for person in due:
            if person.lang not in reports:
                log(f"{department}: the report in {person.lang}")
                reports[person.lang] = render(warehouse, as_of, person.lang, department)
            digest = compose(month, department, person.lang, base)
            email = message(digest, as_of, person.email, reports[person.lang], domain)
            if out is not None:
                out.mkdir(parents=True, exist_ok=True)
                target = out / eml_name(as_of, department, person.email)
                target.write_bytes(bytes(email))
                tally.written += 1
                log(f"{department}: wrote {target}")
                continue
            try:
                mail.send(email, smtp)
            except mail.DeliveryError as error:
                outbox.record(store, kind=KIND, key=key(as_of, department), recipient=person.email, department=department,
                              as_of=as_of, message_id=email["Message-ID"], outcome="failed", error=str(error))
                tally.failed += 1
                log(f"{department}: not sent to {person.email}: {error}")
                continue
            outbox.record(store, kind=KIND, key=key(as_of, department), recipient=person.email, department=department,
                          as_of=as_of, message_id=email["Message-ID"], outcome="sent")
            tally.sent += 1
            log(f"{department}: sent to {person.email}")
    return tallies
