"""Alerts when a goal's status falls (qjgov/notify/alerts.py), delivered to a real SMTP server
and a real HTTP server on localhost, against a small demo warehouse whose latest statuses
each test sets: a build is stood for by a copy of the demo warehouse cut at an as-of date,
with every status on track except those the test names."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote
import json
import shutil
import sqlite3
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from qjgov.notify import alerts, outbox
from qjgov.office import notes
from qjgov.present import connection, reads
from qjgov.present.takes import what_it_takes
from qjgov.warehouse import build as warehouse_build
from conftest import free_port, settings_for

G09_OWNER = "医政医管科"
OTHER = "妇幼健康科"  # holds G09 rows of its own
ACCESS = f"""
unlisted = "refuse"

[[person]]
email = "yi@example.gov.cn"
department = "{G09_OWNER}"
roles = ["editor"]
lang = "en"

[[person]]
email = "zheng@example.gov.cn"
department = "{G09_OWNER}"
roles = ["approver"]

[[person]]
email = "quiet@example.gov.cn"
department = "{G09_OWNER}"
roles = ["editor"]
digest = false

[[person]]
email = "shen@example.gov.cn"
department = "{OTHER}"
roles = ["editor"]
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small demo warehouse and its raw data."""
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp("alerts-demo")
    target = build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=1000, log=lambda message: None)
    with duckdb.connect(str(target), read_only=True) as con:
        held = con.execute("select count(*) from marts.goal_progress_by_department where goal_id = 'G09' "
                           "and department in (?, ?) and as_of = '2021-06-30'", [G09_OWNER, OTHER]).fetchone()[0]
    assert held == 2, "the demo warehouse should hold G09 rows of both departments"
    return target, folder / "raw"


def publish(demo: tuple[Path, Path], target: Path, cut: str, statuses: dict[tuple[str, str, str], str]) -> Path:
    """The demo warehouse at `target` as a build with data up to `cut` would leave it, every
    status on track but `statuses` ((goal, scope, as-of) -> status)."""
    shutil.copyfile(demo[0], target)
    with duckdb.connect(str(target)) as con:
        for table in ("goal_progress", "goal_progress_by_department", "goal_changes"):
            con.execute(f"delete from marts.{table} where as_of > ?", [cut])
        con.execute("update marts.goal_progress set status = 'on_track'")
        con.execute("update marts.goal_progress_by_department set status = 'on_track'")
        for (goal, scope, as_of), status in statuses.items():
            if scope == alerts.COMMISSION:
                con.execute("update marts.goal_progress set status = ? where goal_id = ? and as_of = ?", [status, goal, as_of])
            else:
                con.execute("update marts.goal_progress_by_department set status = ? where goal_id = ? and department = ? "
                            "and as_of = ?", [status, goal, scope, as_of])
    return target


class Robot(BaseHTTPRequestHandler):
    """A group robot: keeps every JSON body posted and answers as WeCom does."""

    received: list = []
    errcode = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        answer = json.dumps({"errcode": self.errcode, "errmsg": "ok" if not self.errcode else "api freq out of limit"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def robot():
    handler = type("TestRobot", (Robot,), {"received": [], "errcode": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    server.shutdown()
    server.server_close()


@pytest.fixture
def access_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(ACCESS, encoding="utf-8")
    monkeypatch.setenv("QJGOV_ACCESS", str(path))
    return path


def delivered(inbox) -> list[tuple[str, str, str]]:
    """(recipient, subject, body) of every message the SMTP server took."""
    found = []
    for envelope in inbox.messages:
        message = message_from_bytes(envelope.content, policy=policy.default)
        found.append((envelope.rcpt_tos[0], str(message["Subject"]), message.get_content()))
    return found


def quiet(message: str) -> None:
    pass


def test_an_alert_fires_once_on_a_fall_not_on_a_rebuild_and_again_after_a_recovery(
        demo, tmp_path, smtp_server, robot, access_file, monkeypatch) -> None:  # noqa: F811
    controller, inbox = smtp_server
    monkeypatch.setenv("QJGOV_BASE_URL", "https://qjgov.example.gov.cn")
    handler, url = robot
    env = settings_for(controller.port) | {"QJGOV_WEBHOOK_URL": url}
    warehouse = tmp_path / "warehouse.duckdb"
    june = {("G09", alerts.COMMISSION, "2021-06-30"): "at_risk", ("G09", G09_OWNER, "2021-06-30"): "off_track",
            ("G09", OTHER, "2021-06-30"): "at_risk", ("G10", alerts.COMMISSION, "2021-06-30"): "no_data"}

    # The first run compares with the previous month-end (31 May: all on track).
    summary = alerts.run(publish(demo, warehouse, "2021-06-30", june), env, quiet)
    assert sorted(alert.key for alert in summary.raised) == sorted([
        f"G09|{OTHER}|2021-06-30|on_track->at_risk", "G09|commission|2021-06-30|on_track->at_risk",
        f"G09|{G09_OWNER}|2021-06-30|on_track->off_track",
    ])
    mails = delivered(inbox)
    assert sorted((to, subject) for to, subject, _ in mails) == [
        ("shen@example.gov.cn", f"目标预警：G09 · {OTHER}：进度正常 → 有风险"),
        ("yi@example.gov.cn", "Goal alert: G09 · Commission-wide: On track → At risk"),
        ("yi@example.gov.cn", "Goal alert: G09 · Medical Administration Section: On track → Off track"),
        ("zheng@example.gov.cn", "目标预警：G09 · 全委：进度正常 → 有风险"),
        ("zheng@example.gov.cn", f"目标预警：G09 · {G09_OWNER}：进度正常 → 偏离目标"),
    ]
    with connection.connect(warehouse) as con:
        q = connection.reader(con)
        row = reads.progress(q, dt.date(2021, 6, 30), None).filter(goal_id="G09").row(0, named=True)
        seed = reads.targets(q).filter(goal_id="G09").row(0, named=True)
    body = next(body for to, subject, body in mails if subject.endswith("Commission-wide: On track → At risk"))
    assert "Commission-wide: On track → At risk, as of 2021-06-30." in body
    assert all(f"- {sentence}" in body for sentence in what_it_takes("en", dt.date(2021, 6, 30), row, seed))
    assert "https://qjgov.example.gov.cn/reviews?as_of=2021-06-30&lang=en&goal=G09" in body  # the goal's tab
    own = next(body for to, subject, body in mails if subject.endswith("Medical Administration Section: On track → Off track"))
    assert f"&dept={quote(G09_OWNER)}&goal=G09" in own  # the department's own figures
    posts = [post["text"]["content"] for post in handler.received]
    assert [post.keys() for post in handler.received] == [{"msgtype", "text"}] * 3
    assert {post["msgtype"] for post in handler.received} == {"text"}
    assert sorted(content.splitlines()[0] for content in posts) == sorted(
        f"目标预警：G09 · {scope}：{change}" for scope, change in
        [("全委", "进度正常 → 有风险"), (G09_OWNER, "进度正常 → 偏离目标"), (OTHER, "进度正常 → 有风险")])

    # The same data again, run twice or rebuilt: nobody hears anything.
    assert alerts.run(warehouse, env, quiet).raised == []
    assert alerts.run(publish(demo, warehouse, "2021-06-30", june), env, quiet).raised == []
    # A month on, still at risk: nothing; then back on track (re-armed): nothing.
    july = {("G09", alerts.COMMISSION, "2021-06-30"): "at_risk", ("G09", alerts.COMMISSION, "2021-07-31"): "at_risk"}
    assert alerts.run(publish(demo, warehouse, "2021-07-31", july), env, quiet).raised == []
    assert alerts.run(publish(demo, warehouse, "2021-08-31", {}), env, quiet).raised == []
    assert len(inbox.messages) == 5 and len(handler.received) == 3
    # A new fall alerts again, also when the build that first showed it (September's) ran
    # without alerts: October's compares with the status last seen, on track in August.
    october = {("G09", alerts.COMMISSION, "2021-09-30"): "off_track", ("G09", alerts.COMMISSION, "2021-10-31"): "off_track"}
    summary = alerts.run(publish(demo, warehouse, "2021-10-31", october), env, quiet)
    assert [alert.key for alert in summary.raised] == ["G09|commission|2021-10-31|on_track->off_track"]
    assert sorted((to, subject) for to, subject, _ in delivered(inbox)[5:]) == [
        ("yi@example.gov.cn", "Goal alert: G09 · Commission-wide: On track → Off track"),
        ("zheng@example.gov.cn", "目标预警：G09 · 全委：进度正常 → 偏离目标"),
    ]
    assert len(handler.received) == 4
    store = notes.store_path(warehouse)
    assert [(r["recipient"], r["outcome"]) for r in outbox.read(store) if r["as_of"] == "2021-10-31"] == [
        ("yi@example.gov.cn", "sent"), ("zheng@example.gov.cn", "sent"), (outbox.WEBHOOK, "sent")]
    with sqlite3.connect(store) as con:
        last = con.execute("select status, alert_key from alert_status where goal_id = 'G09' and scope = 'commission' "
                           "order by id").fetchall()
    assert last == [("at_risk", "G09|commission|2021-06-30|on_track->at_risk"), ("on_track", None),
                    ("off_track", "G09|commission|2021-10-31|on_track->off_track")]


def test_a_refused_smtp_connection_is_recorded_as_failed_and_retried(demo, tmp_path, smtp_server, access_file) -> None:  # noqa: F811
    controller, inbox = smtp_server
    unheard = "人口监测与家庭发展科"  # nobody of it is in the access file
    warehouse = publish(demo, tmp_path / "warehouse.duckdb", "2021-06-30", {
        ("G09", alerts.COMMISSION, "2021-06-30"): "off_track", ("G09", unheard, "2021-06-30"): "off_track"})
    store = notes.store_path(warehouse)
    summary = alerts.run(warehouse, settings_for(free_port()), quiet)  # nobody listens there
    assert len(summary.raised) == 2 and summary.sent == 0 and len(summary.failed) == 2
    said: list[str] = []
    alerts.report(summary, said.append)
    assert "2 failed" in said[0] and said[1:] == [f"  {unheard} has no recipient in the access file (an editor or "
                                                   "approver with digest not false): its alerts reach nobody by e-mail"]
    assert [(r["recipient"], r["outcome"], r["pending"]) for r in outbox.read(store)] == [
        ("yi@example.gov.cn", "failed", True), ("zheng@example.gov.cn", "failed", True)]
    assert "ConnectionRefusedError" in outbox.read(store)[0]["error"]

    summary = alerts.run(warehouse, settings_for(controller.port), quiet)  # the next run: the server is back
    assert summary.raised == [] and summary.sent == 2
    assert sorted(to for to, _, _ in delivered(inbox)) == ["yi@example.gov.cn", "zheng@example.gov.cn"]
    assert [r["pending"] for r in outbox.read(store)] == [False, False, False, False]
    assert alerts.run(warehouse, settings_for(controller.port), quiet).sent == 0
    assert len(inbox.messages) == 2


def test_the_webhook_alone_needs_no_access_file_and_a_refused_post_waits_for_the_next_run(
        demo, tmp_path, robot, monkeypatch) -> None:
    handler, url = robot
    monkeypatch.setenv("QJGOV_ACCESS", str(tmp_path / "no-such-access.toml"))
    warehouse = publish(demo, tmp_path / "warehouse.duckdb", "2021-06-30", {
        ("G09", alerts.COMMISSION, "2021-06-30"): "off_track", ("G12", alerts.COMMISSION, "2021-06-30"): "at_risk"})
    handler.errcode = 45009  # WeCom's "too many messages this minute", with HTTP 200
    summary = alerts.run(warehouse, {"QJGOV_WEBHOOK_URL": url}, quiet)
    assert len(summary.raised) == 2 and summary.sent == 0
    assert len(handler.received) == 1, "after a refusal the rest of the run's posts wait"
    assert [(r["recipient"], r["outcome"]) for r in outbox.read(notes.store_path(warehouse))] == [
        (outbox.WEBHOOK, "failed"), (outbox.WEBHOOK, "failed")]
    assert "errcode 45009" in summary.failed[0] and "key=test" not in summary.failed[0]
    handler.errcode = 0
    summary = alerts.run(warehouse, {"QJGOV_WEBHOOK_URL": url}, quiet)
    assert summary.sent == 2 and len(handler.received) == 3
    assert {post["text"]["content"].splitlines()[0] for post in handler.received[1:]} == {
        "目标预警：G09 · 全委：进度正常 → 偏离目标", "目标预警：G12 · 全委：进度正常 → 有风险"}


def test_with_nothing_to_deliver_through_the_alerts_are_off_and_touch_nothing(demo, tmp_path) -> None:
    warehouse = publish(demo, tmp_path / "warehouse.duckdb", "2021-06-30", {("G09", alerts.COMMISSION, "2021-06-30"): "off_track"})
    said: list[str] = []
    assert alerts.run(warehouse, {}, said.append) is None
    assert said and "alerts are off" in said[0]
    assert not notes.store_path(warehouse).exists()
    assert alerts.main(["--warehouse", str(warehouse)]) == 2


@pytest.mark.parametrize(("before", "after", "fell"), [
    ("on_track", "at_risk", True), ("at_risk", "off_track", True), ("on_track", "off_track", True),
    ("achieved", "missed", True), ("on_track", "missed", True), ("at_risk", "missed", True),
    ("off_track", "missed", False), ("at_risk", "on_track", False), ("on_track", "achieved", False),
    ("off_track", "no_data", False), ("no_data", "off_track", False), (None, "off_track", False),
])
def test_what_counts_as_a_fall(before, after, fell) -> None:
    assert alerts.worsened(before, after) is fell


def test_the_build_runs_the_alerts_after_publishing_when_switched_on(demo, tmp_path, robot, monkeypatch) -> None:
    handler, url = robot
    monkeypatch.setenv("QJGOV_WEBHOOK_URL", url)
    monkeypatch.delenv("QJGOV_SMTP_HOST", raising=False)
    target = tmp_path / "warehouse.duckdb"
    arguments = ["--raw", str(demo[1]), "--target", str(target), "--allow-shrink"]
    monkeypatch.delenv(alerts.SWITCH, raising=False)
    assert warehouse_build.main(arguments) == 0
    assert handler.received == [] and not notes.store_path(target).exists()

    monkeypatch.setenv(alerts.SWITCH, "1")
    assert warehouse_build.main(arguments) == 0  # December against November: goals at risk end missed
    posted = len(handler.received)
    assert posted > 0 and all("→" in post["text"]["content"] for post in handler.received)
    assert {r["kind"] for r in outbox.read(notes.store_path(target))} == {"alert"}
    assert warehouse_build.main(arguments) == 0  # the same data again
    assert len(handler.received) == posted
