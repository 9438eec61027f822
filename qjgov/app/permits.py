"""Who is signed in and what they may do, on the commission's own server (`QJGOV_MODE=office`):
the person comes from what the provider vouched for (`st.user`: the e-mail and whether it is
verified) and the access file (`qjgov.office.access`), read again on every check, never from
anything a page sent or kept in its session; each write and each refusal is put on the audit
trail (`qjgov.office.audit`). The office room is imported inside these functions alone (see
tests/test_layering.py)."""

from __future__ import annotations

import streamlit as st

from qjgov.present import connection


MAX_EMAIL = 254  # the longest address RFC 5321 lets through; a longer claim is no address


def claimed_email(value: object) -> str | None:
    """The e-mail the provider vouched for, or None when it sent none worth matching."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value and len(value) <= MAX_EMAIL and "@" in value else None


def claimed_verified(value: object) -> bool | None:
    """`email_verified` as the provider sent it: True, False, or None when it sent none.
    Some providers send the claim as a string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def access_now():
    """The access file as it reads now (`qjgov.office.access.current`: read again when it
    changes on disk, so an administrator's edit counts from the next page opened); raises
    AccessError when it no longer reads."""
    from qjgov.office import access  # the commission's server: who may do what

    return access.current()


def signed_in_person():
    """The person signed in now (`qjgov.office.access.Person`); None when nobody is, or the
    access file refuses them."""
    user = st.user.to_dict()
    if not user.get("is_logged_in"):
        return None
    return access_now().person(claimed_email(user.get("email")), claimed_verified(user.get("email_verified")))


def may(action: str, goal: dict | None = None) -> bool:
    """Whether the signed-in person may do `action` (write_note, approve_note on `goal`, a row
    with owner_department and lead_office; import, rebuild, audit)."""
    from qjgov.office import access

    person = signed_in_person()
    return person is not None and access.may(person, action, goal)


def audit(person, action: str, target: str | None, outcome: str, detail: str = "", email: str | None = None) -> None:
    """Put one action on the audit trail beside the served warehouse (`detail` on one line;
    `email` for someone the access file did not let in)."""
    from qjgov.office import audit as trail, notes

    trail.record(notes.store_path(connection.warehouse_path()), email=getattr(person, "email", None) or email,
                 role=getattr(person, "role", None), department=getattr(person, "department", None),
                 action=action, target=target, outcome=outcome, detail=" ".join(detail.split())[:2000])


def audit_trail() -> list[dict]:
    """The audit trail, newest first, for an admin only (empty for anyone else)."""
    from qjgov.office import audit as trail, notes

    if not may("audit"):
        return []
    return list(reversed(trail.read(notes.store_path(connection.warehouse_path()))))
