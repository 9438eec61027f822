"""Alerts when a goal's status worsens: after a build, each goal and scope (the commission, and
each department) whose status fell since it was last seen alerts its owners once.

    python -m qjgov.notify.alerts [--warehouse data/warehouse.duckdb]

The build runs this itself after a successful publish when `QJGOV_ALERTS=1`
(docs/deployment.md#alerts); it is off by default, so the public demo and an analyst's
machine never send.

What counts as worse. Before a goal's deadline its status is on track, at risk or off track;
on and after it, achieved or missed. The two scales are folded into one (`SEVERITY`):
achieved stands with on track and missed with off track, so missed is worse than achieved
and a fall at the deadline (on track → missed) alerts, while a goal off track that ends
missed does not alert again: off track already told its owners that the year ends short. A
status of no data alerts nobody, and leaves the last status seen in place, so a goal that
goes on track → no data → off track alerts when it is seen off track.

Compared with what. The latest as-of date's status is compared with the status last seen
for that goal and scope, kept in the office store (`alert_status`, beside the outbox), not
with the warehouse's previous month-end: a rebuild on the same data then finds nothing new,
and a run that was missed (a rebuild from the app, a build without `QJGOV_ALERTS`) is caught
up by the next one. The first time a goal and scope is seen, it is compared with its status
at the previous month-end in the same warehouse, so the run that switches alerts on (or a
department's first rows) tells of the latest month's falls, as the build before would have,
and no older history; the plan year's first month has no month-end before it and alerts
nothing.

Once per change. A fall raises one alert, named by goal, scope, as-of date and the change
(`key`), and stored with its texts; while the status stays where it fell the alert stands,
and anyone who has not had it yet (a failed send, a person added to the access file since)
gets it on the next run, the outbox saying who has. A recovery stands the alert down and
re-arms the goal and scope: a later fall is a new change with a new alert. A further fall
(at risk → off track) is a new change too. The same change at the same as-of date, seen again
after its data went back and forth, is the alert already sent.

Who hears. The commission-wide change goes to the recipients of the goal's owner department
(`owner_department`), a department's own change to that department's recipients
(`recipients.py`), each in their language; the webhook, when set, gets every alert once, in
Chinese, as one group message. Rows of items linked to no department are nobody's and alert
nobody. With neither SMTP nor a webhook set, alerts are off: the run says so and touches
nothing, so switching delivery on later starts from the previous month-end, not from a
backlog of falls nobody could be told about.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import duckdb

from qjgov.notify import mail, outbox, webhook
from qjgov.notify.recipients import recipients
from qjgov.office import access as office_access
from qjgov.office import notes, store
from qjgov.office.access import AccessError
from qjgov.paths import WAREHOUSE
from qjgov.present import connection, reads, words
from qjgov.present.takes import what_it_takes
from qjgov import settings
from qjgov.present.links import goal_url
from qjgov.settings import SettingError

SWITCH = "QJGOV_ALERTS"  # "1": the build runs the alerts after a successful publish
COMMISSION = "commission"  # the scope of the commission-wide status
# How bad a status is; no_data is not on the scale (see the module's docstring).
SEVERITY = {"on_track": 0, "achieved": 0, "at_risk": 1, "off_track": 2, "missed": 2}
WEBHOOK_LANG = "zh"  # a group chat of the commission's staff reads Chinese

Log = Callable[[str], None]

SCHEMA = """
create table if not exists alert_status (
    id integer primary key,
    goal_id text not null,
    scope text not null,
    as_of text not null,
    status text not null,
    alert_key text,
    seen_at text not null
);
create index if not exists alert_status_scope on alert_status (goal_id, scope, id);
create trigger if not exists alert_status_no_update before update on alert_status
begin select raise(abort, 'alert_status is append-only'); end;
create trigger if not exists alert_status_no_delete before delete on alert_status
begin select raise(abort, 'alert_status is append-only'); end;
create table if not exists alerts (
    alert_key text primary key,
    goal_id text not null,
    scope text not null,
    department text not null,
    as_of text not null,
    from_status text not null,
    to_status text not null,
    subject_zh text not null,
    body_zh text not null,
    subject_en text not null,
    body_en text not null,
    raised_at text not null
);
create trigger if not exists alerts_no_update before update on alerts
begin select raise(abort, 'alerts is append-only'); end;
create trigger if not exists alerts_no_delete before delete on alerts
begin select raise(abort, 'alerts is append-only'); end;
"""
# alert_status: one row each time the status last seen of a goal and scope changes (the
# latest row is the one that counts); `alert_key` is the alert standing for it, none once
# the status recovers (re-armed). alerts: every alert raised, with its texts in both
# languages, so a retry sends what the first attempt tried to, whatever the warehouse holds
# by then; `department` is whose recipients get it.


class AlertsError(RuntimeError):
    """The alerts cannot run: the warehouse or the access file cannot be read."""


def switched_on(environ: dict[str, str] | None = None) -> bool:
    """Whether the build should run the alerts (QJGOV_ALERTS=1)."""
    env = os.environ if environ is None else environ
    return env.get(SWITCH, "").strip() == "1"


def worsened(before: str | None, after: str) -> bool:
    """Whether going from `before` to `after` is a fall (both on the SEVERITY scale)."""
    return before in SEVERITY and after in SEVERITY and SEVERITY[after] > SEVERITY[before]


def key(goal_id: str, scope: str, as_of: dt.date, before: str, after: str) -> str:
    """An alert's name on the outbox: the goal, the scope, the as-of date and the change."""
    return f"{goal_id}|{scope}|{as_of.isoformat()}|{before}->{after}"


