"""Commentary, owners and what changed: the append-only store and its refusals, commentary
surviving rebuilds into marts.goal_commentary, an asserted status never hiding the computed
one, editing refused unless QJGOV_LOCAL=1 (AppTest), and marts.goal_changes against the
monthly values it is made from."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from conftest import demo_for_the_app
from qjgov.app import commentary
from qjgov.present import numbers, statuses, words
from qjgov.paths import ROOT
from qjgov.office import notes
from qjgov.warehouse.build import build

APP = str(ROOT / "app.py")
JUNE = dt.date(2021, 6, 30)


# --------------------------------------------------------------------------- the store


def test_the_store_keeps_every_edit_and_refuses_to_change_one(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    first = notes.add(store, notes.Note("G01", JUNE, progress="一稿"), written_at=dt.datetime(2021, 7, 1, 9))
    second = notes.add(store, notes.Note("G01", JUNE, progress="二稿"), written_at=dt.datetime(2021, 7, 2, 9))
    assert second > first
    assert [row[3] for row in notes.read_all(store)] == ["一稿", "二稿"]
    assert notes.latest(store, "G01", JUNE)["progress"] == "二稿"
    con = sqlite3.connect(store)
    for statement in ("update notes set progress = 'x'", "delete from notes"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(statement)
    con.close()
    assert len(notes.read_all(store)) == 2


@pytest.mark.parametrize(
    "note, field",
    [
        (notes.Note("G09", JUNE, barriers="请联系 138 1234 5678 核实"), "barriers"),
        (notes.Note("G09", JUNE, progress="当事人身份证 500114199001011234 已核验"), "progress"),
        (notes.Note("G09", JUNE, progress="进展", asserted_status="on_track"), "justification"),
        (notes.Note("G09", JUNE, progress="进展", asserted_status="fine", justification="因为"), "asserted_status"),
        (notes.Note("G09", JUNE, progress="  "), "nothing written"),
        (notes.Note("G09", JUNE, next_steps="x" * (notes.MAX_CHARS + 1)), "next_steps"),
    ],
)
def test_the_store_refuses_personal_data_and_incomplete_notes(tmp_path: Path, note: notes.Note, field: str) -> None:
    store = tmp_path / "notes.sqlite"
    with pytest.raises(notes.NoteRefused, match=field):
        notes.add(store, note)
    assert notes.read_all(store) == []


def test_a_submitted_note_waits_for_its_decision_and_a_decision_is_a_new_row(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    editor = notes.Author("医政医管科", "editor", "yz@example.gov.cn")
    approver = notes.Author("行政审批科", "approver", "sp@example.gov.cn")
    first = notes.add(store, notes.Note("G01", JUNE, progress="一稿"), author=editor, state="submitted")
    assert notes.latest(store, "G01", JUNE)["state"] == "submitted"
    with pytest.raises(notes.NoteRefused, match="reason"):
        notes.decide(store, first, approve=False, decider=approver)  # a return says why
    returned = notes.decide(store, first, approve=False, decider=approver, reason="请补充七月数据")
    row = notes.latest(store, "G01", JUNE)
    assert (row["note_id"], row["state"], row["refers_to"], row["reason"], row["progress"]) == (returned, "returned", first, "请补充七月数据", "一稿")
    assert (row["author_department"], row["author_email"], row["decided_department"]) == ("医政医管科", "yz@example.gov.cn", "行政审批科")
    with pytest.raises(notes.NoteRefused, match="no longer"):
        notes.decide(store, first, approve=True, decider=approver)  # already decided
    second = notes.add(store, notes.Note("G01", JUNE, progress="二稿"), author=editor, state="submitted")
    approved = notes.decide(store, second, approve=True, decider=approver)
    assert notes.latest(store, "G01", JUNE)["state"] == "approved" and approved > second
    with pytest.raises(notes.NoteRefused, match="no longer"):
        notes.decide(store, second, approve=False, decider=approver, reason="晚了")
    assert [row[10] for row in notes.read_all(store)] == ["submitted", "returned", "submitted", "approved"]


def test_only_approved_notes_reach_the_warehouse_and_no_e_mail_does(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    editor = notes.Author("医政医管科", "editor", "yz@example.gov.cn")
    waiting = notes.add(store, notes.Note("G02", JUNE, progress="待审"), author=editor, state="submitted")
    kept = notes.add(store, notes.Note("G01", JUNE, progress="已审"), author=editor, state="submitted")
    notes.decide(store, kept, approve=True, decider=notes.Author("行政审批科", "approver", "sp@example.gov.cn"))
    con = duckdb.connect()
    assert notes.load_into(con, store) == 1
    rows = con.sql("select goal_id, progress, author_department, approved_by_department, approved_by_role from notes.goal_notes").fetchall()
    assert rows == [("G01", "已审", "医政医管科", "行政审批科", "approver")]
    text = " ".join(str(value) for row in con.sql("select * from notes.goal_notes").fetchall() for value in row)
    assert "@" not in text and waiting


def test_a_store_written_before_notes_had_states_keeps_its_notes_approved(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    con = sqlite3.connect(store)
    con.executescript(
        "create table notes (note_id integer primary key autoincrement, goal_id text not null, as_of text not null, "
        "progress text, barriers text, next_steps text, asserted_status text, justification text, "
        "written_at text not null, source text not null default 'office');"
        "insert into notes (goal_id, as_of, progress, written_at) values ('G01', '2021-06-30', '旧稿', '2021-07-01T09:00:00');"
    )
    con.close()
    assert notes.latest(store, "G01", JUNE)["state"] == "approved"  # read as it is
    notes.add(store, notes.Note("G01", JUNE, progress="新稿"))  # the store gains the columns
    assert [(row[3], row[10]) for row in notes.read_all(store)] == [("旧稿", "approved"), ("新稿", "approved")]


# --------------------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small demo warehouse (with the demo's sample commentary), and the app pointed at it."""
    yield from demo_for_the_app(tmp_path_factory, "commentary-warehouse", cases_per_year=1000)


