"""Sign-in on the office's server (QJGOV_MODE=office), docs/deployment.md#sign-in-office-mode.

The browser tests start a real OpenID Connect provider, `oidc-provider-mock`, on a free
localhost port (its log in test-output/oidc-provider-mock.log) and the app as `make run` serves
it, in office mode, with a temporary access file and a temporary secrets file whose `[auth]`
section points at the provider (`--secrets.files`: the repository's own .streamlit/secrets.toml,
if any, is never read). Chromium signs in through the provider's own form, where the
subject typed picks one of the people the provider was started with (`--user-claims`).
The provider listens on `localhost` and the app on `127.0.0.1`: two hosts, so neither's
session cookie is sent to the other. Screenshots: test-output/screenshots/signin-*.png.
Without Chromium these are skipped, except under CI=true (as in test_browser.py).

Through the same provider, each person in a browser of their own (its own cookies): the owner
department's editor submits a note on G01 and is told why not on G02; a viewer sees neither
the waiting note nor a form nor a decision; the lead office's approver approves it, and after a
build the viewer and `python -m qjgov.report` show it approved; the import panel is a
steward's (an export uploaded, checked, imported into the server's own data folder and the
warehouse rebuilt), the audit trail an admin's. Every audit record a test checks is read as
`python -m qjgov.audit --json` prints it. A bad access file stopping the start is
tests/test_access.py's (`python -m qjgov.serve` refusing).

The AppTest tests run the same gate in this process: what a session holds grants nothing,
a sign-in is on the record once, a provider's `email_verified` sent as text counts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from conftest import demo_for_the_app
from qjgov.app import permits, signin
from qjgov.bench import pageload
from qjgov.demo.exports import write_export
from qjgov.importing.importer import PREVIEW_ROWS
from qjgov.office import audit, notes
from qjgov.office.access import Person
from qjgov.paths import ROOT
from qjgov.present import words
from qjgov.warehouse.build import build
from test_browser import CHROMIUM, CHROMIUM_ARGS, HEIGHT, OUTPUT, SHOTS, WIDTH, _require_browser

APP = str(ROOT / "app.py")
EDITOR = "editor@qj.example"  # listed; the provider sends the address in other capitals
APPROVER = "approver@qj.example"  # listed; signed in by AppTest only
UNVERIFIED = "unverified@qj.example"  # listed, but the provider says the address is not confirmed
STRANGER = "stranger@qj.example"  # not listed, and the file says unlisted = "refuse"
# The commentary's flow through the provider: 医政医管科 owns G01, whose lead office is
# 行政审批科; 行政审批科 owns G02 (seeds/targets.csv).
WRITER = "yizheng.writer@qj.example"  # editor of 医政医管科
LEAD = "shenpi.lead@qj.example"  # approver of 行政审批科
READER = "reader@qj.example"  # viewer
STEWARD = "steward@qj.example"  # steward
ADMIN = "admin@qj.example"  # admin
ACCESS = f"""
unlisted = "refuse"

[[person]]
email = "{EDITOR}"
department = "医政医管科"
roles = ["editor"]

[[person]]
email = "{APPROVER}"
department = "行政审批科"
roles = ["approver"]

[[person]]
email = "{UNVERIFIED}"
department = "行政审批科"
roles = ["editor", "approver"]

[[person]]
email = "{WRITER}"
department = "医政医管科"
roles = ["editor"]

[[person]]
email = "{LEAD}"
department = "行政审批科"
roles = ["approver"]

[[person]]
email = "{READER}"
department = "疾病预防控制科"
roles = ["viewer"]

[[person]]
email = "{STEWARD}"
roles = ["steward"]

