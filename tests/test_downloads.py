"""Downloads made apart from the pages: spreadsheets and the monthly report are made in a
bounded child process while one of the server's download slots is held; a report is made once
per build, date, language and format and read from its file after; an Excel file of more cells
than the bound is offered as CSV only; a busy server hands over a file that says so; and three
heavy downloads leave another session's page its speed.

The functions a child runs here (a counting renderer, a hungry maker) live at the top of this
module: a child imports them by name.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import types
from pathlib import Path
from typing import Iterator

import polars as pl
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from qjgov.app import export, report_download, tables
from qjgov.app.state import State
from qjgov.limits import slots, worker
from qjgov.paths import ROOT
from qjgov.present import connection, spreadsheets, words

AS_OF = dt.date(2021, 6, 30)
ZH = State(AS_OF, None, "zh")


@pytest.fixture(autouse=True)
def public_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The public setting (one download at once for the server), with a run directory of the
    test's own."""
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)
    monkeypatch.delenv("QJGOV_DOWNLOAD_SLOTS", raising=False)
    monkeypatch.setenv("QJGOV_RUN_DIR", str(tmp_path / "run"))
    return tmp_path / "run"


def counting_render(warehouse: Path, as_of: dt.date, lang: str, fmt: str) -> bytes:
    """Stands for render.render in a child: notes each report made (with the child's process
    id) in renders.log beside the warehouse, and takes a moment, as a render does."""
    with open(Path(warehouse).parent / "renders.log", "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()} {as_of} {lang} {fmt}\n")
    time.sleep(0.5)
    return f"report of {as_of} in {lang} as {fmt}".encode()


def process_id(frame: pl.DataFrame, *args: object) -> bytes:
    """Stands for a file maker: the process it runs in, and the rows it was handed."""
    return f"{os.getpid()} {frame.height}".encode()


def hungry(frame: pl.DataFrame, *args: object) -> bytes:
    """Stands for a file maker that needs far more memory than a download may take."""
    hoard = bytearray(1 << 30)
    return bytes(hoard[:10])


def renders(warehouse: Path) -> list[str]:
    log = warehouse.parent / "renders.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def publish(warehouse: Path, content: bytes) -> None:
    """A new build, published as the build does: a new file swapped in whole."""
    fresh = warehouse.with_name("fresh.duckdb")
    fresh.write_bytes(content)
    os.replace(fresh, warehouse)


# --------------------------------------------------------------------------- the report, once per build


