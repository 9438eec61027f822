"""SQL: ad-hoc reading queries on the warehouse, safe on a public link (qjgov/app/sql_page.py)."""

from qjgov.app import formatting, sql_page
from qjgov.app.navigation import page_state

state = page_state()
formatting.page_header(state, state.t("sql.title"), state.t("sql.lead"))
sql_page.sql_page(state)