[[person]]
email = "{ADMIN}"
roles = ["admin"]
"""
PROVIDER_USERS = (
    {"sub": EDITOR, "email": "Editor@QJ.example", "email_verified": True},
    {"sub": UNVERIFIED, "email": UNVERIFIED, "email_verified": False},
    {"sub": STRANGER, "email": STRANGER, "email_verified": True},
    *({"sub": email, "email": email, "email_verified": True} for email in (WRITER, LEAD, READER, STEWARD, ADMIN)),
)
T = words.STRINGS["zh"]  # the browser asks for Chinese (locale zh-CN)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from demo_for_the_app(tmp_path_factory, "signin-warehouse", cases_per_year=3000)


@pytest.fixture(scope="module")
def access_file(warehouse: Path) -> Path:
    path = warehouse.with_name("access.toml")
    path.write_text(ACCESS, encoding="utf-8")
    return path


def printed(warehouse: Path) -> list[dict]:
    """The audit trail as `python -m qjgov.audit --json` prints it for `warehouse`: what an
    auditor reads, so every action a test checks is checked there."""
    done = subprocess.run([sys.executable, "-m", "qjgov.audit", "--json", "--warehouse", str(warehouse)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert isinstance(records, list) and all(list(record) == list(audit.KEYS) for record in records), done.stdout[:500]
    return records


def trail(warehouse: Path, email: str) -> list[tuple[str, str, str | None, str | None, str]]:
    """(action, outcome, role, department, detail) of `email`'s audit rows, oldest first, as
    `python -m qjgov.audit --json` prints them."""
    return [(r["action"], r["outcome"], r["role"], r["department"], r["detail"])
            for r in printed(warehouse) if (r["email"] or "").lower() == email.lower()]


# ---- the gate under AppTest ---------------------------------------------------------------

@pytest.fixture
def office_mode(monkeypatch: pytest.MonkeyPatch, access_file: Path) -> None:
    monkeypatch.setenv("QJGOV_MODE", "office")
    monkeypatch.setenv("QJGOV_ACCESS", str(access_file))


def run_as(user: dict, session: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = user
    for key, value in (session or {}).items():
        at.session_state[key] = value
    return at.run()


def test_a_person_kept_in_the_session_grants_nothing(office_mode: None) -> None:
    forged = Person("boss@qj.example", "行政审批科", frozenset({"admin"}))
    at = run_as({"is_logged_in": False}, {signin.PERSON_KEY: forged})
    assert not at.exception
    assert [title.value for title in at.title] == [T["signin.title"]]
    assert [button.label for button in at.button] == [T["signin.button"]]
    assert not at.sidebar.children, "nothing of the app is drawn before sign-in"
    assert signin.PERSON_KEY not in at.session_state

    at = run_as({"is_logged_in": True, "email": APPROVER, "email_verified": True}, {signin.PERSON_KEY: forged})
    assert at.session_state[signin.PERSON_KEY] == Person(APPROVER, "行政审批科", frozenset({"approver"}))
    assert not [text.value for text in at.sidebar.text if "boss@" in text.value]


def test_a_page_run_without_the_app_asks_for_sign_in_first(office_mode: None) -> None:
    """A deep link's first run after a start runs the page file alone (navigation.page_state)."""
    at = AppTest.from_file(str(ROOT / "pages" / "reviews.py"), default_timeout=60)
    at.user = {"is_logged_in": False}
    at.query_params["goal"] = "G09"
    at.run()
    assert not at.exception
    assert [title.value for title in at.title] == [T["signin.title"]]
    assert not at.tabs and not at.sidebar.children


def test_a_sign_in_is_on_the_record_once(office_mode: None, warehouse: Path) -> None:
    """Once however many runs and page loads (sessions) it serves; a new sign-in at the
    provider (a new ID token, its `iat`) is a new record."""
    signed = ("sign_in", "ok", "approver", "行政审批科", "")
    before = trail(warehouse, APPROVER).count(signed)
    user = {"is_logged_in": True, "email": APPROVER, "email_verified": True, "iat": 1_800_000_000}
    at = run_as(user)
    assert not at.exception
    assert at.session_state[signin.PERSON_KEY].email == APPROVER
    sidebar = [text.value for text in at.sidebar.text]
    assert T["signin.signed_in_as"].format(email=APPROVER, role=T["signin.role.approver"], department="行政审批科") in sidebar
    at.run()
    run_as(user)  # a reload: a new session, the same cookie
    assert trail(warehouse, APPROVER).count(signed) == before + 1
    run_as({**user, "iat": 1_800_000_600})
    assert trail(warehouse, APPROVER).count(signed) == before + 2


def test_email_verified_sent_as_text_counts(office_mode: None) -> None:
    at = run_as({"is_logged_in": True, "email": APPROVER, "email_verified": "false"})
    assert [title.value for title in at.title] == [T["signin.refused_title"]]
    assert T["signin.refused.unverified"].format(email=APPROVER) in [text.value for text in at.text]


def test_office_mode_without_an_auth_section_says_what_is_missing(office_mode: None) -> None:
    at = run_as({"email": APPROVER})  # Streamlit adds is_logged_in only when secrets hold [auth]
    assert [text.value for text in at.markdown] == [T["signin.no_auth"]]
    assert not at.button


