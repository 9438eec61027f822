"""The Data page's import panel: upload export files, see the importer's report and the first
rows as they will land, then import and rebuild. Only on an analyst's own machine with
writing switched on (`qjgov.settings`); a public deployment never writes.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from qjgov import settings
from qjgov.app import reads
from qjgov.app.state import State
from qjgov.app.tables import show_table

def _saved(uploads: list) -> list[Path]:
    """The uploaded files on disk (the importer reads files), in upload order."""
    folder = Path(tempfile.gettempdir()) / "qjgov-uploads"
    paths = []
    for upload in uploads:
        data = upload.getvalue()
        target = folder / hashlib.sha256(data).hexdigest()[:16] / Path(upload.name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_bytes(data)
        paths.append(target)
    return paths


def report_table(state: State, reports: list) -> pl.DataFrame:
    t = state.t
    return pl.DataFrame(
        {
            t("import.col.file"): [Path(r.file).name for r in reports],
            t("import.col.table"): [r.table or "—" for r in reports],
            t("import.col.read"): [r.rows_read for r in reports],
            t("import.col.landed"): [r.landed for r in reports],
            t("import.col.replaced"): [r.replaced for r in reports],
            t("import.col.duplicates"): [r.duplicates for r in reports],
            t("import.col.quarantined"): [r.quarantined for r in reports],
            t("import.col.skipped"): [r.skipped_rows for r in reports],
            t("import.col.outcome"): [t("import.refused", reason=r.reason) if r.refused else t("import.ok") for r in reports],
        }
    )


def import_panel(state: State) -> None:
    st.subheader(state.t("import.title"), anchor="import")
    if not settings.local():
        st.info(state.t("import.off", setting=settings.LOCAL), icon=":material/lock:")
        return
    # Imports write the landing zone and rebuild: the warehouse room does it, on this machine only.
    from qjgov.warehouse.build import BuildError, build
    from qjgov.warehouse.importer import Importer

    st.caption(state.t("import.lead"))
    uploads = st.file_uploader(state.t("import.files"), type=["csv", "xlsx", "xls"], accept_multiple_files=True, key="qj_import_files")
    table = st.selectbox(
        state.t("import.table"), ["", *reads.raw_tables()], key="qj_import_table",
        format_func=lambda name: state.t("import.table_auto") if not name else name,
    )
    if not uploads:
        return
    paths = _saved(uploads)
    reports = Importer(log=lambda message: None).run(paths, table or None, dry_run=True)
    show_table(report_table(state, reports), counts=[state.t(f"import.col.{c}") for c in ("read", "landed", "replaced", "duplicates", "quarantined", "skipped")])
    for report in reports:
        if report.unrecognised_columns:
            st.caption(f"{Path(report.file).name} · {state.t('import.unrecognised')}: {', '.join(report.unrecognised_columns)}")
        if report.preview:
            with st.expander(state.t("import.preview", file=Path(report.file).name, n=len(report.preview))):
                st.dataframe(pl.DataFrame(report.preview), hide_index=True)
    if not any(r.landed or r.replaced for r in reports):
        st.caption(state.t("import.nothing"))
        return
    if st.button(state.t("import.go"), type="primary", icon=":material/upload:"):
        with st.status(state.t("import.running"), expanded=True) as status:
            log = st.empty()
            done = Importer(log=lambda message: log.code(message, language=None)).run(paths, table or None)
            try:
                build(log=lambda message: log.code(message, language=None))
            except BuildError as error:
                status.update(state="error")
                st.error(state.t("import.build_failed", error=error))
                return
            status.update(label=state.t("import.done", n=sum(r.landed + r.replaced for r in done)), state="complete")
        st.rerun()
