"""Posting an alert to a chat group: one JSON POST to `QJGOV_WEBHOOK_URL`, in the form a
企业微信 (WeCom) group robot takes, `{"msgtype": "text", "text": {"content": "…"}}`, with
Python's own urllib (docs/deployment.md#digests-and-alerts).

A post the server does not take raises mail.DeliveryError, as a refused e-mail does, so the
outbox records it and the next run tries again: a refused connection, an HTTP error, or a
robot that answers HTTP 200 with an `errcode` other than 0 (WeCom reports a wrong key or its
limit of 20 messages a minute that way, not by the HTTP status).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

from qjgov.notify.mail import DeliveryError
from qjgov.settings import SettingError

URL = "QJGOV_WEBHOOK_URL"
TIMEOUT = 10  # seconds the server may take to answer before the post counts as failed
# WeCom refuses a text message over 2,048 bytes of UTF-8.
MAX_BYTES = 2048


def webhook_url(environ: dict[str, str] | None = None) -> str | None:
    """The webhook's address, None when it is not set; SettingError when it is not an http(s)
    address, before anything is posted."""
    env = os.environ if environ is None else environ
    url = env.get(URL, "").strip()
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingError(f"{URL}={url!r} is not an http(s) address, e.g. "
                           "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    return url


def clipped(text: str, limit: int = MAX_BYTES) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode("utf-8"))].decode("utf-8", errors="ignore") + "…"


def post(url: str, content: str) -> None:
    """Post `content` as one text message; DeliveryError when the server does not take it.
    The error names the server without the address's query, which holds the robot's key."""
    body = json.dumps({"msgtype": "text", "text": {"content": clipped(content)}}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    parts = urllib.parse.urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}{parts.path}"
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"{where}: HTTP {error.code} {error.reason}") from None
    except (OSError, ValueError) as error:  # URLError is an OSError; a timeout too
        raise DeliveryError(f"{where}: {type(error).__name__}: {error}") from None
    try:
        reply = json.loads(answer)
    except ValueError:
        return  # a server that answers 2xx without JSON took the post
    if isinstance(reply, dict) and reply.get("errcode", 0) != 0:
        raise DeliveryError(f"{where}: errcode {reply.get('errcode')}: {reply.get('errmsg', '')}")
