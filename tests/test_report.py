"""The monthly report: rendered for the first and last as-of date in both languages, read
back with poppler (pdftotext, pdffonts, pdftoppm): all 21 goal names, the as-of date, every
commentary the test wrote, the owners of the goals off track, an embedded CJK font, and no
blank page. The pages are kept as PNGs in test-output/report/ to look at.

Needs poppler-utils and Noto CJK (`.ci/install-report.sh`); without them the PDF checks skip
on a developer machine and fail under CI (CI=true).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import duckdb
import pytest

from qjgov import report as report_command
from qjgov.paths import ROOT
from qjgov.reporting import render
from qjgov.reporting.data import ReportError
from qjgov.office import notes

OUTPUT = ROOT / "test-output" / "report"
TOOLS = ("pdftotext", "pdffonts", "pdftoppm")


def require_poppler() -> None:
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        message = f"{', '.join(missing)} missing: run .ci/install-report.sh (apt-get install poppler-utils fonts-noto-cjk)"
        if os.environ.get("CI") == "true":
            pytest.fail("the report test cannot run under CI: " + message)
        pytest.skip(message)


def squeeze(text: str) -> str:
    """Text without whitespace: a name wrapped in a table cell still reads as one."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """A small demo warehouse, and commentary written for its first and last as-of date
    (rebuilt so the warehouse carries it): (warehouse, {(as_of, lang-free text): goal})."""
    from qjgov.demo.build import build_demo
    from qjgov.warehouse.build import build

    folder = tmp_path_factory.mktemp("report-warehouse")
    target = build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=1500, log=lambda message: None)
    con = duckdb.connect(str(target), read_only=True)
    dates = [row[0] for row in con.sql("select distinct as_of from marts.goal_progress order by as_of").fetchall()]
    con.close()
    texts: dict[tuple[dt.date, str], str] = {}
    for as_of, goal_id in ((dates[0], "G04"), (dates[-1], "G14"), (dates[-1], "G20")):
        note = notes.Note(
            goal_id, as_of,
            progress=f"{goal_id}本月核查了{as_of.month}个科室的台账 progress check {as_of.isoformat()}",
            barriers=f"{goal_id} barrier: 系统对接延迟",
            next_steps=f"{goal_id} next: 下月{as_of.month}日前完成复核",
            asserted_status="on_track", justification=f"{goal_id} 依据：已签订整改计划",
        )
        notes.add(notes.store_path(target), note)
        for text in (note.progress, note.barriers, note.next_steps, note.justification):
            texts[(as_of, text)] = goal_id
    build(folder / "raw", target=target, log=lambda message: None)
    yield target, texts


@pytest.fixture(scope="module")
def marts(written: tuple[Path, dict]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(written[0]), read_only=True)
    yield con
    con.close()


def as_of_dates(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    return [row[0] for row in con.sql("select distinct as_of from marts.goal_progress order by as_of").fetchall()]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("which", ["first", "last"])
def test_the_report_holds_every_goal_its_date_commentary_and_a_cjk_font(written, marts, lang: str, which: str) -> None:
    require_poppler()
    warehouse, texts = written
    dates = as_of_dates(marts)
    as_of = dates[0] if which == "first" else dates[-1]
    pdf = render.write(warehouse, as_of, lang, "pdf", OUTPUT, log=lambda message: None)
    assert pdf.read_bytes().startswith(b"%PDF")

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = squeeze(text)
    names = marts.sql(f"select goal_id, goal_name_{lang} from marts.goals order by goal_id").fetchall()
    assert len(names) == 21
    missing = [goal_id for goal_id, name in names if squeeze(name) not in flat]
    assert not missing, f"goal names missing from the PDF: {missing}"
    assert as_of.isoformat() in text
    mine = [note for (date, note) in texts if date == as_of]
    assert mine, "the test wrote commentary for this date"
    assert not [note for note in mine if squeeze(note) not in flat], "commentary missing from the PDF"
    behind = marts.sql(
        f"select g.owner_department{'' if lang == 'zh' else '_en'} from marts.goal_progress as p "
        "join marts.goals as g using (goal_id) where p.as_of = ? and p.status in ('off_track', 'missed')",
        params=[as_of],
    ).fetchall()
    assert all(squeeze(owner) in flat for (owner,) in behind)

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    cjk = [line for line in fonts if "CJK" in line]
    assert cjk, fonts
    # columns: name type encoding emb sub uni object ID; emb is the third from the right of the type/encoding
    assert all(re.search(r"\byes\s+yes\s+yes\b", line) for line in cjk), cjk

    stem = pdf.with_suffix("")
    for old in OUTPUT.glob(f"{stem.name}-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), f"{stem}-page"], check=True)
    pages = sorted(OUTPUT.glob(f"{stem.name}-page-*.png"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
    count = re.search(r"Pages:\s+(\d+)", info)
    assert pages and (not count or len(pages) == int(count.group(1)))
    from PIL import Image

    for png in pages:
        image = Image.open(png).convert("L")
        dark = sum(image.histogram()[:200])
        assert dark / (image.width * image.height) > 0.003, f"{png.name} is blank"


def test_the_html_report_says_the_same(written, marts) -> None:
    warehouse, texts = written
    as_of = as_of_dates(marts)[-1]
    html = render.render(warehouse, as_of, "en", "html").decode("utf-8")
    assert html.startswith("<!doctype html>") and as_of.isoformat() in html
    assert "size: A4" in html and "counter(pages)" in html
    for (date, note) in texts:
        if date == as_of:
            assert note.replace("'", "&#x27;") in html


def test_an_asserted_status_stands_beside_the_computed_one(written, marts) -> None:
    """The test asserted on_track for goals whose computed status may be anything: the report
    shows the computed status's word first, then the asserted one."""
    from qjgov.present import words
    from qjgov.reporting.document import status_pair

    warehouse, _ = written
    as_of = as_of_dates(marts)[-1]
    computed, asserted = marts.sql(
        "select computed_status, asserted_status from marts.goal_commentary where goal_id = 'G14' and as_of = ?", params=[as_of]
    ).fetchall()[0]
    assert asserted == "on_track"
    computed_now = marts.sql("select status from marts.goal_progress where goal_id = 'G14' and as_of = ?", params=[as_of]).fetchall()[0][0]
    assert computed == computed_now
    html = status_pair("en", computed, False, asserted)
    assert html.index(words.t("en", "status." + computed)) < html.index(words.t("en", "commentary.asserted"))
    page = render.render(warehouse, as_of, "en", "html").decode("utf-8")
    block = page[page.index('id="G14"'):]
    block = block[: block.index("</section>")]
    assert words.t("en", "status." + computed) in block and words.t("en", "commentary.asserted") in block


