"""The monthly digest (`python -m qjgov.notify`) against a real SMTP server on localhost
(aiosmtpd) and a small demo warehouse: each department with recipients gets one message per
recipient, in the recipient's language, naming the department and its goals, with its own
report attached; a department nobody receives is named in the summary; a second run sends
nothing; a refused connection is recorded as failed and sent on the next run; a dry run writes
.eml files and records nothing.

The department's report takes 10–30 s to set as PDF, so one test renders it for real and the
others attach a stand-in that says which department and language it was asked for.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Iterator

import duckdb
import pytest
from aiosmtpd.controller import Controller

from qjgov.notify import __main__ as notify_command
from qjgov.notify import outbox
from qjgov.office import notes
from conftest import Inbox, free_port

JUNE = dt.date(2021, 6, 30)
APPROVAL = "行政审批科"  # owns most goals; its two recipients read Chinese and English
MEDICAL = "医政医管科"  # one recipient
NOBODY = "妇幼健康科"  # owns G14, and nobody in the access file gets its digest
MARKUP = "<b>加粗</b> & <script>alert(1)</script>"  # commentary that must reach the HTML as text
ZH_READER, EN_READER, MEDICAL_READER = "zhang@example.gov.cn", "li@example.gov.cn", "wang@example.gov.cn"
ACCESS = f'''
unlisted = "refuse"

[[person]]
email = "{ZH_READER}"
department = "{APPROVAL}"
roles = ["editor", "approver"]

[[person]]
email = "{EN_READER}"
department = "{APPROVAL}"
roles = ["approver"]
lang = "en"

[[person]]
email = "{MEDICAL_READER}"
department = "{MEDICAL}"
roles = ["editor"]

[[person]]
email = "quiet@example.gov.cn"
department = "{NOBODY}"
roles = ["editor"]
digest = false

[[person]]
email = "viewer@example.gov.cn"
department = "{NOBODY}"
roles = ["viewer"]
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse whose June holds an approved note with markup on a goal of
    the approval section."""
    from qjgov.demo.build import build_demo
    from qjgov.warehouse.build import build

    folder = tmp_path_factory.mktemp("notify-warehouse")
    target = build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=800, log=lambda message: None)
    notes.add(notes.store_path(target), notes.Note("G02", JUNE, progress=MARKUP))
    build(folder / "raw", target=target, log=lambda message: None)
    return target


@pytest.fixture
def warehouse(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The warehouse copied into the test's own folder, so each test starts with an empty
    outbox beside it; the access file above; links under a base address."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(built, target)
    access_file = tmp_path / "access.toml"
    access_file.write_text(ACCESS, encoding="utf-8")
    monkeypatch.setenv("QJGOV_ACCESS", str(access_file))
    monkeypatch.setenv("QJGOV_BASE_URL", "https://qjgov.example.gov.cn/")
    return target


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_at(monkeypatch, controller.port)
    yield controller, inbox
    controller.stop()


def point_at(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(port)), ("FROM", "notify@example.gov.cn"), ("TLS", "none")):
        monkeypatch.setenv(f"QJGOV_SMTP_{name}", value)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """A stand-in for the department's PDF that says whose and in which language it is; the
    (language, department) of every report asked for."""
    asked: list[tuple[str, str]] = []

    def stand_in(warehouse: Path, as_of: dt.date, lang: str, department: str) -> bytes:
        asked.append((lang, department))
        return f"%PDF-1.7 stand-in {department} {lang} {as_of.isoformat()}".encode()

    monkeypatch.setattr(notify_command, "report_pdf", stand_in)
    return asked


def notify(warehouse: Path, *args: str) -> int:
    return notify_command.main(["--as-of", JUNE.isoformat(), "--warehouse", str(warehouse), *args])


