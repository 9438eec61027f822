"""The office mode's settings and access file (qjgov/settings.py, qjgov/office/access.py): the
mode switch and its old synonym, every way the access file can be wrong (each stopping the
server with the file, the entry and the reason), matching a signed-in person, what each role
may do, and what the office setting opens at the HTTP level (qjgov/guard.py, the front's
nginx config). docs/deployment.md, "The commission's own server (office mode)"."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from qjgov import front, guard, serve, settings
from qjgov.office import access
from qjgov.office.access import AccessError, Person
from qjgov.paths import ROOT

DEPARTMENTS = access.departments_of_seeds()
GOOD = """
unlisted = "viewer"

[[person]]
email = "Zhang.Wei@Example.gov.cn"
department = "行政审批科"
roles = ["editor", "approver"]

[[person]]
email = "steward@example.gov.cn"
roles = ["steward"]
"""


@pytest.fixture(autouse=True)
def no_mode(monkeypatch):
    """Each test sets the mode it means; none inherits the shell's."""
    for name in (settings.MODE, settings.LOCAL, settings.ACCESS):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, text: str, name: str = "access.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> AccessError:
    path = write(tmp_path, text)
    with pytest.raises(AccessError) as caught:
        access.load(path, DEPARTMENTS)
    assert caught.value.path == path
    assert str(caught.value) == f"{path}: {caught.value.entry}: {caught.value.reason}"
    return caught.value


# The mode


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "public"),
    ({"QJGOV_MODE": "public"}, "public"),
    ({"QJGOV_MODE": "local"}, "local"),
    ({"QJGOV_MODE": " Office "}, "office"),
    ({"QJGOV_MODE": ""}, "public"),
    ({"QJGOV_LOCAL": "1"}, "local"),
    ({"QJGOV_LOCAL": "yes"}, "local"),
    ({"QJGOV_LOCAL": "0"}, "public"),
    ({"QJGOV_LOCAL": "1", "QJGOV_MODE": "office"}, "office"),  # the new switch, when set, decides
    ({"QJGOV_LOCAL": "1", "QJGOV_MODE": "public"}, "public"),
])
def test_the_mode_and_its_old_synonym(monkeypatch, environment, expected):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert settings.mode() == expected
    assert settings.local() is (expected == "local")
    assert settings.office() is (expected == "office")


def test_an_unknown_mode_is_refused_with_the_variable_the_value_and_the_choices(monkeypatch):
    monkeypatch.setenv("QJGOV_MODE", "ofice")
    with pytest.raises(settings.SettingError, match=r"QJGOV_MODE='ofice' is not a mode: use one of public, local, office"):
        settings.mode()
    with pytest.raises(settings.SettingError):
        settings.local()  # never a silent fallback to public or local


def test_the_office_mode_keeps_the_public_limits(monkeypatch):
    from qjgov.limits import sandbox

    monkeypatch.setenv("QJGOV_MODE", "office")
    assert sandbox.Limits.for_here() == sandbox.Limits(**sandbox.DEFAULTS)
    assert (settings.sql_slots(), settings.download_slots()) == (2, 1)
    monkeypatch.setenv("QJGOV_MODE", "local")
    assert sandbox.Limits.for_here() == sandbox.Limits(**sandbox.LOCAL)


def test_the_access_path(monkeypatch, tmp_path):
    assert settings.access_path() == ROOT / "config" / "access.toml"
    monkeypatch.setenv("QJGOV_ACCESS", str(tmp_path / "a.toml"))
    assert settings.access_path() == tmp_path / "a.toml"


