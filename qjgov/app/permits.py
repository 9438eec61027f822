"""Who is signed in and what they may do, on the commission's own server (`QJGOV_MODE=office`):
the person comes from what the provider vouched for (`st.user`: the e-mail and whether it is
verified) and the access file (`qjgov.office.access`), read again on every check, never from
anything a page sent or kept in its session; each write and each refusal is put on the audit
trail (`qjgov.office.audit`). The office room is imported inside these functions alone (see
tests/test_layering.py)."""

from __future__ import annotations

import streamlit as st

from qjgov.present import connection


def signed_in_person():
    """The person signed in now (`qjgov.office.access.Person`); None when nobody is, or the
    access file refuses them."""
    from qjgov.office import access  # the commission's server: who may do what

    user = st.user
    if not user.is_logged_in:
        return None
    return access.current().person(user.get("email"), user.get("email_verified"))


def may(action: str, goal: dict | None = None) -> bool:
    """Whether the signed-in person may do `action` (write_note, approve_note on `goal`, a row
    with owner_department and lead_office; import, rebuild, audit)."""
    from qjgov.office import access

    person = signed_in_person()
    return person is not None and access.may(person, action, goal)


def audit(person, action: str, target: str, outcome: str, detail: str = "") -> None:
    """Put one action on the audit trail beside the served warehouse (`detail` on one line)."""
    from qjgov.office import audit as trail, notes

    trail.record(notes.store_path(connection.warehouse_path()), email=getattr(person, "email", None),
                 role=getattr(person, "role", None), department=getattr(person, "department", None),
                 action=action, target=target, outcome=outcome, detail=" ".join(detail.split())[:2000])


def audit_trail() -> list[dict]:
    """The audit trail, newest first, for an admin only (empty for anyone else)."""
    from qjgov.office import audit as trail, notes

    if not may("audit"):
        return []
    return list(reversed(trail.read(notes.store_path(connection.warehouse_path()))))
