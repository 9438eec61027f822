"""The importer: the demo round trip through every export format, and a corpus of awkward
files, each with the report it should give. Every row is accounted for, nothing personal
lands, and no file makes a traceback."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from openpyxl import Workbook
from test_build import CASE as CASE_ROW

from qjgov.demo.exports import FORMATS, usual_headers, write_export
from qjgov.paths import ROOT, SEEDS_DIR, SQL_DIR
from qjgov.warehouse import personal
from qjgov.warehouse.build import build
from qjgov.warehouse.contract import RAW_TABLES, frame
from qjgov.importing.importer import Importer, report_json

HEADERS = usual_headers()
CASE = {
    "case_id": "QJ2021-0001", "item_code": "A1", "applicant_type": "个人", "channel": "窗口", "township": "城东街道",
    "submitted_at": "2021-03-01 09:00:00", "accepted_at": "2021-03-01 10:00:00", "completed_at": "2021-03-05 10:00:00",
    "status": "办结", "suspended_days": "0", "site_visits": "1", "fully_online": "否", "cross_province_mode": "",
    "chuanyu": "否", "credit_checked": "是", "credit_commitment": "否", "assisted_channel": "", "elderly": "否", "postal": "否",
}
REVIEW = {
    "review_id": "PJ-1", "case_id": "QJ2021-0001", "item_code": "A1", "channel": "大厅评价器", "rating": "非常满意",
    "reviewed_at": "2021-03-06 09:00:00", "real_name": "是", "reported_at": "2021-03-06 09:05:00", "verified_at": "",
    "verified_result": "", "rectified_at": "", "followed_up_at": "", "comment": "很好",
}


def case(**change: str) -> dict:
    return CASE | change


def write_csv(path: Path, table: str, rows: list[dict], encoding: str = "utf-8", title: str | None = None,
              headers: dict[str, str] | None = None, extra: dict[str, list[str]] | None = None) -> Path:
    """A CSV export of `rows` (contract column -> text) under Chinese headers."""
    import csv

    columns = list(rows[0]) if rows else list(RAW_TABLES[table])
    names = [(headers or {}).get(c, HEADERS[(table, c)]) for c in columns] + list(extra or {})
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow([title])
        writer.writerow(names)
        for index, row in enumerate(rows):
            writer.writerow([row[c] for c in columns] + [values[index] for values in (extra or {}).values()])
    return path


@pytest.fixture
def zone(tmp_path: Path) -> dict:
    return {"raw": tmp_path / "raw", "quarantine": tmp_path / "quarantine", "files": tmp_path / "files"}


def run(zone: dict, files: list[Path], table: str | None = "cases", **options) -> list:
    importer = Importer(zone["raw"], zone["quarantine"], log=lambda m: None, **options)
    reports = importer.run(files, table)
    for report in reports:
        assert report.balances(), report
    return reports


def landed(zone: dict, table: str = "cases") -> pl.DataFrame:
    files = sorted((zone["raw"] / table).glob("*.parquet"))
    return pl.concat([pl.read_parquet(f, glob=False) for f in files]) if files else pl.DataFrame(schema=RAW_TABLES[table])


def quarantined(report) -> list[dict]:
    import csv

    with open(report.quarantine_file, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- round trip


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp("roundtrip")
    target = build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=1500, log=lambda m: None)
    return {"folder": folder, "raw": folder / "raw", "warehouse": target}


ROUND_TRIP = {
    "items": "xlsx",
    "one_thing_packages": "xls",
    "cases": "csv-gb18030",
    "reviews": "csv-utf8-bom",
    "complaints": "html-xls",
    "decisions": "csv-utf8",
}


@pytest.mark.parametrize("shift", [0, 1, 2, 3, 4, 5], ids=lambda s: f"formats-rotated-{s}")
def test_the_demo_round_trip_through_exports_builds_the_same_goals(demo, tmp_path, shift):
    """Each table in another export format per run, so every table meets every format."""
    assert set(ROUND_TRIP.values()) == set(FORMATS)
    kinds = list(FORMATS)
    zone = {"raw": tmp_path / "raw", "quarantine": tmp_path / "quarantine"}
    files = []
    for index, table in enumerate(RAW_TABLES):
        kind = kinds[(index + shift) % len(kinds)]
        suffix = {"xlsx": "xlsx", "xls": "xls", "html-xls": "xls"}.get(kind, "csv")
        frame = pl.read_parquet(demo["raw"] / table / "*.parquet")
        files.append((table, write_export(table, frame, tmp_path / "exports" / f"{table}.{suffix}", kind)))
    for table, path in files:
        reports = Importer(zone["raw"], zone["quarantine"], log=lambda m: None).run([path])  # table told by the headers
        assert reports[0].table == table
        assert not reports[0].refused, reports[0].reason
        assert reports[0].quarantined == 0, (table, reports[0].quarantine_file and quarantined(reports[0])[:3])
        assert reports[0].landed == pl.read_parquet(demo["raw"] / table / "*.parquet").height
    target = tmp_path / "imported.duckdb"
    build(zone["raw"], SEEDS_DIR, target, SQL_DIR, log=lambda m: None)
    query = "select * from marts.goal_progress order by goal_id, as_of"
    with duckdb.connect(str(demo["warehouse"]), read_only=True) as original, duckdb.connect(str(target), read_only=True) as imported:
        assert imported.sql(query).fetchall() == original.sql(query).fetchall()


# --------------------------------------------------------------------------- the corpus


def test_every_encoding_is_read(zone):
    zone["files"].mkdir()
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        path = write_csv(zone["files"] / f"{encoding}.csv", "cases", [case(case_id=f"C-{encoding}", item_code="事项甲")], encoding)
        (report,) = run(zone, [path])
        assert report.landed == 1, report
    assert sorted(landed(zone)["item_code"].to_list()) == ["事项甲"] * 3


def test_workbook_with_title_totals_several_sheets_and_merged_headers(zone):
    zone["files"].mkdir()
    path = zone["files"] / "cases.xlsx"
    workbook = Workbook()
    columns = list(RAW_TABLES["cases"])
    for number, sheet in enumerate([workbook.active, workbook.create_sheet("第二季度")]):
        sheet.append(["黔江区卫生健康委办件明细表（2021年1-6月）"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        sheet.append(["办件信息"] + [None] * 8 + ["办理情况"] + [None] * (len(columns) - 10))  # a merged group header
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=9)
        sheet.append([HEADERS[("cases", c)] for c in columns])
        for n in range(3):
            sheet.append([case(case_id=f"S{number}-{n}")[c] for c in columns])
        sheet.append(["合计", None, None, None, None, None, None, None, None, 0, 3])
    workbook.create_sheet("说明").append(["本表由系统导出"])
    workbook.save(path)
    (report,) = run(zone, [path])
    assert (report.rows_read, report.landed) == (6, 6)
    assert report.skipped_rows == 2 * 3  # title, group header and totals row on each sheet
    assert sorted(landed(zone)["case_id"].to_list()) == [f"S{s}-{n}" for s in range(2) for n in range(3)]


def test_real_xls_and_html_named_xls(zone, tmp_path):
    from qjgov.warehouse.contract import frame as contract_frame

    rows = [dict(case_id=f"X{n}", item_code="A1", applicant_type="个人", channel="窗口", township="城东街道",
                 submitted_at=dt.datetime(2021, 3, 1, 9), accepted_at=dt.datetime(2021, 3, 1, 10),
                 completed_at=dt.datetime(2021, 3, 2, 10, 0, 1), status="办结", suspended_days=0, site_visits=1,
                 fully_online=False, chuanyu=False, credit_checked=True, credit_commitment=False, elderly=False, postal=True)
            for n in range(4)]
    frame = contract_frame("cases", rows)
    xls = write_export("cases", frame, tmp_path / "real.xls", "xls")
    html = write_export("cases", frame.with_columns(pl.col("case_id") + "h"), tmp_path / "disguised.xls", "html-xls")
    reports = run(zone, [xls, html])
    assert [r.format.split(" ")[0] for r in reports] == ["xls", "HTML"]
    assert [r.landed for r in reports] == [4, 4]
    assert landed(zone).filter(pl.col("case_id") == "X0")["completed_at"].to_list() == [dt.datetime(2021, 3, 2, 10, 0, 1)]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.csv", b"", "empty (0 bytes)"),
        ("garbage.xlsx", random.Random(7).randbytes(3000), "neither text nor a workbook"),
        ("broken.xlsx", b"PK\x03\x04" + b"not really a zip" * 20, "workbook could not be read"),
        ("no-header.csv", "甲,乙,丙\n1,2,3\n".encode(), "no row names the columns"),
        ("fake.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "workbook could not be read"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_reason(zone, name, content, reason):
    zone["files"].mkdir()
    path = zone["files"] / name
    path.write_bytes(content)
    (report,) = run(zone, [path])
    assert report.refused and reason in report.reason, report.reason
    assert not (zone["raw"] / "cases").exists()


def test_a_missing_column_is_refused_unless_allowed(zone):
    zone["files"].mkdir()
    rows = [{k: v for k, v in case().items() if k != "township"}]
    path = write_csv(zone["files"] / "no-township.csv", "cases", rows)
    (report,) = run(zone, [path])
    # The missing column with the headers that name it; what was found.
    assert report.refused and "township (申请人所在乡镇(街道)|所在乡镇街道|乡镇街道)" in report.reason and "申请时间" in report.reason
    (report,) = run(zone, [path], allow_missing=["township"])
    assert report.landed == 1 and report.missing_columns_allowed == ["township"]
    assert landed(zone)["township"].to_list() == [None]


def test_a_header_without_rows_is_read_as_no_rows(zone):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "complaints.csv", "complaints", [])
    (report,) = run(zone, [path], table="complaints")
    assert not report.refused and report.rows_read == 0


def test_every_value_form_of_the_contract(zone):
    zone["files"].mkdir()
    forms = [
        ("2021-03-05 14:30:00", dt.datetime(2021, 3, 5, 14, 30)), ("2021-03-05 14:30", dt.datetime(2021, 3, 5, 14, 30)),
        ("2021/3/5 14:30:05", dt.datetime(2021, 3, 5, 14, 30, 5)), ("2021/3/5 14:30", dt.datetime(2021, 3, 5, 14, 30)),
        ("2021年3月5日 14:30:05", dt.datetime(2021, 3, 5, 14, 30, 5)), ("2021年3月5日 14时30分", dt.datetime(2021, 3, 5, 14, 30)),
        ("20210305143000", dt.datetime(2021, 3, 5, 14, 30)), ("2021-03-05", dt.datetime(2021, 3, 5)),
        ("2021-03-05 14:29:59.9997", dt.datetime(2021, 3, 5, 14, 30)),
    ]
    bools = [("是", True), ("有", True), ("Y", True), ("y", True), ("1", True), ("true", True), ("TRUE", True), ("√", True),
             ("否", False), ("N", False), ("0", False), ("false", False), ("×", False)]
    rows = []
    for n, (text, _) in enumerate(forms):
        flag = bools[n % len(bools)][0]
        rows.append(case(case_id=f"F{n}", submitted_at=text, accepted_at=text, completed_at="", status="在办",
                         credit_checked=flag, suspended_days=["3天", "3个工作日", " 3 ", "3.0", "—", "-", "/", "NULL", "无"][n]))
    path = write_csv(zone["files"] / "forms.csv", "cases", rows)
    (report,) = run(zone, [path])
    assert report.landed == len(forms), quarantined(report) if report.quarantine_file else report
    frame = landed(zone).sort("case_id")
    by_id = {row["case_id"]: row for row in frame.iter_rows(named=True)}
    for n, (_, expected) in enumerate(forms):
        assert by_id[f"F{n}"]["submitted_at"] == expected, n
        assert by_id[f"F{n}"]["credit_checked"] == bools[n % len(bools)][1]
    assert [by_id[f"F{n}"]["suspended_days"] for n in range(len(forms))] == [3, 3, 3, 3, None, None, None, None, None]

    reviews = [REVIEW | {"review_id": f"R{n}", "rating": text} for n, text in enumerate(["非常满意", "满意", "基本满意", "不满意", "非常不满意", "5", "4.0"])]
    (report,) = run(zone, [write_csv(zone["files"] / "reviews.csv", "reviews", reviews)], table="reviews")
    assert report.landed == 7
    assert sorted(landed(zone, "reviews")["rating"].to_list()) == [1, 2, 3, 4, 4, 5, 5]

    item = {c: "" for c in RAW_TABLES["items"]} | {
        "snapshot_date": "2021年6月30日", "item_code": "A1", "item_name": "医师执业注册", "category": "行政许可",
        "on_application": "是", "department": "医政医管科", "statutory_days": "20个工作日", "promised_days": "5天",
        "handling_type": "承诺件", "online_depth": "全程网办", "site_visits": "0", "on_yukuaiban": "Y", "in_hall": "√",
        "chief_rep": "1", "high_frequency": "否", "cross_province_planned": "N", "cross_province_live": "0",
        "chuanyu_live": "false", "notify_commit": "×",
    }
    depths = ["线下办理", "网上咨询", "网上预约下载", "网上受理", "全程网办"]
    items = [item | {"item_code": f"A{n}", "online_depth": depth} for n, depth in enumerate(depths)]
    (report,) = run(zone, [write_csv(zone["files"] / "items.csv", "items", items)], table="items")
    assert report.landed == 5
    assert landed(zone, "items").sort("item_code")["online_depth"].to_list() == [0, 1, 2, 3, 4]
    assert landed(zone, "items")["snapshot_date"].unique().to_list() == [dt.date(2021, 6, 30)]

    package = {"snapshot_date": "2021-06-30", "package_code": "P1", "package_name": "出生一件事", "high_frequency": "是",
               "one_notice": "是", "one_form": "是", "one_window": "是", "one_completion": "否", "item_codes": "A1，A2、A3;A4\nA5|A6"}
    (report,) = run(zone, [write_csv(zone["files"] / "packages.csv", "one_thing_packages", [package])], table="one_thing_packages")
    assert landed(zone, "one_thing_packages")["item_codes"].to_list() == ["A1|A2|A3|A4|A5|A6"]


@pytest.mark.parametrize(
    "change, column, reason",
    [
        (dict(submitted_at="2021-13-45 10:00"), "submitted_at", "not a real date"),
        (dict(submitted_at="昨天"), "submitted_at", "is not a date and time"),
        (dict(completed_at="2021-02-01 10:00:00"), "completed_at", "completed before it was accepted"),
        (dict(accepted_at="2021-02-01 10:00:00", completed_at="2021-02-02 10:00:00"), "accepted_at", "accepted before it was submitted"),
        (dict(submitted_at="1900-01-01 10:00:00"), "submitted_at", "outside the working-day calendar"),
        (dict(channel="飞鸽传书"), "channel", "not a known case_channel"),
        (dict(status="已办"), "status", "not a known case_status"),
        (dict(township="火星街道"), "township", "not a township"),
        (dict(site_visits="-2"), "site_visits", "a count is 0 or more"),
        (dict(case_id="  "), "case_id", "blank"),
        (dict(credit_checked="也许"), "credit_checked", "is not yes or no"),
        (dict(item_code="A1\x1b[0m"), "item_code", "control character"),
        (dict(status="办结", completed_at=""), "completed_at", "needs its acceptance and completion times"),
    ],
)
def test_bad_values_are_quarantined_with_the_reason(zone, change, column, reason):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "bad.csv", "cases", [case(case_id="GOOD"), case(case_id="BAD", **change) if "case_id" not in change else case(**change)])
    (report,) = run(zone, [path])
    assert (report.landed, report.quarantined) == (1, 1)
    problems = quarantined(report)
    assert any(p["column"] == column and reason in p["reason"] for p in problems), problems
    assert problems[0]["row"] == "3" and problems[0]["file"] == "bad.csv"
    assert landed(zone)["case_id"].to_list() == ["GOOD"]


def test_an_unreadable_value_is_one_problem_and_the_report_shows_the_quarantine(zone):
    """A date that is not one is refused for that, not also as "empty" for the rule it then
    breaks; the report carries the refused rows as the quarantine file has them (what the
    app's import panel shows before anything is written)."""
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "bad.csv", "cases", [case(case_id="GOOD"), case(case_id="BAD", accepted_at="2021-02-30 10:00")])
    importer = Importer(zone["raw"], zone["quarantine"], log=lambda m: None)
    (preview,) = importer.run([path], "cases", dry_run=True)
    assert not zone["quarantine"].exists()
    (report,) = run(zone, [path])
    problems = quarantined(report)
    assert [(p["row"], p["column"]) for p in problems] == [("3", "accepted_at")], problems
    assert "cannot be read" in problems[0]["reason"]
    for shown in (preview.refused_rows, report.refused_rows):
        assert [{k: str(v) for k, v in p.items()} for p in shown] == [{k: v for k, v in p.items() if k != "file"} for p in problems]


