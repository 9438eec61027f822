"""The goal-tracking app: where the commission stands against every 2021 goal.

Entry point only: the demo warehouse on a first start, the shared state (as-of date,
department, language: kept in the URL), the page list and the sidebar. Pages live in
`pages/`, shared drawing in `qjgov/ui.py`, words in `qjgov/i18n.py`.

    streamlit run app.py
"""

from __future__ import annotations

import streamlit as st

from qjgov import i18n, reads, ui

lang_hint = i18n.language(st.session_state.get("qj_lang") or st.query_params.get("lang"))
st.set_page_config(page_title=i18n.t(lang_hint, "app.short_title"), page_icon=":material/monitoring:", layout="wide")
reads.ensure_warehouse(lambda key: i18n.t(lang_hint, key))
reads.open_warehouse(lambda key: i18n.t(lang_hint, key))

dates = reads.as_of_dates()
if not dates:  # a warehouse built from raw data outside the plan year
    st.warning(i18n.t(lang_hint, "warehouse.no_dates"))
    st.stop()
departments = reads.departments()["department"].to_list()
state = ui.resolve_state(dates, departments)
page = ui.navigation(state)
ui.sidebar(state, dates, departments)
page.run()
