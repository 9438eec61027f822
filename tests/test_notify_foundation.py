"""The pieces every digest and alert goes through (qjgov/notify): the SMTP settings, a send
to a real SMTP server on localhost, the outbox, and who receives a department's news."""

from __future__ import annotations

import datetime as dt
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import free_port, settings_for
from qjgov.notify import mail, outbox
from qjgov.notify.recipients import recipients
from qjgov.office.access import Access, Person
from qjgov.settings import SettingError


def test_the_smtp_settings_name_what_is_wrong() -> None:
    with pytest.raises(SettingError, match="QJGOV_SMTP_HOST"):
        mail.smtp_settings({})
    with pytest.raises(SettingError, match="QJGOV_SMTP_FROM"):
        mail.smtp_settings({"QJGOV_SMTP_HOST": "mail"})
    with pytest.raises(SettingError, match="QJGOV_SMTP_TLS='tls'"):
        mail.smtp_settings({"QJGOV_SMTP_HOST": "mail", "QJGOV_SMTP_FROM": "a@b.cn", "QJGOV_SMTP_TLS": "tls"})
    with pytest.raises(SettingError, match="QJGOV_SMTP_PORT='x'"):
        mail.smtp_settings({"QJGOV_SMTP_HOST": "mail", "QJGOV_SMTP_FROM": "a@b.cn", "QJGOV_SMTP_PORT": "x"})
    assert mail.smtp_settings({"QJGOV_SMTP_HOST": "mail", "QJGOV_SMTP_FROM": "a@b.cn", "QJGOV_SMTP_TLS": "ssl"}).port == 465
    with pytest.raises(SettingError, match="QJGOV_SMTP_USER is set but QJGOV_SMTP_PASSWORD is not"):
        mail.smtp_settings({"QJGOV_SMTP_HOST": "mail", "QJGOV_SMTP_FROM": "a@b.cn", "QJGOV_SMTP_USER": "u"})


def test_a_message_reaches_the_smtp_server_and_a_refused_one_says_why(smtp_server) -> None:
    controller, inbox = smtp_server
    message = EmailMessage()
    message["To"] = "editor@example.gov.cn"
    message["Subject"] = "测试"
    message.set_content("正文")
    mail.send(message, mail.smtp_settings(settings_for(controller.port)))
    assert len(inbox.messages) == 1
    assert inbox.messages[0].rcpt_tos == ["editor@example.gov.cn"]
    assert inbox.messages[0].mail_from == "notify@example.gov.cn"
    assert b"\nDate: " in inbox.messages[0].content  # mail programs sort by it; some servers refuse without
    closed = free_port()  # nobody listens there
    with pytest.raises(mail.DeliveryError, match=f"127.0.0.1:{closed}"):
        mail.send(message, mail.smtp_settings(settings_for(closed)))


def test_the_outbox_knows_what_went_and_what_is_still_pending(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    june = dt.date(2021, 6, 30)
    assert not outbox.delivered(store, "digest", "2021-06-30|行政审批科", "a@b.cn")
    outbox.record(store, kind="digest", key="2021-06-30|行政审批科", recipient="A@b.cn", department="行政审批科",
                  as_of=june, message_id=None, outcome="failed", error="refused")
    assert not outbox.delivered(store, "digest", "2021-06-30|行政审批科", "a@b.cn")
    assert [r["pending"] for r in outbox.read(store)] == [True]
    outbox.record(store, kind="digest", key="2021-06-30|行政审批科", recipient="a@b.cn", department="行政审批科",
                  as_of=june, message_id="<1@x>", outcome="sent")
    assert outbox.delivered(store, "digest", "2021-06-30|行政审批科", "a@b.cn")
    assert [(r["outcome"], r["pending"]) for r in outbox.read(store)] == [("failed", False), ("sent", False)]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with sqlite3.connect(store) as con:
            con.execute("delete from outbox")


def test_a_department_s_recipients_are_its_editors_and_approvers_who_want_the_digest() -> None:
    people = [
        Person("b@x.cn", "行政审批科", frozenset({"editor"})),
        Person("a@x.cn", "行政审批科", frozenset({"approver"}), lang="en"),
        Person("c@x.cn", "行政审批科", frozenset({"editor"}), digest=False),
        Person("d@x.cn", "行政审批科", frozenset({"viewer"})),
        Person("e@x.cn", "医政医管科", frozenset({"editor"})),
    ]
    access = Access("viewer", {p.email: p for p in people})
    assert [p.email for p in recipients(access, "行政审批科")] == ["a@x.cn", "b@x.cn"]
    assert recipients(access, "妇幼健康科") == []


def test_an_unknown_department_stops_the_digest_before_anything_is_read(tmp_path: Path, monkeypatch, capsys) -> None:
    from qjgov.notify.__main__ import main

    access_file = tmp_path / "access.toml"
    access_file.write_text('[[person]]\nemail = "a@b.cn"\ndepartment = "行政审批科"\nroles = ["editor"]\n', encoding="utf-8")
    monkeypatch.setenv("QJGOV_ACCESS", str(access_file))
    code = main(["--as-of", "2021-06-30", "--department", "行政审批", "--dry-run", "--warehouse", str(tmp_path / "none.duckdb")])
    assert code == 2
    assert "no department '行政审批'; the departments: " in capsys.readouterr().err


def test_a_note_written_in_paragraphs_keeps_them() -> None:
    from qjgov.notify.digest import _field

    lines = _field("en", "commentary.progress", "First step done.\n\nSecond step under way.")
    assert len(lines) == 2 and lines[0].endswith("First step done.") and lines[1] == "    Second step under way."
