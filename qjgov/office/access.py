"""The access file: who, on the commission's own server (`QJGOV_MODE=office`), may do what.

The server signs people in through the office's OpenID Connect provider; the provider vouches
for an e-mail, and this file, kept by the commission beside the app (`QJGOV_ACCESS`, default
`config/access.toml`, out of git; `config/access.example.toml` explains every key), says what
the person behind it may do:

    unlisted = "viewer"            # a signed-in person not listed below: "viewer" or "refuse"

    [[person]]
    email = "someone@example.gov.cn"
    department = "行政审批科"       # a department of seeds/departments.csv
    roles = ["editor", "approver"] # any of: viewer, editor, approver, steward, admin
    lang = "zh"                    # optional: the language of their digest, "zh" or "en"
    digest = true                  # optional: whether they get the digest

The roles do not contain one another, except admin, which may do everything: an approver
who should also write gets both roles. A department ties an editor to the goals its
department owns (`owner_department` in seeds/targets.csv) and an approver to those it leads
(`lead_office`), so both need one.

A file that cannot be read exactly so stops the server at its start (`python -m
qjgov.serve`) and every page at its first run (`current()`), with the file, the entry and the
reason: a mistyped department or role would otherwise lock a section out of its own goals,
or, worse, let a person in with rights nobody meant to give. E-mails are compared in lower
case (providers and people spell them differently) and stay in the office's own files: they
never reach the warehouse.
"""

from __future__ import annotations

import csv
import re
import threading
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from qjgov import settings
from qjgov.paths import ROOT

ROLES = ("viewer", "editor", "approver", "steward", "admin")
UNLISTED = ("viewer", "refuse")
LANGS = ("zh", "en")
ACTIONS = ("read", "write_note", "approve_note", "import", "rebuild", "audit")
TOP_KEYS = ("unlisted", "person")
PERSON_KEYS = ("email", "department", "roles", "lang", "digest")
DEPARTMENTS_SEED = ROOT / "seeds" / "departments.csv"
# Roles that act for a department's goals, so a person holding one needs a department.
DEPARTMENT_ROLES = ("editor", "approver")
# What an e-mail address looks like, loosely: the provider decides what is real; this only
# catches a name, a department or a stray space typed into the wrong key.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccessError(ValueError):
    """The access file cannot be used: `path`, `entry` (which part: "person 3 (a@b.cn)",
    "unlisted", "line 4, column 7", "the file") and `reason` (what is wrong and what to do)."""

    def __init__(self, path: Path, entry: str, reason: str) -> None:
        super().__init__(f"{path}: {entry}: {reason}")
        self.path, self.entry, self.reason = path, entry, reason


@dataclass(frozen=True)
class Person:
    """A signed-in person and what the access file gives them. `email` is in lower case;
    `listed` is False for a person the file does not name, let in as a viewer by `unlisted`."""

    email: str
    department: str | None
    roles: frozenset[str]
    lang: str = "zh"
    digest: bool = True
    listed: bool = True

    @property
    def role(self) -> str:
        """The highest of the person's roles, the one the audit trail records with an action."""
        return max(self.roles, key=ROLES.index) if self.roles else "viewer"


@dataclass(frozen=True)
class Access:
    """The access file as read: `unlisted` ("viewer" or "refuse") and the listed people by
    their e-mail in lower case."""

    unlisted: str
    people: dict[str, Person]

    def person(self, email: str | None, verified: bool | None = None) -> Person | None:
        """Who signed in with `email`, or None when nobody may: no e-mail, an e-mail the
        provider says it has not verified (`verified` is its `email_verified`; None when it
        does not send one), or a person the file does not list while `unlisted` is "refuse"."""
        if not isinstance(email, str) or not email.strip():
            return None
        if verified is not None and verified is not True and str(verified).strip().lower() != "true":
            return None  # False, or "false" from a provider that sends its claims as text
        key = email.strip().lower()
        if key in self.people:
            return self.people[key]
        if self.unlisted == "viewer":
            return Person(key, None, frozenset({"viewer"}), listed=False)
        return None


