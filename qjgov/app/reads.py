"""What the pages read: the shared read queries (`qjgov.present.reads`), cached.

One `connection.PublishedWarehouse` per process (`st.cache_resource`) holds a read-only connection per
published file and a cursor per query. Each script run pins the build it started on
(`pin_build`), so a page never mixes two builds, and the next run moves to the newest one.
Results are cached on the build's identity, the SQL text and its parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from pathlib import Path
from typing import Callable

import polars as pl
import streamlit as st

from qjgov import versions
from qjgov.app import heap
from qjgov.present import connection, words
from qjgov.present import reads as shared

_BUILD_LOCK = threading.Lock()
_MODEL_STEP = re.compile(r"\[\s*(\d+)/(\d+)\]")
_PINNED = "qj_build"


# --------------------------------------------------------------------------- connection


@st.cache_resource(show_spinner=False, on_release=lambda warehouse: warehouse.close())
def _warehouse(path: str) -> connection.PublishedWarehouse:
    """The process's reader of the warehouse published at `path`."""
    return connection.PublishedWarehouse(Path(path))


@st.cache_data(show_spinner=False, max_entries=2000)
def _query(path: str, build: connection.Identity, sql: str, params: tuple) -> pl.DataFrame:
    return _warehouse(path).query(sql, list(params) if params else None, pinned=build)


def pin_build() -> connection.Identity:
    """Pin this script run to the build published now; the next run will look again."""
    build = _warehouse(str(connection.warehouse_path())).current()
    st.session_state[_PINNED] = build
    return build


def build() -> connection.Identity:
    """The build this script run reads (pinned by app.py), or the one published now."""
    return tuple(st.session_state.get(_PINNED) or _warehouse(str(connection.warehouse_path())).current())


def query(sql: str, params: tuple = ()) -> pl.DataFrame:
    """Run a read-only query on the served warehouse; cached on (file, build, SQL, params)."""
    return _query(str(connection.warehouse_path()), build(), sql, tuple(params))


def query_once(sql: str, params: tuple = ()) -> pl.DataFrame:
    """The same, not cached: a whole list read for a download."""
    return _warehouse(str(connection.warehouse_path())).query(sql, list(params) if params else None, pinned=build())


def open_warehouse(texts: Callable[[str], str]) -> str:
    """Pin the run to the published build; stop the page with a plain message when another
    program holds the file open for writing (which blocks every reader), or when the file
    lacks marts this version's pages read (built by an older version); say so above the page
    when it was built from other models or seeds than this version's, or it cannot tell.
    Returns which ("same", "other" or "unknown"; see `warehouse_age`)."""
    heap.freeze_once()  # every run starts here: the libraries are loaded by now
    try:
        pin_build()
    except connection.WarehouseBusy:
        st.error(texts("warehouse.busy").format(path=connection.warehouse_path()))
        st.stop()
    missing, models = warehouse_age()
    if missing:
        shown = ", ".join(missing[:4]) + (f" (+{len(missing) - 4})" if len(missing) > 4 else "")
        st.error(texts("warehouse.outdated").format(path=connection.warehouse_path(), missing=shown))
        st.stop()
    if models != "same":
        st.warning(texts(f"warehouse.{models}_models"), icon=":material/update:")
    return models


AGE_CHECKED_EVERY = 10  # seconds: an edit of the models or seeds is told within this


def warehouse_age() -> tuple[list[str], str]:
    """The marts the warehouse lacks, and whether it was built from this version's models and
    seeds (`versions.warehouse_age`). Every run asks, and the answer walks the models and seeds
    on disk, so it is kept per build for a few seconds."""
    return _warehouse_age(str(connection.warehouse_path()), build())


@st.cache_data(show_spinner=False, ttl=AGE_CHECKED_EVERY, max_entries=8)
def _warehouse_age(path: str, build: connection.Identity) -> tuple[list[str], str]:
    return versions.warehouse_age(lambda sql: _query(path, build, sql, ()))


def ensure_warehouse(texts: Callable[[str], str], log_lines: int = 6) -> None:
    """Build the demo warehouse when there is none (a hosted demo's first start), showing
    progress; stop the page with a message naming the problem when that fails. A warehouse
    that exists is never rebuilt here, however old (see `open_warehouse`).

    One build per process at a time: a second session that arrives meanwhile waits for the
    lock and then finds the file.
    """
    path = connection.warehouse_path()
    if path.exists():
        return
    from qjgov.warehouse.build import BuildError
    from qjgov.demo.build import ensure_demo_warehouse

    with _BUILD_LOCK:
        if path.exists():
            return
        with st.status(texts("warehouse.building"), expanded=True) as status:
            bar = st.progress(0.0)
            tail = st.empty()
            lines: list[str] = []

            def log(message: str) -> None:
                lines.append(str(message))
                tail.code("\n".join(lines[-log_lines:]), language=None)
                step = _MODEL_STEP.search(str(message))
                if step:
                    bar.progress(min(1.0, int(step.group(1)) / int(step.group(2))))

            try:
                ensure_demo_warehouse(path, log=log)
            except (BuildError, OSError, ImportError) as error:
                status.update(state="error")
                st.error(texts("warehouse.failed").format(error=words.plain(error)))
                st.stop()
            bar.progress(1.0)
            status.update(label=texts("warehouse.ready"), state="complete", expanded=False)


