"""The method page's account of the chance of meeting each goal: how to read a chance and
its likely range, how each goal's chance is found (by its projection kind), and how well the
chances have come true in the calibration run (`qjgov.present.calibration`), or that the run
has not been made."""

from __future__ import annotations

import polars as pl
import streamlit as st

from qjgov.app.formatting import html_table
from qjgov.app.state import State
from qjgov.present import calibration, words
from qjgov.present.numbers import fmt_count, fmt_percent, is_missing

SCORES = ("brier", "skill_status", "skill_base_rate", "predictions")  # the columns shown of each scored row


def fmt_score(value: object, digits: int) -> str:
    """A Brier score or a skill as the calibration table writes it ("0.083", "−0.12")."""
    return "—" if is_missing(value) else f"{value:.{digits}f}".replace("-", "−")


def scored(row: dict | None) -> list[str]:
    """One scored row's cells, in `SCORES` order ("—" for a row the run did not write)."""
    row = row or {}
    return [
        fmt_score(row.get("brier"), 3),
        fmt_score(row.get("skill_status"), 2),
        fmt_score(row.get("skill_base_rate"), 2),
        "—" if is_missing(row.get("predictions")) else fmt_count(row["predictions"]),
    ]


def family_name(lang: str, family: str) -> str:
    key = f"method.family.{family}"
    return words.t(lang, key) if words.has(key) else family


def chance_section(state: State, targets: pl.DataFrame) -> None:
    """How to read a chance and its range, per goal how it is found, and how well it has come
    true. A calibration never run is said in words, not as an error."""
    t = state.t
    st.header(t("method.chance"), anchor="chance")
    for key in ("read", "interval", "run_rate", "trend"):
        st.markdown(t(f"method.chance.{key}"))
    st.markdown(t("method.chance.came_true"))
    try:
        table = calibration.read()
    except calibration.CalibrationUnreadable as error:
        st.warning(t("method.calib.unreadable", problem=str(error)))
        table = None
    else:
        if table is None:
            st.info(t("method.calib.none"))

    headers = [t("col.goal_id"), t("col.goal"), t("method.chance.how")]
    per_goal: dict[str, dict] = {}
    if table is not None:
        st.caption(t("method.calib.per_goal"))
        headers += [t(f"method.calib.col.{column}") for column in SCORES]
        per_goal = {row["goal_id"]: row for row in calibration.over_the_year(calibration.commission(table)).iter_rows(named=True)}
    rows = []
    for goal in targets.iter_rows(named=True):
        cells = [goal["goal_id"], words.goal_name(state.lang, goal), t(f"method.chance.how_{goal['kind']}")]
        if table is not None:
            cells += scored(per_goal.get(goal["goal_id"]))
        rows.append(cells)
    st.markdown(html_table(headers, rows, nowrap=frozenset({0})), unsafe_allow_html=True)
    if table is not None:
        came_true(state, table)


def came_true(state: State, table: pl.DataFrame) -> None:
    """The calibration by kind of goal (March to November) and by month-end (all goals)."""
    t = state.t
    score_headers = [t(f"method.calib.col.{column}") for column in SCORES]
    families = calibration.over_the_year(calibration.commission(table, goal_id=calibration.ALL))
    families = families.sort(pl.col("family") == calibration.ALL, "family")  # the pooled row last
    st.caption(t("method.calib.by_family"))
    st.markdown(
        html_table(
            [t("method.calib.col.family"), t("method.calib.col.met_share"), *score_headers],
            [[family_name(state.lang, row["family"]), fmt_percent(row["met_share"]), *scored(row)] for row in families.iter_rows(named=True)],
        ),
        unsafe_allow_html=True,
    )
    months = calibration.by_month(calibration.commission(table, family=calibration.ALL, goal_id=calibration.ALL))
    st.caption(t("method.calib.by_month"))
    st.markdown(
        html_table(
            [t("method.calib.col.month"), t("method.calib.col.met_share"), *score_headers],
            [[t("method.calib.month", month=str(row["from_month"])), fmt_percent(row["met_share"]), *scored(row)] for row in months.iter_rows(named=True)],
            nowrap=frozenset({0}),
        ),
        unsafe_allow_html=True,
    )
