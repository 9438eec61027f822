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

The AppTest tests run the same gate in this process: what a session holds grants nothing,
a sign-in is on the record once, a provider's `email_verified` sent as text counts.
"""

from __future__ import annotations

import json
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

import pytest
from streamlit.testing.v1 import AppTest

from conftest import demo_for_the_app
from qjgov.app import permits, signin
from qjgov.bench import pageload
from qjgov.office import audit, notes
from qjgov.office.access import Person
from qjgov.paths import ROOT
from qjgov.present import words
from test_browser import CHROMIUM, CHROMIUM_ARGS, HEIGHT, OUTPUT, SHOTS, WIDTH, _require_browser

APP = str(ROOT / "app.py")
EDITOR = "editor@qj.example"  # listed; the provider sends the address in other capitals
APPROVER = "approver@qj.example"  # listed; signed in by AppTest only
UNVERIFIED = "unverified@qj.example"  # listed, but the provider says the address is not confirmed
STRANGER = "stranger@qj.example"  # not listed, and the file says unlisted = "refuse"
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
"""
PROVIDER_USERS = (
    {"sub": EDITOR, "email": "Editor@QJ.example", "email_verified": True},
    {"sub": UNVERIFIED, "email": UNVERIFIED, "email_verified": False},
    {"sub": STRANGER, "email": STRANGER, "email_verified": True},
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


def trail(warehouse: Path, email: str) -> list[tuple[str, str, str | None, str | None, str]]:
    """(action, outcome, role, department, detail) of `email`'s audit rows, oldest first."""
    rows = audit.read(notes.store_path(warehouse))
    return [(r["action"], r["outcome"], r["role"], r["department"], r["detail"])
            for r in rows if (r["email"] or "").lower() == email.lower()]


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


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser (no cookies) that reaches the app and the provider only: the provider's
    pages ask a CDN for their style sheet, which a test does without."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost")
                  else route.abort())
    tab = context.new_page()
    yield tab
    context.close()


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

    page.get_by_role("button", name=T["signin.sign_out"]).click()
    # Streamlit ends the provider's session too (its end_session_endpoint), which asks first.
    page.wait_for_url(f"{office.provider}/oauth2/end_session**", timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{office.url}/", timeout=30_000)
    assert_sign_in_page_only(page)
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
    page.get_by_role("button", name=T["signin.sign_out"]).click()
    page.wait_for_url(f"{office.provider}/oauth2/end_session**", timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{office.url}/", timeout=30_000)
    assert_sign_in_page_only(page)