def test_ratings_and_categories_outside_their_lists(zone):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "reviews.csv", "reviews", [REVIEW, REVIEW | {"review_id": "PJ-2", "rating": "7"}, REVIEW | {"review_id": "PJ-3", "rating": ""}])
    (report,) = run(zone, [path], table="reviews")
    assert (report.landed, report.quarantined) == (1, 2)
    reasons = {p["key"]: p["reason"] for p in quarantined(report)}
    assert "1–5" in reasons["PJ-2"] and "empty" in reasons["PJ-3"]


def test_duplicate_keys_within_and_across_files(zone):
    zone["files"].mkdir()
    first = write_csv(zone["files"] / "first.csv", "cases", [
        case(case_id="D1"), case(case_id="D1", credit_checked="Y"),  # the same after conversion: a duplicate
        case(case_id="D2"), case(case_id="D2", site_visits="2"),  # different: both refused
        case(case_id="D3"),
    ])
    second = write_csv(zone["files"] / "second.csv", "cases", [
        case(case_id="D3", completed_at="", status="在办"),  # later and different: replaces, and moves backwards
        case(case_id="D4"),
    ])
    reports = run(zone, [first, second])
    assert [(r.landed, r.replaced, r.duplicates, r.quarantined) for r in reports] == [(2, 0, 1, 2), (1, 1, 0, 0)]
    assert any(line.startswith("D3: completed_at disappeared") for line in reports[1].moved_backwards)
    frame = landed(zone).sort("case_id")
    assert frame["case_id"].to_list() == ["D1", "D3", "D4"]
    assert frame.filter(pl.col("case_id") == "D3")["status"].to_list() == ["在办"]

    before = {p.name: p.read_bytes() for p in (zone["raw"] / "cases").glob("*.parquet")}
    again = run(zone, [second])  # the same file twice changes nothing
    assert [(r.landed, r.replaced, r.duplicates) for r in again] == [(0, 0, 2)]
    assert {p.name: p.read_bytes() for p in (zone["raw"] / "cases").glob("*.parquet")} == before

    later = write_csv(zone["files"] / "third.csv", "cases", [case(case_id="D4", site_visits="0")])
    (report,) = run(zone, [later])  # a key already landed, from an earlier command
    assert (report.landed, report.replaced) == (0, 1)
    frame = landed(zone)
    assert frame.height == 3 and frame.filter(pl.col("case_id") == "D4")["site_visits"].to_list() == [0]