def test_a_report_is_made_once_per_build_in_a_child_and_read_from_its_file_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    publish(warehouse, b"build one")
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    monkeypatch.setattr(report_download, "RENDER", counting_render)

    first = report_download.report_bytes(AS_OF, "zh", "pdf")
    assert first == b"report of 2021-06-30 in zh as pdf"
    [made] = renders(warehouse)
    assert int(made.split()[0]) != os.getpid(), "the report is made in a child process"
    kept = report_download.report_path(connection.identity(warehouse), AS_OF, "zh", "pdf")
    assert kept.read_bytes() == first
    before = kept.stat()
    # Asked again (another session, or another app process: the file is all they share), the
    # report is read from its file: nothing made, the file untouched.
    assert report_download.report_bytes(AS_OF, "zh", "pdf") == first
    assert len(renders(warehouse)) == 1
    after = kept.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # Another language or format is another report.
    assert report_download.report_bytes(AS_OF, "en", "html") == b"report of 2021-06-30 in en as html"
    assert len(renders(warehouse)) == 2

    # Two sessions asking at once for the same missing report: it is made once.
    other_date = dt.date(2021, 7, 31)
    answers: list[bytes] = []
    sessions = [threading.Thread(target=lambda: answers.append(report_download.report_bytes(other_date, "zh", "pdf")))
                for _ in range(2)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join(60)
    assert answers == [b"report of 2021-07-31 in zh as pdf"] * 2
    assert len(renders(warehouse)) == 3

    # A new build: its report is made anew, and the old build's reports are removed.
    publish(warehouse, b"build two, a little longer")
    assert report_download.report_bytes(AS_OF, "zh", "pdf") == first
    assert len(renders(warehouse)) == 4
    assert not kept.exists() and not kept.parent.exists()
    assert [folder.name for folder in report_download.reports_dir().iterdir()] == [
        "-".join(str(part) for part in connection.identity(warehouse))]


def test_the_real_report_is_rendered_in_a_child_and_kept(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Render itself (not a stand-in) through the child: the HTML report of the demo."""
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp("report-child")
    warehouse = build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=600, log=lambda message: None)
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    con = connection.attach_read_only(warehouse)
    as_of = con.sql("select max(as_of) from marts.goal_progress").fetchall()[0][0]
    con.close()
    content = report_download.report_bytes(as_of, "en", "html")
    text = content.decode("utf-8")
    assert "Monthly progress report" in text and as_of.isoformat() in text and "G21" in text
    assert report_download.report_path(connection.identity(warehouse), as_of, "en", "html").read_bytes() == content


# --------------------------------------------------------------------------- spreadsheets


def test_a_spreadsheet_is_made_in_a_child_within_its_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame({"记录": ["a", "b", "c"], "减少比例": [0.5, 0.25, None]})
    pid, rows = export.made_apart(process_id, lambda: frame).decode().split()
    assert int(pid) != os.getpid() and int(rows) == 3
    # The real makers, through the child: the same files as made here.
    assert tables.spreadsheet(ZH, "csv", lambda: frame, "表", ["减少比例"]) == spreadsheets.to_csv(frame, ["减少比例"], ("是", "否"))
    sheet = load_workbook(io.BytesIO(tables.spreadsheet(ZH, "xlsx", lambda: frame, "表", ["减少比例"]))).active
    assert [c.value for c in sheet[1]] == ["记录", "减少比例"] and sheet["B2"].number_format == "0.0%"
    # A maker that needs more memory than a download may take is stopped, and the visitor
    # is told the file is too large.
    monkeypatch.setattr(export, "BOUNDS", worker.Bounds(seconds=20, memory=256 << 20))
    with pytest.raises(worker.Exceeded) as stopped:
        export.made_apart(hungry, lambda: frame)
    assert stopped.value.bound == "memory"
    # The report's bound is on the memory held, watched from outside (its charts' V8 reserves
    # more address space than any bound would allow): a child that holds too much is stopped too.
    with pytest.raises(worker.Exceeded) as stopped:
        worker.call(hungry, (frame,), worker.Bounds(seconds=20, memory=128 << 20, resident=True))
    assert stopped.value.bound == "memory"
    monkeypatch.setattr(spreadsheets, "to_csv", hungry)
    said = tables.spreadsheet(ZH, "csv", lambda: frame, "表", []).decode("utf-8-sig")
    assert said.strip().strip('"') == words.t("zh", "common.download_too_large", size="256 MB", seconds="20")


def test_a_child_does_not_run_the_page_script_before_its_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit installs the page script it ran last as `__main__`; multiprocessing would run
    it again in each child, outside the child's bounds, before the download is made."""
    ran = tmp_path / "the page ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(ran)!r}, 'w').close()\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    pid, rows = export.made_apart(process_id, lambda: pl.DataFrame({"a": [1, 2]})).decode().split()
    assert int(pid) != os.getpid() and rows == "2"
    assert not ran.exists()


def test_an_excel_of_more_cells_than_the_bound_is_offered_as_csv_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "EXCEL_CELLS", 12)

    def offered(rows: int, columns: int, lang: str = "en", callable_list: bool = False) -> dict[str, object]:
        def script(rows: int, columns: int, lang: str, callable_list: bool) -> None:
            import datetime as dt

            import polars as pl

            from qjgov.app import tables
            from qjgov.app.state import State

            frame = pl.DataFrame({f"c{i}": list(range(rows)) for i in range(columns)})
            state = State(dt.date(2021, 6, 30), None, lang)
            if callable_list:
                tables.downloads(state, lambda: frame, "list", "List", rows=rows, columns=columns)
            else:
                tables.downloads(state, frame, "list", "List")

        at = AppTest.from_function(script, args=(rows, columns, lang, callable_list), default_timeout=30).run()
        assert not at.exception
        return {button.proto.label: button.proto for button in at.get("download_button")}

    fits = offered(4, 3)
    assert not fits["Download Excel"].disabled and not fits["Download CSV"].disabled
    larger = offered(5, 3)
    assert larger["Download Excel"].disabled and not larger["Download CSV"].disabled
    assert larger["Download Excel"].help == words.t("en", "common.excel_too_many_cells", cells="12")
    assert offered(5, 3, "zh", callable_list=True)["下载 Excel"].disabled
    # A list whose size the page does not know beforehand: the file made at the click says so.
    frame = pl.DataFrame({f"c{i}": list(range(5)) for i in range(3)})
    sheet = load_workbook(io.BytesIO(tables.spreadsheet(ZH, "xlsx", lambda: frame, "表", []))).active
    assert sheet["A1"].value == words.t("zh", "common.excel_too_many_cells", cells="12")
    assert tables.spreadsheet(ZH, "csv", lambda: frame, "表", []) == spreadsheets.to_csv(frame, [], ("是", "否"))


# --------------------------------------------------------------------------- a busy server


def test_a_busy_server_hands_over_a_file_that_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame({"记录": ["a"]})
    busy = words.t("zh", "common.download_busy")
    monkeypatch.setattr(export, "SLOT_WAIT", 0.3)
    monkeypatch.setattr(report_download, "WAIT", 0.3)
    warehouse = tmp_path / "warehouse.duckdb"
    publish(warehouse, b"a build")
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(warehouse))
    monkeypatch.setattr(report_download, "RENDER", counting_render)
    with slots.slot("download", 1):  # another visitor's download holds the server's one slot
        assert tables.spreadsheet(ZH, "csv", lambda: frame, "表", []).decode("utf-8-sig").strip() == f'"{busy}"'
        sheet = load_workbook(io.BytesIO(tables.spreadsheet(ZH, "xlsx", lambda: frame, "表", []))).active
        assert sheet["A1"].value == busy
        page = report_download.report_bytes(AS_OF, "en", "html").decode("utf-8")
        assert "The server is busy making other visitors&#x27; downloads, so this monthly report was not made" in page
        pdf = report_download.report_bytes(AS_OF, "zh", "pdf")
        assert pdf.startswith(b"%PDF")
    assert renders(warehouse) == [], "nothing was made while the slot was held"
    if shutil.which("pdftotext"):
        (tmp_path / "busy.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp_path / "busy.pdf"), "-"], capture_output=True, text=True, check=True).stdout
        assert "服务器正忙" in text
    # Once the slot is free, the report is made (the notice was not kept as the report).
    assert report_download.report_bytes(AS_OF, "zh", "pdf") == b"report of 2021-06-30 in zh as pdf"
    # Clicks beyond what one app process lets wait are told at once, not left holding a thread.
    monkeypatch.setattr(export, "SLOT_WAIT", 30.0)
    with slots.queued("download", export.QUEUE), slots.queued("download", export.QUEUE), slots.queued("download", export.QUEUE):
        began = time.monotonic()
        assert tables.spreadsheet(ZH, "csv", lambda: frame, "表", []).decode("utf-8-sig").strip() == f'"{busy}"'
        assert time.monotonic() - began < 5


# --------------------------------------------------------------------------- other visitors keep their speed


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from conftest import demo_for_the_app

    yield from demo_for_the_app(tmp_path_factory, "downloads-warehouse", cases_per_year=1500)


def page_seconds() -> float:
    """A new session's overview, start to drawn."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    began = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - began
    assert not at.exception
    return seconds


def test_three_heavy_downloads_leave_a_fourth_sessions_page_its_speed(demo_app: Path) -> None:
    """Three sessions each click the Excel of a large answer (420,000 cells, some
    seconds of a core each); the overview of a fourth session takes at most twice its own time
    meanwhile (medians of several runs: this machine is shared)."""
    rows = 35_000
    large = pl.DataFrame({f"column {i}": [f"value {n} of {i}" if i % 2 else n * 0.5 for n in range(rows)] for i in range(12)})
    assert large.height * large.width <= tables.EXCEL_CELLS
    for _ in range(4):  # warm: the caches, and the first sessions' imports
        page_seconds()
    alone = [page_seconds() for _ in range(7)]

    finished: list[bytes] = []
    sessions = [threading.Thread(target=lambda: finished.append(tables.spreadsheet(ZH, "xlsx", lambda: large, "SQL", [])))
                for _ in range(3)]
    for session in sessions:
        session.start()
    time.sleep(1.0)  # the first file is being made
    meanwhile = statistics.median(page_seconds() for _ in range(9))
    still_busy = len(finished) < 3
    for session in sessions:
        session.join(300)
    # Its own time: before and after the downloads, so a change in the machine's other load
    # around the test does not count as theirs.
    alone = statistics.median(alone + [page_seconds() for _ in range(7)])
    print(f"overview alone {alone:.3f} s, during three Excel downloads {meanwhile:.3f} s")
    assert still_busy, "the downloads ended before the page was measured: make them larger"
    assert len(finished) == 3 and max(len(file) for file in finished) > 500_000
    assert meanwhile <= 2 * alone, f"the page took {meanwhile:.3f} s during the downloads, {alone:.3f} s alone"


def test_a_text_that_reads_as_a_formula_stays_text_in_both_files():
    """A crafted query's answer ("=HYPERLINK(…)") downloaded: Excel holds it as text, not as a
    formula it would run; the CSV starts it with a quote mark; column names too."""
    import io
    import zipfile

    crafted = '=HYPERLINK("https://evil.example/login","Session expired")'
    frame = pl.DataFrame({"=cmd|' /C calc'!A0": [crafted, "+1+1", "@SUM(1)", "plain"], "n": [1, 2, 3, 4]})
    sheet = zipfile.ZipFile(io.BytesIO(spreadsheets.to_xlsx(frame, "SQL"))).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet and "calc" in sheet
    lines = spreadsheets.to_csv(frame).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("\"'=cmd") or lines[0].startswith("'=cmd"), lines[0]
    assert [line.split(",")[0].strip('"')[:2] for line in lines[1:]] == ["'=", "'+", "'@", "pl"]


def test_a_report_kept_late_for_an_older_build_leaves_the_new_builds_reports(tmp_path: Path) -> None:
    """A render of the old build that finishes after a publish (its caller checked the build
    just before) must not remove the new build's reports or their locks."""
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"old build")
    old = connection.identity(warehouse)
    publish(warehouse, b"new build, published while the old one's report was made")
    new_report = report_download.report_path(connection.identity(warehouse), AS_OF, "zh", "pdf")
    new_report.parent.mkdir(parents=True)
    new_report.write_bytes(b"the new build's report")
    (new_report.parent / f".{new_report.name}.lock").write_bytes(b"")
    late = report_download.report_path(old, AS_OF, "en", "pdf")
    report_download._keep(late, b"the old build's report", warehouse)
    assert new_report.read_bytes() == b"the new build's report"
    assert (new_report.parent / f".{new_report.name}.lock").exists()
    assert not late.parent.exists()  # the old build's folder goes: it is no longer published
