"""The audit trail (docs/deployment.md#audit-trail-and-backups): kept append-only in the office
store, bounded and free of control characters, printed by `python -m qjgov.audit` as a table or
as JSON, and never carried into the warehouse: a staff e-mail must not reach the public SQL page."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from qjgov.office import audit, notes
from qjgov.paths import ROOT

JUNE = dt.date(2021, 6, 30)
EDITOR = dict(email="editor@example.gov.cn", role="editor", department="医政医管科")


def record(store: Path, **values) -> None:
    audit.record(store, **{**EDITOR, "action": "note_submitted", "target": "G01", "outcome": "ok", **values})


def test_records_come_back_oldest_first_with_every_key(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    record(store, detail="六月说明", at=dt.datetime(2026, 12, 1, 9, 30))
    audit.record(store, email=None, role=None, department=None, action="sign_in_refused", target=None,
                 outcome="refused", detail="no verified e-mail", at=dt.datetime(2026, 12, 2, 8))
    assert audit.read(store) == [
        {"at": "2026-12-01T09:30:00", "email": "editor@example.gov.cn", "role": "editor", "department": "医政医管科",
         "action": "note_submitted", "target": "G01", "outcome": "ok", "detail": "六月说明"},
        {"at": "2026-12-02T08:00:00", "email": None, "role": None, "department": None,
         "action": "sign_in_refused", "target": None, "outcome": "refused", "detail": "no verified e-mail"},
    ]


def test_a_record_defaults_to_the_local_time_to_the_second(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    before = dt.datetime.now().replace(microsecond=0)
    record(store)
    at = dt.datetime.fromisoformat(audit.read(store)[0]["at"])
    assert at.tzinfo is None and before <= at <= dt.datetime.now()


def test_the_trail_shares_the_notes_file_and_refuses_update_and_delete(tmp_path: Path) -> None:
    store = notes.store_path(tmp_path / "warehouse.duckdb")
    notes.add(store, notes.Note("G01", JUNE, progress="一稿"))
    record(store)
    con = sqlite3.connect(store)
    assert {name for (name,) in con.execute("select name from sqlite_master where type = 'table'")} >= {"notes", "audit"}
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("update audit set outcome = 'refused'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("delete from audit")
    con.close()
    assert [entry["outcome"] for entry in audit.read(store)] == ["ok"]
    assert len(notes.read_all(store)) == 1


@pytest.mark.parametrize(("field", "bound"), [("email", 254), ("target", 200), ("detail", 2_000)])
def test_each_text_is_bounded(tmp_path: Path, field: str, bound: int) -> None:
    store = tmp_path / "notes.sqlite"
    record(store, **{field: "a" * bound})
    with pytest.raises(audit.AuditError, match=rf"{field} is {bound + 1:,} characters; at most {bound:,}") as refused:
        record(store, **{field: "a" * (bound + 1)})
    assert refused.value.field == field
    assert [len(entry[field]) for entry in audit.read(store)] == [bound]


@pytest.mark.parametrize("field", ["email", "role", "department", "target", "detail"])
@pytest.mark.parametrize("char", ["\n", "\x1b", "\x00", "\x9b", "\u202e"])
def test_control_characters_are_refused(tmp_path: Path, field: str, char: str) -> None:
    store = tmp_path / "notes.sqlite"
    with pytest.raises(audit.AuditError, match=rf"{field} holds the control character U\+{ord(char):04X} at position 3"):
        record(store, **{field: f"abc{char}def"})
    assert audit.read(store) == []


def test_an_unknown_action_or_outcome_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "notes.sqlite"
    with pytest.raises(audit.AuditError, match="action 'delete_everything' is none of sign_in"):
        record(store, action="delete_everything")
    with pytest.raises(audit.AuditError, match="outcome 'maybe' is none of ok, refused, failed"):
        record(store, outcome="maybe")
    assert audit.read(store) == []


def test_a_record_that_cannot_be_written_raises(tmp_path: Path) -> None:
    """The caller refuses the action when its record is not written, so a failure must never
    pass silently."""
    not_a_store = tmp_path / "notes.sqlite"
    not_a_store.write_text("not a database")
    with pytest.raises(audit.AuditError, match=r"could not be written \(file is not a database\); the action is refused"):
        record(not_a_store)
    folder = tmp_path / "a folder"
    folder.mkdir()
    with pytest.raises(audit.AuditError, match="could not be written"):
        record(folder)


# --------------------------------------------------------------------------- the command


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = audit.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_since_keeps_that_day_and_later(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    store = notes.store_path(warehouse)
    for day in (1, 2, 3):
        record(store, target=f"G0{day}", at=dt.datetime(2026, 12, day, 23, 59, 59))
    assert [entry["target"] for entry in audit.read(store, since=dt.date(2026, 12, 2))] == ["G02", "G03"]
    code, out, _ = run(capsys, "--since", "2026-12-03", "--json", "--warehouse", str(warehouse))
    assert code == 0 and [entry["target"] for entry in json.loads(out)] == ["G03"]
    code, out, _ = run(capsys, "--since", "2026-12-04", "--warehouse", str(warehouse))
    assert code == 0 and out == f"No audit record since 2026-12-04 in {store}.\n"


def test_json_is_one_array_with_exactly_the_keys(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    record(notes.store_path(warehouse), detail="第一稿")
    record(notes.store_path(warehouse), action="note_approved", email="approver@example.gov.cn", role="approver",
           department="行政审批科")
    code, out, _ = run(capsys, "--json", "--warehouse", str(warehouse))
    printed = json.loads(out)
    assert code == 0 and isinstance(printed, list) and len(printed) == 2
    assert [list(entry) for entry in printed] == [
        ["at", "email", "role", "department", "action", "target", "outcome", "detail"]] * 2
    assert printed[0]["detail"] == "第一稿" and printed[1]["email"] == "approver@example.gov.cn"


def test_the_table_aligns_and_shows_a_forged_control_character_as_text(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A row put into the store around `record` (with the sqlite3 tool) can hold a terminal
    escape; the command prints it as an escape, never as one the terminal obeys."""
    warehouse = tmp_path / "warehouse.duckdb"
    store = notes.store_path(warehouse)
    record(store)
    con = sqlite3.connect(store)
    con.execute("insert into audit (at, email, action, target, outcome) values "
                "('2026-12-06T10:00:00', 'x@y.cn', 'import', 'a\x1b[2Jb\u202e.csv', 'failed')")
    con.commit()
    con.close()
    code, out, _ = run(capsys, "--warehouse", str(warehouse))
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == list(audit.KEYS)
    assert "\x1b" not in out and "\u202e" not in out and "a\\u001b[2Jb\\u202e.csv" in lines[2]
    # Columns line up although 医政医管科 takes two terminal columns a character.
    assert audit._width(lines[1][: lines[1].index("note_submitted")]) == lines[0].index("action")
    code, out, _ = run(capsys, "--json", "--warehouse", str(warehouse))
    assert "\x1b" not in out and "\u202e" not in out and json.loads(out)[1]["target"] == "a\x1b[2Jb\u202e.csv"


