"""Who is reading: on the office's server (QJGOV_MODE=office) every page asks for sign-in
first, through the office's OpenID Connect provider with Streamlit's own `st.login()`,
`st.user` and `st.logout()` (configured under `[auth]` in `.streamlit/secrets.toml`,
docs/deployment.md#sign-in-office-mode). The access file says who the signed-in person is
to the app: their department and roles (qjgov.office.access).

The person is worked out again on every run from `st.user`, which Streamlit fills from a
cookie it signed with the `[auth]` cookie secret, and the access file: nothing a session
holds can make anyone someone else. In the public and local modes nobody signs in and
`signed_in()` is None.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import streamlit as st

from qjgov import settings
from qjgov.app import permits
from qjgov.app.formatting import department_label
from qjgov.app.state import hinted_language
from qjgov.present import words

if TYPE_CHECKING:
    from qjgov.office.access import Person

PERSON_KEY = "_qj_person"  # this run's person, for reading only: signed_in() writes it anew every run
_RECORDED = "_qj_sign_in_recorded"  # the sign-in event this session has on the record
_SEEN: set[tuple[tuple[str, ...], str]] = set()  # (event, iat) this process has recorded
_SEEN_LOCK = threading.Lock()


def signed_in() -> Person | None:
    """The signed-in person in office mode, or a page that asks for sign-in (or says why it
    was refused) and the end of the run; None in the public and local modes.

    Called by app.py before anything is drawn, and by a page run without app.py's frame (a
    deep link's first run), so no page shows a line before the person is known.
    """
    if not settings.office():
        return None
    lang = hinted_language()
    user = st.user.to_dict()
    if "is_logged_in" not in user:  # Streamlit adds it only when secrets hold an [auth] section
        _page(lang, "signin.title", words.t(lang, "signin.no_auth"))
    if not user["is_logged_in"]:
        st.session_state.pop(PERSON_KEY, None)
        _page(lang, "signin.title", words.t(lang, "signin.intro"), sign_in=True)
    email, verified = permits.claimed_email(user.get("email")), permits.claimed_verified(user.get("email_verified"))
    try:
        access = permits.access_now()
    except ValueError as error:  # AccessError: the file changed since the start and no longer reads
        print(f"sign-in refused to everyone: {error}", flush=True)
        _refuse(lang, email, "access_file", user.get("iat"))
    person = access.person(email, verified)
    if person is None:
        reason = "no_email" if email is None else "unverified" if verified is False else "unlisted"
        _refuse(lang, email, reason, user.get("iat"))
    st.session_state[PERSON_KEY] = person
    if _first_sight(("sign_in", person.email.lower()), user.get("iat")):
        permits.audit(person, "sign_in", None, "ok")
    return person


def account(lang: str, person: Person | None) -> None:
    """The sidebar's last lines in office mode: who is signed in, as what, and a way out."""
    if person is None:
        return
    department = department_label(lang, person.department) if person.department else words.t(lang, "signin.not_listed")
    with st.sidebar:
        # st.text: the address is the provider's, shown as it came, never read as Markdown.
        st.text(words.t(lang, "signin.signed_in_as", email=person.email, role=words.t(lang, f"signin.role.{person.role}"),
                        department=department))
        st.button(words.t(lang, "signin.sign_out"), key="qj_sign_out", on_click=_sign_out, args=(person,))


def _page(lang: str, title: str, sentence: str, sign_in: bool = False, sign_out: bool = False) -> None:
    """A page of its own in place of the app (no sidebar, no warehouse read), then the end of
    the run. A sentence that holds what the provider sent (sign_out: a refusal) is shown as
    plain text; the app's own sentences as Markdown."""
    st.title(words.t(lang, title))
    if sign_out:
        st.text(sentence)
    else:
        st.markdown(sentence)
    if sign_in:
        st.button(words.t(lang, "signin.button"), key="qj_sign_in", type="primary", on_click=st.login)
    if sign_out:
        st.button(words.t(lang, "signin.sign_out"), key="qj_sign_out", on_click=_sign_out, args=(None,))
    st.stop()


def _refuse(lang: str, email: str | None, reason: str, issued: object) -> None:
    """The page that says why a signed-in person may not go on, recorded once a sign-in."""
    st.session_state.pop(PERSON_KEY, None)
    if _first_sight(("sign_in_refused", (email or "").lower(), reason), issued):
        permits.audit(None, "sign_in_refused", None, "refused", reason, email=email)
    _page(lang, "signin.refused_title", words.t(lang, f"signin.refused.{reason}", email=email or "—"), sign_out=True)


def _first_sight(event: tuple[str, ...], issued: object) -> bool:
    """Whether `event` is this sign-in's first on the record. Every page load is a new
    Streamlit session that reads the same sign-in cookie, so a sign-in is known by the time
    its ID token was issued (`iat`): recorded once in a session, and once in this process
    across its sessions (a reload, a second tab). A provider that sends no `iat` gets one
    record a session."""
    if st.session_state.get(_RECORDED) == event:
        return False
    st.session_state[_RECORDED] = event
    if issued is None:
        return True
    sighting = (event, str(issued)[:40])  # a number of seconds; bounded whatever it is
    with _SEEN_LOCK:
        if sighting in _SEEN:
            return False
        _SEEN.add(sighting)
    return True


def _sign_out(person: Person | None) -> None:
    """Recorded before Streamlit forgets who it was."""
    if person is not None:
        permits.audit(person, "sign_out", None, "ok")
    st.session_state.pop(PERSON_KEY, None)
    st.session_state.pop(_RECORDED, None)
    st.logout()
