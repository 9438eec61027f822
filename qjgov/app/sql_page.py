"""The SQL page: one reading query at a time on the warehouse, through the sandbox.

Each query runs in a child process the operating system bounds (`qjgov.limits.sandbox`,
`qjgov.limits.worker`), forked in milliseconds from a fork server that already holds DuckDB,
while one of the server's few SQL slots is held: no query, however written, can take this
process's memory or CPU from the other visitors. What the query says back (an error, a column
name, a value) is shown as text. The query lives in the URL (`?q=`), so a link reopens it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl
import streamlit as st

from qjgov import settings
from qjgov.app import reads
from qjgov.app.state import State
from qjgov.app.tables import downloads
from qjgov.present import connection
from qjgov.present.words import plain

EXAMPLES: dict[str, str] = {
    key: sql.strip() for key, sql in tomllib.loads(Path(__file__).with_name("sql_examples.toml").read_text(encoding="utf-8")).items()
}
_QUERY = "qj_sql"


def schema_browser(state: State) -> None:
    """Every table and view of the marts (staging and intermediate folded away) with the
    descriptions the build wrote into the warehouse (in English, as the warehouse keeps them)."""
    tables = reads.catalogue_tables()
    columns = reads.catalogue_columns()
    t = state.t
    for schema, folded in (("marts", False), ("staging", True), ("intermediate", True), ("raw", True)):
        rows = tables.filter(pl.col("schema_name") == schema)
        if not rows.height:
            continue
        with st.expander(t(f"sql.schema.{schema}", n=rows.height), expanded=not folded):
            st.dataframe(
                rows.select(
                    (pl.lit(f"{schema}.") + pl.col("table_name")).alias(t("sql.col.table")),
                    pl.col("comment").alias(t("sql.col.description")),
                ),
                hide_index=True,
            )
            st.dataframe(
                columns.filter(pl.col("schema_name") == schema).select(
                    pl.col("table_name").alias(t("sql.col.table")),
                    pl.col("column_name").alias(t("sql.col.column")),
                    pl.col("data_type").str.to_lowercase().alias(t("sql.col.type")),
                    pl.col("comment").alias(t("sql.col.description")),
                ),
                hide_index=True,
                height=300,
            )


def _use_example() -> None:
    key = st.session_state.get("qj_sql_example")
    if key:
        st.session_state[_QUERY] = EXAMPLES[key]


def answer_frame(columns: list[str], rows: list[list]) -> pl.DataFrame:
    """An answer as a frame, whatever the query: a name the answer repeats (`select *` over a
    join) numbered on its later columns (`area`, `area_2`); each column's type read from all
    its rows (one empty in its first hundred rows has values later); a column whose values
    polars cannot hold as a type of its own (a UUID) shown as text."""
    names: list[str] = []
    for name in columns:
        unique, n = name, 1
        while unique in names or (unique != name and unique in columns):
            n += 1
            unique = f"{name}_{n}"
        names.append(unique)
    series = []
    for position, name in enumerate(names):
        values = [row[position] for row in rows]
        try:
            column = pl.Series(name, values, strict=False) if any(v is not None for v in values) else pl.Series(name, values, pl.String)
        except (TypeError, ValueError, pl.exceptions.PolarsError):
            column = None
        if column is None or column.dtype in (pl.Object, pl.Int128, pl.UInt128):  # a UUID; what Arrow cannot carry to the table
            column = pl.Series(name, [None if v is None else str(v) for v in values], pl.String)
        series.append(column)
    return pl.DataFrame(series)


def failure_text(state: State, answer, limits, most_characters: int) -> str:
    """Why a query has no answer, in the reader's language; the sandbox's or DuckDB's own
    words after it (naming what was refused, or DuckDB's error), as text, never Markdown."""
    if answer.kind == "time":
        return state.t("sql.time", seconds=f"{limits.timeout:g}")
    if answer.kind == "memory":
        return state.t("sql.memory", memory=limits.memory)
    if answer.kind == "long":
        return state.t("sql.long", most=f"{most_characters:,}")
    lead = state.t("sql.refused" if answer.kind == "refused" else "sql.failed")
    return f"{lead}\n\n{plain(answer.error)}"


def sql_page(state: State) -> None:
    from qjgov.limits.sandbox import MAX_SQL, Limits, run  # the sandbox, with the other bounds on a visitor

    limits = Limits.for_here()
    st.caption(state.t("sql.limits", seconds=f"{limits.timeout:g}", rows=f"{limits.max_rows:,}", memory=limits.memory,
                       slots=settings.sql_slots()))
    if _QUERY not in st.session_state:
        st.session_state[_QUERY] = (st.query_params.get("q") or EXAMPLES["year_end_statuses"])[:MAX_SQL]
    st.selectbox(
        state.t("sql.examples"), ["", *EXAMPLES], key="qj_sql_example", on_change=_use_example,
        format_func=lambda key: state.t("sql.examples_pick") if not key else state.t(f"sql.example.{key}"),
    )
    # Ctrl+Enter in the editor commits the text, which runs it; so does the button.
    sql = st.text_area(
        state.t("sql.editor"), key=_QUERY, height=200, help=state.t("sql.editor_help"), max_chars=MAX_SQL,
        on_change=lambda: st.session_state.update(qj_sql_go=True),
    )
    clicked = st.button(state.t("sql.run"), type="primary", icon=":material/play_arrow:")
    with st.expander(state.t("sql.schema")):
        schema_browser(state)
    from_link = st.query_params.get("q") == sql and "qj_sql_ran" not in st.session_state
    go = clicked or st.session_state.pop("qj_sql_go", False) or from_link or st.session_state.get("qj_sql_ran") == sql
    if not sql.strip() or not go:
        return
    st.query_params["q"] = sql
    st.session_state["qj_sql_ran"] = sql
    with st.spinner(state.t("sql.running"), show_time=True):
        answer = run(sql, connection.warehouse_path(), limits)
    if answer.busy:
        st.warning(state.t("sql.busy", slots=settings.sql_slots()), icon=":material/hourglass_top:")
        return
    if not answer.ok:
        st.info(failure_text(state, answer, limits, MAX_SQL), icon=":material/info:")
        return
    frame = answer_frame(answer.columns, answer.rows)
    note = state.t("sql.truncated", rows=f"{frame.height:,}") if answer.truncated else ""
    st.caption(state.t("sql.answered", rows=f"{frame.height:,}", seconds=f"{answer.seconds:.2f}") + note)
    st.dataframe(frame, hide_index=True)
    downloads(state, frame, "query", "SQL")