def test_unknown_date_and_missing_warehouse_are_refused_clearly(written, tmp_path: Path, capsys) -> None:
    warehouse, _ = written
    with pytest.raises(ReportError, match=r"no as-of date 2021-06-15 in the warehouse; it holds: 2021-01-31"):
        render.render(warehouse, dt.date(2021, 6, 15), "zh")
    with pytest.raises(ReportError, match="no warehouse at"):
        render.render(tmp_path / "none.duckdb", dt.date(2021, 6, 30), "zh")
    code = report_command.main(["--as-of", "2020-06-30", "--warehouse", str(warehouse), "--out", str(tmp_path)])
    assert code == 1 and "no as-of date 2020-06-30" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.pdf"))


def test_the_command_writes_the_file_with_progress(written, marts, tmp_path: Path, capsys) -> None:
    warehouse, _ = written
    as_of = as_of_dates(marts)[0]
    code = report_command.main(["--as-of", as_of.isoformat(), "--lang", "en", "--format", "html",
                                "--warehouse", str(warehouse), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / f"qjgov-report-{as_of.isoformat()}-en.html").exists()
    assert "[21/21]" in out and "wrote" in out


def test_a_warehouse_of_another_version_is_refused_or_noted(written, marts, tmp_path: Path) -> None:
    """The report, like the app, names the marts a warehouse built by an older version lacks,
    and says in its data-quality section (and its log) when the warehouse was built from other
    models or seeds than this version's; from this version's, it says nothing of the kind."""
    from qjgov.present import words

    warehouse, _ = written
    as_of = as_of_dates(marts)[-1]
    lines: list[str] = []
    html = render.render(warehouse, as_of, "en", "html", log=lines.append).decode("utf-8")
    notice = words.t("en", "warehouse.other_models")
    assert notice.replace("'", "&#x27;") not in html and not any(line.startswith("note:") for line in lines)

    other = tmp_path / "other.duckdb"
    other.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(other)) as con:
        con.execute("update meta.build_info set models_digest = 'another'")
    lines.clear()
    html = render.render(other, as_of, "en", "html", log=lines.append).decode("utf-8")
    quality = html[html.index(words.t("en", "report.quality")):]
    assert notice.replace("'", "&#x27;") in quality
    assert any(line.startswith("note:") and "other models or seeds" in line for line in lines)

    older = tmp_path / "older.duckdb"
    older.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(older)) as con:
        con.execute("drop table marts.goal_changes")
    with pytest.raises(ReportError, match=r"built by an older version and lacks marts\.goal_changes: rebuild it with `make build`"):
        render.render(older, as_of, "en", "html")


