"""The goal-tracking app: where the commission stands against every 2021 goal.

Entry point only: sign-in on the office's server, the demo warehouse on a first start, the
shared state (as-of date, department, language: kept in the URL), the page list and the sidebar. Pages live in
`pages/`, shared page parts in `qjgov/app/`, words in `qjgov/present/zh.toml` and `en.toml`.

    streamlit run app.py
"""

from __future__ import annotations

import duckdb
import streamlit as st

from qjgov.app import navigation, reads, signin
from qjgov.app.state import framed, hinted_language, resolve_state
from qjgov.present import words

lang_hint = hinted_language()
st.set_page_config(page_title=words.t(lang_hint, "app.short_title"), page_icon=":material/monitoring:", layout="wide")
person = signin.signed_in()  # office mode: nobody past this line unsigned or refused
reads.ensure_warehouse(lambda key: words.t(lang_hint, key))
models = reads.open_warehouse(lambda key: words.t(lang_hint, key))

dates = reads.as_of_dates()
if not dates:  # a warehouse built from raw data outside the plan year
    st.warning(words.t(lang_hint, "warehouse.no_dates"))
    st.stop()
departments = reads.departments()["department"].to_list()
state = resolve_state(dates, departments)
top = st.sidebar.container()  # language, date and department first: found at once, also on a phone
page = navigation.navigation(state)
with top:  # drawn after st.navigation, as widgets that keep their value across pages must be
    navigation.controls(state, dates, departments)
navigation.sidebar_footer(state)
signin.account(state.lang, person)
with framed():
    try:
        page.run()
    except duckdb.Error as error:
        if models == "same":
            raise
        # A mart this version reads with other columns than the version that built it wrote.
        st.error(state.t("warehouse.mismatch").format(error=str(error).splitlines()[0]))