def test_without_a_store_it_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    assert run(capsys, "--warehouse", str(warehouse)) == (
        0, f"No audit trail yet: there is no office store at {tmp_path / 'notes.sqlite'}.\n", "")
    assert run(capsys, "--json", "--warehouse", str(warehouse)) == (0, "[]\n", "")
    assert not (tmp_path / "notes.sqlite").exists()


def test_an_unreadable_store_or_a_bad_date_gets_a_sentence(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    notes.store_path(warehouse).write_text("not a database")
    code, out, err = run(capsys, "--warehouse", str(warehouse))
    assert code == 1 and out == "" and err == f"{tmp_path / 'notes.sqlite'} cannot be read as the office store (file is not a database)\n"
    with pytest.raises(SystemExit) as stopped:
        audit.main(["--since", "2026-13-01"])
    assert stopped.value.code == 2
    assert "argument --since: '2026-13-01' is not a date: write it as YYYY-MM-DD" in capsys.readouterr().err


def test_the_command_runs_as_a_module(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    record(notes.store_path(warehouse))
    done = subprocess.run([sys.executable, "-m", "qjgov.audit", "--json", "--warehouse", str(warehouse)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [entry["email"] for entry in json.loads(done.stdout)] == ["editor@example.gov.cn"]


# --------------------------------------------------------------------------- never in the warehouse


def test_no_audited_email_reaches_the_warehouse(tmp_path: Path, tiny_warehouse) -> None:
    """Every text column of every table and view the build writes is searched for the e-mails
    of the trail; the note written beside them is found, so the search does reach what the
    build loads from the office store."""
    store = notes.store_path(tmp_path / "warehouse.duckdb")  # where tiny_warehouse builds
    notes.add(store, notes.Note("G01", JUNE, progress="窗口授权清单已报审批科"))
    emails = ["editor@example.gov.cn", "Approver@Example.gov.cn", "steward@example.gov.cn"]
    record(store, email=emails[0])
    record(store, email=emails[1], role="approver", action="note_approved", department="行政审批科")
    record(store, email=emails[2], role="steward", action="import", target="export-2026-11.csv", department=None)
    con = tiny_warehouse()
    columns = con.sql(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() and data_type = 'VARCHAR'"
    ).fetchall()
    assert ("notes", "goal_notes", "progress") in columns

    def holding(text: str) -> list[str]:
        return [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if con.execute(f'select count(*) from "{schema}"."{table}" where contains(lower("{column}"), ?)',
                           [text.lower()]).fetchall()[0][0]
        ]

    assert "notes.goal_notes.progress" in holding("窗口授权清单已报审批科")
    for email in emails:
        assert holding(email) == [], email
    names = con.sql("select table_schema || '.' || table_name || '.' || column_name from information_schema.columns "
                    "where table_catalog = current_database()").fetchall()
    assert not [name for (name,) in names if "email" in name.lower() or name.lower().startswith("notes.audit")]
