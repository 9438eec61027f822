"""What the public setting closes at the HTTP level, in the process that serves the app.

A hosted link (no `QJGOV_LOCAL=1`, see qjgov.settings) has no file uploader on any page, yet
Streamlit still takes `PUT /_stcore/upload_file/<session>/<file>` of up to
`server.maxUploadSize` (200 MB by default) from anyone who opened a session; it answers
`/_stcore/metrics` to anyone; and nothing stops another site from showing the app in a frame
under its own address. In the public setting `python -m qjgov.serve`:

- refuses the upload and metrics paths with 403 before a byte of the request body is read;
- sets `server.maxUploadSize` to PUBLIC_MAX_UPLOAD_MB, in case the path is ever reached, and
  `server.maxMessageSize` to PUBLIC_MAX_MESSAGE_MB (a websocket message either way);
- adds `Content-Security-Policy: frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`
  to every response, so browsers show the app in a frame only on its own site.

The front (qjgov.front) applies the same rules in nginx. With `QJGOV_LOCAL=1` nothing here
applies: the Data page's import panel uploads through that same path.

Streamlit builds its server's ASGI app in one function, which `install` wraps, so the server
`streamlit run app.py` starts is otherwise the same (pages, config, the app's own
st.navigation). `PublicGuard` is an ordinary ASGI middleware: a host that starts the app as
`st.App("app.py", middleware=[Middleware(PublicGuard)])` gets the same rules.
"""

from __future__ import annotations

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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if CLOSED_PATHS.search(scope.get("path", "")):
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


def install() -> None:
    """Serve every app this process's Streamlit server builds behind PublicGuard, with
    uploads capped at PUBLIC_MAX_UPLOAD_MB (unless the environment already sets a cap).

    Fails loudly when Streamlit no longer builds its server where this looks: a public link
    must not start with these paths silently open.
    """
    try:
        from streamlit.web.server.starlette import starlette_server

        build = starlette_server.create_starlette_app
    except (ImportError, AttributeError) as error:
        raise RuntimeError(
            "this Streamlit no longer builds its server with "
            "streamlit.web.server.starlette.starlette_server.create_starlette_app, so the public "
            f"setting cannot close uploads, metrics and framing (qjgov/guard.py): {error}"
        ) from error
    os.environ.setdefault("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", str(PUBLIC_MAX_UPLOAD_MB))
    # A visitor's websocket message (widget state, a query) is bounded too: Streamlit's 200 MB
    # default applies to what a browser sends as well as to what it is sent.
    os.environ.setdefault("STREAMLIT_SERVER_MAX_MESSAGE_SIZE", str(PUBLIC_MAX_MESSAGE_MB))
    if getattr(build, "guarded", False):
        return

    def guarded(runtime: Any) -> PublicGuard:
        return PublicGuard(build(runtime))

    guarded.guarded = True  # type: ignore[attr-defined]
    starlette_server.create_starlette_app = guarded