def test_a_landed_file_with_signs_in_its_name_is_read_as_itself(zone):
    """Files put in the landing zone by hand may be named anyhow: `star*.parquet` is not a
    pattern that also reads `starX.parquet` when a later import rewrites it."""
    folder = zone["raw"] / "cases"
    folder.mkdir(parents=True)
    frame("cases", [dict(CASE_ROW, case_id="S1"), dict(CASE_ROW, case_id="S2")]).write_parquet(folder / "star*.parquet")
    frame("cases", [dict(CASE_ROW, case_id="X1")]).write_parquet(folder / "starX.parquet")
    frame("cases", [dict(CASE_ROW, case_id="B1")]).write_parquet(folder / "b[1].parquet")
    frame("cases", [dict(CASE_ROW, case_id="B9")]).write_parquet(folder / "b1.parquet")
    zone["files"].mkdir()
    new = [case(case_id="S2", site_visits="0"), case(case_id="B1", site_visits="0"), case(case_id="N1")]
    (report,) = run(zone, [write_csv(zone["files"] / "new.csv", "cases", new)])
    assert (report.landed, report.replaced) == (1, 2)  # B1 is known: b[1].parquet was read, not b1.parquet
    assert sorted(landed(zone)["case_id"].to_list()) == ["B1", "B9", "N1", "S1", "S2", "X1"]
    assert pl.read_parquet(folder / "star*.parquet", glob=False)["case_id"].to_list() == ["S1"]


