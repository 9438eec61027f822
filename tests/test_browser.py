"""The real app in headless Chromium: every page in both languages, a goal followed from the
overview, a copied link reopened, and a full-page screenshot of each page.

Starts the app as `make run` does (`python -m qjgov.serve`) on a free local port against a
small demo warehouse and drives Debian's Chromium (/usr/bin/chromium, with fonts-noto-cjk for
the Chinese glyphs) through Playwright. Screenshots land in test-output/screenshots/<page>-<lang>.png. Without Chromium
the test is skipped, except under CI (CI=true), where it fails: `.ci/install-browser.sh`
installs it there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from qjgov.bench import pageload
from qjgov.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = ROOT / "test-output"
SHOTS = OUTPUT / "screenshots"
# url path -> name of the screenshot; "" is the overview (the default page)
PAGES = {
    "": "overview",
    "online": "online",
    "efficiency": "efficiency",
    "reviews": "reviews",
    "complaints": "complaints",
    "one-thing": "one-thing",
    "credit": "credit",
    "inclusive": "inclusive",
    "safeguards": "safeguards",
    "method": "method",
    "data": "data",
    "sql": "sql",
}
ALLOWED_LATIN = {"CSV", "Excel", "PDF", "HTML", "DuckDB", "METRICS", "md", "SQL", "APP", "WCAG", "AA", "seeds", "rules", "csv", "English"}
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
WIDTH, HEIGHT = 1440, 900

# Every text node of the main area and the sidebar (hidden tabs included), without table
# cells (item names are data and stay Chinese) and the office's commentary (free text, data too), the ligature names of Material icons and `code`
# (a command or setting to type) and what a reader types (the SQL editor).
VISIBLE_TEXT_JS = """
() => {
    const skipped = element => !element
        || element.closest('[data-testid="stDataFrame"], [data-testid="stIconMaterial"], style, script, code, textarea, .qj-user-text')
        || /Material/i.test(getComputedStyle(element).fontFamily);
    const texts = [];
    for (const selector of ['[data-testid="stMain"]', '[data-testid="stSidebar"]']) {
        const root = document.querySelector(selector);
        if (!root) continue;
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const text = walker.currentNode.textContent.trim();
            if (text && !skipped(walker.currentNode.parentElement)) texts.push(text);
        }
    }
    return texts.join('\\n');
}
"""


def _has_cjk_font() -> bool:
    if shutil.which("fc-list"):
        return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())
    return any(Path("/usr/share/fonts").rglob("*CJK*"))


def _require_browser() -> None:
    """Skip with the reason when there is no Chromium or CJK font, fail instead under CI."""
    reasons = []
    if not CHROMIUM.exists():
        reasons.append(f"{CHROMIUM} is missing")
    if not _has_cjk_font():
        reasons.append("no CJK font (Chinese would render as empty boxes)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("the playwright package is not installed")
    if reasons:
        message = "; ".join(reasons) + ": run .ci/install-browser.sh (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI") == "true":
            pytest.fail("browser test cannot run under CI: " + message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse for the browser tests."""
    _require_browser()
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp("browser-warehouse")
    return build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=3000, log=lambda message: None)


@contextmanager
def serve(warehouse: Path, log_name: str = "streamlit-server.log") -> Iterator[str]:
    """The app as `make run` serves it, on a free port against `warehouse`; yields its URL once healthy
    (the bench's server, its output in test-output/)."""
    try:
        with pageload.serve(warehouse, OUTPUT / log_name) as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def app_url(warehouse: Path) -> Iterator[str]:
    with serve(warehouse) as url:
        yield url


