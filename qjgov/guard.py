"""What the public and office settings close at the HTTP level, in the process that serves the app.

A hosted link (the public setting, see qjgov.settings) has no file uploader on any page, yet
Streamlit still takes `PUT /_stcore/upload_file/<session>/<file>` of up to
`server.maxUploadSize` (200 MB by default) from anyone who opened a session; it answers
`/_stcore/metrics` to anyone; and nothing stops another site from showing the app in a frame
under its own address. In the public setting `python -m qjgov.serve`:

- refuses the upload and metrics paths with 403 before a byte of the request body is read;
- sets `server.maxUploadSize` to PUBLIC_MAX_UPLOAD_MB, in case the path is ever reached, and
  `server.maxMessageSize` to PUBLIC_MAX_MESSAGE_MB (a websocket message either way);
- adds `Content-Security-Policy: frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`
  to every response, so browsers show the app in a frame only on its own site.

The front (qjgov.front) applies the same rules in nginx. In the local setting
(`QJGOV_MODE=local` or `QJGOV_LOCAL=1`) nothing here applies: the Data page's import panel
uploads through that same path.

The office setting (`QJGOV_MODE=office`, the commission's own server) keeps the metrics
closed, the frame headers and the message cap, and opens the upload path to one kind of
request only: one carrying the sign-in cookie Streamlit signed (`st.login()`) for a person
the access file lets import (a steward or an admin, qjgov.office.access). A request without
it, from a viewer or from anyone who opened the sign-in page, is refused as on a public link,
before its body is read, so only the people who may import can send the server a file;
uploads keep Streamlit's own `server.maxUploadSize` (200 MB unless set), as exports are
large. Whether the person may import is asked again where the import runs.

Streamlit builds its server's ASGI app in one function, which `install` wraps, so the server
`streamlit run app.py` starts is otherwise the same (pages, config, the app's own
st.navigation). `PublicGuard` is an ordinary ASGI middleware: a host that starts the app as
`st.App("app.py", middleware=[Middleware(PublicGuard)])` gets the same rules.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Matched anywhere in the path, so a `server.baseUrlPath` in front of them changes nothing.
CLOSED_PATHS = re.compile(r"(^|/)_stcore/(upload_file|metrics)(/|$)")
UPLOAD_PATH = re.compile(r"(^|/)_stcore/upload_file(/|$)")
METRICS_PATH = re.compile(r"(^|/)_stcore/metrics(/|$)")
FRAME_HEADERS = (
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
)
PUBLIC_MAX_UPLOAD_MB = 1
PUBLIC_MAX_MESSAGE_MB = 64  # the largest page message: a SQL answer is at most 16 MB of text
REFUSED_TEXT = b"Not served on this link.\n"


class PublicGuard:
    """An ASGI middleware: refuses CLOSED_PATHS, adds FRAME_HEADERS to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def refuses(self, scope: Scope) -> bool:
        """Whether this HTTP request is answered 403 without reaching the app."""
        return bool(CLOSED_PATHS.search(scope.get("path", "")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.refuses(scope):
            # Answered without reading the body: an upload of any size costs its headers only.
            await send({"type": "http.response.start", "status": 403, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(REFUSED_TEXT)).encode()),
                (b"connection", b"close"),
                *FRAME_HEADERS,
            ]})
            await send({"type": "http.response.body", "body": REFUSED_TEXT})
            return

        async def send_with_frame_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in FRAME_HEADERS}
                kept = [(name, value) for name, value in message.get("headers", []) if name.lower() not in names]
                message = {**message, "headers": [*kept, *FRAME_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_frame_headers)


class OfficeGuard(PublicGuard):
    """PublicGuard, except that an upload from a signed-in person the access file lets
    import reaches the app (see the module's docstring)."""

    def refuses(self, scope: Scope) -> bool:
        if UPLOAD_PATH.search(scope.get("path", "")):
            return not may_upload(scope)
        return super().refuses(scope)


def _cookie_reader() -> tuple[Any, Any, Any, str]:
    """What Streamlit reads its sign-in cookie with (not a public API: `install` checks it
    is still there before the office server starts)."""
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    return get_cookie_with_chunks, get_cookie_secret, decode_signed_value, USER_COOKIE_NAME


def signed_in(scope: Scope) -> tuple[str | None, Any]:
    """The e-mail and `email_verified` of the person whose sign-in cookie this request
    carries, read as Streamlit reads it for a session (signed with the server's
    `server.cookieSecret`, possibly in chunks); (None, None) without a valid one."""
    from starlette.requests import HTTPConnection

    get_cookie_with_chunks, get_cookie_secret, decode_signed_value, USER_COOKIE_NAME = _cookie_reader()
    cookies = HTTPConnection(scope).cookies
    secret = get_cookie_secret()

    def one(name: str) -> bytes | None:
        raw = cookies.get(name)
        # HTTP cookies are latin-1 text; the signed value is its bytes (as Streamlit reads it)
        return None if raw is None else decode_signed_value(secret, name, raw.encode("latin-1"))

    value = get_cookie_with_chunks(one, USER_COOKIE_NAME)
    if not value:
        return None, None
    try:
        payload = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, None
    if not isinstance(payload, dict) or payload.get("is_logged_in") is not True:
        return None, None
    return payload.get("email"), payload.get("email_verified")


def may_upload(scope: Scope) -> bool:
    """Whether this request comes from a signed-in person the access file lets import.
    Refused whenever that cannot be known (no cookie, a bad access file, anything else)."""
    from qjgov.office import access

    try:
        email, verified = signed_in(scope)
        person = access.current().person(email, verified)
        return person is not None and access.may(person, "import")
    except Exception:  # noqa: BLE001 - a guard that cannot decide refuses
        return False


def install(mode: str = "public") -> None:
    """Serve every app this process's Streamlit server builds behind PublicGuard (mode
    "public", uploads capped at PUBLIC_MAX_UPLOAD_MB unless the environment already sets a
    cap) or OfficeGuard (mode "office", Streamlit's own upload cap).

    Fails loudly when Streamlit no longer builds its server where this looks, or no longer
    reads its sign-in cookie where OfficeGuard does: a server must not start with these paths
    silently open, nor with stewards silently unable to upload.
    """
    if mode not in ("public", "office"):
        raise ValueError(f"the guard serves the public or the office setting, not {mode!r}")
    try:
        from streamlit.web.server.starlette import starlette_server

        build = starlette_server.create_starlette_app
    except (ImportError, AttributeError) as error:
        raise RuntimeError(
            "this Streamlit no longer builds its server with "
            "streamlit.web.server.starlette.starlette_server.create_starlette_app, so the public "
            f"setting cannot close uploads, metrics and framing (qjgov/guard.py): {error}"
        ) from error
    if mode == "office":
        try:
            _cookie_reader()
        except (ImportError, AttributeError) as error:
            raise RuntimeError(
                "this Streamlit no longer reads its sign-in cookie where qjgov/guard.py looks, so the "
                f"office setting cannot tell who uploads: {error}"
            ) from error
    else:
        os.environ.setdefault("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", str(PUBLIC_MAX_UPLOAD_MB))
    # A visitor's websocket message (widget state, a query) is bounded too: Streamlit's 200 MB
    # default applies to what a browser sends as well as to what it is sent.
    os.environ.setdefault("STREAMLIT_SERVER_MAX_MESSAGE_SIZE", str(PUBLIC_MAX_MESSAGE_MB))
    if getattr(build, "guarded", False):
        return
    guard = OfficeGuard if mode == "office" else PublicGuard

    def guarded(runtime: Any) -> PublicGuard:
        return guard(build(runtime))

    guarded.guarded = True  # type: ignore[attr-defined]
    guarded.mode = mode  # type: ignore[attr-defined]
    starlette_server.create_starlette_app = guarded
