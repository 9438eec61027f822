"""The goal tab's commentary: who answers for the goal, what changed since the previous
month-end, and the office's update (progress, barriers, next steps, and a status it may
assert with its justification), always beside the computed status and "met today".

Reading is from the marts (marts.goal_commentary, marts.goal_commentary_history), like every
other page part: approved notes only. Writing is the one exception (`qjgov.settings`):
- on an analyst's own machine (`QJGOV_MODE=local`, or `QJGOV_LOCAL=1`) anyone writes, and a
  note is approved as it is saved;
- on the commission's own server (`QJGOV_MODE=office`) the goal's owner department's editors
  submit a note and its lead office's approvers approve it or return it with a reason
  (`qjgov.office.access`); each write is checked again here, from the signed-in person, never
  from what the page sent, and recorded in the audit trail;
- on the public demo nobody writes.
`save_note` and `decide_note` append to the store beside the warehouse (`qjgov.office.notes`,
data/notes.sqlite), which the next build carries into the marts. The office room is imported
inside the writing functions alone (see tests/test_layering.py), so the read path never
touches it and a hosted demo never writes.
"""

from __future__ import annotations

import datetime as dt
import html

import polars as pl
import streamlit as st

from qjgov import settings
from qjgov.app import reads
from qjgov.app.formatting import badge, department_label
from qjgov.app.owners import goal_owners, owner_caption
from qjgov.app.permits import audit, may, signed_in_person
from qjgov.app.state import State
from qjgov.present import connection, words
from qjgov.present.numbers import fmt_change, is_missing
from qjgov.present.owners import department_name, lead_name, owner_name
from qjgov.present.statuses import fmt_status_change

FIELDS = ("progress", "barriers", "next_steps")
ASSERTABLE = ("on_track", "at_risk", "off_track", "achieved", "missed")


class EditingOff(PermissionError):
    """This person may not write (or decide) this note here; `reason` names the words that say
    why (a key of commentary.*)."""

    def __init__(self, message: str, reason: str = "off") -> None:
        super().__init__(message)
        self.reason = reason


def latest(goal_id: str, as_of: dt.date) -> dict | None:
    """The latest commentary for a goal at a date, as the warehouse holds it."""
    frame = reads.commentary(as_of, goal_id)
    return frame.row(0, named=True) if frame.height else None


def history(goal_id: str, as_of: dt.date) -> pl.DataFrame:
    """Every edit of a goal's commentary at a date, newest first."""
    return reads.commentary_history(goal_id, as_of)


def status_pair(lang: str, computed: str | None, met: object, asserted: str | None = None) -> str:
    """HTML: the computed status and whether the target is met today, then, beside them and
    never instead, the status the office asserts."""
    met_word = "—" if is_missing(met) else words.t(lang, "commentary.yes" if met else "commentary.no")
    text = (
        f"{words.t(lang, 'commentary.computed')} {badge(lang, computed)} · "
        f"{words.t(lang, 'commentary.met_line', value=met_word)}"
    )
    if asserted:
        text += f" · {words.t(lang, 'commentary.asserted')} {badge(lang, asserted)}"
    return text


def user_text(text: str) -> str:
    """Free text the office wrote, escaped (it is shown as HTML) and marked as data: it stays
    in the language it was written in whatever the reader's language (the page tests skip it,
    as they skip table cells)."""
    return f'<div class="qj-user-text">{html.escape(text).replace(chr(10), "<br>")}</div>'


def _show_note(state: State, row: dict, note: dict) -> None:
    # The commentary speaks of the commission's goal: beside it stands the commission's computed
    # status (the mart's), even when the page is filtered to one department.
    computed, met = (note["computed_status"], note["met"]) if "computed_status" in note else (row["status"], row["met"])
    st.markdown(status_pair(state.lang, computed, met, note.get("asserted_status")), unsafe_allow_html=True)
    for field in FIELDS:
        if note.get(field):
            st.markdown(f"**{state.t('commentary.' + field)}**\n{user_text(note[field])}", unsafe_allow_html=True)
    if note.get("asserted_status") and note.get("justification"):
        st.markdown(f"**{state.t('commentary.justification')}**\n{user_text(note['justification'])}", unsafe_allow_html=True)