@pytest.fixture(scope="module")
def browser(app_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


def settle(page: object) -> None:
    """Wait until the script run is over and the charts are drawn."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    # the sidebar's controls too: a deep link's first run shows the page, its rerun the frame
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stSelectbox"]', state="attached", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(c => c.offsetParent === null || c.querySelector('canvas, svg'))",
        timeout=30_000,
    )
    page.wait_for_timeout(700)


def open_page(page: object, url: str) -> None:
    page.goto(url)
    settle(page)


def errors(page: object) -> list[str]:
    return page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').all_inner_texts()


def untranslated(text: str, lang: str) -> list[str]:
    if lang == "zh":
        return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_LATIN})
    return sorted({line.strip() for line in text.splitlines() if CJK.search(line) and line.strip() != "中文"})


def full_page_screenshot(page: object, path: Path, width: int = WIDTH, height: int = HEIGHT) -> None:
    """Streamlit scrolls inside its own container, so grow the window to the content first."""
    full = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stSidebarContent\"]')]"
        ".map(e => e.scrollHeight), 0)"
    )
    page.set_viewport_size({"width": width, "height": max(height, int(full) + 40)})
    page.wait_for_timeout(600)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": height})


def query(page: object) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlparse(page.url).query).items()}


def selected_tab(page: object) -> str:
    return page.locator('[data-testid="stTabs"] [role="tab"][aria-selected="true"]').first.inner_text().strip()


# --------------------------------------------------------------------------- tests


def test_deep_link_on_a_fresh_server_gets_the_whole_app(app_url: str, page: object) -> None:
    """The first request after a start is a deep link: the page still comes with the sidebar,
    the page list and its URL state (not Streamlit's bare pages/ folder mode)."""
    open_page(page, f"{app_url}/reviews?lang=en&goal=G10")
    assert not errors(page)
    assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() == 2
    assert page.get_by_role("link", name="Method").count() == 1
    assert selected_tab(page).startswith("G10 ")
    assert query(page)["lang"] == "en" and "as_of" in query(page)


def test_a_deep_link_as_a_hosted_demos_first_request_builds_the_warehouse(
    warehouse: Path, browser: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A shared link opened when the hosted demo has just (re)started with no warehouse: the
    page builds the demo warehouse as the overview would (not a crash that lasts until someone
    opens /), then shows the goal it links to."""
    shutil.copytree(warehouse.parent / "raw", tmp_path / "raw")  # demo data already generated: only the build runs
    monkeypatch.setenv("QJGOV_DATA", str(tmp_path))
    missing = tmp_path / "warehouse.duckdb"
    with serve(missing, "streamlit-first-deep-link.log") as url:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-US")
        tab = context.new_page()
        try:
            tab.goto(f"{url}/reviews?lang=en&goal=G09", wait_until="commit")
            tab.wait_for_function(pageload.LOADED_JS, timeout=120_000)
            assert missing.exists()
            assert not errors(tab)
            assert selected_tab(tab).startswith("G09 ")
            assert tab.get_by_role("link", name="Method").count() == 1
        finally:
            context.close()


def test_an_import_in_the_app_says_what_it_did_after_the_rebuild(
    warehouse: Path, browser: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On an analyst's machine (QJGOV_LOCAL=1): an export with a good and a bad row shows the
    bad row's reason before anything is written; Import and rebuild lands the good row and,
    once the page has rerun on the new build, says how many rows were imported and where the
    refused one is kept, with the uploader empty again (not the same files re-checked as
    duplicates, which read as if nothing was imported)."""
    from test_importer import case, write_csv

    shutil.copytree(warehouse.parent / "raw", tmp_path / "raw")
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    export = write_csv(tmp_path / "cases-export.csv", "cases", [
        case(case_id="QJ-NEW-0001"), case(case_id="QJ-NEW-0002", accepted_at="2021-02-30 10:00:00"),
    ])
    monkeypatch.setenv("QJGOV_DATA", str(tmp_path))
    monkeypatch.setenv("QJGOV_LOCAL", "1")
    with serve(tmp_path / "warehouse.duckdb", "streamlit-import.log") as url:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-US")
        tab = context.new_page()
        try:
            open_page(tab, f"{url}/data?lang=en")
            tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(export))
            refused = tab.get_by_text("cases-export.csv: refused rows 1")
            refused.wait_for(timeout=60_000)
            refused.click()
            tab.get_by_text("cannot be read").first.wait_for(state="attached", timeout=10_000)  # a grid cell (drawn on a canvas)
            assert not (tmp_path / "quarantine").exists()
            tab.get_by_role("button", name="Import and rebuild").click()
            tab.get_by_text("1 row imported; the warehouse is rebuilt.").wait_for(timeout=120_000)
            tab.get_by_text("cases-export.csv: its refused rows (1) are kept in").wait_for(timeout=10_000)
            assert not errors(tab)
            # only in the message (its name as text, in a code span): no file in the uploader
            assert tab.locator('[data-testid="stAlert"] code', has_text=re.compile(r"^cases-export\.csv$")).count() == 1
            assert tab.locator('[data-testid="stFileUploader"]').get_by_text("cases-export.csv", exact=False).count() == 0
            assert tab.get_by_role("button", name="Import and rebuild").count() == 0
            (quarantine,) = (tmp_path / "quarantine" / "cases").glob("*.csv")
            assert "QJ-NEW-0002" in quarantine.read_text(encoding="utf-8-sig")
        finally:
            context.close()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from raw.cases where case_id like 'QJ-NEW-%'").fetchall() == [(1,)]


# Every link text the sidebar holds, and whether Streamlit's own page list or a "Page not found"
# shows anywhere, read in the browser.
SIDEBAR_SAMPLE_JS = """
() => ({
    links: [...document.querySelectorAll('[data-testid="stSidebar"] a')].map(a => a.innerText.trim().split('\\n').pop().trim()).filter(Boolean),
    builtIn: document.querySelectorAll('[data-testid="stSidebarNav"], [data-testid="stSidebarNavItems"]').length,
    notFound: /Page not found/i.test(document.body ? document.body.innerText : ''),
})
"""


def own_page_titles() -> set[str]:
    """The titles the app gives its pages, in both languages (words and the areas seed)."""
    import tomllib

    titles: set[str] = set()
    for lang in ("zh", "en"):
        nav = tomllib.loads((ROOT / "qjgov" / "present" / f"{lang}.toml").read_text(encoding="utf-8"))["nav"]
        titles |= {title for key, title in nav.items() if not key.startswith("section.")}
    for line in (ROOT / "seeds" / "areas.csv").read_text(encoding="utf-8").splitlines()[1:]:
        titles |= set(line.split(",")[1:3])
    return titles


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p or "overview")
def test_a_fresh_server_never_shows_a_page_list_the_app_did_not_mean(warehouse: Path, browser: object, path: str) -> None:
    """The very first request after a start is this page's deep link; the sidebar, sampled
    every 100 ms until the links have shown for 5 s, only ever holds the app's own page links: never the pages/
    folder's file names (one_thing, overview, …) and never "Page not found"."""
    allowed = own_page_titles()
    with serve(warehouse, "streamlit-fresh-server.log") as url:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
        tab = context.new_page()
        try:
            tab.goto(f"{url}/{path}?lang=zh", wait_until="commit")
            seen: set[str] = set()
            problems: list[str] = []
            # Sampled from the first byte until the links have shown for 5 s (at most 60 s: a
            # first run on a loaded machine can take a while).
            since_links, started = None, time.monotonic()
            while time.monotonic() - started < 60 and (since_links is None or time.monotonic() - since_links < 5):
                sample = tab.evaluate(SIDEBAR_SAMPLE_JS)
                seen |= set(sample["links"])
                if sample["builtIn"]:
                    problems.append("Streamlit's own page list is shown")
                if sample["notFound"]:
                    problems.append("Page not found")
                if since_links is None and len(seen) >= 10:
                    since_links = time.monotonic()
                tab.wait_for_timeout(100)
            stray = sorted(text for text in seen if text not in allowed)
            assert not stray and not problems, (stray, sorted(set(problems)))
            assert len(seen) >= 10, f"the app's page links never appeared: {sorted(seen)}"
        finally:
            context.close()


def test_the_overview_is_served_at_overview_too_even_as_a_fresh_servers_first_request(warehouse: Path, browser: object) -> None:
    """/overview, a path a reader may type or be sent, shows the overview with its URL state,
    also as the very first request after a start (when the page file runs alone first:
    state.page_state); / still shows it."""
    with serve(warehouse, "streamlit-overview-path.log") as url:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN")
        tab = context.new_page()
        try:
            for path in ("overview?lang=en&as_of=2021-06-30&dept=妇幼健康科", "?lang=en&as_of=2021-06-30&dept=妇幼健康科"):
                open_page(tab, f"{url}/{path}")
                assert not re.search("Page not found", tab.locator("body").inner_text(), re.I), path
                assert tab.locator("h1").first.inner_text().strip() == "2021 government-service goals at a glance", path
                assert "As of 2021-06-30 · Maternal and Child Health Section" in tab.locator('[data-testid="stMain"]').inner_text(), path
                assert tab.locator('.st-key-qj_scorecard_table [data-testid="stDataFrame"]').is_visible(), path
                assert query(tab) == {"as_of": "2021-06-30", "dept": "妇幼健康科", "lang": "en"}, path
                assert not errors(tab), path
        finally:
            context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_in_both_languages(app_url: str, page: object, lang: str) -> None:
    found: list[str] = []
    for path, name in PAGES.items():
        open_page(page, f"{app_url}/{path}?lang={lang}")
        found += [f"{name}: error {text!r}" for text in errors(page)]
        found += [f"{name}: untranslated {word!r}" for word in untranslated(page.evaluate(VISIBLE_TEXT_JS), lang)]
        if query(page).get("lang") != lang:
            found.append(f"{name}: the URL lost the language: {page.url}")
        full_page_screenshot(page, SHOTS / f"{name}-{lang}.png")
    assert not found, "\n".join(found)


# A crafted link puts Markdown in the name of a table that does not exist (the error repeats
# it) or in an error the query raises itself: a link, an image that calls home, HTML, colour.
CRAFTED = "[Session expired, sign in again](https://evil.example/login) ![t](https://evil.example/p.png) <b>bold</b> :red[red] www.evil.example"


@pytest.mark.parametrize("sql", [f'select * from "{CRAFTED}"', f"select error('{CRAFTED}')", f'select 1 as "{CRAFTED}"'])
def test_a_crafted_sql_link_shows_text_only(app_url: str, page: object, sql: str) -> None:
    from urllib.parse import quote

    open_page(page, f"{app_url}/sql?lang=en&q={quote(sql)}")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stAlert\"]') || document.querySelector('[data-testid=\"stDataFrame\"] canvas')",
        timeout=30_000,
    )
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('a[href*="evil.example"]').count() == 0
    assert main.locator('img[src*="evil.example"]').count() == 0
    assert main.locator('[data-testid="stAlert"] b, [data-testid="stAlert"] span[style*="color"]').count() == 0
    if "1 as" not in sql:  # the error names the table or repeats the message, as text
        alert = main.locator('[data-testid="stAlert"]').first.inner_text()
        assert "[Session expired, sign in again](https://evil.example/login)" in alert, alert
        assert "<b>bold</b>" in alert and ":red[red]" in alert