def test_the_access_file_and_the_secrets_stay_out_of_git():
    ignored = subprocess.run(["git", "check-ignore", "config/access.toml", ".streamlit/secrets.toml",
                              "config/access.example.toml"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert ignored == ["config/access.toml", ".streamlit/secrets.toml"]


# The access file


def test_the_example_file_loads_and_names_every_role():
    example = ROOT / "config" / "access.example.toml"
    loaded = access.load(example, DEPARTMENTS)
    assert loaded.unlisted == "viewer"
    assert set().union(*(person.roles for person in loaded.people.values())) == set(access.ROLES)
    lead = loaded.people["zhang.wei@example.gov.cn"]
    assert (lead.department, lead.roles) == ("行政审批科", {"editor", "approver"})
    text = example.read_text(encoding="utf-8")
    for word in (*access.ROLES, *access.PERSON_KEYS, "unlisted"):
        assert word in text


def test_departments_are_those_of_the_seed_without_the_unlinked_row():
    assert "行政审批科" in DEPARTMENTS and "医政医管科" in DEPARTMENTS
    assert "未关联事项" not in DEPARTMENTS
    assert len(DEPARTMENTS) == len(set(DEPARTMENTS)) == 10


def test_a_good_file(tmp_path):
    loaded = access.load(write(tmp_path, GOOD), DEPARTMENTS)
    assert loaded.unlisted == "viewer"
    assert loaded.people == {
        "zhang.wei@example.gov.cn": Person("zhang.wei@example.gov.cn", "行政审批科", frozenset({"editor", "approver"})),
        "steward@example.gov.cn": Person("steward@example.gov.cn", None, frozenset({"steward"})),
    }


def test_lang_and_digest_are_read_and_default(tmp_path):
    loaded = access.load(write(tmp_path, 'unlisted = "refuse"\n[[person]]\nemail = "a@b.cn"\nroles = ["viewer"]\n'
                                          'lang = "en"\ndigest = false\n'), DEPARTMENTS)
    assert (loaded.people["a@b.cn"].lang, loaded.people["a@b.cn"].digest) == ("en", False)
    assert access.load(write(tmp_path, GOOD), DEPARTMENTS).people["steward@example.gov.cn"].lang == "zh"


def test_an_empty_file_refuses_everyone(tmp_path):
    loaded = access.load(write(tmp_path, ""), DEPARTMENTS)
    assert (loaded.unlisted, loaded.people) == ("refuse", {})
    assert loaded.person("a@b.cn", True) is None


PERSON = '[[person]]\nemail = "a@b.cn"\nroles = ["viewer"]\n'


@pytest.mark.parametrize(("text", "entry", "reason"), [
    ('unlisted = "viewer"\n[[person]\nemail = "a@b.cn"\n', "line 2, column 9", "not valid TOML: "),
    ('unlisted = "viewer\n', "line 1, column 19", "not valid TOML: "),
    ('unlisted = "viewer"\nowner = "x"\n', "key 'owner'", "unknown key at the top of the file"),
    ('unlisted = "everyone"\n', "unlisted", "'everyone': one of 'viewer', 'refuse'"),
    ('unlisted = true\n', "unlisted", "True: one of 'viewer', 'refuse'"),
    ('[person]\nemail = "a@b.cn"\n', "person", "each person is a [[person]] table"),
    ('person = "a@b.cn"\n', "person", "each person is a [[person]] table"),
    ('[[person]]\nemail = "a@b.cn"\nrole = ["viewer"]\n', "person 1 (a@b.cn)", "unknown key 'role': a person has email, "),
    ('[[person]]\nroles = ["viewer"]\n', "person 1", "no e-mail"),
    ('[[person]]\nemail = " "\nroles = ["viewer"]\n', "person 1", "no e-mail"),
    ('[[person]]\nemail = "张伟"\nroles = ["viewer"]\n', "person 1 (张伟)", "email '张伟' is not an e-mail address"),
    (PERSON + '[[person]]\nemail = "A@B.cn"\nroles = ["admin"]\n', "person 2 (A@B.cn)",
     "A@B.cn is listed twice (also person 1; e-mails are compared in lower case)"),
    ('[[person]]\nemail = "a@b.cn"\ndepartment = "医政科"\nroles = ["editor"]\n', "person 1 (a@b.cn)",
     "department '医政科' is not a department of seeds/departments.csv: one of 行政审批科, 医政医管科"),
    ('[[person]]\nemail = "a@b.cn"\ndepartment = "未关联事项"\nroles = ["viewer"]\n', "person 1 (a@b.cn)",
     "department '未关联事项' is not a department"),
    ('[[person]]\nemail = "a@b.cn"\nroles = ["editor", "approver"]\n', "person 1 (a@b.cn)",
     'editor and approver act for one department\'s goals: give department = "…"'),
    ('[[person]]\nemail = "a@b.cn"\ndepartment = "行政审批科"\nroles = ["editor", "auditor"]\n', "person 1 (a@b.cn)",
     "unknown role 'auditor': roles are viewer, editor, approver, steward, admin"),
    ('[[person]]\nemail = "a@b.cn"\nroles = []\n', "person 1 (a@b.cn)", "no roles"),
    ('[[person]]\nemail = "a@b.cn"\n', "person 1 (a@b.cn)", "no roles"),
    ('[[person]]\nemail = "a@b.cn"\nroles = "admin"\n', "person 1 (a@b.cn)", "no roles"),
    (PERSON + 'lang = "fr"\n', "person 1 (a@b.cn)", "lang 'fr': one of zh, en"),
    (PERSON + 'digest = "yes"\n', "person 1 (a@b.cn)", "digest 'yes': true or false"),
])
def test_every_mistake_names_the_entry_and_the_reason(tmp_path, text, entry, reason):
    error = refused(tmp_path, text)
    assert error.entry == entry
    assert reason in error.reason, error.reason


def test_the_first_bad_person_is_named_by_number(tmp_path):
    error = refused(tmp_path, PERSON + '[[person]]\nemail = "c@d.cn"\nroles = ["boss"]\n')
    assert error.entry == "person 2 (c@d.cn)"


def test_a_missing_or_unreadable_file(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(AccessError) as caught:
        access.load(missing, DEPARTMENTS)
    assert (caught.value.entry, caught.value.path) == ("the file", missing)
    assert "missing" in caught.value.reason and "config/access.example.toml" in caught.value.reason
    path = tmp_path / "latin.toml"
    path.write_bytes('unlisted = "viewer"\n# 科\n'.encode("gbk"))
    with pytest.raises(AccessError, match="not UTF-8 text"):
        access.load(path, DEPARTMENTS)


# Matching a signed-in person


def test_a_person_is_matched_case_insensitively(tmp_path):
    loaded = access.load(write(tmp_path, GOOD), DEPARTMENTS)
    for spelling in ("zhang.wei@example.gov.cn", "ZHANG.WEI@EXAMPLE.GOV.CN", " Zhang.Wei@example.gov.cn "):
        assert loaded.person(spelling).department == "行政审批科"
        assert loaded.person(spelling, True).listed


def test_an_unverified_e_mail_or_none_is_refused(tmp_path):
    loaded = access.load(write(tmp_path, GOOD), DEPARTMENTS)
    assert loaded.person("zhang.wei@example.gov.cn", False) is None
    assert loaded.person("zhang.wei@example.gov.cn", "false") is None  # a provider sending its claims as text
    assert loaded.person("zhang.wei@example.gov.cn", "true") is not None
    assert loaded.person(None) is None and loaded.person("") is None
    assert loaded.person("someone@else.cn", False) is None


def test_an_unlisted_person_follows_unlisted(tmp_path):
    viewer = access.load(write(tmp_path, GOOD), DEPARTMENTS).person("Someone@Else.cn", True)
    assert viewer == Person("someone@else.cn", None, frozenset({"viewer"}), listed=False)
    assert viewer.role == "viewer"
    refusing = access.load(write(tmp_path, GOOD.replace('"viewer"', '"refuse"', 1)), DEPARTMENTS)
    assert refusing.person("someone@else.cn", True) is None
    assert refusing.person("steward@example.gov.cn", True).roles == {"steward"}


def test_the_role_recorded_is_the_highest():
    def role(*roles: str) -> str:
        return Person("a@b.cn", "行政审批科", frozenset(roles)).role

    assert role("editor", "approver") == "approver"
    assert role("viewer", "editor") == "editor"
    assert role("steward", "approver") == "steward"
    assert role("admin", "viewer") == "admin"
    assert role("viewer") == "viewer"


# What each role may do

# G01: owned by 医政医管科, led by 行政审批科 (seeds/targets.csv)
GOAL = {"goal_id": "G01", "owner_department": "医政医管科", "lead_office": "行政审批科"}
OWN_GOAL = {"goal_id": "G02", "owner_department": "行政审批科", "lead_office": "行政审批科"}


def person(department: str | None, *roles: str) -> Person:
    return Person("a@b.cn", department, frozenset(roles))


@pytest.mark.parametrize(("who", "allowed"), [
    (person(None, "viewer"), {"read"}),
    (person("医政医管科", "viewer"), {"read"}),
    (person("医政医管科", "editor"), {"read", "write_note"}),
    (person("行政审批科", "editor"), {"read"}),  # another department's goal
    (person("行政审批科", "approver"), {"read", "approve_note"}),
    (person("医政医管科", "approver"), {"read"}),  # the owner, but not the lead office
    (person("医政医管科", "editor", "approver"), {"read", "write_note"}),
    (person("行政审批科", "editor", "approver"), {"read", "approve_note"}),
    (person(None, "steward"), {"read", "import", "rebuild"}),
    (person("医政医管科", "steward"), {"read", "import", "rebuild"}),  # a steward writes no commentary
    (person(None, "admin"), set(access.ACTIONS)),
    (Person("a@b.cn", None, frozenset({"viewer"}), listed=False), {"read"}),
])
def test_what_each_role_may_do(who, allowed):
    assert {action for action in access.ACTIONS if access.may(who, action, GOAL)} == allowed


def test_the_note_actions_need_a_goal_and_follow_its_departments():
    editor, approver = person("行政审批科", "editor"), person("行政审批科", "approver")
    assert access.may(editor, "write_note", OWN_GOAL) and not access.may(editor, "write_note", GOAL)
    assert access.may(approver, "approve_note", OWN_GOAL) and access.may(approver, "approve_note", GOAL)
    assert not access.may(approver, "write_note", OWN_GOAL)  # approving is not writing
    for who in (editor, approver):
        assert not access.may(who, "write_note") and not access.may(who, "approve_note")
    assert access.may(person(None, "admin"), "write_note") and access.may(person(None, "admin"), "approve_note", GOAL)
    assert not access.may(person(None, "editor"), "write_note", {"owner_department": None})


def test_an_unknown_action_is_a_mistake_not_a_refusal():
    with pytest.raises(ValueError, match="unknown action 'delete'"):
        access.may(person(None, "admin"), "delete")


# current(): what the app reads at its first run and again after every change


def test_current_follows_the_file_on_disk(monkeypatch, tmp_path):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("QJGOV_ACCESS", str(path))
    first = access.current()
    assert access.current() is first  # read once while the file stays the same
    path.write_text(GOOD + '\n[[person]]\nemail = "new@example.gov.cn"\nroles = ["admin"]\n', encoding="utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 1_000_000_000,) * 2)
    assert access.current().person("new@example.gov.cn").role == "admin"
    path.write_text(GOOD + '\n[[person]]\nemail = "new@example.gov.cn"\nroles = ["boss"]\n', encoding="utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 2_000_000_000,) * 2)
    with pytest.raises(AccessError, match="person 3 .* unknown role 'boss'"):
        access.current()  # a bad edit refuses everyone instead of keeping the old rights
    path.unlink()
    with pytest.raises(AccessError, match="missing"):
        access.current()


# The server does not start in the office mode without a good access file


def start(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    """`python -m qjgov.serve` as an administrator starts it, which must stop before Streamlit.
    Asked to serve a script that does not exist, so a server that got past the check exits
    by itself too; in its own process group, killed whole if it still runs after 60 s."""
    env = {key: value for key, value in os.environ.items() if key not in (settings.MODE, settings.LOCAL, settings.ACCESS)}
    command = [sys.executable, "-m", "qjgov.serve", str(tmp_path / "no-such-app.py"), "--server.headless", "true"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**env, **environment}, start_new_session=True)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def test_the_server_refuses_to_start_with_a_bad_access_file(tmp_path):
    path = write(tmp_path, GOOD + '\n[[person]]\nemail = "STEWARD@example.gov.cn"\nroles = ["admin"]\n')
    started = start(tmp_path, QJGOV_MODE="office", QJGOV_ACCESS=str(path))
    assert started.returncode == 2
    assert f"{path}: person 3 (STEWARD@example.gov.cn): STEWARD@example.gov.cn is listed twice" in started.stderr
    assert "importing" not in started.stderr  # stopped before the head start and Streamlit


def test_the_server_refuses_to_start_without_an_access_file(tmp_path):
    started = start(tmp_path, QJGOV_MODE="office", QJGOV_ACCESS=str(tmp_path / "none.toml"))
    assert started.returncode == 2
    assert f"{tmp_path / 'none.toml'}: the file: missing" in started.stderr
    assert "importing" not in started.stderr


def test_the_server_refuses_to_start_in_an_unknown_mode(tmp_path):
    started = start(tmp_path, QJGOV_MODE="offices")
    assert started.returncode == 2
    assert "QJGOV_MODE='offices' is not a mode" in started.stderr and "importing" not in started.stderr


@pytest.fixture
def undo_install(monkeypatch):
    """What serve.main installs in this process, undone after (as tests/test_serve.py does)."""
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.setattr(starlette_server, "create_starlette_app", starlette_server.create_starlette_app)
    for name in ("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "STREAMLIT_SERVER_MAX_MESSAGE_SIZE"):
        monkeypatch.setenv(name, "0")
        monkeypatch.delenv(name)
    return starlette_server


def test_a_good_access_file_starts_the_office_guard(monkeypatch, tmp_path, undo_install):
    from streamlit.web import cli

    monkeypatch.setenv("QJGOV_MODE", "office")
    monkeypatch.setenv("QJGOV_ACCESS", str(write(tmp_path, GOOD)))
    started = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: started.append(args))
    monkeypatch.setattr(serve, "PRELOADED", ())
    monkeypatch.setattr(serve, "_start_workers", lambda: None)
    serve.main(["--server.port", "8642"])
    assert started == [["run", str(ROOT / "app.py"), "--server.port", "8642"]]
    assert undo_install.create_starlette_app.mode == "office"
    assert "STREAMLIT_SERVER_MAX_UPLOAD_SIZE" not in os.environ  # Streamlit's own cap: exports are large
    assert os.environ["STREAMLIT_SERVER_MAX_MESSAGE_SIZE"] == str(guard.PUBLIC_MAX_MESSAGE_MB)


# What the office setting opens at the HTTP level: uploads, to those who may import


def signed_cookie(payload: dict, secret: str | None = None) -> bytes:
    """The sign-in cookie Streamlit sets after st.login() (signed with the server's secret)."""
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    value = create_signed_value(secret or get_cookie_secret(), USER_COOKIE_NAME, json.dumps(payload))
    return USER_COOKIE_NAME.encode() + b"=" + value


def office_call(path: str, cookie: bytes | None) -> tuple[int, bool, dict]:
    """OfficeGuard in front of an app that answers 200: the status, whether the app read the
    body, and the response's headers."""
    read = []

    async def app(scope, receive, send):
        await receive()
        read.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        return {"type": "http.request", "body": b"x" * 1000, "more_body": False}

    sent = []

    async def send(message):
        sent.append(message)

    headers = [(b"cookie", cookie)] if cookie else []
    asyncio.run(guard.OfficeGuard(app)({"type": "http", "path": path, "headers": headers}, receive, send))
    return sent[0]["status"], bool(read), dict(sent[0]["headers"])


UPLOAD = "/_stcore/upload_file/session/file"


def test_the_office_guard_lets_only_those_who_may_import_upload(monkeypatch, tmp_path):
    monkeypatch.setenv("QJGOV_ACCESS", str(write(tmp_path, GOOD)))

    def signed_in(email: str, **claims) -> bytes:
        return signed_cookie({"email": email, "is_logged_in": True, "origin": "http://localhost:8501", **claims})

    status, read, headers = office_call(UPLOAD, signed_in("Steward@example.gov.cn", email_verified=True))
    assert (status, read) == (200, True)
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    for cookie in (None,
                   signed_in("zhang.wei@example.gov.cn"),  # an editor and approver, not a steward
                   signed_in("someone@else.cn"),  # unlisted: a viewer
                   signed_in("steward@example.gov.cn", email_verified=False),
                   signed_cookie({"email": "steward@example.gov.cn", "is_logged_in": False}),
                   signed_cookie({"email": "steward@example.gov.cn", "is_logged_in": True}, secret="another server"),
                   b"_streamlit_user=" + json.dumps({"email": "steward@example.gov.cn", "is_logged_in": True}).encode()):
        status, read, headers = office_call(UPLOAD, cookie)
        assert (status, read) == (403, False), cookie
        assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert office_call("/_stcore/metrics", signed_in("steward@example.gov.cn"))[:2] == (403, False)
    assert office_call("/", None)[:2] == (200, True)


def test_the_office_guard_refuses_uploads_when_the_access_file_goes_bad(monkeypatch, tmp_path):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("QJGOV_ACCESS", str(path))
    cookie = signed_cookie({"email": "steward@example.gov.cn", "is_logged_in": True})
    assert office_call(UPLOAD, cookie)[0] == 200
    path.write_text(GOOD.replace('"steward"]', '"stewards"]'), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_mtime_ns + 1_000_000_000,) * 2)
    assert office_call(UPLOAD, cookie)[0] == 403


def test_the_front_in_the_office_setting_closes_metrics_and_passes_uploads_on(tmp_path):
    config = front.nginx_config(tmp_path, "127.0.0.1", 8501, [9001, 9002], True, 201, office=True)
    assert "location ~ (^|/)_stcore/metrics(/|$)" in config
    assert "upload_file" not in config
    assert "client_max_body_size 201m;" in config and 'X-Frame-Options "SAMEORIGIN"' in config
    public = front.nginx_config(tmp_path, "127.0.0.1", 8501, [9001, 9002], True, 1)
    assert "location ~ (^|/)_stcore/(upload_file|metrics)(/|$)" in public


def test_the_office_guard_does_not_start_blind(monkeypatch, undo_install):
    """A Streamlit that no longer reads its sign-in cookie where the guard looks stops the
    office server at its start, instead of refusing every steward's upload unexplained."""
    def moved():
        raise ImportError("cannot import name 'get_cookie_with_chunks'")

    monkeypatch.setattr(guard, "_cookie_reader", moved)
    with pytest.raises(RuntimeError, match="no longer reads its sign-in cookie"):
        guard.install("office")
    assert not getattr(undo_install.create_starlette_app, "guarded", False)