def test_unknown_item_codes_land_and_are_reported(zone):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "cases.csv", "cases", [case(case_id=f"U{n}", item_code=f"NEW-{n % 3}") for n in range(6)])
    (report,) = run(zone, [path])
    assert report.landed == 6 and report.unknown_item_codes == 3
    assert report.unknown_item_code_examples == ["NEW-0", "NEW-1", "NEW-2"]


def test_a_very_wide_file_reports_the_columns_it_does_not_know(zone):
    zone["files"].mkdir()
    extra = {f"备用字段{n}": ["x"] for n in range(300)}
    path = write_csv(zone["files"] / "wide.csv", "cases", [case()], extra=extra)
    (report,) = run(zone, [path])
    assert report.landed == 1 and len(report.unrecognised_columns) == 300


def test_the_table_is_told_by_the_headers_or_asked_for(zone):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "reviews.csv", "reviews", [REVIEW])
    (report,) = run(zone, [path], table=None)
    assert report.table == "reviews" and report.landed == 1


# --------------------------------------------------------------------------- personal data

ID_CARD, MOBILE = "500114199003071234", "13800138000"
SPELLINGS = [ID_CARD, "50011419900307123X", "５００１１４１９９００３０７１２３４", "500114900307123", MOBILE, "+8613800138000",
             "8613800138000", "138 0013 8000", "138-0013-8000", "１３８００１３８０００"]


