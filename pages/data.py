"""Data: when and from what the warehouse was built, rows per table, the data tests and the
time span the goals cover (meta.* and the marts' as-of dates)."""

from pathlib import Path

import polars as pl
import streamlit as st

from qjgov import settings
from qjgov.app import formatting, imports, permits, reads, tables
from qjgov.app.navigation import page_state
from qjgov.present import words

state = page_state()
lang = state.lang
formatting.page_header(state, state.t("data.title"), state.t("data.lead"))

info = reads.build_info()
dates = reads.as_of_dates()
data_first, data_last = reads.data_span()
first, last = dates[0], dates[-1]
baseline = first.replace(year=first.year - 1, month=12, day=31)
facts = [
    (state.t("data.built_at"), info["built_at"].strftime("%Y-%m-%d %H:%M:%S") if info.get("built_at") else "—"),
    (
        state.t("data.build_seconds"),
        state.t("data.seconds", value=f"{float(info['build_seconds']):.1f}") if info.get("build_seconds") is not None else "—",
    ),
    (state.t("data.data_span"), state.t("data.span_value", first=str(data_first), last=str(data_last))),
    (state.t("data.span"), state.t("data.span_value", first=first.isoformat(), last=last.isoformat())),
    (state.t("data.duckdb"), info.get("duckdb_version", "—")),
    (state.t("data.storage"), info.get("storage_version", "—")),
]
colon = "：" if lang == "zh" else ": "
st.markdown("\n".join(f"- **{name}**{colon}{value}" for name, value in facts))
st.caption(state.t("data.span_help", baseline=baseline.isoformat()))

st.subheader(state.t("data.tests"), anchor="tests")
tests = reads.test_results()
failed = tests.filter(~pl.col("passed") & (pl.col("severity") == "error")).height
warned = tests.filter(~pl.col("passed") & (pl.col("severity") == "warn")).height
st.markdown(state.t("data.tests_summary", passed=tests.filter(pl.col("passed")).height, failed=failed, warned=warned))


def test_description(name: str) -> str:
    """A written test's own description; for a test a model header declares
    (`grain__marts.goal_progress`), what kind of test it is and on which table."""
    kind, _, model = name.partition("__")
    if model:
        return state.t(f"data.test.{kind}", model=model)
    return state.t(f"data.test.{name}") if words.has(f"data.test.{name}") else state.t("data.test.other")


def outcome(passed: bool, severity: str) -> str:
    if passed:
        return state.t("data.passed")
    return state.t("data.warned") if severity == "warn" else state.t("data.failed")


# What each check makes sure of, in the reader's words; the checks' own names go in the details.
checks = pl.DataFrame(
    {
        state.t("data.col.description"): [test_description(name) for name in tests["test"].to_list()],
        state.t("data.col.severity"): [state.t(f"data.severity.{s}") for s in tests["severity"].to_list()],
        state.t("data.col.failing_rows"): tests["failing_rows"],
        state.t("data.col.passed"): [outcome(p, s) for p, s in zip(tests["passed"].to_list(), tests["severity"].to_list())],
    }
)
tables.show_table(checks, counts=[state.t("data.col.failing_rows")], height=min(600, 35 * (tests.height + 1) + 3))

st.subheader(state.t("data.raw_files"), anchor="raw-files")
raw = reads.raw_files()
tables.show_table(
    pl.DataFrame(
        {
            state.t("data.col.raw_table"): raw["raw_table"],
            state.t("data.col.file"): [Path(f).name for f in raw["file"].to_list()],
            state.t("data.col.rows"): raw["row_count"],
        }
    ),
    counts=[state.t("data.col.rows")],
)

with st.expander(state.t("data.technical")):
    st.markdown(f"**{state.t('data.tests')}**")
    tables.show_table(
        checks.insert_column(0, pl.Series(state.t("data.col.test"), tests["test"])),
        counts=[state.t("data.col.failing_rows")],
        height=min(600, 35 * (tests.height + 1) + 3),
    )
    st.markdown(f"**{state.t('data.models')}**")
    runs = reads.model_runs()
    tables.show_table(
        pl.DataFrame(
            {
                state.t("data.col.model"): runs["model"],
                state.t("data.col.layer"): [
                    state.t(f"data.layer.{layer}") if words.has(f"data.layer.{layer}") else layer
                    for layer in runs["layer"].to_list()
                ],
                state.t("data.col.rows"): runs["row_count"],
                state.t("data.col.seconds"): runs["seconds"],
            }
        ),
        trips=[state.t("data.col.seconds")],
        counts=[state.t("data.col.rows")],
        height=min(600, 36 * (runs.height + 1) + 3),
    )

imports.import_panel(state)
imports.rebuild_panel(state)

if settings.office() and permits.may("audit"):
    st.subheader(state.t("data.audit"), anchor="audit")
    st.caption(state.t("data.audit_help"))
    trail = permits.audit_trail()
    if trail:
        keys = ("at", "email", "role", "department", "action", "target", "outcome", "detail")
        st.dataframe(
            pl.DataFrame({state.t(f"data.audit_col.{key}"): [str(row[key] or "") for row in trail] for key in keys}),
            hide_index=True,
        )
    else:
        st.caption(state.t("common.no_rows"))
