"""What the pages add to the shared formatting (`qjgov.present.numbers`): labels of
departments and coded values in the reader's language (kept per build), status badges and the
page header. Nothing here computes a metric."""

from __future__ import annotations

import functools
import html

import streamlit as st

from qjgov.app import reads
from qjgov.app.state import State
from qjgov.present import words
from qjgov.present.numbers import is_missing
from qjgov.present.statuses import STATUSES, pill


# Labels are looked up per table cell, where even a cache hit of reads.query (hashing the SQL)
# adds up: they are kept per build, so a rebuild with new seeds shows its own labels.
@functools.lru_cache(maxsize=4)
def _department_en(build: tuple) -> dict[str, str]:
    return {r["department"]: r["department_en"] for r in reads.departments().iter_rows(named=True)}


@functools.lru_cache(maxsize=4)
def _code_en(build: tuple) -> dict[tuple[str, str], str]:
    return reads.code_labels()


def department_label(lang: str, department: str | None) -> str:
    """A department in the reader's language (marts.labels)."""
    if not department:
        return "—"
    if lang == "zh":
        return department
    return _department_en(reads.build()).get(department, department)


def code_label(lang: str, code_list: str, code: object) -> str:
    """A coded value (category, handling type, online depth, …) in the reader's language."""
    if is_missing(code):
        return "—"
    if code_list == "online_depth":
        if lang == "zh":
            return words.t(lang, f"depth.{int(code)}")
    elif lang == "zh":
        return str(code)
    label = _code_en(reads.build()).get((code_list, str(code)))
    if code_list == "online_depth":
        return f"{int(code)} {label.lower()}" if label else words.t(lang, f"depth.{int(code)}")
    return label or str(code)


def badge(lang: str, status: str | None) -> str:
    """A status as a coloured pill with icon and word (HTML for st.markdown)."""
    return pill(lang, status, "qj-badge", "padding:0.15rem 0.6rem;border-radius:0.8rem;font-weight:600;white-space:nowrap;")


def page_header(state: State, title: str, lead: str | None = None) -> None:
    """Title, the as-of/department line and a one-sentence lead."""
    if reads.generated_data():
        st.markdown(
            f'<div class="qj-demo-notice" style="display:inline-block;background:#FFF4CE;color:#3D2800;'
            f'border:1px solid #E0B400;border-radius:0.3rem;padding:0.15rem 0.6rem;font-size:0.9rem">'
            f'{state.t("app.demo_notice")}</div>',
            unsafe_allow_html=True,
            help=state.t("app.demo_notice_help"),
        )
    st.title(title, anchor=False)
    dept = department_label(state.lang, state.department) if state.department else state.t("sidebar.dept_all")
    st.caption(state.t("common.as_of_caption", as_of=state.as_of.isoformat(), dept=dept))
    if lead:
        st.markdown(lead)


def status_legend(state: State) -> None:
    """The six statuses with their colours, icons and meaning."""
    rows = "".join(
        f"<tr><td style='padding:0.2rem 0.8rem 0.2rem 0'>{badge(state.lang, s)}</td><td>{state.t('status.help.' + s)}</td></tr>"
        for s in STATUSES
    )
    st.markdown(f"<table style='border:none'>{rows}</table>", unsafe_allow_html=True)


TABLE_CELL = "padding:0.35rem 0.6rem;border-bottom:1px solid #D5DBE3;vertical-align:top;text-align:left"


def html_table(headers: list[str], rows: list[list[str]], nowrap: frozenset[int] = frozenset()) -> str:
    """A plain table of texts for st.markdown, escaped here, that fits its words rather than
    scrolling as a data frame does; the columns in `nowrap` (short codes, numbers) do not wrap."""
    def cell(tag: str, index: int, text: str) -> str:
        style = TABLE_CELL + (";white-space:nowrap" if index in nowrap else "")
        return f"<{tag} style='{style}'>{html.escape(text, quote=False)}</{tag}>"

    head = "".join(cell("th", i, text) for i, text in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", i, text) for i, text in enumerate(row)) + "</tr>" for row in rows)
    return f"<table style='border-collapse:collapse;width:100%'><tr>{head}</tr>{body}</table>"
