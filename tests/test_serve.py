"""`python -m qjgov.serve` (what `make run` runs): the app's libraries imported before the
server starts, every option passed on to `streamlit run app.py`. The browser tests start the
app through it (`qjgov.bench.pageload.serve`)."""

from __future__ import annotations

import ast
import asyncio
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qjgov import front, guard, serve
from qjgov.bench import pageload
from qjgov.paths import ROOT

APP_FILES = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "qjgov" / "app").rglob("*.py")]


def top_level_libraries(path: Path) -> set[str]:
    """The third-party packages a file imports at its top (not those a function imports when
    called, as a download does)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in ("__future__", "qjgov", "streamlit")}


def test_every_library_a_page_imports_is_imported_before_the_first_visitor():
    imported = set().union(*(top_level_libraries(path) for path in APP_FILES))
    assert {"polars", "duckdb", "altair"} <= imported  # the walk sees the app's imports
    assert imported <= set(serve.PRELOADED), f"add {sorted(imported - set(serve.PRELOADED))} to qjgov.serve.PRELOADED"
    # …and what Streamlit imports for the first data frame it shows.
    assert {"pandas", "pyarrow"} <= set(serve.PRELOADED)


def test_serve_imports_first_then_runs_the_app_with_the_options_given(monkeypatch):
    from streamlit.web import cli

    calls = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: calls.append((args, prog_name, set(sys.modules))))
    monkeypatch.setattr(serve, "PRELOADED", ("colorsys",))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    serve.main(["--server.port", "8642", "--server.headless", "true"])
    [(args, prog_name, loaded)] = calls
    assert args == ["run", str(ROOT / "app.py"), "--server.port", "8642", "--server.headless", "true"]
    assert prog_name == "streamlit"
    assert "colorsys" in loaded


def test_serve_runs_a_script_named_first_with_the_same_head_start(monkeypatch, tmp_path):
    from streamlit.web import cli

    calls = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: calls.append((args, set(sys.modules))))
    monkeypatch.setattr(serve, "PRELOADED", ("colorsys",))
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    script = str(tmp_path / "floor.py")
    serve.main([script, "--server.port", "8642"])
    [(args, loaded)] = calls
    assert args == ["run", script, "--server.port", "8642"]
    assert "colorsys" in loaded



# What the public setting closes (qjgov.guard) and the front's command line (qjgov.front).


@pytest.fixture(autouse=True)
def public_setting(monkeypatch):
    """The public setting, with what serve.main installs in this process undone after."""
    from streamlit.web.server.starlette import starlette_server

    monkeypatch.setattr(starlette_server, "create_starlette_app", starlette_server.create_starlette_app)
    # set, then removed: monkeypatch then restores the environment as it was, even when the
    # variable was absent and serve.main sets it
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "0")
    monkeypatch.delenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_MESSAGE_SIZE", "0")
    monkeypatch.delenv("STREAMLIT_SERVER_MAX_MESSAGE_SIZE")
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)


@pytest.mark.parametrize("local", [False, True])
def test_the_public_setting_guards_the_server_streamlit_builds(monkeypatch, local):
    from streamlit.web import cli
    from streamlit.web.server.starlette import starlette_server

    if local:
        monkeypatch.setenv("QJGOV_LOCAL", "1")
    monkeypatch.setattr(cli, "main", lambda args, prog_name: None)
    monkeypatch.setattr(serve, "PRELOADED", ())
    serve.main(["--server.port", "8642"])
    assert getattr(starlette_server.create_starlette_app, "guarded", False) is not local
    assert os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE") == (None if local else str(guard.PUBLIC_MAX_UPLOAD_MB))


def asgi_call(path: str, scope_type: str = "http") -> tuple[list[dict], bool]:
    """The messages PublicGuard sends for a request to `path` in front of an app that answers
    200, and whether the app read the request's body."""
    read = []

    async def app(scope, receive, send):
        await receive()
        read.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"DENY")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        return {"type": "http.request", "body": b"x" * 1000, "more_body": False}

    sent = []

    async def send(message):
        sent.append(message)

    asyncio.run(guard.PublicGuard(app)({"type": scope_type, "path": path}, receive, send))
    return sent, bool(read)