@dataclass(frozen=True)
class Alert:
    key: str
    goal_id: str
    scope: str
    department: str  # whose recipients hear of it
    as_of: dt.date
    before: str
    after: str
    texts: dict[str, tuple[str, str]]  # language -> (subject, body)


@dataclass
class Summary:
    as_of: dt.date | None = None
    raised: list[Alert] = field(default_factory=list)
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # "recipient: why"
    unheard: set[str] = field(default_factory=set)  # departments with a raised alert and no recipient


# --------------------------------------------------------------------------- the warehouse


@dataclass(frozen=True)
class Snapshot:
    """What the warehouse says at its latest as-of date, and at the month-end before it."""

    as_of: dt.date
    statuses: dict[tuple[str, str], str]  # (goal, scope) -> status at as_of
    previous: dict[tuple[str, str], str]  # the same at the previous month-end (none in the first month)
    goals: dict[str, dict]  # marts.goals by goal id (reads.targets)
    department_names: dict[str, str]  # department -> its English name
    q: Callable


def _statuses(q: Callable, as_of: dt.date, departments: set[str]) -> dict[tuple[str, str], str]:
    found = {(row["goal_id"], COMMISSION): row["status"] for row in q(
        "select goal_id, status from marts.goal_progress where as_of = ?", (as_of,)).iter_rows(named=True)}
    for row in q("select goal_id, department, status from marts.goal_progress_by_department where as_of = ?",
                 (as_of,)).iter_rows(named=True):
        if row["department"] in departments:
            found[(row["goal_id"], row["department"])] = row["status"]
    return found


def snapshot(q: Callable, departments: set[str]) -> Snapshot | None:
    """The statuses the alerts compare; None for a warehouse without as-of dates."""
    dates = reads.as_of_dates(q)
    if not dates:
        return None
    as_of = dates[-1]
    previous_dates = reads.goal_changes(q, as_of)["previous_as_of"].drop_nulls()
    previous = _statuses(q, previous_dates[0], departments) if previous_dates.len() else {}
    names = {row["department"]: row["department_en"] for row in reads.departments(q).iter_rows(named=True)}
    goals = {row["goal_id"]: row for row in reads.targets(q).iter_rows(named=True)}
    return Snapshot(as_of, _statuses(q, as_of, departments), previous, goals, names, q)


