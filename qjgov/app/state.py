"""The state every page reads (as-of date, department, language) and how it is kept in the
URL, so a copied link reopens the same view."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from qjgov.app import reads, words

URL_KEYS: tuple[str, ...] = ("as_of", "dept", "lang")
WIDGET = {"as_of": "qj_as_of", "dept": "qj_dept", "lang": "qj_lang"}
_WRITTEN = "_qj_url_written"
_STATE = "_qj_state"
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
    elif WIDGET["lang"] not in ss and isinstance(ss.get(_STATE), State):
        # st.switch_page drops every widget's value; the last state (not a widget) stays.
        last = ss[_STATE]
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
    ss[_STATE] = state
    return state


_RUN = threading.local()


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


def _texts_before_state():
    lang = hinted_language()
    return lambda key: words.t(lang, key)


def page_state() -> State:
    """The state app.py resolved for this run; every page starts with this.

    Until the first `st.navigation` call in a process, Streamlit treats the `pages/` folder
    next to the entry script the old way: a deep link (say /reviews?goal=G09) that is the
    first request after a (re)start, and every AppTest.switch_page, runs the page file alone,
    without app.py's frame. Such a run declares the app's navigation (the public switch to
    `st.navigation` mode, for good) and reruns, so app.py draws the frame and runs this page.
    The built-in page list is hidden (`client.showSidebarNavigation = false`), so the
    visitor never sees the folder's file names in between.
    """
    if not getattr(_RUN, "framed", False):
        from qjgov.app.navigation import app_pages

        # The page list reads the warehouse; on a hosted demo's first start this deep link may
        # come before any visit of app.py has built it.
        texts = _texts_before_state()
        reads.ensure_warehouse(texts)
        reads.open_warehouse(texts)
        st.navigation(app_pages(words.DEFAULT_LANGUAGE), position="hidden")
        st.rerun()
    state = st.session_state.get(_STATE)
    if state is None:  # not reached through app.py; still show something sensible
        state = resolve_state(reads.as_of_dates(), reads.departments()["department"].to_list())
    return state


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
