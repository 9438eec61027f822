"""Commentary on the commission's own server (QJGOV_MODE=office): the owner department's
editors submit a note, the lead office's approvers approve it or return it with a reason, every
write is checked again from the signed-in person (never from what the page sent) and recorded
in the audit trail, and only approved notes reach the warehouse and the pages. The people are
signed in as the provider would have them (AppTest.user); the browser sign-in itself is
tests/test_signin.py's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import demo_for_the_app
from qjgov.office import audit, notes
from qjgov.paths import ROOT
from qjgov.warehouse.build import build

APP = str(ROOT / "app.py")
JUNE = dt.date(2021, 6, 30)
EDITOR = "Yizheng.Editor@Example.gov.cn"  # 医政医管科 owns G01; 行政审批科 owns G02 and leads both
APPROVER = "shenpi@example.gov.cn"
VIEWER = "viewer@example.gov.cn"
STEWARD = "steward@example.gov.cn"
ADMIN = "admin@example.gov.cn"
ACCESS = f'''
unlisted = "refuse"

[[person]]
email = "{EDITOR.lower()}"
department = "医政医管科"
roles = ["editor"]

[[person]]
email = "{APPROVER}"
department = "行政审批科"
roles = ["approver"]

[[person]]
email = "{VIEWER}"
department = "疾病预防控制科"
roles = ["viewer"]

[[person]]
email = "{STEWARD}"
department = "行政审批科"
roles = ["steward"]

[[person]]
email = "{ADMIN}"
department = "行政审批科"
roles = ["admin"]
'''


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small demo warehouse served in office mode with the access file above."""
    folder = tmp_path_factory.mktemp("office-access")
    access_file = folder / "access.toml"
    access_file.write_text(ACCESS, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QJGOV_MODE", "office")
        patch.setenv("QJGOV_ACCESS", str(access_file))
        patch.delenv("QJGOV_LOCAL", raising=False)
        for warehouse in demo_for_the_app(tmp_path_factory, "office-warehouse", cases_per_year=800):
            patch.setenv("QJGOV_DATA", str(warehouse.parent))  # a rebuild from the app lands on this data
            yield warehouse


def signed_in(email: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    at.query_params.update({"lang": "en", "as_of": JUNE.isoformat(), **query})
    return at.run()


def online_page(email: str, goal: str) -> AppTest:
    at = signed_in(email, goal=goal)
    at.switch_page("pages/online.py").run()
    assert not at.exception, at.exception
    return at


def form_key(goal: str) -> str:
    return f"note_{goal}_{JUNE.isoformat()}_en"


def test_an_editor_submits_on_their_goal_only_and_the_note_waits_for_approval(office: Path) -> None:
    store = notes.store_path(office)
    at = online_page(EDITOR, "G01")
    key = form_key("G01")
    at.text_area(key=f"{key}_progress").set_value("全程网办改造已完成六成")
    [b for b in at.button if b.proto.form_id == key][0].click().run()
    assert not at.exception
    assert any(s.value.startswith("Submitted (") for s in at.success)
    row = notes.latest(store, "G01", JUNE)
    assert (row["state"], row["author_department"], row["author_role"], row["author_email"]) == (
        "submitted", "医政医管科", "editor", EDITOR.lower())
    # Not on another department's goal: no form, and the page says why.
    at = online_page(EDITOR, "G02")
    assert not [b for b in at.button if b.proto.form_id == form_key("G02")]
    assert any("Only editors of" in c.value for c in at.caption)
    # A submitted note is not in the warehouse, nor on the page, after a rebuild.
    build(office.parent / "raw", target=office, log=lambda message: None)
    con = duckdb.connect(str(office), read_only=True)
    assert con.sql("select count(*) from marts.goal_commentary where goal_id = 'G01' and as_of = ?", params=[JUNE]).fetchall() == [(0,)]
    con.close()
    assert ("note_submitted", "ok", "G01 2021-06-30") in [
        (e["action"], e["outcome"], e["target"]) for e in audit.read(store) if e["email"] == EDITOR.lower()]


def test_a_write_forged_past_the_page_is_refused_on_the_server(office: Path) -> None:
    """The editor's session sends a note for G02 (their page never offered it): the server
    checks the signed-in person again and refuses, and the refusal is on the record."""
    store = notes.store_path(office)
    before = len(notes.read_all(store))

    def forged() -> None:
        import datetime as dt

        import streamlit as st

        from qjgov.app import commentary

        try:
            commentary.save_note("G02", dt.date(2021, 6, 30), "伪造", "", "")
        except commentary.EditingOff as refused:
            st.write(f"refused: {refused.reason}")

    at = AppTest.from_function(forged, default_timeout=60)
    at.user = {"is_logged_in": True, "email": EDITOR, "email_verified": True}
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["refused: not_editor"]
    assert len(notes.read_all(store)) == before
    last = audit.read(store)[-1]
    assert (last["email"], last["action"], last["outcome"]) == (EDITOR.lower(), "refused", "refused")


def test_the_approver_returns_with_a_reason_then_approves_and_the_note_is_shown_approved(office: Path) -> None:
    store = notes.store_path(office)
    if not notes.latest(store, "G01", JUNE) or notes.latest(store, "G01", JUNE)["state"] != "submitted":
        notes.add(store, notes.Note("G01", JUNE, progress="全程网办改造已完成六成"),
                  author=notes.Author("医政医管科", "editor", EDITOR.lower()), state="submitted")
    # A viewer sees neither the waiting note nor a form.
    at = online_page(VIEWER, "G01")
    assert not any("waiting for" in i.value for i in at.info)
    assert not at.text_area
    # The approver returns it: a reason is required, then given.
    at = online_page(APPROVER, "G01")
    assert any("waiting for" in i.value for i in at.info)
    desk = f"desk_G01_{JUNE.isoformat()}_en"
    [b for b in at.button if b.proto.form_id == f"{desk}_decide" and b.label == "Return"][0].click().run()
    assert any("needs the reason" in e.value for e in at.error)
    at.text_area(key=f"{desk}_reason").set_value("请补充六月数据来源")
    [b for b in at.button if b.proto.form_id == f"{desk}_decide" and b.label == "Return"][0].click().run()
    assert any(s.value.startswith("Returned to its author") for s in at.success)
    assert notes.latest(store, "G01", JUNE)["state"] == "returned"
    # The editor sees why, submits again; the approver approves.
    at = online_page(EDITOR, "G01")
    assert any("Returned" in w.value for w in at.warning)
    key = form_key("G01")
    at.text_area(key=f"{key}_progress").set_value("全程网办改造已完成六成（数据来自六月台账）")
    [b for b in at.button if b.proto.form_id == key][0].click().run()
    at = online_page(APPROVER, "G01")
    [b for b in at.button if b.proto.form_id == f"{desk}_decide" and b.label == "Approve"][0].click().run()
    assert any(s.value.startswith("Approved.") for s in at.success)
    build(office.parent / "raw", target=office, log=lambda message: None)
    at = online_page(VIEWER, "G01")
    assert any("Approved by Administrative Approval" in c.value for c in at.caption), [c.value for c in at.caption]
    actions = [(e["action"], e["outcome"]) for e in audit.read(store)]
    assert ("note_returned", "ok") in actions and ("note_approved", "ok") in actions
    con = duckdb.connect(str(office), read_only=True)
    text = " ".join(str(v) for row in con.sql("select * from marts.goal_commentary_history").fetchall() for v in row)
    con.close()
    assert "@" not in text  # no staff e-mail reaches the warehouse
    # The monthly report shows the approved note, and who approved it.
    from qjgov.reporting import data as report_data, document

    html = document.document(report_data.read(office, JUNE), "en", draw=lambda spec: "<svg/>")
    assert "全程网办改造已完成六成（数据来自六月台账）" in html and "Approved by Administrative Approval" in html


def test_a_decision_forged_by_an_editor_is_refused_on_the_server(office: Path) -> None:
    store = notes.store_path(office)
    waiting = notes.add(store, notes.Note("G01", JUNE, progress="再次提交"),
                        author=notes.Author("医政医管科", "editor", EDITOR.lower()), state="submitted")

    def forged(note_id: int) -> None:
        import streamlit as st

        from qjgov.app import commentary

        try:
            commentary.decide_note("G01", note_id, True)
        except commentary.EditingOff as refused:
            st.write(f"refused: {refused.reason}")

    at = AppTest.from_function(forged, args=(waiting,), default_timeout=60)
    at.user = {"is_logged_in": True, "email": EDITOR, "email_verified": True}
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["refused: not_approver"]
    assert notes.latest(store, "G01", JUNE)["state"] == "submitted"


def test_the_steward_imports_and_rebuilds_the_admin_reads_the_trail_and_a_viewer_does_neither(office: Path) -> None:
    def data_page(email: str) -> AppTest:
        at = signed_in(email)
        at.switch_page("pages/data.py").run()
        assert not at.exception, at.exception
        return at

    viewer = data_page(VIEWER)
    assert any("Only a data steward" in i.value for i in viewer.info)
    assert not [b for b in viewer.button if b.label == "Rebuild the warehouse now"]
    assert not [h for h in viewer.subheader if h.value == "Audit trail"]
    steward = data_page(STEWARD)
    assert not any("Only a data steward" in i.value for i in steward.info)
    assert not [h for h in steward.subheader if h.value == "Audit trail"]
    [b for b in steward.button if b.label == "Rebuild the warehouse now"][0].click().run()
    assert not steward.exception, steward.exception
    store = notes.store_path(office)
    assert ("rebuild", "ok", STEWARD) in [(e["action"], e["outcome"], e["email"]) for e in audit.read(store)]
    admin = data_page(ADMIN)
    assert [h for h in admin.subheader if h.value == "Audit trail"]
    assert any(STEWARD in str(frame.value.to_dict()) for frame in admin.dataframe)
