"""Overview: every goal at the chosen date, the status counts and the milestones.

What a deputy director reads in two minutes: a row per goal (actual, target, gap, status,
monthly path, year-end projection, the chance of meeting the target, what is still to go); a
click opens the goal's page. On a phone the same goals show as cards.
"""

import polars as pl
import streamlit as st

from qjgov.app import changes, formatting, navigation, overview, reads, report_download
from qjgov.app.navigation import page_state
from qjgov.app.state import url_params

state = page_state()
formatting.page_header(state, state.t("overview.title"), state.t("overview.lead"))
report_download.download_buttons(state)

progress = reads.progress(state.as_of, state.department)

st.subheader(state.t("overview.counts"), anchor=False)
overview.status_counts(state, progress)
with st.expander(state.t("status.legend")):
    formatting.status_legend(state)

st.subheader(state.t("overview.scorecard"), anchor=False)
st.caption(state.t("overview.click_hint"))
overview.narrow_screen_css()
clicked = overview.scorecard(state)
overview.scorecard_cards(state)
if clicked:
    area = progress.filter(pl.col("goal_id") == clicked)["area"][0]
    st.switch_page(navigation.area_file(area), query_params=url_params(state, goal=clicked))

changes.changed_goals(state, progress)

st.subheader(state.t("overview.by_area"), anchor=False)
overview.goal_links(state)

st.subheader(state.t("overview.milestones"), anchor=False)
overview.milestone_counts(state)
overview.milestone_table(state)