def test_personal_data_is_dropped_or_masked_and_never_lands(zone, tmp_path):
    zone["files"].mkdir()
    extra = {"申请人姓名": ["张三"] * 3, "身份证号": [ID_CARD] * 3, "联系电话": [MOBILE] * 3}
    cases = [case(case_id=f"P{n}") for n in range(3)]
    write_csv(zone["files"] / "cases.csv", "cases", cases, extra=extra)
    reviews = [REVIEW | {"review_id": f"PJ-{n}", "comment": f"联系人 {spelling} 办得快"} for n, spelling in enumerate(SPELLINGS)]
    write_csv(zone["files"] / "reviews.csv", "reviews", reviews)
    complaints = [{"complaint_id": f"T{n}", "source": "渝快办", "item_code": "A1", "assigned_at": "2021-03-01 09:00",
                   "responded_at": "", "resolved_at": "", "content": f"投诉人电话{spelling}"} for n, spelling in enumerate(SPELLINGS)]
    write_csv(zone["files"] / "complaints.csv", "complaints", complaints)
    bad_key = [case(case_id=ID_CARD), case(case_id="P9", item_code=MOBILE)]
    write_csv(zone["files"] / "keys.csv", "cases", bad_key)

    reports = [run(zone, [zone["files"] / "cases.csv"])[0], run(zone, [zone["files"] / "reviews.csv"], table="reviews")[0],
               run(zone, [zone["files"] / "complaints.csv"], table="complaints")[0], run(zone, [zone["files"] / "keys.csv"])[0]]
    assert reports[0].personal_columns_dropped == 3 and reports[0].landed == 3
    assert reports[1].landed == len(SPELLINGS) and reports[2].landed == len(SPELLINGS)
    assert reports[3].quarantined == 2
    comments = landed(zone, "reviews").sort("review_id")["comment"].to_list()
    assert "联系人 500114***********4 办得快" in comments and "联系人 138****8000 办得快" in comments
    (tmp_path / "report.json").write_text(json.dumps(report_json(reports), ensure_ascii=False, default=str), encoding="utf-8")

    found = []
    for path in tmp_path.rglob("*"):
        if path.is_file() and "files" not in path.parts:
            texts = [str(v) for v in pl.read_parquet(path).to_dicts() for v in v.values()] if path.suffix == ".parquet" \
                else [path.read_text(encoding="utf-8-sig")]
            found += [f"{path.name}: {t[:40]}" for t in texts if personal.contains_personal_data(t)]
    assert not found, found



