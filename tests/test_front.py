"""The front: `python -m qjgov.serve --replicas 2` behind Debian's nginx, in the public setting.

It serves the app's pages, its health check and a browser's whole session (the websocket, a
download) through one replica chosen by the sticky cookie, spreads new visitors over both
replicas, closes uploads, metrics and framing as each replica does, keeps serving when a
replica dies and stops nginx and every replica on SIGTERM. Without nginx (or, for the browser
test, Chromium) the tests are skipped, except under CI (CI=true), where they fail:
`.ci/install-front.sh` and `.ci/install-browser.sh` install them there.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from qjgov import front
from qjgov.bench import pageload
from qjgov.paths import ROOT

OUTPUT = ROOT / "test-output"
ACCESS_LINE = re.compile(r'"(?P<method>\S+) (?P<uri>\S+)" (?P<status>\d+) \d+ upstream=(?P<upstream>\S+) visitor=(?P<visitor>\S+)')


def _require(what: str, missing: list[str]) -> None:
    """Skip with the reason when something is missing, fail instead under CI."""
    if missing:
        message = "; ".join(missing) + f": run {what}"
        if os.environ.get("CI") == "true":
            pytest.fail("front test cannot run under CI: " + message)
        pytest.skip(message)


def require_nginx() -> None:
    try:
        front.nginx_binary()
    except SystemExit:
        _require("bash .ci/install-front.sh (Debian's nginx)", ["nginx is not installed"])


def require_browser() -> None:
    missing = [] if pageload.CHROMIUM.exists() else [f"{pageload.CHROMIUM} is missing"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package is not installed")
    _require("bash .ci/install-browser.sh", missing)


def get(url: str, cookie: str | None = None, method: str = "GET", data: bytes | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; an HTTP error is an answer like any other."""
    request = urllib.request.Request(url, method=method, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def visitor_cookie(headers) -> str:
    [cookie] = [value.split(";")[0] for value in headers.get_all("Set-Cookie") or [] if value.startswith(front.COOKIE + "=")]
    return cookie


def access_log(run_dir: Path, wanted=lambda lines: True, wait: float = 10) -> list[dict]:
    """The front's access log, read again until `wanted(lines)` holds (or `wait` seconds
    passed): nginx writes a request's line just after its answer, so a client can be quicker."""
    deadline = time.monotonic() + wait
    while True:
        lines = [m.groupdict() for m in ACCESS_LINE.finditer((run_dir / "access.log").read_text(encoding="utf-8"))]
        if wanted(lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@contextmanager
def serve_front(warehouse: Path, run_dir: Path, log_name: str, *extra: str, wait: float = 240) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m qjgov.serve [extra] --replicas 2` in the public setting against `warehouse`;
    yields its URL and process once the front answers its health check (nginx starts only
    after both replicas answer); stopped with SIGTERM after, as a service manager would."""
    port = front.free_port()
    env = {key: value for key, value in os.environ.items() if key != "QJGOV_LOCAL"}
    env["QJGOV_WAREHOUSE"] = str(warehouse)
    OUTPUT.mkdir(exist_ok=True)
    with (OUTPUT / log_name).open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "qjgov.serve", *extra, "--replicas", "2", "--port", str(port), "--server.address", "127.0.0.1",
             "--front-dir", str(run_dir), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + wait
            while True:
                if process.poll() is not None:
                    pytest.fail(f"the front exited with {process.returncode}; see {OUTPUT / log_name}")
                try:
                    if get(f"{url}/_stcore/health")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the front did not answer within {wait:.0f} s; see {OUTPUT / log_name}")
                time.sleep(0.2)
            yield url, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_nginx()
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp("front-warehouse")
    return build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=3000, log=lambda message: None)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("front-run")


@pytest.fixture(scope="module")
def front_url(warehouse: Path, run_dir: Path) -> Iterator[str]:
    with serve_front(warehouse, run_dir, "front.log") as (url, _):
        yield url


def test_the_front_serves_the_app_through_nginx(front_url: str) -> None:
    status, headers, body = get(f"{front_url}/")
    assert status == 200 and headers["Server"] == "nginx"
    assert b"<div id=\"root\"></div>" in body  # Streamlit's page
    assert visitor_cookie(headers)
    status, _, body = get(f"{front_url}/_stcore/health")
    assert (status, body) == (200, b"ok")


def test_one_visitor_stays_on_one_replica_and_new_visitors_spread_over_both(front_url: str, run_dir: Path) -> None:
    cookies = [visitor_cookie(get(f"{front_url}/_stcore/health")[1]) for _ in range(20)]
    assert len(set(cookies)) == 20
    for cookie in cookies[:3]:
        for _ in range(8):
            assert get(f"{front_url}/_stcore/health", cookie)[0] == 200
    replicas_of = defaultdict(set)
    visitors = {cookie.split("=", 1)[1] for cookie in cookies}
    for line in access_log(run_dir, lambda lines: sum(line["visitor"] in visitors for line in lines) >= 20 + 3 * 8):
        replicas_of[line["visitor"]].add(line["upstream"])
    # A first request is sent where its cookie will send the rest.
    for cookie in cookies[:3]:
        visitor = cookie.split("=", 1)[1]
        assert len(replicas_of[visitor]) == 1, replicas_of[visitor]
    # 20 new visitors all on one of 2 replicas by chance: 1 in 500,000.
    first_replicas = {next(iter(replicas_of[cookie.split("=", 1)[1]])) for cookie in cookies}
    assert len(first_replicas) == 2


def test_the_public_setting_is_closed_at_the_front_too(front_url: str, run_dir: Path) -> None:
    """Refused by nginx itself (no replica asked), as each replica's guard would."""
    for path in ("/_stcore/metrics", "/_stcore/upload_file/a-session/a-file"):
        status, headers, _ = get(f"{front_url}{path}", method="PUT" if "upload" in path else "GET", data=b"x" if "upload" in path else None)
        assert status == 403, path
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        [refused] = [line for line in access_log(run_dir, lambda lines: any(line["uri"] == path for line in lines))
                     if line["uri"] == path]
        assert (refused["status"], refused["upstream"]) == ("403", "-")
    # A body beyond the public bound is refused on its length, before it is read.
    status, _, _ = get(f"{front_url}/_stcore/upload_file/a/b", method="PUT", data=b"x" * (3 << 20))
    assert status in (403, 413)
    _, headers, _ = get(f"{front_url}/")
    assert headers.get_all("Content-Security-Policy") == ["frame-ancestors 'self'"]  # once: the replica's is replaced
    assert headers.get_all("X-Frame-Options") == ["SAMEORIGIN"]


def test_a_browser_session_its_websocket_and_a_download_stay_on_one_replica(front_url: str, run_dir: Path) -> None:
    """The overview and an area page load through the front (the session's websocket), the
    page's CSV download arrives (a file only the replica that drew the page holds), and every
    request of the browser reached one replica."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(pageload.CHROMIUM), args=pageload.CHROMIUM_ARGS)
        try:
            with pageload.fresh_tab(browser) as tab:
                pageload.load(tab, f"{front_url}/?lang=en")
                tab.get_by_role("link", name=re.compile("Reviews", re.I)).first.click()
                tab.wait_for_function(pageload.LOADED_JS, timeout=120_000, polling=100)
                button = tab.get_by_role("button", name=re.compile("Download CSV")).first
                with tab.expect_download(timeout=120_000) as info:
                    button.click()
                path = info.value.path()
                assert info.value.suggested_filename.endswith(".csv")
                assert Path(path).stat().st_size > 0
                [cookie] = [c["value"] for c in tab.context.cookies() if c["name"] == front.COOKIE]
        finally:
            browser.close()
    mine = [line for line in access_log(run_dir, lambda lines: any(line["visitor"] == cookie and line["uri"].startswith("/media/")
                                                                   for line in lines)) if line["visitor"] == cookie]
    assert any(line["uri"].endswith("/_stcore/stream") and line["status"] == "101" for line in mine)
    assert any(line["uri"].startswith("/media/") and line["status"] == "200" for line in mine)
    assert len({line["upstream"] for line in mine}) == 1, {line["upstream"] for line in mine}


def test_nginx_accepts_the_fronts_config_in_both_settings(tmp_path: Path) -> None:
    require_nginx()
    for public in (True, False):
        (tmp_path / "temp").mkdir(exist_ok=True)
        config = tmp_path / "nginx.conf"
        config.write_text(front.nginx_config(tmp_path, "127.0.0.1", front.free_port(), [front.free_port(), front.free_port()], public, 1))
        checked = subprocess.run([front.nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        assert ("location ~ (^|/)_stcore/(upload_file|metrics)(/|$)" in config.read_text()) is public


def test_a_replica_that_dies_is_reported_its_visitors_move_and_sigterm_stops_everything(warehouse: Path, tmp_path: Path) -> None:
    """Served from a one-line page, so two replicas start in seconds."""
    script = tmp_path / "tiny.py"
    script.write_text('import streamlit as st\n\nst.title("Tiny")\n', encoding="utf-8")
    with serve_front(warehouse, tmp_path / "run", "front-stop.log", str(script)) as (url, process):
        spawned = children(process.pid)
        assert len(spawned) == 3  # two replicas and nginx
        status, headers, _ = get(f"{url}/_stcore/health")
        cookie = visitor_cookie(headers)
        visitor = cookie.split("=", 1)[1]
        [replica] = {line["upstream"] for line in access_log(tmp_path / "run", lambda lines: any(line["visitor"] == visitor for line in lines))
                     if line["visitor"] == visitor}
        [pid] = [pid for pid in spawned if f"--server.port\0{replica.rsplit(':', 1)[1]}\0" in Path(f"/proc/{pid}/cmdline").read_text()]
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while "exited with -9" not in (OUTPUT / "front-stop.log").read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, "the front did not report the replica's death"
            time.sleep(0.2)
        assert get(f"{url}/_stcore/health", cookie)[0] == 200  # served by the other replica
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert not [pid for pid in spawned if alive(pid)]
    assert not (tmp_path / "run" / "nginx.pid").exists()
    assert "stopping the front and its replicas" in (OUTPUT / "front-stop.log").read_text(encoding="utf-8")


def test_without_nginx_the_front_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setattr(front.shutil, "which", lambda name: None)
    monkeypatch.setattr(front.os, "access", lambda path, mode: False)
    with pytest.raises(SystemExit, match=re.escape("bash .ci/install-front.sh")):
        front.run("app.py", 2, front.free_port(), [])