def parsed(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def received(inbox: Inbox) -> dict[str, EmailMessage]:
    """Each message the server took, by its one recipient."""
    assert all(len(envelope.rcpt_tos) == 1 for envelope in inbox.messages)
    return {envelope.rcpt_tos[0]: parsed(envelope.content) for envelope in inbox.messages}


def owned(warehouse: Path, department: str) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("select goal_id, goal_name_zh, goal_name_en from marts.goals where owner_department = ? "
                       "order by goal_id", params=[department]).fetchall()


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def attachment(message: EmailMessage) -> tuple[str, str, bytes]:
    (part,) = list(message.iter_attachments())
    return part.get_content_type(), part.get_filename(), part.get_content()


def test_each_department_s_recipients_get_its_digest_in_their_language_and_a_rerun_sends_nothing(
        warehouse: Path, smtp_server, renders, capsys: pytest.CaptureFixture) -> None:
    _, inbox = smtp_server
    assert notify(warehouse) == 0
    summary = capsys.readouterr().out
    messages = received(inbox)
    assert sorted(messages) == sorted([ZH_READER, EN_READER, MEDICAL_READER])  # the quiet and the viewer get none

    # Each message names the department and every goal it owns, in the reader's language,
    # with its own department's report in that language.
    for reader, department, lang, name in ((ZH_READER, APPROVAL, "zh", APPROVAL),
                                           (EN_READER, APPROVAL, "en", "Administrative Approval Section"),
                                           (MEDICAL_READER, MEDICAL, "zh", MEDICAL)):
        message = messages[reader]
        assert name in message["Subject"] and JUNE.isoformat() in message["Subject"]
        body = text_of(message)
        assert name in body
        for goal_id, name_zh, name_en in owned(warehouse, department):
            assert f"{goal_id} {name_zh if lang == 'zh' else name_en}" in body
        kind, file_name, content = attachment(message)
        assert kind == "application/pdf" and file_name.endswith(".pdf") and department in file_name
        assert content == f"%PDF-1.7 stand-in {department} {lang} {JUNE.isoformat()}".encode()
    assert "本科室负责的目标" in text_of(messages[ZH_READER])
    assert "Goals your department answers for" in text_of(messages[EN_READER])
    assert "本科室负责的目标" not in text_of(messages[EN_READER])
    # One report per department and language, whatever the number of its readers.
    assert sorted(renders) == sorted([("zh", APPROVAL), ("en", APPROVAL), ("zh", MEDICAL)])

    # The approved commentary reaches the text as written and the HTML as text, never as markup.
    assert MARKUP in text_of(messages[ZH_READER])
    html = html_of(messages[ZH_READER])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;加粗&lt;/b&gt; &amp;" in html
    # The links open the goal in the app at the date, in the reader's language, for the department.
    assert "https://qjgov.example.gov.cn/online?as_of=2021-06-30&lang=en&goal=G02" in text_of(messages[EN_READER])
    assert "dept=%E8%A1%8C%E6%94%BF%E5%AE%A1%E6%89%B9%E7%A7%91" in text_of(messages[ZH_READER])

    # The summary names the departments nobody receives a digest for.
    assert "no recipient:" in summary and NOBODY in summary.split("no recipient:")[1]
    assert APPROVAL not in summary.split("no recipient:")[1]

    # Every send is on the outbox; a second run sends nothing and renders nothing.
    sent = outbox.read(notes.store_path(warehouse), JUNE)
    assert sorted((r["recipient"], r["department"], r["kind"], r["outcome"]) for r in sent) == sorted(
        [(ZH_READER, APPROVAL, "digest", "sent"), (EN_READER, APPROVAL, "digest", "sent"), (MEDICAL_READER, MEDICAL, "digest", "sent")])
    assert all(r["message_id"] == messages[r["recipient"]]["Message-ID"] for r in sent)
    renders.clear()
    assert notify(warehouse) == 0
    assert len(inbox.messages) == 3 and renders == []
    again = capsys.readouterr().out
    assert any(line.startswith(APPROVAL) and line.split()[1:] == ["2", "0", "2", "0"] for line in again.splitlines())


def test_a_refused_connection_is_recorded_as_failed_and_sent_on_the_next_run(
        warehouse: Path, renders, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    store = notes.store_path(warehouse)
    closed = free_port()  # nobody listens there
    point_at(monkeypatch, closed)
    assert notify(warehouse, "--department", MEDICAL) == 1
    (failed,) = outbox.read(store)
    assert (failed["recipient"], failed["outcome"], failed["pending"]) == (MEDICAL_READER, "failed", True)
    assert f"127.0.0.1:{closed}" in failed["error"]
    capsys.readouterr()
    assert notify_command.main(["--outbox", "--warehouse", str(warehouse)]) == 0
    assert "FAILED, pending" in capsys.readouterr().out

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_at(monkeypatch, controller.port)
        assert notify(warehouse, "--department", MEDICAL) == 0
        assert notify(warehouse, "--department", MEDICAL) == 0
    finally:
        controller.stop()
    assert list(received(inbox)) == [MEDICAL_READER]  # once: the retry, not the run after it
    assert [(r["outcome"], r["pending"]) for r in outbox.read(store)] == [("failed", False), ("sent", False)]
    capsys.readouterr()
    notify_command.main(["--outbox", "--as-of", JUNE.isoformat(), "--warehouse", str(warehouse)])
    assert "pending" not in capsys.readouterr().out


def test_a_dry_run_writes_the_messages_and_sends_and_records_nothing(
        warehouse: Path, renders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "FROM", "TLS"):
        monkeypatch.delenv(f"QJGOV_SMTP_{name}", raising=False)  # a dry run needs no SMTP server
    out = tmp_path / "digests"
    assert notify(warehouse, "--dry-run", "--out", str(out), "--department", APPROVAL) == 0
    written = {path.name: parsed(path.read_bytes()) for path in out.glob("*.eml")}
    assert sorted(message["To"] for message in written.values()) == [EN_READER, ZH_READER]
    assert all(attachment(message)[0] == "application/pdf" for message in written.values())
    assert outbox.read(notes.store_path(warehouse)) == []


def test_a_missing_or_wrong_setting_stops_the_command_before_anything_is_made(
        warehouse: Path, renders, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    point_at(monkeypatch, free_port())
    monkeypatch.delenv("QJGOV_SMTP_HOST")
    assert notify(warehouse) == 2
    assert "QJGOV_SMTP_HOST" in capsys.readouterr().err
    point_at(monkeypatch, free_port())
    monkeypatch.setenv("QJGOV_BASE_URL", "qjgov.example.gov.cn")  # no scheme: no link would open
    assert notify(warehouse) == 2
    assert "QJGOV_BASE_URL='qjgov.example.gov.cn'" in capsys.readouterr().err
    assert renders == [] and outbox.read(notes.store_path(warehouse)) == []


def test_the_department_s_own_report_is_attached_as_a_pdf(warehouse: Path, smtp_server) -> None:
    """The one real render: the medical section's report, set as PDF, reaches its reader."""
    _, inbox = smtp_server
    assert notify(warehouse, "--department", MEDICAL) == 0
    kind, file_name, content = attachment(received(inbox)[MEDICAL_READER])
    assert kind == "application/pdf" and content.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        pdf = warehouse.with_name("attached.pdf")
        pdf.write_bytes(content)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert MEDICAL in text
        for goal_id, _, _ in owned(warehouse, MEDICAL):
            assert goal_id in text