def test_the_report_runs_without_streamlit(tmp_path, written, marts):
    """`python -m qjgov.report` writes a report, and neither Streamlit nor the app is ever
    loaded on the way."""
    as_of = as_of_dates(marts)[-1]
    script = (
        "import runpy, sys\n"
        "sys.argv = ['qjgov.report', '--as-of', sys.argv[3], '--format', 'html', '--out', sys.argv[1], '--warehouse', sys.argv[2]]\n"
        "try:\n"
        "    runpy.run_module('qjgov.report', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    assert not done.code, done.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit' or m.startswith('qjgov.app'))\n"
        "print('loaded:', loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(written[0]), as_of.isoformat()],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert list(tmp_path.glob("*.html")), result.stdout[-2000:]
    assert "loaded: []" in result.stdout, result.stdout[-2000:]


def edited(warehouse: Path, folder: Path, statements: list[tuple[str, list]]) -> Path:
    """A copy of the warehouse with the marts changed by hand, so a test knows the answer."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "edited.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(copy)) as con:
        for sql, params in statements:
            con.execute(sql, params)
    return copy


def page_html(warehouse: Path, as_of: dt.date, lang: str) -> str:
    """The report as HTML, its charts left out (drawing them is not what these tests check)."""
    from qjgov.reporting import data, document

    return document.document(data.read(warehouse, as_of), lang, draw=lambda spec: "<svg></svg>")


def text_of(html_text: str, start: str, end: str = "</section>") -> str:
    """The text of the part of the page from `start` to the next `end`, tags and escapes gone,
    every space a plain one."""
    import html

    part = html_text[html_text.index(start):]
    part = part[: part.index(end)]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", part)))


def said(lang: str, key: str, **values: object) -> str:
    """A text of the word files as `text_of` reads it (no-break spaces plain)."""
    from qjgov.present import words

    return words.t(lang, key, **values).replace("\u00a0", " ")


def set_chances(as_of: dt.date, chances: dict[str, float | None]) -> list[tuple[str, list]]:
    return [("update marts.goal_progress set p_meet = ? where goal_id = ? and as_of = ?", [p, goal_id, as_of])
            for goal_id, p in chances.items()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_goal_shows_its_chance_and_year_end_range_beside_the_projection(written, marts, tmp_path: Path, lang: str) -> None:
    """G02 with a chance of 0.724 and a range of 61.0 %–73.5 % reads "72 %" and "61.0 %–73.5 %"
    right after its projection; G07 with a chance of 1 and G05 with 0 before December read
    "> 99 %" and "< 1 %", never "100 %" or "0 %"."""
    june = as_of_dates(marts)[5]
    warehouse = edited(written[0], tmp_path, [
        ("update marts.goal_progress set p_meet = 0.724, projected_low = 0.61, projected_high = 0.735 "
         "where goal_id = 'G02' and as_of = ?", [june]),
        *set_chances(june, {"G07": 1.0, "G05": 0.0}),
    ])
    page = page_html(warehouse, june, lang)
    projected, interval, chance = (said(lang, f"report.{key}") for key in ("projected", "interval", "chance"))
    g02 = text_of(page, 'id="G02"', "</table>")
    assert re.search(f"{re.escape(projected)} [0-9.]+ % {re.escape(interval)} 61.0 %–73.5 % {re.escape(chance)} 72 % ", g02), g02
    assert f"{chance} > 99 % " in text_of(page, 'id="G07"', "</table>")
    assert f"{chance} < 1 % " in text_of(page, 'id="G05"', "</table>")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_counts_likely_and_unlikely_goals_and_names_the_largest_falls(written, marts, tmp_path: Path, lang: str) -> None:
    """At a month-end whose chances the test sets: 90 % or more likely (0.895 prints 90 %),
    under 10 % unlikely (0.094 prints 9 %), 10 % (0.1) uncertain; a goal with no chance counted
    apart. Since the previous month-end G11 fell 40 points, G04 30, G09 10, G14 6 and G20 4:
    the summary names G11, G04 and G09 in that order (the largest fall first, at most three,
    5 points or more)."""
    dates = as_of_dates(marts)
    june, may = dates[5], dates[4]
    now = {f"G{n:02d}": 0.5 for n in range(1, 22)} | {
        "G01": 0.95, "G02": 0.895, "G07": 1.0, "G03": 0.094, "G05": 0.0, "G06": 0.1, "G08": None,
        "G04": 0.40, "G09": 0.30, "G11": 0.50, "G14": 0.44, "G20": 0.46,
    }
    before = now | {"G11": 0.90, "G04": 0.70, "G09": 0.40, "G14": 0.50, "G20": 0.50, "G08": 0.9}
    warehouse = edited(written[0], tmp_path, set_chances(june, now) + set_chances(may, before))
    summary = text_of(page_html(warehouse, june, lang), '<section class="summary">')

    group = {name: said(lang, f"report.chance_group.{name}", likely=90, unlikely=10) for name in ("likely", "uncertain", "unlikely", "none")}
    assert "90 %" in group["likely"] and "10 %" in group["unlikely"]
    assert f"{group['likely']} 3 G01, G02, G07 " in summary
    assert f"{group['unlikely']} 2 G03, G05 " in summary
    assert f"{group['uncertain']} 15 G04, G06, G09, G10, " in summary
    assert f"{group['none']} 1 G08 " in summary

    lead = said(lang, "report.chances_fell", previous=may.isoformat(), points=5, goals="|").split("|")[0]
    fell = summary[summary.index(lead) + len(lead):]
    fell = fell[: fell.index(said(lang, "report.chances_read", as_of=june.isoformat()))]
    assert re.findall(r"G\d\d", fell) == ["G11", "G04", "G09"], fell
    assert "(90 % → 50 %)" in fell.replace("（", "(").replace("）", ")") and "70 % → 40 %" in fell

    steady = edited(written[0], tmp_path / "steady", set_chances(june, now) + set_chances(may, now))
    summary = text_of(page_html(steady, june, lang), '<section class="summary">')
    assert said(lang, "report.chances_fell_none", previous=may.isoformat(), points=5) in summary and lead not in summary


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_in_december_the_summary_speaks_of_achieved_and_missed_only(written, marts, lang: str) -> None:
    """In December the chance is known: the summary counts the goals achieved and missed (the
    demo's own, from the mart) and gives no likely/unlikely table, no fall and no reading of a
    chance; in the first month it has the table and, with no previous month-end, no fall."""
    warehouse = written[0]
    dates = as_of_dates(marts)
    december = dates[-1]
    assert december.month == 12
    achieved, missed = marts.sql(
        "select count(*) filter (where p_meet = 1), count(*) filter (where p_meet = 0) from marts.goal_progress where as_of = ?",
        params=[december],
    ).fetchall()[0]
    assert achieved and missed and achieved + missed == 21
    decided = said(lang, "report.chances_decided", achieved=achieved, missed=missed)
    likely = said(lang, "report.chance_group.likely", likely=90, unlikely=10)
    fell = said(lang, "report.chances_fell", previous="|", points=5, goals="|").split("|")[0]
    read = said(lang, "report.chances_read", as_of="|").split("|")[0]

    summary = text_of(page_html(warehouse, december, lang), '<section class="summary">')
    assert decided in summary
    assert likely not in summary and fell not in summary and read not in summary

    january = text_of(page_html(warehouse, dates[0], lang), '<section class="summary">')
    assert likely in january and read in january and fell not in january and decided not in january


# --------------------------------------------------------------------------- a department's own report

DEPARTMENT = "行政审批科"


def department_page(warehouse: Path, as_of: dt.date, lang: str, department: str = DEPARTMENT) -> str:
    """A department's report as HTML, its charts left out."""
    from qjgov.reporting import data, document

    return document.document(data.read(warehouse, as_of, department), lang, draw=lambda spec: "<svg></svg>")


def table_cells(html_text: str, start: str) -> list[list[str]]:
    """The cells of the body rows of the first table after `start` (in its section), as text."""
    import html

    part = html_text[html_text.index(start):]
    part = part[: part.index("</section>")]
    body = part[part.index("<tbody>"): part.index("</tbody>")]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body)]