def commentary_section(state: State, row: dict) -> None:
    """The goal tab's hook: owners, change since the previous month-end, commentary (and, on
    an analyst's own machine, the editor). `row` is the goal's reads.progress row."""
    goal_id = row["goal_id"]
    owner_caption(state, goal_id)
    if not state.department:
        change = reads.goal_changes(state.as_of).filter(pl.col("goal_id") == goal_id)
        if change.height and change["previous_as_of"][0] is not None:
            c = change.row(0, named=True)
            moved = fmt_status_change(state.lang, c["previous_status"], c["status"])
            delta = fmt_change(state.lang, c["actual_change"], c["unit"]) + (f" · {moved}" if moved else "")
            st.caption(state.t("changes.goal_line", previous=c["previous_as_of"].isoformat(), change=delta))
    st.markdown(f"**{state.t('commentary.title')}**")
    note = latest(goal_id, state.as_of)
    if note:
        _show_note(state, row, note)
        written = note["written_at"].strftime("%Y-%m-%d %H:%M") if note.get("written_at") else "—"
        if note.get("approved_by_department"):
            st.caption(state.t("commentary.approved_line", dept=department_name(state.lang, note["approved_by_department"], note.get("approved_by_department_en")), at=written))
        st.caption(state.t("commentary.written", at=written, n=note["versions"]))
        if note["versions"] > 1:
            with st.expander(state.t("commentary.history")):
                for edit in history(goal_id, state.as_of).iter_rows(named=True):
                    status = words.t(state.lang, "status." + edit["asserted_status"]) if edit["asserted_status"] else state.t("commentary.no_assertion")
                    st.markdown(
                        f"{state.t('commentary.history_row', at=edit['written_at'].strftime('%Y-%m-%d %H:%M'), status=status)}"
                        + user_text(" / ".join(edit[f] for f in FIELDS if edit[f])),
                        unsafe_allow_html=True,
                    )
    else:
        st.markdown(status_pair(state.lang, row["status"], row["met"]), unsafe_allow_html=True)
        st.caption(state.t("commentary.none"))
    if settings.local():
        editor(state, row, note)
    elif settings.office():
        office_desk(state, row)
    else:
        st.caption(state.t("commentary.off", setting=settings.LOCAL))


def office_desk(state: State, row: dict) -> None:
    """On the commission's own server: the note waiting for a decision (to this goal's editors
    and approvers only), the approver's decision, and the editor's form that submits a note."""
    goal_id, lang = row["goal_id"], state.lang
    goal = goal_owners().get(goal_id, {})
    may_write, may_approve = may("write_note", goal), may("approve_note", goal)
    if not (may_write or may_approve):
        st.caption(state.t("commentary.not_editor", owner=owner_name(lang, goal)))
        return
    key = f"desk_{goal_id}_{state.as_of.isoformat()}_{lang}"
    waiting = waiting_note(goal_id, state.as_of)
    if waiting:
        at = str(waiting["written_at"]).replace("T", " ")
        if waiting["state"] == "submitted":
            st.info(state.t("commentary.state_submitted", at=at, lead=lead_name(lang, goal)), icon=":material/schedule:")
        else:
            st.warning(state.t("commentary.state_returned", at=at, dept=department_label(lang, waiting["decided_department"])),
                       icon=":material/undo:")
            st.markdown(f"**{state.t('commentary.returned_reason')}**\n{user_text(waiting['reason'] or '')}", unsafe_allow_html=True)
        _show_note(state, row, waiting)
        if may_approve and waiting["state"] == "submitted":
            with st.form(f"{key}_decide"):
                st.text_area(state.t("commentary.return_reason"), key=f"{key}_reason", max_chars=2000)
                left, right = st.columns(2)
                left.form_submit_button(state.t("commentary.approve"), type="primary", key=f"{key}_approve",
                                        on_click=_on_decide, args=(key, goal_id, state.as_of, waiting["note_id"], True))
                right.form_submit_button(state.t("commentary.return_note"), key=f"{key}_return",
                                         on_click=_on_decide, args=(key, goal_id, state.as_of, waiting["note_id"], False))
    outcome = st.session_state.pop(f"{key}_outcome", None)
    if outcome and outcome[0] in ("approved", "returned"):
        st.success(state.t(f"commentary.{outcome[0]}_now"))
    elif outcome:
        st.error(state.t("commentary.refused", reason=_reason(state, outcome[1], outcome[2], goal)))
    if may_write:
        editor(state, row, waiting or latest(goal_id, state.as_of), office=True)
    else:
        st.caption(state.t("commentary.not_editor", owner=owner_name(lang, goal)))