def may(person: Person, action: str, goal: dict | None = None) -> bool:
    """Whether `person` may do `action` (one of ACTIONS), on `goal` (a row with
    `owner_department` and `lead_office`) for the note actions. The one place a role becomes
    a right: the pages hide what this refuses, and every write asks it again on the server
    side, so a forged widget or session state changes nothing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if "admin" in person.roles:
        return True
    if action == "read":
        return True
    if action in ("import", "rebuild"):
        return "steward" in person.roles
    if action == "audit" or goal is None or person.department is None:
        return False
    if action == "write_note":
        return "editor" in person.roles and goal.get("owner_department") == person.department
    return "approver" in person.roles and goal.get("lead_office") == person.department


def departments_of_seeds(seed: Path = DEPARTMENTS_SEED) -> list[str]:
    """The commission's departments (seeds/departments.csv), without the row that stands for
    items linked to no department (`unlinked`), which nobody works in."""
    with seed.open(encoding="utf-8", newline="") as file:
        return [row["department"] for row in csv.DictReader(file) if row["unlinked"].strip().lower() != "true"]


def _toml_error(path: Path, error: tomllib.TOMLDecodeError) -> AccessError:
    """tomllib (Python 3.11) puts the position only into its message: taken out as the entry."""
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if found is None:
        found = re.search(r"\s*\(at end of document\)", message)
        entry = "the end of the file" if found else "the file"
    else:
        entry = f"line {found.group(1)}, column {found.group(2)}"
    reason = (message[:found.start()] + message[found.end():]).strip() if found else message
    return AccessError(path, entry, f"not valid TOML: {reason} (see config/access.example.toml)")


def _one(path: Path, number: int, entry: dict, departments: Collection[str], seen: dict[str, int]) -> Person:
    """The person of the `number`th [[person]] table, or AccessError saying what is wrong."""
    email = entry.get("email")
    named = f"person {number}" + (f" ({email})" if isinstance(email, str) and email.strip() else "")

    def refuse(reason: str) -> AccessError:
        return AccessError(path, named, reason)

    unknown = sorted(set(entry) - set(PERSON_KEYS))
    if unknown:
        raise refuse(f"unknown key {', '.join(map(repr, unknown))}: a person has {', '.join(PERSON_KEYS)}")
    if not isinstance(email, str) or not email.strip():
        raise refuse('no e-mail: each [[person]] needs email = "…", the address the sign-in provider vouches for')
    key = email.strip().lower()
    if not EMAIL.fullmatch(key):
        raise refuse(f"email {email!r} is not an e-mail address")
    if key in seen:
        raise refuse(f"{email} is listed twice (also person {seen[key]}; e-mails are compared in lower case): "
                     "give each person one entry with all their roles")

    roles = entry.get("roles")
    if not isinstance(roles, list) or not roles:
        raise refuse(f'no roles: give roles = ["viewer"] or more, any of {", ".join(ROLES)}')
    wrong = [role for role in roles if role not in ROLES]
    if wrong:
        raise refuse(f"unknown role {', '.join(map(repr, wrong))}: roles are {', '.join(ROLES)}")

    department = entry.get("department")
    if department is not None:
        if not isinstance(department, str) or department.strip() not in departments:
            raise refuse(f"department {department!r} is not a department of seeds/departments.csv: "
                         f"one of {', '.join(departments)}")
        department = department.strip()
    elif any(role in roles for role in DEPARTMENT_ROLES):
        needs = [role for role in roles if role in DEPARTMENT_ROLES]
        raise refuse(f"{' and '.join(needs)} act for one department's goals: give department = \"…\"")

    lang = entry.get("lang", "zh")
    if lang not in LANGS:
        raise refuse(f"lang {lang!r}: one of {', '.join(LANGS)}")
    digest = entry.get("digest", True)
    if not isinstance(digest, bool):
        raise refuse(f"digest {digest!r}: true or false (without quotes)")
    seen[key] = number
    return Person(key, department, frozenset(roles), lang, digest)


def load(path: Path, departments: Collection[str]) -> Access:
    """The access file at `path`, checked whole against `departments` (the seed's), or the
    first AccessError in it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AccessError(path, "the file", f"missing: the office mode needs it (copy config/access.example.toml "
                                            f"to {path} and list the people, or set {settings.ACCESS})") from None
    except OSError as error:
        raise AccessError(path, "the file", f"cannot be read: {error.strerror or error}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise AccessError(path, "the file", f"not UTF-8 text (byte {error.start}): save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(path, error) from None

    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise AccessError(path, f"key {unknown[0]!r}",
                          "unknown key at the top of the file: it holds unlisted = \"…\" and [[person]] tables "
                          "(a key meant for a person goes below its [[person]] line)")
    unlisted = data.get("unlisted", "refuse")
    if unlisted not in UNLISTED:
        raise AccessError(path, "unlisted", f"{unlisted!r}: one of {', '.join(map(repr, UNLISTED))}")
    entries = data.get("person", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise AccessError(path, "person", "each person is a [[person]] table (two brackets), not a key or [person]")

    seen: dict[str, int] = {}
    people = [_one(path, number, entry, departments, seen) for number, entry in enumerate(entries, start=1)]
    return Access(unlisted, {person.email: person for person in people})


_cache: dict[tuple[str, int, int], Access] = {}
_cache_lock = threading.Lock()


def current() -> Access:
    """The access file of this server (settings.access_path()), read again whenever it
    changes on disk, so an administrator's edit takes effect without a restart and a bad edit
    refuses everyone (AccessError) instead of keeping yesterday's rights."""
    path = settings.access_path()
    try:
        stat = path.stat()
    except OSError:
        return load(path, departments_of_seeds())  # raises AccessError: missing or unreadable
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    access = load(path, departments_of_seeds())
    with _cache_lock:
        _cache.clear()
        _cache[key] = access
    return access