def department_label(marts: duckdb.DuckDBPyConnection, lang: str, department: str = DEPARTMENT) -> str:
    label = marts.sql("select label_en from marts.labels where code_list = 'department' and code = ?", params=[department]).fetchall()[0][0]
    return department if lang == "zh" else label


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_department_report_holds_the_goals_it_owns_and_no_other(written, marts, tmp_path: Path, lang: str) -> None:
    """`render(..., department=…)` shows the goals the department owns (marts.goals) with
    the commission's figures, and no other goal's block; the cover, the title and the summary
    name the department, and the summary, its counts and its lists speak of its goals alone;
    the overdue milestones are its own."""
    from qjgov.present import words
    from qjgov.present.numbers import figures

    warehouse = written[0]
    june = as_of_dates(marts)[5]
    owned = [row[0] for row in marts.sql("select goal_id from marts.goals where owner_department = ? order by goal_id", params=[DEPARTMENT]).fetchall()]
    assert 0 < len(owned) < 21
    page = render.render(warehouse, june, lang, "html", department=DEPARTMENT).decode("utf-8")

    assert sorted(re.findall(r'<section class="goal" id="(G\d\d)"', page)) == owned
    label = department_label(marts, lang)
    assert label in text_of(page, '<section class="cover">') and label in text_of(page, "<title>", "</title>")
    summary = text_of(page, '<section class="summary">')
    assert said(lang, "report.department_scope", department=label, goals=", ".join(owned)) in summary
    assert set(re.findall(r"G\d\d", summary)) <= set(owned), summary
    tiles = re.findall(r'<div class="n">(\d+)</div>', page)
    assert sum(int(n) for n in tiles) == len(owned)
    # Each goal shows the commission's figures, as in the commission's report.
    commission = marts.sql(
        "select p.*, g.count_unit_zh, g.count_unit_en from marts.goal_progress as p join marts.goals as g using (goal_id) "
        "where p.as_of = ? and g.owner_department = ?", params=[june, DEPARTMENT]
    ).pl()
    for row in commission.iter_rows(named=True):
        shown = figures(lang, row)
        block = text_of(page, f'id="{row["goal_id"]}"', "</table>")
        assert f"{said(lang, 'report.number')} {shown.actual.replace(chr(160), ' ')} " in block, block
        assert f"{said(lang, 'report.chance')} {shown.chance.replace(chr(160), ' ')} " in block, block
    rules = text_of(page, f"<h4>{words.t(lang, 'report.rules')}</h4>")
    assert set(re.findall(r"G\d\d", rules)) <= set(owned)

    # Of the overdue milestones, those it is responsible for: M03 (its own) set overdue by hand
    # is listed, M05 (another department's) is not.
    owners = dict(marts.sql("select milestone_id, owner_department from marts.milestone_status where as_of = ?", params=[june]).fetchall())
    assert owners["M03"] == DEPARTMENT != owners["M05"]
    overdue = edited(warehouse, tmp_path, [
        ("update marts.milestone_status set status = 'overdue', days_overdue = 9 where milestone_id in ('M03', 'M05') and as_of = ?", [june])
    ])
    assert [row[0] for row in table_cells(department_page(overdue, june, lang), f"<h2>{words.t(lang, 'report.milestones')}</h2>")] == ["M03"]

    # A department that owns no goal gets its report all the same, saying so, with no goal's block.
    idle = marts.sql("select code from marts.labels where code_list = 'department' and code not in "
                     "(select owner_department from marts.goals) order by sort_order limit 1").fetchall()[0][0]
    page = department_page(warehouse, june, lang, idle)
    assert not re.findall(r'<section class="goal"', page)
    assert said(lang, "report.department_scope_none", department=department_label(marts, lang, idle)) in text_of(page, '<section class="summary">')


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_where_a_department_holds_goals_back_it_shows_its_own_rows(written, marts, tmp_path: Path, lang: str) -> None:
    """The section lists the department's own rows (marts.goal_progress_by_department) of every
    goal it holds back at the date, whoever owns the goal: G01 (owned by another department),
    set by hand to 43.2 % with 7 to go and a chance of 0.377, reads so; a row it does not hold
    back, and another department's row, are not listed; the commission's list of departments
    holding goals back is not in a department's report."""
    import html

    from qjgov.present.numbers import fmt_chance, fmt_target, fmt_value, to_go_text
    from qjgov.present.owners import owner_name
    from qjgov.present.words import goal_name
    from qjgov.reporting.document import badge

    june = as_of_dates(marts)[5]
    other = marts.sql("select code from marts.labels where code_list = 'department' and code <> ? order by sort_order limit 1",
                      params=[DEPARTMENT]).fetchall()[0][0]
    warehouse = edited(written[0], tmp_path, [
        ("update marts.goal_progress_by_department set holds_back = true, actual = 0.4321, to_go = 7, p_meet = 0.377, "
         "status = 'off_track' where goal_id = 'G01' and department = ? and as_of = ?", [DEPARTMENT, june]),
        ("update marts.goal_progress_by_department set holds_back = false where goal_id = 'G02' and department = ? and as_of = ?",
         [DEPARTMENT, june]),
        ("update marts.goal_progress_by_department set holds_back = true where goal_id = 'G03' and department = ? and as_of = ?",
         [other, june]),
        ("update marts.goal_progress_by_department set holds_back = false where goal_id = 'G03' and department = ? and as_of = ?",
         [DEPARTMENT, june]),
    ])
    assert marts.sql("select owner_department from marts.goals where goal_id = 'G01'").fetchall()[0][0] != DEPARTMENT
    page = department_page(warehouse, june, lang)
    title = f"<h2>{said(lang, 'report.held_back', department=department_label(marts, lang))}</h2>"

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            "select d.*, g.goal_name_zh as name_zh, g.goal_name_en as name_en, g.owner_department, g.owner_department_en, "
            "g.count_unit_zh, g.count_unit_en from marts.goal_progress_by_department as d join marts.goals as g using (goal_id) "
            "where d.as_of = ? and d.department = ? and d.holds_back order by goal_id", params=[june, DEPARTMENT]
        ).pl()
    ids = rows["goal_id"].to_list()
    assert "G01" in ids and "G02" not in ids and "G03" not in ids
    expected = [
        [f"{row['goal_id']} {goal_name(lang, row)}", owner_name(lang, row), fmt_value(row["actual"], row["unit"], row["target"]),
         fmt_target(lang, row["target"], row["comparator"], row["unit"], row["target_kind"]), to_go_text(lang, row) or "—",
         html.unescape(re.sub(r"<[^>]+>", "", badge(lang, row["status"]))), fmt_chance(row["p_meet"], row["month_no"])]
        for row in rows.iter_rows(named=True)
    ]
    shown = table_cells(page, title)
    assert shown == expected
    g01 = shown[ids.index("G01")]
    assert g01[2] == "43.2\u00a0%" and g01[4] in ("7 个", "7 items") and g01[6] == "38\u00a0%"
    assert said(lang, "report.holding_back") not in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_department_report_counts_its_open_and_overdue_records_as_the_mart_does(written, marts, tmp_path: Path, lang: str) -> None:
    """Per goal, the department's records not done at the date and how many are overdue
    (marts.open_duties): by hand, G08 with 3 open (2 overdue) and G15 with 1 (none overdue),
    4 and 2 in all; another department's 5 overdue G08 records are not counted. At the demo's
    own September the counts equal the mart's."""
    june, september = as_of_dates(marts)[5], as_of_dates(marts)[8]
    other = marts.sql("select code from marts.labels where code_list = 'department' and code <> ? order by sort_order limit 1",
                      params=[DEPARTMENT]).fetchall()[0][0]
    records = [("G08", DEPARTMENT, True), ("G08", DEPARTMENT, True), ("G08", DEPARTMENT, False), ("G15", DEPARTMENT, False)]
    records += [("G08", other, True)] * 5
    warehouse = edited(written[0], tmp_path, [("delete from marts.open_duties where as_of = ?", [june])] + [
        ("insert into marts.open_duties (goal_id, as_of, record_id, department, is_overdue) values (?, ?, ?, ?, ?)",
         [goal_id, june, f"R{n}", department, overdue])
        for n, (goal_id, department, overdue) in enumerate(records)
    ])
    title = f"<h2>{said(lang, 'report.open_records', department=department_label(marts, lang))}</h2>"
    page = department_page(warehouse, june, lang)
    assert said(lang, "report.open_records_lead", open="4", overdue="2") in text_of(page, title)
    assert [(goal[:3], n, overdue) for goal, n, overdue in table_cells(page, title)] == [("G08", "3", "2"), ("G15", "1", "0")]

    expected = marts.sql(
        "select goal_id, count(*), count(*) filter (where is_overdue) from marts.open_duties "
        "where as_of = ? and department = ? group by goal_id order by goal_id", params=[september, DEPARTMENT]
    ).fetchall()
    assert sum(overdue for _, _, overdue in expected), "the demo's September has overdue records of the department"
    shown = table_cells(department_page(written[0], september, lang), title)
    assert [(goal[:3], n, overdue) for goal, n, overdue in shown] == [(g, str(n), str(o)) for g, n, o in expected]