# --------------------------------------------------------------------------- labels


def per_build(read: Callable[[], object]) -> Callable[[], object]:
    """A read every script run makes (dates, departments, areas, goals, build facts) kept per
    build in the process, as formatting keeps its labels: a hit of `query` hashes the SQL and
    its parameters (about half a millisecond), and each run asks for six of these. The value
    is shared, so callers treat it as read-only (polars frames are; lists and dicts are copied)."""
    @functools.lru_cache(maxsize=4)
    def kept(path: str, build: connection.Identity) -> object:
        return read()

    @functools.wraps(read)
    def cached() -> object:
        value = kept(str(connection.warehouse_path()), build())
        return type(value)(value) if isinstance(value, (list, dict)) else value

    return cached


# --------------------------------------------------------------------------- the shared reads, cached


@per_build
def as_of_dates() -> list[dt.date]:
    return shared.as_of_dates(query)


@per_build
def departments() -> pl.DataFrame:
    return shared.departments(query)


@per_build
def areas() -> pl.DataFrame:
    return shared.areas(query)


@per_build
def targets() -> pl.DataFrame:
    return shared.targets(query)


@per_build
def build_info() -> dict:
    return shared.build_info(query)


@per_build
def generated_data() -> bool:
    return shared.generated_data(query)


def rules() -> pl.DataFrame:
    return shared.rules(query)


def code_labels() -> dict[tuple[str, str], str]:
    return shared.code_labels(query)


def progress(as_of: dt.date, department: str | None) -> pl.DataFrame:
    return shared.progress(query, as_of, department)


def series(department: str | None, until: dt.date) -> pl.DataFrame:
    return shared.series(query, department, until)


def by_department(goal_id: str, as_of: dt.date) -> pl.DataFrame:
    return shared.by_department(query, goal_id, as_of)


def goal_owners() -> pl.DataFrame:
    return shared.goal_owners(query)


def goal_changes(as_of: dt.date) -> pl.DataFrame:
    return shared.goal_changes(query, as_of)


def commentary(as_of: dt.date, goal_id: str | None = None) -> pl.DataFrame:
    return shared.commentary(query, as_of, goal_id)


def commentary_history(goal_id: str, as_of: dt.date) -> pl.DataFrame:
    return shared.commentary_history(query, goal_id, as_of)


def goal_items(goal_id: str, as_of: dt.date, department: str | None) -> pl.DataFrame:
    return shared.goal_items(query, goal_id, as_of, department)


def case_record_counts(goal_id: str, as_of: dt.date, department: str | None, text: str | None = None) -> pl.DataFrame:
    return shared.case_record_counts(query, goal_id, as_of, department, text)


def case_records(goal_id: str, as_of: dt.date, department: str | None, text: str | None = None,
                 page: int | None = None, page_rows: int = shared.LIST_PAGE_ROWS) -> pl.DataFrame:
    """A page of the list (cached), or the whole list (`page` None, read once for a download)."""
    return shared.case_records(query_once if page is None else query, goal_id, as_of, department, text, page, page_rows)


def open_duty_counts(goal_id: str, as_of: dt.date, department: str | None, text: str | None = None,
                     overdue_only: bool = False) -> pl.DataFrame:
    return shared.open_duty_counts(query, goal_id, as_of, department, text, overdue_only)


def open_duties(goal_id: str, as_of: dt.date, department: str | None, text: str | None = None, overdue_only: bool = False,
                page: int | None = None, page_rows: int = shared.LIST_PAGE_ROWS) -> pl.DataFrame:
    """A page of the list (cached), or the whole list (`page` None, read once for a download)."""
    return shared.open_duties(query_once if page is None else query, goal_id, as_of, department, text, overdue_only, page, page_rows)


def handling_time(as_of: dt.date, department: str | None) -> pl.DataFrame:
    return shared.handling_time(query, as_of, department)


def secondary(goal_id: str, as_of: dt.date, department: str | None) -> pl.DataFrame:
    return shared.secondary(query, goal_id, as_of, department)


def milestones(as_of: dt.date) -> pl.DataFrame:
    return shared.milestones(query, as_of)


def data_span() -> tuple:
    return shared.data_span(query)


def catalogue_tables() -> pl.DataFrame:
    return shared.catalogue_tables(query)


def catalogue_columns() -> pl.DataFrame:
    return shared.catalogue_columns(query)


def raw_tables() -> list[str]:
    return shared.raw_tables(query)


def raw_files() -> pl.DataFrame:
    return shared.raw_files(query)


def model_runs() -> pl.DataFrame:
    return shared.model_runs(query)


def test_results() -> pl.DataFrame:
    return shared.test_results(query)


# The lists read a page at a time, by goal family: (counts per department, records).
WAREHOUSE_LISTS = {"case": (case_record_counts, case_records), "duty": (open_duty_counts, open_duties)}
