"""The state every page reads (as-of date, department, language) and how it is kept in the
URL, so a copied link reopens the same view."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from qjgov.present import words

URL_KEYS: tuple[str, ...] = ("as_of", "dept", "lang")
WIDGET = {"as_of": "qj_as_of", "dept": "qj_dept", "lang": "qj_lang"}
_WRITTEN = "_qj_url_written"
STATE_KEY = "_qj_state"
ALL_DEPARTMENTS = ""


@dataclass(frozen=True)
class State:
    """The as-of date, department filter and language every page reads."""

    as_of: dt.date
    department: str | None
    lang: str

    def t(self, key: str, **values: object) -> str:
        return words.t(self.lang, key, **values)


def _parse_date(text: str | None, dates: list[dt.date]) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value in dates else None


def resolve_state(dates: list[dt.date], departments: list[str]) -> State:
    """Decide date, department and language before anything is drawn.

    The URL wins on a session's first run and whenever it differs from what the app last
    wrote (a pasted link, a goal link, the browser's back button). When it carries none of
    the keys (a click in the sidebar navigation drops the query string) the session's values
    stand and are written back to the URL by `sidebar`.
    """
    ss = st.session_state
    url = {key: st.query_params.get(key) for key in URL_KEYS}
    written = ss.get(_WRITTEN)
    if written is None or (any(url.values()) and url != written):
        ss[WIDGET["as_of"]] = _parse_date(url["as_of"], dates) or dates[-1]
        ss[WIDGET["dept"]] = url["dept"] if url["dept"] in departments else ALL_DEPARTMENTS
        ss[WIDGET["lang"]] = words.language(url["lang"]) if url["lang"] else words.from_locale(st.context.locale)
    elif WIDGET["lang"] not in ss and isinstance(ss.get(STATE_KEY), State):
        # st.switch_page drops every widget's value; the last state (not a widget) stays.
        last = ss[STATE_KEY]
        ss[WIDGET["as_of"]] = last.as_of
        ss[WIDGET["dept"]] = last.department or ALL_DEPARTMENTS
        ss[WIDGET["lang"]] = last.lang
    if ss.get(WIDGET["as_of"]) not in dates:
        ss[WIDGET["as_of"]] = dates[-1]
    if ss.get(WIDGET["dept"]) not in (ALL_DEPARTMENTS, *departments):
        ss[WIDGET["dept"]] = ALL_DEPARTMENTS
    if ss.get(WIDGET["lang"]) not in words.LANGUAGES:
        ss[WIDGET["lang"]] = words.DEFAULT_LANGUAGE
    state = State(ss[WIDGET["as_of"]], ss[WIDGET["dept"]] or None, ss[WIDGET["lang"]])
    ss[STATE_KEY] = state
    return state


_RUN = threading.local()


def is_framed() -> bool:
    """Whether this script run is app.py's, with its frame (sidebar, URL state)."""
    return getattr(_RUN, "framed", False)


@contextmanager
def framed() -> Iterator[None]:
    """Mark the page run by app.py as running inside the app's frame (sidebar, URL state)."""
    _RUN.framed = True
    try:
        yield
    finally:
        _RUN.framed = False


def hinted_language() -> str:
    """The language of a run before its state is resolved (app.py's first messages): the
    one chosen in this session, else the URL's, else the browser's."""
    hint = st.session_state.get(WIDGET["lang"]) or st.query_params.get("lang")
    return words.language(hint) if hint else words.from_locale(st.context.locale)


def texts_before_state() -> Callable[[str], str]:
    """The words of a run before its state is resolved, in `hinted_language`."""
    lang = hinted_language()
    return lambda key: words.t(lang, key)


def url_params(state: State, **extra: str) -> dict[str, str]:
    """The query string for this state, e.g. for a link to a goal."""
    params = {"as_of": state.as_of.isoformat(), "lang": state.lang}
    if state.department:
        params["dept"] = state.department
    params.update(extra)
    return params


def write_url(state: State) -> None:
    wanted = url_params(state)
    for key in URL_KEYS:
        value = wanted.get(key)
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value
    st.session_state[_WRITTEN] = {key: wanted.get(key) for key in URL_KEYS}