def test_an_unknown_department_exits_2_naming_it_and_the_known_ones(written, marts, tmp_path: Path, capsys) -> None:
    from qjgov.reporting.data import UnknownDepartment

    warehouse = written[0]
    as_of = as_of_dates(marts)[5]
    code = report_command.main(["--as-of", as_of.isoformat(), "--department", "行政审批", "--format", "html",
                                "--warehouse", str(warehouse), "--out", str(tmp_path)])
    error = capsys.readouterr().err
    assert code == 2 and "'行政审批'" in error
    known = [row[0] for row in marts.sql("select code from marts.labels where code_list = 'department' order by sort_order").fetchall()]
    assert ", ".join(known) in error
    assert not list(tmp_path.iterdir())
    with pytest.raises(UnknownDepartment, match="no department 'Nobody' in the warehouse"):
        render.render(warehouse, as_of, "en", "html", department="Nobody")


def test_the_department_report_file_is_named_for_the_department(written, marts, tmp_path: Path) -> None:
    """The file name says the department: as the seed writes it, or, for a name with
    characters some file system refuses, a safe form that two names never share."""
    as_of = as_of_dates(marts)[5]
    code = report_command.main(["--as-of", as_of.isoformat(), "--department", DEPARTMENT, "--lang", "en", "--format", "html",
                                "--warehouse", str(written[0]), "--out", str(tmp_path)])
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == [f"qjgov-report-{as_of.isoformat()}-en-{DEPARTMENT}.html"]
    odd = [render.department_slug(name) for name in ("a/b: c", "a-b-c", "a?b*c", "..", "x" * 300)]
    assert len(set(odd)) == len(odd)
    assert all(re.fullmatch(r"\w+(-\w+)*", slug) and len(slug) <= 60 for slug in odd), odd
