"""The charts as a page draws them: the Vega-Lite spec Streamlit would make of each
(`vega_lite_spec`) of the shared Altair charts (`qjgov.present.charts`), cached on the values it
shows (`*_spec` here, `goal.department_parts`): building the Altair chart, converting it and
validating it against Vega-Lite's schema took a fifth of an area page's CPU, and the same goal,
date, department and language always give the same spec.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl
import streamlit as st
# The conversion st.altair_chart makes (datasets as Arrow, Streamlit's theme), so a spec drawn
# with st.vega_lite_chart is the chart st.altair_chart draws. Streamlit is pinned
# (requirements.txt); tests/test_app.py draws every chart through it.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from qjgov.present.charts import goal_path, milestone_timeline


SPECS_KEPT = 2_000  # per chart kind: goals × dates × departments × languages seen lately


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict:
    """The spec st.altair_chart draws for `chart`, to give st.vega_lite_chart."""
    return _convert_altair_to_vega_lite_spec(chart)


@st.cache_data(show_spinner=False, max_entries=SPECS_KEPT)
def goal_path_spec(
    points: tuple[tuple[dt.date, float | None], ...], lang: str, unit: str, target: float | None,
    projected: float | None, deadline: dt.date | None, low: float | None = None, high: float | None = None,
) -> dict:
    """`goal_path` as a spec; `points` are the path's (as_of, actual) in date order, `low` and
    `high` the 80 % interval of the year-end value."""
    path = pl.DataFrame(points, schema={"as_of": pl.Date, "actual": pl.Float64}, orient="row")
    return vega_lite_spec(goal_path(path, lang, unit, target, projected, deadline, low, high))


@st.cache_data(show_spinner=False, max_entries=SPECS_KEPT)
def milestone_timeline_spec(
    rows: tuple[tuple[str, dt.date | None, dt.date | None, str], ...], lang: str, as_of: dt.date,
) -> dict:
    """`milestone_timeline` as a spec; `rows` are (label, due_date, done_date, status) in
    milestone order."""
    frame = pl.DataFrame(
        rows, schema={"label": pl.String, "due_date": pl.Date, "done_date": pl.Date, "status": pl.String}, orient="row",
    )
    return vega_lite_spec(milestone_timeline(frame, lang, as_of))