def test_a_goal_link_on_the_overview_opens_the_goal(app_url: str, page: object) -> None:
    open_page(page, f"{app_url}/?lang=zh")
    page.get_by_role("link", name=re.compile(r"G09 ")).click()
    page.wait_for_url(re.compile(r"/reviews\?"))
    settle(page)
    assert query(page)["goal"] == "G09"
    assert selected_tab(page).startswith("G09 ")
    assert page.locator("h3", has_text="G09 ·").first.is_visible()
    assert not errors(page)


def test_a_scorecard_row_click_opens_the_goal(app_url: str, page: object) -> None:
    """Clicking a row's selection box in the scorecard goes to the goal's page, same language."""
    open_page(page, f"{app_url}/?lang=en")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    header, row_height = 38, 66  # qjgov/app/overview.py: rows tall enough for two lines of a name
    page.mouse.click(box["x"] + 18, box["y"] + header + row_height * 2 + row_height / 2)  # third goal: G03
    page.wait_for_url(re.compile(r"/complaints\?"))
    settle(page)
    assert query(page)["goal"] == "G03" and query(page)["lang"] == "en"
    assert page.locator("h1").first.inner_text().strip() == "Complaints"


def test_a_copied_url_reopens_the_same_state(app_url: str, page: object, browser: object) -> None:
    open_page(page, f"{app_url}/?lang=zh")
    sidebar = page.locator('[data-testid="stSidebar"]')
    # the first as-of date, a department, English: all through the sidebar
    sidebar.locator('[data-testid="stSelectbox"]').nth(0).click()
    page.get_by_role("option").first.click()
    settle(page)
    first_date = query(page)["as_of"]
    sidebar.locator('[data-testid="stSelectbox"]').nth(1).click()
    page.get_by_role("option", name="妇幼健康科").click()
    settle(page)
    sidebar.get_by_text("English", exact=True).click()
    settle(page)
    # then a page in the sidebar navigation (which drops the query string) and a goal tab
    sidebar.get_by_role("link", name="Reviews").click()
    page.wait_for_url(re.compile(r"/reviews"))
    settle(page)
    page.get_by_role("tab", name=re.compile(r"^G10 ")).click()
    settle(page)
    state = query(page)
    assert state == {"as_of": first_date, "dept": "妇幼健康科", "lang": "en", "goal": "G10"}, page.url
    copied = page.url

    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    fresh = context.new_page()
    try:
        open_page(fresh, copied)
        assert query(fresh) == state
        assert fresh.locator("h1").first.inner_text().strip() == "Reviews"
        assert f"As of {first_date} · Maternal and Child Health Section" in fresh.locator('[data-testid="stMain"]').inner_text()
        assert selected_tab(fresh).startswith("G10 ")
        boxes = fresh.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input')
        assert [boxes.nth(0).input_value(), boxes.nth(1).input_value()] == [first_date, "Maternal and Child Health Section"]
        assert fresh.get_by_role("radio", name="English").is_checked()
        assert not errors(fresh)
    finally:
        context.close()


