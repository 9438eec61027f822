"""The page list and the shared sidebar (as-of date, department, language, build time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from qjgov.app import reads, words
from qjgov.app.formatting import department_label
from qjgov.app.state import ALL_DEPARTMENTS, WIDGET, State, write_url

# The page files, in sidebar order within their sections; url paths never change with the
# language so a copied link keeps working.
OVERVIEW_FILE = "pages/overview.py"
METHOD_FILE = "pages/method.py"
DATA_FILE = "pages/data.py"
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
}

def area_file(area: str) -> str:
    """The page file of a goal area (pages/<area>.py)."""
    return f"pages/{area}.py"


def navigation(state: State) -> Any:
    """The page list, grouped in the sidebar, titled in the chosen language."""
    areas = reads.areas()
    name = "area_zh" if state.lang == "zh" else "area_en"
    area_pages = [
        st.Page(area_file(row["area"]), title=row[name], icon=PAGE_ICONS.get(row["area"]), url_path=row["area"].replace("_", "-"))
        for row in areas.iter_rows(named=True)
    ]
    sections = {
        state.t("nav.section.overview"): [
            st.Page(OVERVIEW_FILE, title=state.t("nav.overview"), icon=PAGE_ICONS["overview"], url_path="overview", default=True)
        ],
        state.t("nav.section.areas"): area_pages,
        state.t("nav.section.about"): [
            st.Page(METHOD_FILE, title=state.t("nav.method"), icon=PAGE_ICONS["method"], url_path="method"),
            st.Page(DATA_FILE, title=state.t("nav.data"), icon=PAGE_ICONS["data"], url_path="data"),
        ],
    }
    return st.navigation(sections, expanded=True)


def sidebar(state: State, dates: list[dt.date], departments: list[str]) -> None:
    """The shared controls; their values already sit in session state (resolve_state)."""
    lang = state.lang
    with st.sidebar:
        st.markdown(f"**{state.t('app.title')}**")
        st.selectbox(
            state.t("sidebar.as_of"),
            dates,
            key=WIDGET["as_of"],
            format_func=lambda d: d.isoformat(),
            help=state.t("sidebar.as_of_help"),
        )
        st.selectbox(
            state.t("sidebar.dept"),
            [ALL_DEPARTMENTS, *departments],
            key=WIDGET["dept"],
            format_func=lambda d: state.t("sidebar.dept_all") if d == ALL_DEPARTMENTS else department_label(lang, d),
            help=state.t("sidebar.dept_help"),
        )
        st.radio(
            state.t("sidebar.lang"),
            list(words.LANGUAGES),
            key=WIDGET["lang"],
            format_func=lambda code: words.LANGUAGE_NAMES[code],
            horizontal=True,
        )
        info = reads.build_info()
        if info:
            built = info["built_at"]
            st.caption(state.t("sidebar.built", built_at=built.strftime("%Y-%m-%d %H:%M") if built else "—"))
        st.caption(state.t("sidebar.link_hint"))
    write_url(state)
