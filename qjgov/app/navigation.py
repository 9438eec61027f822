"""The page list and the shared sidebar: the app's own page links (grouped, in the reader's
language, carrying the date, department and language), then the controls and build time.

Streamlit's built-in page list is hidden (`client.showSidebarNavigation = false` in
.streamlit/config.toml): it would list the `pages/` folder's file names on a fresh server's
first request, before `st.navigation` has run. The app draws its own with `st.page_link`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from qjgov.app import reads, signin
from qjgov.app.formatting import department_label
from qjgov.app.state import (
    ALL_DEPARTMENTS, STATE_KEY, WIDGET, State, is_framed, resolve_state, texts_before_state, url_params, write_url,
)
from qjgov.present import words
from qjgov.present.links import area_path

# The page files, in sidebar order within their sections; url paths never change with the
# language so a copied link keeps working.
OVERVIEW_FILE = "pages/overview.py"
METHOD_FILE = "pages/method.py"
DATA_FILE = "pages/data.py"
SQL_FILE = "pages/sql.py"
PAGE_ICONS: dict[str, str] = {
    "overview": ":material/dashboard:",
    "online": ":material/language:",
    "efficiency": ":material/speed:",
    "reviews": ":material/reviews:",
    "complaints": ":material/support_agent:",
    "one_thing": ":material/hub:",
    "credit": ":material/verified_user:",
    "inclusive": ":material/accessible:",
    "safeguards": ":material/flag:",
    "method": ":material/menu_book:",
    "data": ":material/database:",
    "sql": ":material/terminal:",
}

def area_file(area: str) -> str:
    """The page file of a goal area, named as its URL path (pages/one-thing.py), so that
    Streamlit's first run, which names pages by their files, finds the page a link asks for."""
    return f"pages/{area_path(area)}.py"


def app_pages(lang: str) -> dict[str, list[Any]]:
    """Every page of the app in its section, titled in `lang`; url paths never change with
    the language, so a copied link keeps working."""
    areas = reads.areas()
    name = "area_zh" if lang == "zh" else "area_en"
    area_pages = [
        st.Page(area_file(row["area"]), title=row[name], icon=PAGE_ICONS.get(row["area"]), url_path=area_path(row["area"]))
        for row in areas.iter_rows(named=True)
    ]
    return {
        words.t(lang, "nav.section.overview"): [
            # Served at / and, for a link that names it, at /overview. The default page claims
            # no path of its own (a default page keeps its url_path reserved), so the hidden
            # page can take "overview"; the sidebar links to the default.
            st.Page(OVERVIEW_FILE, title=words.t(lang, "nav.overview"), icon=PAGE_ICONS["overview"], url_path="", default=True),
            st.Page(OVERVIEW_FILE, title=words.t(lang, "nav.overview"), icon=PAGE_ICONS["overview"], url_path="overview", visibility="hidden"),
        ],
        words.t(lang, "nav.section.areas"): area_pages,
        words.t(lang, "nav.section.about"): [
            st.Page(METHOD_FILE, title=words.t(lang, "nav.method"), icon=PAGE_ICONS["method"], url_path="method"),
            st.Page(DATA_FILE, title=words.t(lang, "nav.data"), icon=PAGE_ICONS["data"], url_path="data"),
            st.Page(SQL_FILE, title=words.t(lang, "nav.sql"), icon=PAGE_ICONS["sql"], url_path="sql"),
        ],
    }


def navigation(state: State) -> Any:
    """Register the pages (routing only) and draw their links at the top of the sidebar,
    grouped in sections and titled in the chosen language."""
    sections = app_pages(state.lang)
    page = st.navigation(sections, position="hidden")
    params = url_params(state)
    with st.sidebar.container(key="qj_nav"):
        for section, pages in sections.items():
            st.caption(section)
            for entry in pages:
                if entry.visibility == "visible":
                    st.page_link(entry, query_params=params)
    return page


def controls(state: State, dates: list[dt.date], departments: list[str]) -> None:
    """The shared controls, drawn at the top of the sidebar (app.py gives the container):
    中文 | English first, then the as-of date and the department. Their values already sit in
    session state (resolve_state)."""
    lang = state.lang
    st.radio(
        state.t("sidebar.lang"),
        list(words.LANGUAGES),
        key=WIDGET["lang"],
        format_func=lambda code: words.LANGUAGE_NAMES[code],
        horizontal=True,
    )
    st.markdown(f"**{state.t('app.title')}**")
    st.selectbox(
        state.t("sidebar.as_of"),
        dates,
        key=WIDGET["as_of"],
        format_func=lambda d: d.isoformat(),
        help=state.t("sidebar.as_of_help"),
    )
    # One widget per language: a widget keeps the option labels it was first drawn with,
    # so after a language switch the box would still read 全部科室. The chosen department
    # itself lives under WIDGET["dept"], which no widget owns.
    dept_key = f"{WIDGET['dept']}_{lang}"
    st.session_state[dept_key] = st.session_state[WIDGET["dept"]]
    st.selectbox(
        state.t("sidebar.dept"),
        [ALL_DEPARTMENTS, *departments],
        key=dept_key,
        format_func=lambda d: state.t("sidebar.dept_all") if d == ALL_DEPARTMENTS else department_label(lang, d),
        help=state.t("sidebar.dept_help"),
        on_change=lambda: st.session_state.__setitem__(WIDGET["dept"], st.session_state[dept_key]),
    )


def sidebar_footer(state: State) -> None:
    """Below the page links: when the warehouse was built and how to share a view."""
    with st.sidebar:
        info = reads.build_info()
        if info:
            built = info["built_at"]
            st.caption(state.t("sidebar.built", built_at=built.strftime("%Y-%m-%d %H:%M") if built else "—"))
        st.caption(state.t("sidebar.link_hint"))
    write_url(state)


def page_state() -> State:
    """The state app.py resolved for this run; every page starts with this.

    Until the first `st.navigation` call in a process, Streamlit treats the `pages/` folder
    next to the entry script the old way: a deep link (say /reviews?goal=G09) that is the
    first request after a (re)start, and every AppTest.switch_page, runs the page file alone,
    without app.py's frame. Such a run declares the app's navigation (the public switch to
    `st.navigation` mode, for good) and reruns, so app.py draws the frame and runs this page.
    The built-in page list is hidden (`client.showSidebarNavigation = false`), so the
    visitor never sees the folder's file names in between. On the office's server such a run
    asks for sign-in first, as app.py does, before it reads anything.
    """
    if not is_framed():
        signin.signed_in()
        # The page list reads the warehouse; on a hosted demo's first start this deep link may
        # come before any visit of app.py has built it.
        texts = texts_before_state()
        reads.ensure_warehouse(texts)
        reads.open_warehouse(texts)
        st.navigation(app_pages(words.DEFAULT_LANGUAGE), position="hidden")
        st.rerun()
    state = st.session_state.get(STATE_KEY)
    if state is None:  # not reached through app.py; still show something sensible
        signin.signed_in()
        state = resolve_state(reads.as_of_dates(), reads.departments()["department"].to_list())
    return state