@pytest.mark.parametrize("value, wanted", [
    ("a@qj.example", "a@qj.example"), (" a@qj.example ", "a@qj.example"), ("", None), ("no-at-sign", None),
    (None, None), (42, None), ("x" * 250 + "@qj.example", None),
])
def test_only_an_address_is_matched(value: object, wanted: str | None) -> None:
    assert permits.claimed_email(value) == wanted


# ---- the real flow in Chromium against a real provider -------------------------------------

@dataclass(frozen=True)
class Office:
    url: str  # the app, http://127.0.0.1:<port>
    provider: str  # the provider, http://localhost:<port>
    warehouse: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _provider(port: int, log: Path) -> Iterator[str]:
    """oidc-provider-mock on `port`, started with PROVIDER_USERS; its URL once it answers."""
    url = f"http://localhost:{port}"
    users = [argument for user in PROVIDER_USERS for argument in ("--user-claims", json.dumps(user))]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "localhost", "--port", str(port),
                                   *users], stdout=output, stderr=subprocess.STDOUT)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            deadline = time.monotonic() + 30
            while True:
                if server.poll() is not None:
                    pytest.fail(f"oidc-provider-mock exited with {server.returncode}; see {log}")
                try:
                    with opener.open(f"{url}/.well-known/openid-configuration", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"oidc-provider-mock did not answer within 30 s; see {log}")
                time.sleep(0.1)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture(scope="module")