def _scope_name(lang: str, scope: str, names: dict[str, str]) -> str:
    if scope == COMMISSION:
        return words.t(lang, "alert.commission")
    return scope if lang == "zh" else names.get(scope) or scope


def texts(lang: str, snap: Snapshot, goal_id: str, scope: str, before: str, after: str, row: dict) -> tuple[str, str]:
    """The alert's subject and body in `lang`: the goal, the change, the as-of date and what
    it would take (`row`: the goal's progress in the scope at the as-of date). Plain text:
    nothing from the data is read as markup."""
    goal = snap.goals[goal_id]
    named = dict(scope=_scope_name(lang, scope, snap.department_names),
                 before=words.t(lang, f"status.{before}"), after=words.t(lang, f"status.{after}"))
    department = goal["owner_department"] if scope == COMMISSION else scope
    lines = [
        f"{goal_id} · {words.goal_name(lang, goal)}",
        words.t(lang, "alert.line", as_of=snap.as_of.isoformat(), **named),
        "",
        words.t(lang, "alert.takes"),
        *(f"- {sentence}" for sentence in what_it_takes(lang, snap.as_of, row, goal)),
        "",
        words.t(lang, "alert.why", department=_scope_name(lang, department, snap.department_names)),
    ]
    base = settings.base_url()
    if base and goal.get("area"):
        link = goal_url(base, goal["area"], goal_id, snap.as_of, lang, None if scope == COMMISSION else scope)
        lines.insert(-2, words.t(lang, "notify.pair", label=words.t(lang, "notify.open"), value=link))
    return words.t(lang, "alert.subject", change=words.t(lang, "alert.change", goal=goal_id, **named)), "\n".join(lines)


def _progress_row(snap: Snapshot, goal_id: str, scope: str) -> dict:
    frame = reads.progress(snap.q, snap.as_of, None if scope == COMMISSION else scope)
    return next(row for row in frame.iter_rows(named=True) if row["goal_id"] == goal_id)


# --------------------------------------------------------------------------- the state


# The latest row of each goal and scope in alert_status: the status last seen.
LAST_SEEN = ("select * from alert_status as s where id = "
             "(select max(id) from alert_status as t where t.goal_id = s.goal_id and t.scope = s.scope)")