def read(target: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(target), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_the_demo_ships_sample_commentary(demo: Path) -> None:
    sample = pl.read_csv(ROOT / "qjgov" / "demo" / "commentary.csv")
    rows = read(demo, "select count(*), count(distinct goal_id) from marts.goal_commentary_history where source = 'demo'")
    assert rows == [(sample.height, sample["goal_id"].n_unique())]


def test_commentary_survives_rebuilds_and_the_latest_edit_is_shown(demo: Path) -> None:
    store = notes.store_path(demo)
    raw = demo.parent / "raw"
    notes.add(store, notes.Note("G17", JUNE, progress="窗口授权清单已报审批科", next_steps="七月底前完成授权"))
    build(raw, target=demo, log=lambda message: None)
    assert read(demo, "select progress, versions from marts.goal_commentary where goal_id = 'G17' and as_of = ?", [JUNE]) == [
        ("窗口授权清单已报审批科", 1)
    ]
    notes.add(store, notes.Note("G17", JUNE, progress="授权已完成八成", asserted_status="on_track", justification="剩余事项七月授权"))
    build(raw, target=demo, log=lambda message: None)
    build(raw, target=demo, log=lambda message: None)  # and again: nothing is lost
    rows = read(
        demo,
        "select progress, versions, asserted_status, computed_status from marts.goal_commentary where goal_id = 'G17' and as_of = ?",
        [JUNE],
    )
    computed = read(demo, "select status from marts.goal_progress where goal_id = 'G17' and as_of = ?", [JUNE])[0][0]
    assert rows == [("授权已完成八成", 2, "on_track", computed)]
    history = read(demo, "select progress from marts.goal_commentary_history where goal_id = 'G17' and as_of = ? order by note_id", [JUNE])
    assert history == [("窗口授权清单已报审批科",), ("授权已完成八成",)]


def test_a_note_with_personal_data_written_around_the_app_stops_the_build(tmp_path: Path, demo: Path) -> None:
    """The store refuses personal data; a row put there by other means is caught by the
    build's scan, and the served warehouse stays as it was."""
    from qjgov.warehouse.build import BuildError

    target = tmp_path / "warehouse.duckdb"
    target.write_bytes(demo.read_bytes())
    store = notes.store_path(target)
    notes.add(store, notes.Note("G01", JUNE, progress="正常"))
    con = sqlite3.connect(store)
    con.execute("insert into notes (goal_id, as_of, progress, written_at) values ('G01', '2021-06-30', '电话 13812345678', '2021-07-01T09:00:00')")
    con.commit()
    con.close()
    before = target.read_bytes()
    with pytest.raises(BuildError, match=r"(?s)notes.goal_notes.progress.*The commentary store .*notes.sqlite holds it"):
        build(demo.parent / "raw", target=target, log=lambda message: None)
    assert target.read_bytes() == before


# --------------------------------------------------------------------------- what changed


def test_goal_changes_are_the_difference_from_the_previous_month_end(demo: Path) -> None:
    con = duckdb.connect(str(demo), read_only=True)
    progress = con.sql("select goal_id, as_of, actual, status from marts.goal_progress").pl()
    changed = con.sql("select * from marts.goal_changes").pl()
    con.close()
    assert changed.height == progress.height
    month_ends = sorted(d for d in progress["as_of"].unique().to_list() if (d + dt.timedelta(days=1)).day == 1)
    for row in changed.iter_rows(named=True):
        earlier = [d for d in month_ends if d < row["as_of"]]
        assert row["previous_as_of"] == (earlier[-1] if earlier else None)
        if not earlier:
            assert row["actual_change"] is None and not row["status_changed"]
            continue
        before = progress.filter((pl.col("goal_id") == row["goal_id"]) & (pl.col("as_of") == earlier[-1])).row(0, named=True)
        now = progress.filter((pl.col("goal_id") == row["goal_id"]) & (pl.col("as_of") == row["as_of"])).row(0, named=True)
        if before["actual"] is None or now["actual"] is None:
            assert row["actual_change"] is None
        else:
            assert row["actual_change"] == pytest.approx(now["actual"] - before["actual"])
        assert row["previous_status"] == before["status"]
        assert row["status_changed"] == (before["status"] != now["status"])


def test_changes_read_as_arrows_and_status_words() -> None:
    assert numbers.fmt_change("en", 0.021, "ratio") == "▲ 2.1\u00a0pp"
    assert numbers.fmt_change("zh", -0.0093, "ratio") == "▼ " + words.t("zh", "unit.pp", value="0.9")
    assert numbers.fmt_change("en", 0.0001, "ratio") == "= 0.0\u00a0pp"
    assert numbers.fmt_change("en", -0.05, "trips") == "▼ 0.05\u00a0trips"
    assert numbers.fmt_change("en", None, "ratio") == "—"
    assert numbers.fmt_change_short(0.021, "ratio") == "▲ 2.1" and numbers.fmt_change_short(-0.05, "trips") == "▼ 0.05"
    assert numbers.fmt_change_short(None, "ratio") == ""
    assert statuses.fmt_status_change("en", "at_risk", "on_track") == "At risk → On track".replace("At risk", words.t("en", "status.at_risk")).replace("On track", words.t("en", "status.on_track"))
    assert statuses.fmt_status_change("en", "on_track", "on_track") == ""
    assert statuses.fmt_status_change("en", None, "on_track") == ""


def test_owners_come_from_the_seeds(demo: Path) -> None:
    seeds = pl.read_csv(ROOT / "seeds" / "targets.csv").select("goal_id", "owner_department", "lead_office").sort("goal_id")
    marts = read(demo, "select goal_id, owner_department, lead_office from marts.goals order by goal_id")
    assert marts == list(seeds.iter_rows())
    departments = set(pl.read_csv(ROOT / "seeds" / "departments.csv").filter(~pl.col("unlinked"))["department"].to_list())
    milestones = pl.read_csv(ROOT / "seeds" / "milestones.csv")
    assert set(milestones["owner_department"]) | set(milestones["lead_office"]) <= departments
    assert read(demo, "select count(*) from marts.milestone_status where owner_department is null or lead_office_en is null") == [(0,)]


# --------------------------------------------------------------------------- the app


def start(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(query)
    return at.run()


def goal_tab_texts(at: AppTest) -> list[str]:
    return [str(node.value) for node in at.markdown] + [str(node.value) for node in at.caption]


def test_an_asserted_status_stands_beside_the_computed_one_on_the_goal_tab(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)
    asserted = read(demo, "select goal_id, as_of, asserted_status, computed_status from marts.goal_commentary where asserted_status is not null")
    assert asserted, "the demo's sample commentary asserts a status somewhere"
    goal_id, as_of, status, computed = asserted[0]
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": goal_id})
    at.switch_page("pages/reviews.py" if goal_id in ("G07", "G08", "G09", "G10") else "pages/overview.py").run()
    assert not at.exception
    pairs = [text for text in goal_tab_texts(at) if words.t("en", "commentary.asserted") in text and words.t("en", "commentary.computed") in text]
    assert pairs
    text = pairs[0]
    assert words.t("en", "status." + computed) in text and words.t("en", "status." + status) in text
    assert text.index(words.t("en", "commentary.computed")) < text.index(words.t("en", "commentary.asserted"))


def test_editing_is_refused_unless_the_app_runs_locally(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = notes.store_path(demo)
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)
    at = start({"lang": "en", "as_of": JUNE.isoformat(), "goal": "G09"})
    at.switch_page("pages/reviews.py").run()
    assert not at.exception
    assert not at.text_area and not at.get("form")
    assert any("Commentary is read-only here" in caption.value for caption in at.caption)
    before = len(notes.read_all(store))
    with pytest.raises(commentary.EditingOff):
        commentary.save_note("G09", JUNE, "进展", "", "")
    assert len(notes.read_all(store)) == before


def test_commentary_is_written_on_the_goal_tab_locally(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = notes.store_path(demo)
    monkeypatch.setenv("QJGOV_LOCAL", "1")
    at = start({"lang": "en", "as_of": JUNE.isoformat(), "goal": "G10"})
    at.switch_page("pages/reviews.py").run()
    assert not at.exception
    key = f"note_G10_{JUNE.isoformat()}_en"
    at.text_area(key=f"{key}_progress").set_value("Follow-up calls now logged the same day")
    at.text_area(key=f"{key}_barriers").set_value("Call 13812345678 for the list")
    submit = [b for b in at.button if b.proto.form_id == key][0]
    submit.click().run()
    assert not at.exception
    assert any(error.value.startswith("Not saved") and "Barriers holds what reads as an ID-card or mobile number" in error.value for error in at.error)
    assert notes.latest(store, "G10", JUNE) is None

    at.text_area(key=f"{key}_barriers").set_value("Some reviewers cannot be reached by phone")
    [b for b in at.button if b.proto.form_id == key][0].click().run()
    assert not at.exception
    assert any(success.value.startswith("Saved (") for success in at.success)
    saved = notes.latest(store, "G10", JUNE)
    assert saved["progress"] == "Follow-up calls now logged the same day"
    assert saved["barriers"] == "Some reviewers cannot be reached by phone"


def test_the_overview_lists_the_goals_whose_status_changed(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)
    rows = read(demo, "select as_of, list(goal_id order by goal_id) filter (where status_changed), bool_or(previous_as_of is null) "
                      "from marts.goal_changes group by as_of order by as_of")
    first, *later = rows
    assert first[2], "the first month-end has no previous one"
    at = start({"lang": "en", "as_of": first[0].isoformat()})
    assert not at.exception
    assert any(words.t("en", "changes.first") in caption.value for caption in at.caption)
    with_changes = [row for row in later if row[1]]
    assert with_changes, "the demo's statuses change at some month-end"
    as_of, changed, _ = with_changes[0]
    at = start({"lang": "en", "as_of": as_of.isoformat()})
    assert not at.exception
    listing = [m.value for m in at.markdown if m.value.startswith(words.t("en", "changes.changed", n=len(changed)))]
    assert len(listing) == 1
    assert re.findall(r"^- (G\d\d) ", listing[0], flags=re.M) == changed
