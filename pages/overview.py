"""Overview: every goal at the chosen date, the status counts and the milestones.

What a deputy director reads in two minutes: a row per goal (actual, target, gap, status,
monthly path, year-end projection, what is still to go); a click opens the goal's page.
"""

import polars as pl
import streamlit as st

from qjgov import i18n, reads, ui

state = ui.page_state()
ui.page_header(state, state.t("overview.title"), state.t("overview.lead"))

progress = reads.progress(state.as_of, state.department)
paths = reads.series(state.department, state.as_of)
areas = reads.areas()

st.subheader(state.t("overview.counts"), anchor=False)
ui.status_counts(state, progress)
with st.expander(state.t("status.legend")):
    ui.status_legend(state)

st.subheader(state.t("overview.scorecard"), anchor=False)
st.caption(state.t("overview.click_hint"))
clicked = ui.scorecard(state, progress, paths)
if clicked:
    area = progress.filter(pl.col("goal_id") == clicked)["area"][0]
    st.switch_page(ui.area_file(area), query_params=ui.url_params(state, goal=clicked))

st.subheader(state.t("overview.by_area"), anchor=False)
ui.goal_links(state, progress, areas)

st.subheader(state.t("overview.milestones"), anchor=False)
milestones = reads.milestones(state.as_of)
counts = {s: milestones.filter(pl.col("status") == s).height for s in i18n.MILESTONE_STATUSES}
st.markdown(
    " ".join(f"{ui.badge(state.lang, s)} {counts[s]}" for s in i18n.MILESTONE_STATUSES),
    unsafe_allow_html=True,
)
ui.milestone_table(state, milestones)