def test_chinese_characters_have_glyphs(app_url: str, page: object) -> None:
    """Without a CJK font Chromium draws every Chinese character as the same empty box (the
    "missing glyph"), so 差 would look exactly like an unassigned code point. Look at the
    screenshots yourself as well."""
    open_page(page, f"{app_url}/?lang=zh")
    same_as_missing = page.evaluate(
        """() => {
            const font = getComputedStyle(document.querySelector('[data-testid="stMain"] h1')).fontFamily;
            const draw = text => {
                const canvas = document.createElement('canvas');
                canvas.width = 64; canvas.height = 64;
                const context = canvas.getContext('2d');
                context.font = `48px ${font}`;
                context.fillText(text, 4, 52);
                return Array.from(context.getImageData(0, 0, 64, 64).data).join(',');
            };
            return ['差', '率', '办'].map(ch => draw(ch) === draw(String.fromCodePoint(0x10FFFD)));
        }"""
    )
    assert same_as_missing == [False, False, False]


# --------------------------------------------------------------------------- desk and phone


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_scorecard_fits_a_1400_px_screen_and_any_cell_opens_the_goal(browser: object, app_url: str, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        open_page(page, f"{app_url}/?lang={lang}&as_of=2021-06-30")
        grid = page.locator('.st-key-qj_scorecard_table [data-testid="stDataFrame"]')
        assert grid.is_visible()
        assert not page.locator(".st-key-qj_scorecard_cards").is_visible()
        # No column is cut or hidden: the grid needs no sideways scrolling.
        scroll, client = grid.locator(".dvn-scroller").first.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll <= client + 1, (scroll, client)
        full_page_screenshot(page, SHOTS / f"overview-1400-{lang}.png", 1400, 900)
        # A click on the name of the fifth goal (not on the row's box) opens G05.
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 180, box["y"] + 38 + 66 * 4 + 33)
        page.wait_for_url(re.compile(r"/efficiency\?"))
        settle(page)
        assert query(page)["goal"] == "G05" and query(page)["lang"] == lang
    finally:
        context.close()


