"""Sending e-mail through the office's SMTP server, configured by QJGOV_SMTP_* (Python's own
smtplib; docs/deployment.md#digests-and-alerts):

    QJGOV_SMTP_HOST      the server (no default: nothing is sent without it)
    QJGOV_SMTP_PORT      its port (default: 25 for none, 587 for starttls, 465 for ssl)
    QJGOV_SMTP_USER      the account to log in with (none: no login)
    QJGOV_SMTP_PASSWORD  its password
    QJGOV_SMTP_FROM      the sender's address (required)
    QJGOV_SMTP_TLS       none, starttls (default) or ssl

A send that fails raises DeliveryError with the server's own words, so the outbox records why
and the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

from qjgov.settings import SettingError

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
TIMEOUT = 30  # seconds a server may take to answer before the send counts as failed


class DeliveryError(RuntimeError):
    """A message did not reach the SMTP server (refused connection, login, recipient…)."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    tls: str = "starttls"
    user: str | None = None
    password: str | None = None


def smtp_settings(environ: dict[str, str] | None = None) -> Smtp:
    """The SMTP server from QJGOV_SMTP_*; SettingError naming the variable when one is missing
    or wrong, before anything is sent."""
    env = os.environ if environ is None else environ
    host = env.get("QJGOV_SMTP_HOST", "").strip()
    if not host:
        raise SettingError("QJGOV_SMTP_HOST is not set: the SMTP server to send through (docs/deployment.md#digests-and-alerts)")
    sender = env.get("QJGOV_SMTP_FROM", "").strip()
    if not sender or "@" not in sender:
        raise SettingError(f"QJGOV_SMTP_FROM={sender!r} is not an address: the sender, e.g. qjwjw-notify@example.gov.cn")
    tls = env.get("QJGOV_SMTP_TLS", "starttls").strip().lower() or "starttls"
    if tls not in TLS_MODES:
        raise SettingError(f"QJGOV_SMTP_TLS={tls!r} is not one of {', '.join(TLS_MODES)}")
    port_text = env.get("QJGOV_SMTP_PORT", "").strip()
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[tls]
    except ValueError:
        raise SettingError(f"QJGOV_SMTP_PORT={port_text!r} is not a port number") from None
    if not 0 < port < 65536:
        raise SettingError(f"QJGOV_SMTP_PORT={port} is not a port number (1–65535)")
    user = env.get("QJGOV_SMTP_USER", "").strip() or None
    password = env.get("QJGOV_SMTP_PASSWORD") or None
    if user and password is None:
        raise SettingError("QJGOV_SMTP_USER is set but QJGOV_SMTP_PASSWORD is not: the account's password (or unset both)")
    return Smtp(host, port, sender, tls, user, password if user else None)


def send(message: EmailMessage, smtp: Smtp) -> None:
    """Hand `message` (its From set here) to the SMTP server; DeliveryError when it does not
    take it."""
    if "From" in message:
        del message["From"]
    message["From"] = smtp.sender
    if "Date" not in message:  # mail programs sort and show by it; some servers refuse a message without
        message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    try:
        if smtp.tls == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with client:
            if smtp.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"{smtp.host}:{smtp.port}: {type(error).__name__}: {error}") from None