def editor(state: State, row: dict, note: dict | None, office: bool = False) -> None:
    """The form that appends a new version of this month's commentary: saved as approved on an
    analyst's own machine, submitted for approval on the commission's server (`office`)."""
    goal_id = row["goal_id"]
    pending = None if office else pending_note(goal_id, state.as_of)
    if pending and (not note or str(pending["written_at"]) > note["written_at"].isoformat(timespec="seconds")):
        st.info(state.t("commentary.pending", at=pending["written_at"].replace("T", " ")), icon=":material/schedule:")
        _show_note(state, row, pending)
        if st.button(state.t("commentary.rebuild"), key=f"rebuild_{goal_id}_{state.lang}"):
            rebuild_now(state)
        note = pending
    note = note or {}
    key = f"note_{goal_id}_{state.as_of.isoformat()}_{state.lang}"
    lead = lead_name(state.lang, goal_owners().get(goal_id, {}))
    with st.expander(state.t("commentary.edit_office" if office else "commentary.edit"), expanded=not note):
        st.caption(state.t("commentary.edit_office_help", lead=lead) if office else state.t("commentary.edit_help"))
        with st.form(key, clear_on_submit=False):
            for field in FIELDS:
                st.text_area(state.t("commentary." + field), value=note.get(field) or "", key=f"{key}_{field}", max_chars=2000)
            options = ["", *ASSERTABLE]
            current = note.get("asserted_status") or ""
            st.selectbox(
                state.t("commentary.asserted"), options, index=options.index(current) if current in options else 0,
                format_func=lambda s: state.t("commentary.asserted_none") if not s else words.t(state.lang, "status." + s),
                key=f"{key}_asserted",
            )
            st.text_area(state.t("commentary.justification"), value=note.get("justification") or "",
                                         key=f"{key}_justification", max_chars=2000)
            st.form_submit_button(state.t("commentary.submit" if office else "commentary.save"), type="primary",
                                  key=f"{key}_save", on_click=_on_save, args=(key, goal_id, state.as_of))
    outcome = st.session_state.pop(f"{key}_outcome", None)
    if outcome and outcome[0] == "saved":
        st.success(state.t("commentary.submitted", at=outcome[1], lead=lead) if office else state.t("commentary.saved", at=outcome[1]))
    elif outcome:
        st.error(state.t("commentary.refused", reason=_reason(state, outcome[1], outcome[2], goal_owners().get(goal_id, {}))))


def _reason(state: State, field: str, reason: str, goal: dict | None = None) -> str:
    """Why a note was refused, in the reader's language, naming the field."""
    if reason in ("not_editor", "not_approver"):
        goal = goal or {}
        return state.t("commentary." + reason, owner=owner_name(state.lang, goal), lead=lead_name(state.lang, goal))
    names = "、".join if state.lang == "zh" else ", ".join
    keys = ["commentary." + {"asserted_status": "asserted"}.get(name.strip(), name.strip()) for name in field.split(",")]
    label = names(state.t(key) for key in keys if words.has(key))
    return state.t("commentary.why_" + reason, field=label or field)


def _on_save(key: str, goal_id: str, as_of: dt.date) -> None:
    """The form's callback: runs before the script, so the note is stored (or refused) once
    whatever the run that follows does; the outcome is shown under the form."""
    values = {name: st.session_state.get(f"{key}_{name}") or "" for name in (*FIELDS, "asserted", "justification")}
    try:
        at = save_note(goal_id, as_of, values["progress"], values["barriers"], values["next_steps"],
                       values["asserted"] or None, values["justification"])
    except EditingOff as refused:
        st.session_state[f"{key}_outcome"] = ("refused", "", refused.reason)
    except ValueError as error:  # the store's NoteRefused: which field, and why
        st.session_state[f"{key}_outcome"] = ("refused", getattr(error, "field", ""), getattr(error, "reason", "invalid"))
    else:
        st.session_state[f"{key}_outcome"] = ("saved", at)


def _on_decide(key: str, goal_id: str, as_of: dt.date, note_id: int, approve: bool) -> None:
    """The approver's buttons: the decision is made (or refused) once, before the script runs."""
    try:
        decide_note(goal_id, note_id, approve, st.session_state.get(f"{key}_reason") or "")
    except EditingOff as refused:
        st.session_state[f"{key}_outcome"] = ("refused", "", refused.reason)
    except ValueError as error:
        st.session_state[f"{key}_outcome"] = ("refused", getattr(error, "field", ""), getattr(error, "reason", "invalid"))
    else:
        st.session_state[f"{key}_outcome"] = ("approved" if approve else "returned", "")