def _last_seen(con: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(goal, scope) -> (status, standing alert key)."""
    rows = con.execute(f"select goal_id, scope, status, alert_key from ({LAST_SEEN})").fetchall()
    return {(goal, scope): (status, alert) for goal, scope, status, alert in rows}


def observe(path: Path, snap: Snapshot, now: dt.datetime) -> list[Alert]:
    """Compare the snapshot with the statuses last seen, write what changed and every alert
    raised (one transaction), and return the alerts raised now."""
    raised: list[Alert] = []
    seen_at = now.isoformat(timespec="seconds")
    with store.connect(path, SCHEMA) as con:
        con.execute("begin immediate")  # two runs at once: the second waits, then sees the first's rows
        last = _last_seen(con)
        for (goal_id, scope), status in sorted(snap.statuses.items()):
            if status not in SEVERITY:
                continue  # no data: the last status seen stands
            seen = last.get((goal_id, scope))
            before = seen[0] if seen else snap.previous.get((goal_id, scope))
            standing = seen[1] if seen else None
            if worsened(before, status):
                standing = key(goal_id, scope, snap.as_of, before, status)
                if con.execute("select 1 from alerts where alert_key = ?", (standing,)).fetchone() is None:
                    alert = _raise(snap, goal_id, scope, before, status, standing)
                    _store(con, alert, seen_at)
                    raised.append(alert)
            elif before in SEVERITY and SEVERITY[status] < SEVERITY[before]:
                standing = None  # recovered: re-armed
            if seen != (status, standing):
                con.execute("insert into alert_status (goal_id, scope, as_of, status, alert_key, seen_at) "
                            "values (?, ?, ?, ?, ?, ?)", (goal_id, scope, snap.as_of.isoformat(), status, standing, seen_at))
    return raised


def _raise(snap: Snapshot, goal_id: str, scope: str, before: str, after: str, alert_key: str) -> Alert:
    row = _progress_row(snap, goal_id, scope)
    department = snap.goals[goal_id]["owner_department"] if scope == COMMISSION else scope
    return Alert(alert_key, goal_id, scope, department, snap.as_of, before, after,
                 {lang: texts(lang, snap, goal_id, scope, before, after, row) for lang in words.LANGUAGES})


def _store(con: sqlite3.Connection, alert: Alert, raised_at: str) -> None:
    con.execute(
        "insert into alerts (alert_key, goal_id, scope, department, as_of, from_status, to_status, "
        "subject_zh, body_zh, subject_en, body_en, raised_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (alert.key, alert.goal_id, alert.scope, alert.department, alert.as_of.isoformat(), alert.before, alert.after,
         *alert.texts["zh"], *alert.texts["en"], raised_at),
    )


def standing(path: Path) -> list[Alert]:
    """The alerts that stand: raised for the status each goal and scope was last seen at."""
    with store.connect(path, SCHEMA) as con:
        rows = con.execute(
            "select a.alert_key, a.goal_id, a.scope, a.department, a.as_of, a.from_status, a.to_status, "
            f"a.subject_zh, a.body_zh, a.subject_en, a.body_en from ({LAST_SEEN}) as s "
            "inner join alerts as a on a.alert_key = s.alert_key order by a.alert_key"
        ).fetchall()
    return [Alert(k, goal, scope, department, dt.date.fromisoformat(as_of), before, after,
                  {"zh": (sz, bz), "en": (se, be)})
            for k, goal, scope, department, as_of, before, after, sz, bz, se, be in rows]


# --------------------------------------------------------------------------- delivery


def _email(alert: Alert, person: office_access.Person, smtp: mail.Smtp) -> EmailMessage:
    subject, body = alert.texts[words.language(person.lang)]
    message = EmailMessage()
    message["To"] = person.email
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2])
    message.set_content(body)
    return message


def deliver(path: Path, alerts: list[Alert], smtp: mail.Smtp | None, url: str | None,
            access: office_access.Access | None, summary: Summary, log: Log, now: Callable[[], dt.datetime]) -> None:
    """Send each standing alert to whoever has not had it yet (the outbox says who has), each
    attempt on the outbox: by e-mail to its department's recipients, and to the webhook."""
    webhook_down: str | None = None  # the webhook's first failure this run: one server, so the rest wait for the next run
    for alert in alerts:
        targets: list[tuple[str, office_access.Person | None]] = []
        if smtp is not None and access is not None:
            targets += [(person.email, person) for person in recipients(access, alert.department)]
        if url is not None:
            targets.append((outbox.WEBHOOK, None))
        for recipient, person in targets:
            if outbox.delivered(path, "alert", alert.key, recipient):
                continue
            message_id = None
            try:
                if person is None:
                    if webhook_down:
                        raise mail.DeliveryError(f"not tried, the webhook failed earlier in this run: {webhook_down}")
                    subject, body = alert.texts[WEBHOOK_LANG]
                    webhook.post(url, f"{subject}\n\n{body}")
                else:
                    message = _email(alert, person, smtp)
                    mail.send(message, smtp)
                    message_id = message["Message-ID"]
            except mail.DeliveryError as error:
                if person is None:
                    webhook_down = webhook_down or str(error)
                outbox.record(path, kind="alert", key=alert.key, recipient=recipient, department=alert.department,
                              as_of=alert.as_of, message_id=None, outcome="failed", error=str(error), now=now())
                summary.failed.append(f"{recipient}: {error}")
                log(f"  {alert.key} to {recipient} failed (tried again on the next run): {error}")
                continue
            outbox.record(path, kind="alert", key=alert.key, recipient=recipient, department=alert.department,
                          as_of=alert.as_of, message_id=message_id, outcome="sent", now=now())
            summary.sent += 1
            log(f"  {alert.key} sent to {recipient}")


# --------------------------------------------------------------------------- the run


def run(warehouse: Path, environ: dict[str, str] | None = None, log: Log = print,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> Summary | None:
    """Find the falls in the warehouse's latest statuses, raise their alerts and send every
    standing one. None when alerts are off (neither SMTP nor a webhook is set). SettingError
    for a setting that is set but wrong, AlertsError when the warehouse or the access file
    cannot be read; both before anything is written or sent."""
    env = os.environ if environ is None else environ
    smtp = mail.smtp_settings(env) if env.get("QJGOV_SMTP_HOST", "").strip() else None
    url = webhook.webhook_url(env)
    if smtp is None and url is None:
        log(f"alerts are off: neither QJGOV_SMTP_HOST nor {webhook.URL} is set (docs/deployment.md#alerts)")
        return None
    settings.base_url()  # a wrong QJGOV_BASE_URL stops the run here, before anything is written
    try:
        access = office_access.current() if smtp is not None else None
        departments = set(office_access.departments_of_seeds())
    except AccessError as error:
        raise AlertsError(f"the access file says who gets the alerts: {error}") from None
    try:
        con = connection.connect(Path(warehouse))
    except (connection.WarehouseMissing, connection.WarehouseBusy, duckdb.Error) as error:
        raise AlertsError(f"the warehouse {warehouse} could not be opened: {error}") from None
    path = notes.store_path(warehouse)
    summary = Summary()
    try:
        snap = snapshot(connection.reader(con), departments)
        if snap is None:
            log(f"the warehouse {warehouse} holds no as-of date: nothing to compare")
            return summary
        summary.as_of = snap.as_of
        summary.raised = observe(path, snap, now())
    except duckdb.Error as error:
        raise AlertsError(f"the warehouse {warehouse} lacks what the alerts read ({error}); rebuild it") from None
    finally:
        con.close()
    for alert in summary.raised:
        log(alert.texts["en"][0])
        if smtp is not None and not recipients(access, alert.department):
            summary.unheard.add(alert.department)
    deliver(path, standing(path), smtp, url, access, summary, log, now)
    return summary


def report(summary: Summary, log: Log) -> None:
    """One line of what the run did, and the departments nobody heard from."""
    log(f"alerts as of {summary.as_of}: {len(summary.raised)} raised, {summary.sent} sent, {len(summary.failed)} failed"
        + (" (on the outbox, tried again on the next run)" if summary.failed else ""))
    for department in sorted(summary.unheard):
        log(f"  {department} has no recipient in the access file (an editor or approver with digest not false): "
            "its alerts reach nobody by e-mail")


def after_build(warehouse: Path, log: Log = print) -> None:
    """The alerts after a build's publish (QJGOV_ALERTS=1). The build stands whatever happens
    here: a problem is said on stderr, a failed send is tried again on the next run."""
    try:
        summary = run(warehouse, log=log)
    except (SettingError, AlertsError, sqlite3.Error) as error:
        print(f"the warehouse is published, but no alert was sent: {error}", file=sys.stderr)
        return
    if summary is not None:
        report(summary, log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.notify.alerts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", type=Path, default=Path(os.environ.get("QJGOV_WAREHOUSE", str(WAREHOUSE))),
                        help="the served warehouse; the office store beside it holds the state (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        summary = run(args.warehouse)
    except (SettingError, AlertsError, sqlite3.Error) as error:
        print(f"alerts not sent: {error}", file=sys.stderr)
        return 2
    if summary is None:
        return 2
    report(summary, print)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