def test_masking_keeps_the_region_and_the_ends():
    assert personal.mask(f"身份证{ID_CARD}。") == "身份证500114***********4。"
    assert personal.mask("15位500114900307123") == "15位500114********3"
    assert personal.mask("电话 +86 138-0013-8000 转") == "电话 138****8000 转"
    assert personal.mask("编号 QJ2021-0001") == "编号 QJ2021-0001"


# --------------------------------------------------------------------------- the command


def test_the_command_writes_the_json_report_and_exits_by_refusal(zone, tmp_path):
    zone["files"].mkdir()
    good = write_csv(zone["files"] / "good.csv", "cases", [case(), case(case_id="BAD", channel="?")])
    empty = zone["files"] / "empty.csv"
    empty.write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-m", "qjgov.importer", "--table", "cases", "--raw", str(zone["raw"]), "--quarantine",
         str(zone["quarantine"]), "--report", str(tmp_path / "report.json"), str(good), str(empty)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    first, second = report["files"]
    assert {k: first[k] for k in ("rows_read", "landed", "replaced", "duplicates", "quarantined", "refused")} == {
        "rows_read": 2, "landed": 1, "replaced": 0, "duplicates": 0, "quarantined": 1, "refused": False}
    assert second["refused"] and "empty" in second["reason"]
    assert "python -m qjgov.build" in result.stdout

    dry = subprocess.run(
        [sys.executable, "-m", "qjgov.importer", "--dry-run", "--raw", str(tmp_path / "dry"), str(good)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert dry.returncode == 0 and "nothing was written" in dry.stdout
    assert not (tmp_path / "dry").exists()


def test_a_200000_row_file_imports_and_balances(zone, tmp_path):
    """Large files work; how long they take is measured by `make bench`, not here."""
    rows = 200_000
    frame = pl.DataFrame({
        "case_id": [f"B{n:07d}" for n in range(rows)], "item_code": "A1", "applicant_type": "个人", "channel": "窗口",
        "township": "城东街道", "submitted_at": "2021-03-01 09:00:00", "accepted_at": "2021/3/1 10:00",
        "completed_at": "2021-03-05 10:00:00", "status": "办结", "suspended_days": "0", "site_visits": "1",
        "fully_online": "否", "cross_province_mode": "", "chuanyu": "否", "credit_checked": "是", "credit_commitment": "否",
        "assisted_channel": "", "elderly": "否", "postal": "否",
    })
    path = tmp_path / "big.csv"
    frame.rename({c: HEADERS[("cases", c)] for c in frame.columns}).write_csv(path)
    began = time.perf_counter()
    (report,) = run(zone, [path])
    print(f"imported {rows:,} rows in {time.perf_counter() - began:.1f} s")
    assert report.landed == rows


# --------------------------------------------------------------------------- found by a review


def test_reasons_and_refusals_never_repeat_personal_data(zone):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "reviews.csv", "reviews", [REVIEW | {"real_name": ID_CARD}, REVIEW | {"review_id": "PJ-2", "reported_at": MOBILE}])
    (report,) = run(zone, [path], table="reviews")
    assert report.quarantined == 2
    text = Path(report.quarantine_file).read_text(encoding="utf-8-sig")
    assert not personal.contains_personal_data(text) and "500114***********4" in text
    headerless = zone["files"] / "noheader.csv"
    headerless.write_text(f"张三,{ID_CARD},{MOBILE},窗口\n", encoding="utf-8")
    (report,) = run(zone, [headerless])
    assert report.refused and not personal.contains_personal_data(report.reason)


@pytest.mark.parametrize("rating", ["inf", "Infinity", "nan", "1e10", "13800138001"])
def test_numbers_out_of_any_range_are_quarantined_not_a_crash(zone, rating):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "reviews.csv", "reviews", [REVIEW, REVIEW | {"review_id": "PJ-2", "rating": rating}])
    (report,) = run(zone, [path], table="reviews")
    assert (report.landed, report.quarantined) == (1, 1)