# For each scorecard column, measured in the grid's own fonts (its CSS variables): the header's
# width, and the widest run of a cell that must stay on one line, with the leading space the
# grid's wrapping keeps on a continued line: an English word, or a number with its unit.
SCORECARD_RUNS_JS = """
() => {
    const grid = document.querySelector('.st-key-qj_scorecard_table [data-testid="stDataFrame"]');
    const themed = [grid, ...grid.querySelectorAll('*')].find(e => getComputedStyle(e).getPropertyValue('--gdg-font-family'));
    const style = getComputedStyle(themed), css = name => style.getPropertyValue(name).trim();
    const context = document.createElement('canvas').getContext('2d');
    const width = (text, font) => { context.font = `${css(font)} ${css('--gdg-font-family')}`; return context.measureText(text).width; };
    const unit = /(^| )[<>=≥≤]?[\\u00a0 ]?\\d[\\d.,]*[\\u00a0 ](%|pp|trips|个百分点|次)/g;
    const headers = [...grid.querySelectorAll('th')].map(th => th.innerText.trim());
    const rows = [...grid.querySelectorAll('tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText));
    return {
        padding: parseFloat(css('--gdg-cell-horizontal-padding')),
        columns: headers.map((header, index) => {
            const runs = [];
            for (const row of rows) {
                for (const line of (row[index] || '').split('\\n')) {
                    if (!/[\\u2e80-\\u9fff]/.test(line)) line.split(' ').forEach((word, at) => runs.push(at ? ' ' + word : word));
                    for (const match of line.matchAll(unit)) runs.push(match[0]);
                }
            }
            const widest = runs.map(run => [width(run, '--gdg-base-font-style'), run]).sort((a, b) => b[0] - a[0])[0] || [0, ''];
            return {header, header_width: width(header, '--gdg-header-font-style'), run: widest[1], run_width: widest[0]};
        }),
    };
}
"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_scorecard_shows_every_header_whole_and_breaks_lines_only_between_words(browser: object, app_url: str, lang: str) -> None:
    """At 1,400 px each column is as wide as its header ("目前达标", "Met today") and as its
    widest unbreakable run: an English word ("Administration" in a department's name,
    "complaints") or a value with its unit ("6.8 个百分点"), which the grid would otherwise
    break inside. The cells come from the grid's own accessible table, all 21 rows."""
    from qjgov.app.overview import SCORECARD_WIDTHS

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        open_page(page, f"{app_url}/?lang={lang}&as_of=2021-06-30")
        page.wait_for_function(  # the grid's accessible table, drawn with the canvas
            "() => document.querySelectorAll('.st-key-qj_scorecard_table tbody tr').length === 21", timeout=30_000
        )
        measured = page.evaluate(SCORECARD_RUNS_JS)
        padding, columns = measured["padding"], measured["columns"]
        assert len(columns) == len(SCORECARD_WIDTHS[lang])
        too_narrow = []
        for (key, width), column in zip(SCORECARD_WIDTHS[lang].items(), columns):
            if column["header_width"] + padding + 4 > width:  # drawn from the padding, a few px to spare
                too_narrow.append((key, column["header"], round(column["header_width"]), width))
            if key != "trend" and column["run_width"] + 2 * padding > width:
                too_narrow.append((key, column["run"], round(column["run_width"]), width))
        assert not too_narrow, too_narrow
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_phone_shows_each_goal_as_a_card_with_status_actual_and_target(browser: object, app_url: str, lang: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        open_page(page, f"{app_url}/?lang={lang}&as_of=2021-06-30")
        assert not page.locator(".st-key-qj_scorecard_table").is_visible()
        cards = page.locator(".qj-card")
        assert cards.count() == 21
        actual, target = ("实际", "目标值") if lang == "zh" else ("Actual", "Target")
        for index in range(cards.count()):
            card = cards.nth(index)
            text = card.inner_text()
            assert card.locator(".qj-badge").count() == 1 and actual in text and target in text, text
            card_box = card.bounding_box()
            assert card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= 390, card_box
        full_page_screenshot(page, SHOTS / f"overview-390-{lang}.png", 390, 844)
        cards.nth(8).click()  # G09
        page.wait_for_url(re.compile(r"/reviews\?"))
        settle(page)
        assert query(page)["goal"] == "G09"
        full_page_screenshot(page, SHOTS / f"reviews-390-{lang}.png", 390, 844)
    finally:
        context.close()


def test_an_english_browser_opens_the_app_in_english(browser: object, app_url: str) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-US")
    page = context.new_page()
    try:
        open_page(page, app_url)
        assert page.locator("h1").first.inner_text().strip() == "2021 government-service goals at a glance"
        assert query(page).get("lang") == "en"
        # The language switch is the first thing in the sidebar.
        first = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"], [data-testid="stSidebar"] a').first
        assert "English" in first.inner_text()
        assert page.locator(".qj-demo-notice").first.inner_text().strip() == "Demo data (generated)"
    finally:
        context.close()


def test_the_monthly_report_downloads_from_the_overview(app_url: str, page: object) -> None:
    """The overview's PDF button hands over the report for the chosen date and language: a
    PDF (kept in test-output/) whose text holds the date and the goals."""
    open_page(page, f"{app_url}/?lang=en")
    as_of = query(page)["as_of"]
    button = page.get_by_role("button", name=re.compile(r"Download the monthly report \(PDF\)"))
    assert button.count() == 1
    with page.expect_download(timeout=180_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"qjgov-report-{as_of}-en.pdf"
    target = OUTPUT / download.suggested_filename
    download.save_as(str(target))
    content = target.read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 20_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
        assert as_of in text and "Monthly progress report" in text and "G21" in text
    assert not errors(page)


@pytest.mark.parametrize("name", list(pageload.FLOOR_APPS))
def test_the_bench_floor_pages_are_served_as_the_app_and_count_as_loaded(
    warehouse: Path, browser: object, tmp_path: Path, name: str
) -> None:
    """The pages `make bench` sets a browser's first visit against (pageload.FLOOR_APPS) are
    served as the app is (through qjgov.serve, its libraries imported first), pass the same
    loaded test as the app's pages, and the table floor draws its grid."""
    log = OUTPUT / f"streamlit-floor-{name}.log"
    try:
        with pageload.serve(warehouse, log, script=pageload.floor_script(name, tmp_path)) as url, pageload.fresh_tab(browser) as tab:
            pageload.load(tab, url)
            assert not errors(tab)
            assert tab.locator('[data-testid="stMain"] h1').inner_text() == "Floor"
            grids = tab.locator('[data-testid="stDataFrame"] canvas').count()
            assert grids > 0 if name == "table" else grids == 0
    except RuntimeError as error:
        pytest.fail(str(error))
    assert "imported in" in log.read_text(encoding="utf-8")  # qjgov.serve's head start, as the app's