@pytest.mark.parametrize("path", ["/_stcore/upload_file/s/f", "/_stcore/upload_file", "/_stcore/metrics", "/_stcore/metrics/",
                                  "/base/_stcore/metrics", "/base/_stcore/upload_file/s/f"])
def test_the_guard_refuses_uploads_and_metrics_without_reading_the_body(path):
    sent, read = asgi_call(path)
    assert sent[0]["status"] == 403 and not read
    assert dict(sent[0]["headers"])[b"x-frame-options"] == b"SAMEORIGIN"


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/media/abc.csv", "/reviews", "/_stcore/metricsx", "/upload_file/x"])
def test_the_guard_passes_the_rest_on_with_the_frame_headers(path):
    sent, read = asgi_call(path)
    assert sent[0]["status"] == 200 and read
    headers = sent[0]["headers"]
    assert headers.count((b"x-frame-options", b"SAMEORIGIN")) == 1 and (b"x-frame-options", b"DENY") not in headers
    assert (b"content-security-policy", b"frame-ancestors 'self'") in headers


def http(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize("local", [False, True])
def test_a_served_app_closes_uploads_metrics_and_framing_in_the_public_setting_only(monkeypatch, tmp_path, local):
    """The real server `make run` starts: in public, an upload (of any size) and the metrics
    are refused by the guard and every answer forbids framing by other sites; locally they
    reach Streamlit (which answers a made-up session itself, and the import panel's uploads)."""
    if local:
        monkeypatch.setenv("QJGOV_LOCAL", "1")
    with pageload.serve(tmp_path / "warehouse.duckdb", tmp_path / "server.log") as url:
        upload = http(f"{url}/_stcore/upload_file/a-session/a-file", "PUT", b"x" * 1000)
        metrics = http(f"{url}/_stcore/metrics")
        page = http(f"{url}/")
        if not local:  # 5 MB: refused on its headers; the server closes while the client still sends
            try:
                assert http(f"{url}/_stcore/upload_file/a-session/a-file", "PUT", b"x" * (5 << 20))[0] == 403
            except urllib.error.URLError as error:
                assert isinstance(error.reason, ConnectionResetError | BrokenPipeError), error
    if local:
        assert upload[2] != guard.REFUSED_TEXT and metrics[0] == 200
        assert "X-Frame-Options" not in page[1]
    else:
        assert (upload[0], upload[2]) == (403, guard.REFUSED_TEXT)
        assert (metrics[0], metrics[2]) == (403, guard.REFUSED_TEXT)
        assert page[0] == 200 and page[1]["X-Frame-Options"] == "SAMEORIGIN"
        assert page[1]["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_replicas_and_port_start_the_front_and_one_replica_stays_one_process(monkeypatch):
    from streamlit.web import cli

    calls = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: calls.append(("streamlit", args)))
    monkeypatch.setattr(front, "run", lambda *args: calls.append(("front", args)) or 0)
    monkeypatch.setattr(serve, "PRELOADED", ())
    serve.main(["--replicas", "1", "--port", "8642", "--server.headless", "true"])
    assert calls.pop() == ("streamlit", ["run", str(ROOT / "app.py"), "--server.headless", "true", "--server.port", "8642"])
    with pytest.raises(SystemExit) as stopped:
        serve.main(["--replicas", "2", "--port", "9000", "--server.headless", "true"])
    assert stopped.value.code == 0
    assert calls.pop() == ("front", (str(ROOT / "app.py"), 2, 9000, ["--server.headless", "true"], None))
    with pytest.raises(SystemExit):
        serve.main(["floor.py", "--replicas", "3", "--server.port", "9001"])
    assert calls.pop() == ("front", ("floor.py", 3, 9001, [], None))
    for wrong in (["--replicas", "0"], ["--port", "70000"], ["--replicas", "two"]):
        with pytest.raises(SystemExit):
            serve.main(wrong)
    assert not calls