def test_numbers_split_by_spaces_dots_or_dashes_are_masked(zone):
    zone["files"].mkdir()
    comments = ["身份证 500114 19900101 1234", "电话138.0013.8000", "电话1380-013-8000", "办件号202103050010012345"]
    path = write_csv(zone["files"] / "reviews.csv", "reviews", [REVIEW | {"review_id": f"PJ-{n}", "comment": c} for n, c in enumerate(comments)])
    (report,) = run(zone, [path], table="reviews")
    assert report.landed == 4
    landed_comments = landed(zone, "reviews").sort("review_id")["comment"].to_list()
    assert landed_comments == ["身份证 500114***********4", "电话138****8000", "电话138****8000", "办件号202103050010012345"]


def test_a_notes_sheet_does_not_refuse_the_workbook(zone):
    zone["files"].mkdir()
    path = zone["files"] / "cases.xlsx"
    workbook = Workbook()
    columns = list(RAW_TABLES["cases"])
    workbook.active.append([HEADERS[("cases", c)] for c in columns])
    workbook.active.append([case()[c] for c in columns])
    notes = workbook.create_sheet("填表说明")
    notes.append(["办件编号", "事项编码"])
    notes.append(["唯一编号", "见事项清单"])
    workbook.save(path)
    (report,) = run(zone, [path])
    assert report.landed == 1 and report.skipped_sheets == ["填表说明"]


def test_a_second_column_for_the_same_field_is_named(zone):
    zone["files"].mkdir()
    rows = [{"complaint_id": "T1", "source": "渝快办", "item_code": "A1", "assigned_at": "2021-03-01 09:00",
             "responded_at": "", "resolved_at": "", "content": "慢"}]
    path = write_csv(zone["files"] / "complaints.csv", "complaints", rows, extra={"诉求内容": ["另一列"]})
    (report,) = run(zone, [path], table="complaints")
    assert report.landed == 1 and report.duplicate_columns and "诉求内容" in report.duplicate_columns[0]


@pytest.mark.parametrize("first", ["合计：", "合计(件)", "总 计", "小计"])
def test_totals_rows_in_their_usual_variants_are_skipped(zone, first):
    zone["files"].mkdir()
    path = write_csv(zone["files"] / "cases.csv", "cases", [case(), {c: "" for c in CASE} | {"case_id": first, "site_visits": "5"}])
    (report,) = run(zone, [path])
    assert (report.rows_read, report.landed, report.skipped_rows) == (1, 1, 1)