def office(warehouse: Path, access_file: Path) -> Iterator[Office]:
    """The provider and the app in office mode, the app's secrets pointing at the provider."""
    _require_browser()
    provider_port, app_port = _free_port(), _free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    secrets_file = warehouse.with_name("secrets.toml")
    secrets_file.write_text(f"""
[auth]
redirect_uri = "{app_url}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "qjgov-tests"
client_secret = "{secrets.token_hex(16)}"
server_metadata_url = "http://localhost:{provider_port}/.well-known/openid-configuration"
""", encoding="utf-8")
    command = [sys.executable, "-m", "qjgov.serve", "--server.port", str(app_port), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--secrets.files", str(secrets_file)]
    with ExitStack() as stack:
        provider = stack.enter_context(_provider(provider_port, OUTPUT / "oidc-provider-mock.log"))
        with pytest.MonkeyPatch.context() as env:  # for the server's start only
            env.setenv("QJGOV_MODE", "office")
            env.setenv("QJGOV_ACCESS", str(access_file))
            # The import panel lands files in the data folder's raw/ (qjgov.paths): this one's,
            # never the repository's data/.
            env.setenv("QJGOV_DATA", str(warehouse.parent))
            try:
                url = stack.enter_context(pageload.running(command, app_url, warehouse, OUTPUT / "signin-server.log", 60))
            except RuntimeError as error:
                pytest.fail(str(error))
        yield Office(url, provider, warehouse)


@pytest.fixture(scope="module")
def browser(office: Office) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def fresh_tab(browser: object) -> Iterator[object]:
    """A fresh browser (no cookies) that reaches the app and the provider only: the provider's
    pages ask a CDN for their style sheet, which a test does without. One per person, so
    nobody's sign-in cookie is another's."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost")
                  else route.abort())
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    with fresh_tab(browser) as tab:
        yield tab


def settled(page: object) -> None:
    """The script run is over: a title is drawn and Streamlit is no longer running."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(500)


def main_lines(page: object) -> list[str]:
    """The main area's lines of text, blank ones left out."""
    return [line.strip() for line in page.locator('[data-testid="stMain"]').inner_text().split("\n") if line.strip()]


def sidebar_text(page: object) -> str:
    sidebar = page.locator('[data-testid="stSidebar"]')
    return sidebar.inner_text() if sidebar.count() else ""


def assert_sign_in_page_only(page: object) -> None:
    settled(page)
    assert page.locator('[data-testid="stMain"] h1').all_inner_texts() == [T["signin.title"]]
    assert main_lines(page) == [T["signin.title"], T["signin.intro"], T["signin.button"]]
    assert sidebar_text(page) == "", "no page link, control or number before sign-in"


def sign_in(page: object, office: Office, subject: str) -> None:
    """Through the provider's form: the subject typed picks the person."""
    page.goto(office.url + "/")
    settled(page)
    page.get_by_role("button", name=T["signin.button"]).click()
    page.wait_for_url(f"{office.provider}/oauth2/authorize**", timeout=30_000)
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{office.url}/**", timeout=30_000)
    settled(page)


def sign_out(page: object, office: Office) -> None:
    """The sidebar's (or the refusal page's) button; Streamlit ends the provider's session too
    (its end_session_endpoint), which asks first."""
    page.get_by_role("button", name=T["signin.sign_out"]).click()
    page.wait_for_url(f"{office.provider}/oauth2/end_session**", timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{office.url}/", timeout=30_000)
    assert_sign_in_page_only(page)


def test_an_unsigned_visitor_sees_only_the_sign_in_page(office: Office, page: object) -> None:
    # The deep link first: a fresh server's first request runs the page file without app.py.
    page.goto(office.url + "/reviews?goal=G09")
    assert_sign_in_page_only(page)
    page.screenshot(path=str(SHOTS / "signin-zh.png"))
    page.goto(office.url + "/")
    assert_sign_in_page_only(page)
    page.goto(office.url + "/reviews?goal=G09")
    assert_sign_in_page_only(page)


def test_a_listed_person_signs_in_sees_the_overview_and_signs_out(office: Office, page: object) -> None:
    sign_in(page, office, EDITOR)
    assert page.locator('[data-testid="stMain"] h1').first.inner_text() == T["overview.title"]
    # matched whatever the capitals; named as the access file lists them
    line = T["signin.signed_in_as"].format(email=EDITOR, role=T["signin.role.editor"], department="医政医管科")
    assert line in sidebar_text(page)
    page.screenshot(path=str(SHOTS / "signin-signed-in-zh.png"))
    assert trail(office.warehouse, EDITOR) == [("sign_in", "ok", "editor", "医政医管科", "")]
    page.goto(office.url + "/reviews?goal=G09")  # a new session on the same sign-in: no new record
    settled(page)
    assert line in sidebar_text(page)
    assert trail(office.warehouse, EDITOR) == [("sign_in", "ok", "editor", "医政医管科", "")]

    sign_out(page, office)
    assert trail(office.warehouse, EDITOR)[-1] == ("sign_out", "ok", "editor", "医政医管科", "")
    page.goto(office.url + "/reviews?goal=G09")  # the cookie is gone as well
    assert_sign_in_page_only(page)


def test_an_unlisted_person_is_refused_with_the_reason(office: Office, page: object) -> None:
    sign_in(page, office, STRANGER)
    assert main_lines(page) == [
        T["signin.refused_title"], T["signin.refused.unlisted"].format(email=STRANGER), T["signin.sign_out"],
    ]
    assert sidebar_text(page) == ""
    page.screenshot(path=str(SHOTS / "signin-refused-zh.png"))
    assert trail(office.warehouse, STRANGER) == [("sign_in_refused", "refused", None, None, "unlisted")]
    page.goto(office.url + "/method")  # still signed in with the provider, still refused
    settled(page)
    assert page.locator('[data-testid="stMain"] h1').all_inner_texts() == [T["signin.refused_title"]]


def test_an_address_the_provider_has_not_verified_is_refused(office: Office, page: object) -> None:
    sign_in(page, office, UNVERIFIED)
    assert main_lines(page) == [
        T["signin.refused_title"], T["signin.refused.unverified"].format(email=UNVERIFIED), T["signin.sign_out"],
    ]
    assert trail(office.warehouse, UNVERIFIED) == [("sign_in_refused", "refused", None, None, "unverified")]
    sign_out(page, office)


# ---- the commentary's flow and the Data page, one browser per person -----------------------

JUNE = dt.date(2021, 6, 30)
NOTE = "全程网办改造已完成六成，七月底前完成其余许可事项的网办改造。"
OWNER, LEAD_OFFICE = "医政医管科", "行政审批科"  # G01's owner department and lead office


@contextmanager
def signed_in_tab(browser: object, office: Office, subject: str) -> Iterator[object]:
    """A browser of this person's own (its own cookies), signed in through the provider."""
    with fresh_tab(browser) as tab:
        sign_in(tab, office, subject)
        yield tab


def drawn(page: object) -> None:
    """A signed-in person's page is drawn whole: its script no longer runs, the sidebar's
    controls and every chart are there (pageload.LOADED_JS). What a page must not show is
    looked for only then, never in a page still being drawn."""
    page.wait_for_function(pageload.LOADED_JS, timeout=60_000, polling=100)
    page.wait_for_timeout(300)


def open_goal(page: object, office: Office, goal: str) -> None:
    """The Online service page at June's month-end, with `goal`'s tab open."""
    page.goto(f"{office.url}/online?goal={goal}&as_of={JUNE.isoformat()}")
    drawn(page)
    assert T["commentary.title"] in main_lines(page)
    assert page.locator('[data-testid="stTabs"] [role="tab"][aria-selected="true"]').first.inner_text().strip().startswith(goal + " ")


def shown(template: str, **fixed: str) -> re.Pattern:
    """A sentence of the words with `fixed` filled in and any other placeholder (a time)
    standing for some text."""
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("".join(
        re.escape(fixed[part[1:-1]]) if part[1:-1] in fixed else ".+" if part.startswith("{") else re.escape(part)
        for part in parts if part))


def main_text(page: object) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def buttons(page: object, *names: str) -> int:
    """How many of the main area's buttons carry one of `names`."""
    main = page.locator('[data-testid="stMain"]')
    return sum(main.get_by_role("button", name=name, exact=True).count() for name in names)


def a_waiting_note(warehouse: Path) -> dict:
    """G01's note at June's month-end waiting for approval: the one the editor's test submitted
    in the browser, or (this test run alone) one put in the store as that editor's."""
    store = notes.store_path(warehouse)
    row = notes.latest(store, "G01", JUNE)
    if row is None or row["state"] != "submitted" or row["progress"] != NOTE:
        notes.add(store, notes.Note("G01", JUNE, progress=NOTE), author=notes.Author(OWNER, "editor", WRITER),
                  state="submitted")
        row = notes.latest(store, "G01", JUNE)
    return row


def test_an_editor_submits_a_note_on_their_goal_and_sees_why_not_on_another(office: Office, browser: object) -> None:
    store = notes.store_path(office.warehouse)
    with signed_in_tab(browser, office, WRITER) as page:
        open_goal(page, office, "G01")
        assert not shown(T["commentary.state_submitted"], lead=LEAD_OFFICE).search(main_text(page)), "nothing waits yet"
        if not page.get_by_label(T["commentary.progress"], exact=True).is_visible():  # the editor's expander, closed
            page.get_by_text(T["commentary.edit_office"], exact=True).first.click()
        page.get_by_label(T["commentary.progress"], exact=True).fill(NOTE)
        page.get_by_role("button", name=T["commentary.submit"], exact=True).click()
        page.get_by_text(shown(T["commentary.submitted"], lead=LEAD_OFFICE)).first.wait_for(timeout=60_000)
        drawn(page)
        # The note now waits, shown to its editor with its state.
        assert shown(T["commentary.state_submitted"], lead=LEAD_OFFICE).search(main_text(page))
        assert NOTE in main_text(page)
        row = notes.latest(store, "G01", JUNE)
        assert (row["progress"], row["state"], row["author_department"], row["author_role"], row["author_email"]) == (
            NOTE, "submitted", OWNER, "editor", WRITER)
        page.screenshot(path=str(SHOTS / "signin-editor-submitted-zh.png"))

        open_goal(page, office, "G02")  # 行政审批科's goal: no form, and the reason
        assert page.locator('[data-testid="stMain"] textarea').count() == 0
        assert buttons(page, T["commentary.submit"], T["commentary.approve"], T["commentary.return_note"]) == 0
        assert T["commentary.not_editor"].format(owner=LEAD_OFFICE) in main_lines(page)
    assert [(r["action"], r["outcome"], r["target"], r["detail"]) for r in printed(office.warehouse) if r["email"] == WRITER] == [
        ("sign_in", "ok", None, ""), ("note_submitted", "ok", f"G01 {JUNE.isoformat()}", f"note {row['note_id']}")]


def test_a_viewer_sees_neither_the_waiting_note_nor_an_editor_nor_a_decision(office: Office, browser: object) -> None:
    a_waiting_note(office.warehouse)
    with signed_in_tab(browser, office, READER) as page:
        open_goal(page, office, "G01")
        text = main_text(page)
        assert NOTE not in text and not shown(T["commentary.state_submitted"], lead=LEAD_OFFICE).search(text)
        assert page.locator('[data-testid="stMain"] textarea').count() == 0
        assert buttons(page, T["commentary.submit"], T["commentary.approve"], T["commentary.return_note"]) == 0
        assert T["commentary.not_editor"].format(owner=OWNER) in main_lines(page)
        assert T["commentary.none"] in main_lines(page)  # nothing approved for G01 in June
        sign_out(page, office)
    assert [(r["action"], r["outcome"], r["role"]) for r in printed(office.warehouse) if r["email"] == READER][-2:] == [
        ("sign_in", "ok", "viewer"), ("sign_out", "ok", "viewer")]


def test_the_lead_office_approves_and_after_a_build_the_viewer_and_the_report_show_it(
    office: Office, browser: object, tmp_path: Path,
) -> None:
    waiting = a_waiting_note(office.warehouse)
    store = notes.store_path(office.warehouse)
    with signed_in_tab(browser, office, LEAD) as page:
        open_goal(page, office, "G01")
        assert shown(T["commentary.state_submitted"], lead=LEAD_OFFICE).search(main_text(page))
        assert NOTE in main_text(page)
        assert page.get_by_label(T["commentary.progress"], exact=True).count() == 0, "an approver is no editor of G01"
        page.get_by_role("button", name=T["commentary.approve"], exact=True).click()
        page.get_by_text(T["commentary.approved_now"], exact=True).first.wait_for(timeout=60_000)
        drawn(page)
        assert buttons(page, T["commentary.approve"], T["commentary.return_note"]) == 0, "nothing waits any more"
    row = notes.latest(store, "G01", JUNE)
    assert (row["progress"], row["state"], row["decided_department"], row["decided_email"]) == (
        NOTE, "approved", LEAD_OFFICE, LEAD)
    assert ("note_approved", "ok", f"G01 note {waiting['note_id']}") in [
        (r["action"], r["outcome"], r["target"]) for r in printed(office.warehouse) if r["email"] == LEAD]

    build(office.warehouse.parent / "raw", target=office.warehouse, log=lambda message: None)
    approved = T["commentary.approved_line"].format(dept=LEAD_OFFICE, at="")  # "已审核 · 行政审批科 · "
    with signed_in_tab(browser, office, READER) as page:
        open_goal(page, office, "G01")
        assert NOTE in main_text(page)
        assert [line for line in main_lines(page) if line.startswith(approved)], main_lines(page)
        assert not shown(T["commentary.state_submitted"], lead=LEAD_OFFICE).search(main_text(page))
        assert buttons(page, T["commentary.submit"], T["commentary.approve"], T["commentary.return_note"]) == 0
        page.screenshot(path=str(SHOTS / "signin-viewer-approved-zh.png"))

    done = subprocess.run([sys.executable, "-m", "qjgov.report", "--as-of", JUNE.isoformat(), "--format", "html",
                           "--warehouse", str(office.warehouse), "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = (tmp_path / f"qjgov-report-{JUNE.isoformat()}-zh.html").read_text(encoding="utf-8")
    assert NOTE in report and approved in report
    assert WRITER not in report and LEAD not in report  # staff e-mails stay in the office store


def test_the_import_panel_is_the_stewards_and_the_audit_trail_the_admins(office: Office, browser: object) -> None:
    uploader = '[data-testid="stMain"] [data-testid="stFileUploader"]'
    with signed_in_tab(browser, office, STEWARD) as page:
        page.goto(f"{office.url}/data")
        drawn(page)
        page.locator(uploader).wait_for(timeout=30_000)
        assert T["import.not_steward"] not in main_lines(page)
        assert T["data.audit"] not in main_lines(page)
    with signed_in_tab(browser, office, READER) as page:
        page.goto(f"{office.url}/data")
        drawn(page)
        assert T["import.title"] in main_lines(page)
        assert T["import.not_steward"] in main_lines(page)
        assert page.locator(uploader).count() == 0
        assert T["data.audit"] not in main_lines(page)
    with signed_in_tab(browser, office, ADMIN) as page:
        page.goto(f"{office.url}/data")
        drawn(page)
        assert T["data.audit"] in main_lines(page)
        assert page.locator(uploader).count() == 1  # an admin may import too
        trail_table = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').last
        trail_table.scroll_into_view_if_needed(timeout=30_000)
        # the grid is drawn on a canvas; its cells are in the page for screen readers
        trail_table.get_by_text(ADMIN, exact=True).first.wait_for(state="attached", timeout=30_000)
        trail_table.get_by_text("sign_in", exact=True).first.wait_for(state="attached", timeout=10_000)
        page.screenshot(path=str(SHOTS / "signin-admin-audit-zh.png"))
    signed_in = {(r["email"], r["role"]) for r in printed(office.warehouse) if r["action"] == "sign_in" and r["outcome"] == "ok"}
    assert {(STEWARD, "steward"), (READER, "viewer"), (ADMIN, "admin")} <= signed_in


def landed_files(raw: Path) -> list[str]:
    """Every file under a landing zone, as paths relative to it (none when it is missing)."""
    return sorted(str(path.relative_to(raw)) for path in raw.rglob("*")) if raw.exists() else []


def test_a_steward_imports_an_export_and_the_warehouse_is_rebuilt(
    office: Office, browser: object, tmp_path: Path,
) -> None:
    """Two new cases as the platform exports them: the uploader's dry run says they would land
    and writes nothing; the import lands them in the server's data folder (QJGOV_DATA), never
    the repository's, and rebuilds the warehouse; the steward's import and rebuild are on the
    trail as an auditor reads it."""
    raw = office.warehouse.parent / "raw"
    new_ids = ["QJ-STEWARD-0001", "QJ-STEWARD-0002"]
    cases = pl.read_parquet(raw / "cases" / "*.parquet").head(2).with_columns(case_id=pl.Series(new_ids))
    export = write_export("cases", cases, tmp_path / "办件明细-导出.csv", "csv-gb18030")
    repository_raw = ROOT / "data" / "raw"
    repository_before = landed_files(repository_raw)
    before = landed_files(raw)
    with duckdb.connect(str(office.warehouse), read_only=True) as con:
        ((built_before,),) = con.sql("select built_at from meta.build_info").fetchall()

    with signed_in_tab(browser, office, STEWARD) as page:
        page.goto(f"{office.url}/data")
        drawn(page)
        page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(export))
        go = page.get_by_role("button", name=T["import.go"], exact=True)
        go.wait_for(timeout=60_000)
        drawn(page)
        # The dry run's report: one file that may be imported, its rows shown; nothing written yet.
        lines = main_lines(page)
        assert T["import.preview"].format(file=export.name, n=PREVIEW_ROWS) in lines, lines
        # the report is the first table after the uploader; its grid is drawn on a canvas, its
        # cells are in the page for screen readers
        report = page.locator('[data-testid="stMain"] [data-testid="stFileUploader"]').locator(
            'xpath=following::*[@data-testid="stDataFrame"][1]')
        report.scroll_into_view_if_needed(timeout=30_000)
        report.get_by_text(export.name, exact=True).first.wait_for(state="attached", timeout=30_000)
        report.get_by_text(T["import.ok"], exact=True).first.wait_for(state="attached", timeout=10_000)
        assert T["import.nothing"] not in lines
        assert landed_files(raw) == before
        page.screenshot(path=str(SHOTS / "signin-steward-dry-run-zh.png"))

        go.click()
        done = page.get_by_text(T["import.done"].format(n=2), exact=True)
        failed = page.locator('[data-testid="stMain"] [data-testid="stAlert"]', has_text=T["import.build_failed"].split("{")[0])
        done.or_(failed).first.wait_for(timeout=180_000)
        drawn(page)
        assert done.count() == 1, main_lines(page)
        assert page.get_by_role("button", name=T["import.go"], exact=True).count() == 0, "the uploader starts empty"
        page.screenshot(path=str(SHOTS / "signin-steward-imported-zh.png"))

    assert [name for name in landed_files(raw) if name not in before and name.startswith("cases")], landed_files(raw)
    with duckdb.connect(str(office.warehouse), read_only=True) as con:
        assert con.sql("select case_id from raw.cases where case_id like 'QJ-STEWARD-%' order by 1").fetchall() == [
            (case_id,) for case_id in new_ids]
        ((built_after,),) = con.sql("select built_at from meta.build_info").fetchall()
    assert built_after > built_before
    assert landed_files(repository_raw) == repository_before, "nothing lands in the repository's data/raw"

    steward = [(r["action"], r["outcome"], r["role"], r["target"], r["detail"])
               for r in printed(office.warehouse) if r["email"] == STEWARD]
    assert ("import", "ok", "steward", export.name, "2 rows") in steward, steward
    assert ("rebuild", "ok", "steward", "warehouse", "after an import") in steward, steward
    assert [action for action, *_ in steward].index("import") < [action for action, *_ in steward].index("rebuild")
