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

from qjgov import paths, settings
from qjgov.app import reads
from qjgov.app.permits import audit, may, signed_in_person
from qjgov.app.state import State
from qjgov.app.tables import show_table
from qjgov.present import connection
from qjgov.present.words import plain

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
            t("import.col.outcome"): [t("import.refused") if r.refused else t("import.ok") for r in reports],
        }
    )


_DONE = "_qj_import_done"  # what the last import did, shown after the rerun that follows it
_UPLOADS = "_qj_import_uploads"  # the uploader's generation: a new one starts empty after an import


def refused_rows_table(state: State, report) -> pl.DataFrame:
    """The first refused rows of a file with their reasons, as the quarantine file keeps them."""
    columns = ("sheet", "row", "key", "column", "value", "reason")
    return pl.DataFrame(
        {state.t(f"import.col.{c}"): [str(problem[c]) for problem in report.refused_rows] for c in columns},
        schema={state.t(f"import.col.{c}"): pl.String for c in columns},
    )


def import_panel(state: State) -> None:
    st.subheader(state.t("import.title"), anchor="import")
    if settings.office() and not may("import"):
        st.info(state.t("import.not_steward"), icon=":material/lock:")
        return
    if not (settings.local() or settings.office()):
        st.info(state.t("import.off", setting=settings.LOCAL), icon=":material/lock:")
        return
    # Imports write the landing zone and rebuild: the importing room does it, on this machine only.
    from qjgov.warehouse.build import BuildError, build
    from qjgov.importing.importer import PREVIEW_ROWS, Importer

    done = st.session_state.pop(_DONE, None)
    if done:
        st.success(done["message"], icon=":material/check_circle:")
        for line in done["refused"]:
            st.error(line, icon=":material/block:")
        for line in done["quarantined"]:
            st.warning(line, icon=":material/inventory_2:")
    st.caption(state.t("import.lead"))
    generation = st.session_state.setdefault(_UPLOADS, 0)
    uploads = st.file_uploader(
        state.t("import.files"), type=["csv", "xlsx", "xls"], accept_multiple_files=True, key=f"qj_import_files_{generation}",
    )
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
        name = Path(report.file).name
        if report.refused:
            st.error(state.t("import.refused.because", file=plain(name), reason=plain(report.reason)), icon=":material/block:")
        if report.unrecognised_columns:
            st.caption(f"{plain(name)} · {state.t('import.unrecognised')}: {plain(', '.join(report.unrecognised_columns))}")
        if report.refused_rows:
            with st.expander(state.t("import.refused_rows", file=plain(name), n=report.quarantined, shown=PREVIEW_ROWS), icon=":material/warning:"):
                st.dataframe(refused_rows_table(state, report), hide_index=True)
        if report.preview:
            with st.expander(state.t("import.preview", file=plain(name), n=PREVIEW_ROWS)):
                st.dataframe(pl.DataFrame(report.preview), hide_index=True)
    if not any(r.landed or r.replaced for r in reports):
        st.caption(state.t("import.nothing"))
        return
    if st.button(state.t("import.go"), type="primary", icon=":material/upload:"):
        names = ", ".join(Path(p).name for p in paths)[:200]
        person = signed_in_person() if settings.office() else None
        if settings.office() and not may("import"):  # checked again: the button's press is the visitor's word only
            audit(person, "refused", names, "refused", "import")
            st.error(state.t("import.not_steward"))
            return
        with st.status(state.t("import.running"), expanded=True) as status:
            log = st.empty()
            landed = Importer(log=lambda message: log.code(message, language=None)).run(paths, table or None)
            if settings.office():
                audit(person, "import", names, "ok", f"{sum(r.landed + r.replaced for r in landed)} rows")
            try:
                build(target=connection.warehouse_path(), log=lambda message: log.code(message, language=None))
            except BuildError as error:
                status.update(state="error")
                if settings.office():
                    audit(person, "rebuild", "warehouse", "failed", str(error)[:500])
                st.error(state.t("import.build_failed", error=plain(error)))
                return
            if settings.office():
                audit(person, "rebuild", "warehouse", "ok", "after an import")
            message = state.t("import.done", n=sum(r.landed + r.replaced for r in landed))
            status.update(label=message, state="complete")
        # The page reruns on the new build: what was done is said there, and the uploader starts
        # empty (the same files again would only be duplicates now).
        st.session_state[_DONE] = {
            "message": message,
            "refused": [state.t("import.refused_file", file=plain(Path(r.file).name), reason=plain(r.reason)) for r in landed if r.refused],
            "quarantined": [
                state.t("import.quarantine_saved", file=plain(Path(r.file).name), n=r.quarantined, path=plain(r.quarantine_file))
                for r in landed if r.quarantine_file
            ],
        }
        st.session_state[_UPLOADS] = generation + 1
        st.rerun()


def rebuild_panel(state: State) -> None:
    """On the commission's server, a steward's (or admin's) rebuild: approved commentary and
    landed files reach the pages with the next build."""
    if not (settings.office() and may("rebuild")):
        return
    st.button(state.t("import.rebuild"), icon=":material/refresh:", help=state.t("import.rebuild_help"),
              key="qj_rebuild", on_click=rebuild_now)
    outcome = st.session_state.pop("qj_rebuild_outcome", None)
    if outcome == "ok":
        st.success(state.t("import.rebuilt"))
    elif outcome == "refused":
        st.error(state.t("import.not_steward"))
    elif outcome:
        st.error(state.t("import.build_failed", error=plain(outcome)))


def rebuild_now() -> None:
    """The rebuild button's callback (run once, before the script): checked again from the
    signed-in person, the build, and its outcome on the trail and under the button."""
    person = signed_in_person()
    if not may("rebuild"):  # the press is the visitor's word only
        audit(person, "refused", "warehouse", "refused", "rebuild")
        st.session_state["qj_rebuild_outcome"] = "refused"
        return
    # A rebuild: the warehouse room does it, for a steward on the commission's server only.
    from qjgov.warehouse.build import BuildError, build

    try:
        build(raw_dir=paths.raw_dir(), target=connection.warehouse_path(), log=lambda message: None)
    except BuildError as error:
        audit(person, "rebuild", "warehouse", "failed", str(error)[:500])
        st.session_state["qj_rebuild_outcome"] = str(error)
        return
    audit(person, "rebuild", "warehouse", "ok")
    st.session_state["qj_rebuild_outcome"] = "ok"