def save_note(goal_id: str, as_of: dt.date, progress: str, barriers: str, next_steps: str,
              asserted_status: str | None = None, justification: str = "") -> str:
    """Append a note to the store beside the served warehouse; the time it was written.
    On an analyst's machine it is approved as it is saved; on the commission's server only an
    editor of the goal's owner department may write, and the note is submitted for approval.
    Refused (EditingOff) anywhere else; the store refuses personal data, an asserted status
    without justification and an empty note (ValueError with the field named)."""
    if not (settings.local() or settings.office()):
        raise EditingOff(words.t("en", "commentary.editing_off", setting=settings.LOCAL))
    # Writing commentary: the office store beside the warehouse.
    from qjgov.office import notes

    when = dt.datetime.now().replace(microsecond=0)
    note = notes.Note(goal_id, as_of, progress, barriers, next_steps, asserted_status, justification)
    store = notes.store_path(connection.warehouse_path())
    target = f"{goal_id} {as_of.isoformat()}"
    if settings.local():
        notes.add(store, note, written_at=when)
        return when.strftime("%Y-%m-%d %H:%M:%S")
    person = signed_in_person()
    if person is None or not may("write_note", goal_owners().get(goal_id, {})):
        audit(person, "refused", target, "refused", "write_note")
        raise EditingOff("only an editor of the goal's owner department writes its commentary", "not_editor")
    author = notes.Author(person.department, person.role, person.email)
    try:
        note_id = notes.add(store, note, written_at=when, author=author, state="submitted")
    except ValueError as refused:
        audit(person, "note_submitted", target, "refused", str(refused))
        raise
    audit(person, "note_submitted", target, "ok", f"note {note_id}")
    return when.strftime("%Y-%m-%d %H:%M:%S")


def decide_note(goal_id: str, note_id: int, approve: bool, reason: str = "") -> int:
    """Approve a submitted note or return it with a reason (the commission's server only, an
    approver of the goal's lead office); the id of the decision's row."""
    from qjgov.office import notes

    person = signed_in_person() if settings.office() else None
    action = "note_approved" if approve else "note_returned"
    if person is None or not may("approve_note", goal_owners().get(goal_id, {})):
        if settings.office():
            audit(person, "refused", f"{goal_id} note {note_id}", "refused", "approve_note")
        raise EditingOff("only an approver of the goal's lead office decides its commentary", "not_approver")
    store = notes.store_path(connection.warehouse_path())
    latest_row = next((row for row in reversed(notes.read_all(store)) if row[0] == note_id), None)
    if latest_row is None or latest_row[1] != goal_id:  # a note of another goal sent as this one's
        audit(person, action, f"{goal_id} note {note_id}", "refused", "not this goal's note")
        raise notes.NoteRefused("note", "unknown_note", f"no note {note_id} for {goal_id}")
    try:
        decided = notes.decide(store, note_id, approve, notes.Author(person.department, person.role, person.email), reason)
    except ValueError as refused:
        audit(person, action, f"{goal_id} note {note_id}", "refused", str(refused))
        raise
    audit(person, action, f"{goal_id} note {note_id}", "ok", reason)
    return decided


def waiting_note(goal_id: str, as_of: dt.date) -> dict | None:
    """The store's latest note for a goal and date when it waits for a decision or was
    returned (shown to the goal's editors and approvers only); None otherwise."""
    from qjgov.office import notes

    row = notes.latest(notes.store_path(connection.warehouse_path()), goal_id, as_of)
    return row if row and row["state"] in ("submitted", "returned") else None


def pending_note(goal_id: str, as_of: dt.date) -> dict | None:
    """The store's latest note for a goal and date, which may be newer than the warehouse's
    (saved since the last build). Local machine only."""
    if not settings.local():
        return None
    from qjgov.office import notes

    return notes.latest(notes.store_path(connection.warehouse_path()), goal_id, as_of)


def rebuild_now(state: State) -> None:
    """Rebuild the warehouse so it carries the new commentary (local machine only)."""
    if not settings.local():
        return
    from qjgov.warehouse.build import BuildError, build

    with st.status(state.t("commentary.rebuild"), expanded=False) as status:
        try:
            build(target=connection.warehouse_path(), log=lambda message: None)
        except BuildError as error:
            status.update(state="error")
            st.error(words.plain(str(error)))
            return
        status.update(label=state.t("commentary.rebuilt"), state="complete")
    st.rerun()
