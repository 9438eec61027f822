"""Who hears about a department's goals: the people of the access file who hold the editor or
approver role for that department, unless their entry says `digest = false`; each in their
own language (`lang`, Chinese unless it says "en")."""

from __future__ import annotations

from qjgov.office.access import Access, Person

ROLES = ("editor", "approver")


def recipients(access: Access, department: str) -> list[Person]:
    """The department's recipients, in the order of their e-mail."""
    return sorted(
        (p for p in access.people.values()
         if p.department == department and p.digest and any(role in p.roles for role in ROLES)),
        key=lambda p: p.email,
    )
