"""The Streamlit app under AppTest: every page, both languages, first and last as-of date,
with and without a department filter; the numbers on the pages are the marts' numbers.

A small demo warehouse (3,000 cases a year) is built once per test session into a temporary
folder; QJGOV_WAREHOUSE points the app at it (the app reads the variable at call time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import csv
import re
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import polars as pl
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from conftest import demo_for_the_app
from qjgov.app import formatting, goal, navigation
from qjgov.present import numbers, spreadsheets, statuses, takes, words
from qjgov.app.state import State
from qjgov.paths import ROOT

APP = str(ROOT / "app.py")
AREAS = ("online", "efficiency", "reviews", "complaints", "one_thing", "credit", "inclusive", "safeguards")
PAGES = ("pages/overview.py", *(f"pages/{area.replace('_', '-')}.py" for area in AREAS), "pages/method.py", "pages/data.py", "pages/sql.py")
TIMEOUT = 60
GOAL_IDS = tuple(pl.read_csv(ROOT / "seeds" / "targets.csv")["goal_id"].to_list())

# Words that may stand in a Chinese screen: product and format names, and data the seeds
# keep in Latin letters (the plan itself writes "APP").
ALLOWED_LATIN = {"CSV", "Excel", "PDF", "HTML", "DuckDB", "METRICS", "md", "SQL", "APP", "WCAG", "AA", "seeds", "rules", "csv"}
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo warehouse for the whole session, and the app pointed at it."""
    yield from demo_for_the_app(tmp_path_factory, "app-warehouse", cases_per_year=3000)


@pytest.fixture(scope="session")
def marts(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def dates(marts: duckdb.DuckDBPyConnection) -> list[dt.date]:
    return [row[0] for row in marts.sql("select distinct as_of from marts.goal_progress order by as_of").fetchall()]


@pytest.fixture(scope="session")
def department(marts: duckdb.DuckDBPyConnection) -> str:
    """The department with the most goal rows: one that every page has something for."""
    return marts.sql(
        "select department from marts.goal_progress_by_department where department <> '未关联事项' "
        "group by department order by count(*) desc, department limit 1"
    ).fetchall()[0][0]


def start(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def visible_texts(at: AppTest) -> list[str]:
    """Every label and text a reader sees outside the cells of tables (which hold data:
    item names stay Chinese in English mode), including table headers."""
    texts: list[str] = []
    for root in (at.main, at.sidebar):
        for node in root:
            kind = getattr(node, "type", "")
            if kind in {"title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success", "page_link"}:
                # free text the office wrote (commentary) is data, in the language it was written in
                value = re.sub(r'<div class="qj-user-text">.*?</div>', " ", str(node.value), flags=re.S)
                texts.append(re.sub(r"<[^>]+>", " ", value))
            elif kind == "metric":
                texts += [node.label, node.value]
            elif kind == "tab":
                texts.append(node.label)
            elif kind == "expander":
                texts.append(node.proto.expandable.label if hasattr(node.proto, "expandable") else "")
            elif kind == "dataframe":
                config = json.loads(node.proto.columns or "{}")
                texts += [config.get(column, {}).get("label") or str(column) for column in node.value.columns]
            elif kind in {"selectbox", "text_input", "toggle", "multiselect", "download_button", "radio"}:
                texts.append(node.label)
            elif kind == "vega_lite_chart":
                texts += chart_words(json.loads(node.proto.spec))
    return [text for text in texts if text]


def chart_words(spec: object) -> list[str]:
    """Titles, legend entries (scale domains) and sort orders of an Altair chart's spec."""
    words: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                words.append(value)
            elif key in {"domain", "sort"} and isinstance(value, list):
                words += [v for v in value if isinstance(v, str)]
            elif key != "datasets":
                words += chart_words(value)
    elif isinstance(spec, list):
        for value in spec:
            words += chart_words(value)
    return words


def untranslated(texts: list[str], lang: str) -> list[str]:
    """Texts in the wrong language: Latin words on a Chinese screen, Chinese on an English one.
    `Code` (a command or setting to type) is not prose, as in the words test."""
    wrong = []
    for text in texts:
        if lang == "zh":
            words = {w for w in re.findall(r"[A-Za-z]{2,}", re.sub(r"`[^`]*`", "", text)) if w not in ALLOWED_LATIN}
            if words:
                wrong.append(f"{text!r} ({', '.join(sorted(words))})")
        elif CJK.search(text):
            wrong.append(repr(text))
    return wrong


def problems(at: AppTest, page: str) -> list[str]:
    found = [f"{page}: exception {e.value}" for e in at.exception]
    found += [f"{page}: error {e.value}" for e in at.error]
    if len(at.sidebar.selectbox) != 2 or len(at.sidebar.radio) != 1:
        found.append(f"{page}: the shared sidebar (date, department, language) is missing")
    if not at.title:
        found.append(f"{page}: no title")
    return found


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("which", ["first", "last"])
@pytest.mark.parametrize("filtered", [False, True], ids=["all-departments", "one-department"])
def test_every_page_runs(warehouse: Path, dates: list[dt.date], department: str, lang: str, which: str, filtered: bool) -> None:
    as_of = dates[0] if which == "first" else dates[-1]
    query = {"lang": lang, "as_of": as_of.isoformat()}
    if filtered:
        query["dept"] = department
    at = start(query)
    found: list[str] = []
    for page in PAGES:
        at.switch_page(page).run()
        found += problems(at, page)
        found += [f"{page}: {text}" for text in untranslated(visible_texts(at), lang)]
        assert at.session_state["qj_as_of"] == as_of, page
        assert at.session_state["qj_lang"] == lang, page
        assert at.session_state["qj_dept"] == (department if filtered else ""), page
    assert not found, "\n".join(found)


def open_tab(at: AppTest, area: str, label: str) -> AppTest:
    """The area page with the tab `label` open, as a click on it does (English)."""
    at.session_state[f"tabs_{area}_en"] = label
    return at.run()


def goal_sections(at: AppTest) -> list[str]:
    return [s.value.split(" ·")[0] for s in at.subheader if re.match(r"G\d\d ·", s.value)]


def test_goal_tabs_cover_every_goal(warehouse: Path) -> None:
    """Each area page has a tab per goal of its area (and the milestones on safeguards), and
    draws only the open one's section: opening a tab draws that goal."""
    at = start({"lang": "en"})
    seen: list[str] = []
    for area in AREAS:
        at.switch_page(f"pages/{area.replace('_', '-')}.py").run()
        labels = [tab.label for tab in at.tabs]
        seen += [label.split(" ")[0] for label in labels if re.match(r"G\d\d ", label)]
        assert goal_sections(at) == [labels[0].split(" ")[0]], area  # the first tab, alone
        for label in labels:
            if label.startswith("G"):
                assert goal_sections(open_tab(at, area, label)) == [label.split(" ")[0]], (area, label)
    assert sorted(seen) == list(GOAL_IDS)
    assert "Milestones M01–M15" in [tab.label for tab in at.tabs]


# --------------------------------------------------------------------------- numbers


def test_overview_shows_21_goals_with_the_marts_numbers(marts: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> None:
    as_of = dates[len(dates) // 2]
    at = start({"lang": "zh", "as_of": as_of.isoformat()})
    table = at.dataframe[0].value
    assert list(table["goal_id"]) == list(GOAL_IDS)
    expected = marts.sql(
        "select goal_id, actual, unit, to_go, status, target from marts.goal_progress where as_of = ? order by goal_id",
        params=[as_of],
    ).fetchall()
    count_units = dict(marts.sql("select goal_id, count_unit_zh from marts.goals").fetchall())
    for (goal_id, actual, unit, to_go, status, target), shown in zip(expected, table.to_dict("records")):
        assert shown["goal_id"] == goal_id
        assert shown["actual"] == numbers.fmt_value(actual, unit, target), goal_id
        assert shown["status"].splitlines()[-1] == statuses.status_word("zh", status), goal_id  # below "was →" when it changed
        if to_go is None:
            assert shown["to_go"] is None or shown["to_go"] != shown["to_go"], goal_id  # None or NaN
        else:  # the count with what it counts: "3 个", "24 次"
            assert shown["to_go"] == f"{to_go:,} {count_units[goal_id]}", goal_id
    tiles = " ".join(m.value for m in at.markdown if "qj-tile" in m.value)
    counts = dict(marts.sql("select status, count(*) from marts.goal_progress where as_of = ? group by status", params=[as_of]).fetchall())
    for status in statuses.STATUSES:
        assert re.search(rf">{counts.get(status, 0)}</div><div><span[^>]*>[^<]*{words.t('zh', 'status.' + status)}", tiles), status


def _metrics_by_goal(at: AppTest) -> dict[str, dict[str, str]]:
    """Metric label -> value for each goal section, in page order (five per goal)."""
    goals = [s.value.split(" ·")[0] for s in at.subheader if re.match(r"G\d\d ·", s.value)]
    found: dict[str, dict[str, str]] = {}
    metrics = [(m.label, m.value) for m in at.metric]
    index = 0
    for goal_id in goals:
        section: dict[str, str] = {}
        while index < len(metrics) and len(section) < 5:
            label, value = metrics[index]
            section[label] = value
            index += 1
        found[goal_id] = section
        # secondary views follow the five goal metrics in some sections
        while index < len(metrics) and metrics[index][0] not in {"Actual", "实际"}:
            index += 1
    return found


@pytest.mark.parametrize("area", ["efficiency", "reviews"])
def test_area_page_numbers_equal_the_mart(marts: duckdb.DuckDBPyConnection, dates: list[dt.date], area: str) -> None:
    as_of = dates[-1]
    at = start({"lang": "en", "as_of": as_of.isoformat()})
    at.switch_page(f"pages/{area.replace('_', '-')}.py").run()
    shown: dict[str, dict[str, str]] = {}
    for label in [tab.label for tab in at.tabs if re.match(r"G\d\d ", tab.label)]:
        shown |= _metrics_by_goal(open_tab(at, area, label))
    rows = marts.sql(
        "select goal_id, actual, projected, to_go, unit, target, p_meet, month_no from marts.goal_progress "
        "where as_of = ? and area = ? order by goal_id",
        params=[as_of, area],
    ).fetchall()
    assert [row[0] for row in rows] == list(shown)
    count_units = dict(marts.sql("select goal_id, count_unit_en from marts.goals").fetchall())
    for goal_id, actual, projected, to_go, unit, target, p_meet, month_no in rows:
        assert shown[goal_id]["Actual"] == numbers.fmt_value(actual, unit, target), goal_id
        assert shown[goal_id]["Year-end projection"] == numbers.fmt_value(projected, unit, target), goal_id
        assert shown[goal_id]["Chance of meeting"] == numbers.fmt_chance(p_meet, month_no), goal_id
        words_for = f" {count_units[goal_id]}" if to_go is not None else ""
        assert shown[goal_id]["To go"] == words.agree("en", numbers.fmt_count(to_go) + words_for), goal_id


def test_department_filter_shows_the_departments_numbers(marts: duckdb.DuckDBPyConnection, dates: list[dt.date], department: str) -> None:
    as_of = dates[-1]
    at = start({"lang": "zh", "as_of": as_of.isoformat(), "dept": department})
    table = at.dataframe[0].value
    rows = {
        goal_id: (actual, target)
        for goal_id, actual, target in marts.sql(
            "select goal_id, actual, target from marts.goal_progress_by_department where as_of = ? and department = ?",
            params=[as_of, department],
        ).fetchall()
    }
    units = dict(marts.sql("select goal_id, unit from seeds.targets").fetchall())
    for record in table.to_dict("records"):
        actual, target = rows.get(record["goal_id"], (None, None))
        assert record["actual"] == numbers.fmt_value(actual, units[record["goal_id"]], target), record["goal_id"]


def test_open_duties_list_matches_the_mart(marts: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> None:
    """The complaints page lists exactly the mart's open complaints for the date."""
    as_of = dates[-1]
    at = start({"lang": "en", "as_of": as_of.isoformat()})
    at.switch_page("pages/complaints.py").run()
    expected = {row[0] for row in marts.sql("select record_id from marts.open_duties where goal_id = 'G03' and as_of = ?", params=[as_of]).fetchall()}
    lists = [frame.value for frame in at.dataframe if "Record" in frame.value.columns]
    if not expected:
        assert not lists
        assert any(s.value == words.t("en", "goal.list_none") for s in at.success)
    else:
        assert set(lists[0]["Record"]) == expected


# --------------------------------------------------------------------------- URL state


def test_url_carries_date_department_and_language(dates: list[dt.date], department: str) -> None:
    as_of = dates[0]
    at = start({"lang": "en", "as_of": as_of.isoformat(), "dept": department})
    assert at.query_params == {"lang": "en", "as_of": as_of.isoformat(), "dept": department}
    assert at.sidebar.selectbox[0].value == as_of
    assert at.sidebar.selectbox[1].value == department
    assert at.sidebar.radio[0].value == "en"
    # the sidebar navigation drops the query string: the session's state comes back
    at.query_params.clear()
    at.switch_page("pages/reviews.py").run()
    assert at.query_params == {"lang": "en", "as_of": as_of.isoformat(), "dept": department}
    # changing the date writes it to the URL
    at.sidebar.selectbox[0].set_value(dates[-1]).run()
    assert at.query_params["as_of"] == dates[-1].isoformat()
    # a link with other values (pasted, or the back button) wins over the session
    at.query_params.update({"lang": "zh", "as_of": dates[1].isoformat()})
    at.query_params.pop("dept")
    at.run()
    assert at.session_state["qj_lang"] == "zh"
    assert at.session_state["qj_as_of"] == dates[1]
    assert at.session_state["qj_dept"] == ""


def test_bad_url_values_fall_back(dates: list[dt.date]) -> None:
    at = start({"lang": "fr", "as_of": "2021-13-45", "dept": "no such department"})
    assert not at.exception
    assert at.query_params == {"lang": "zh", "as_of": dates[-1].isoformat()}


def test_goal_link_opens_its_tab(dates: list[dt.date]) -> None:
    """?goal=G09 on the reviews page opens the G09 tab; without it the first tab is open."""
    at = start({"lang": "zh", "goal": "G09", "as_of": dates[-1].isoformat()})
    at.switch_page("pages/reviews.py").run()
    assert at.query_params["goal"] == "G09"
    assert at.session_state["tabs_reviews_zh"].startswith("G09 ")
    at = start({"lang": "en"})
    at.switch_page("pages/safeguards.py").run()
    assert at.session_state["tabs_safeguards_en"].startswith("G17 ")
    at = start({"lang": "en", "goal": "milestones"})
    at.switch_page("pages/safeguards.py").run()
    assert at.session_state["tabs_safeguards_en"] == "Milestones M01–M15"


def test_a_goal_the_page_does_not_have_is_not_kept_in_the_link(dates: list[dt.date]) -> None:
    """A hand-edited or stale link (/reviews?goal=G03, a complaints goal; goal=G99) opens the
    page's first goal, and the link no longer names the other one."""
    for wrong in ("G03", "G99"):
        at = start({"lang": "en", "as_of": dates[-1].isoformat(), "goal": wrong})
        at.switch_page("pages/reviews.py").run()
        assert not at.exception
        assert "goal" not in at.query_params, (wrong, at.query_params)
    at = start({"lang": "en", "as_of": dates[-1].isoformat(), "goal": "G09"})
    at.switch_page("pages/reviews.py").run()
    assert at.query_params["goal"] in ("G09", ["G09"])


def test_clicking_a_scorecard_row_opens_the_goal_in_the_same_state(dates: list[dt.date], department: str) -> None:
    """A row click (the dataframe's selection) switches to the goal's area page; st.switch_page
    drops widget values, yet date, department and language stay."""
    at = start({"lang": "en", "as_of": dates[0].isoformat(), "dept": department})
    at.session_state["scorecard_en"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert [t.value for t in at.title] == ["Complaints"]
    assert at.query_params == {"lang": "en", "as_of": dates[0].isoformat(), "dept": department, "goal": "G03"}
    assert at.sidebar.radio[0].value == "en"
    assert at.sidebar.selectbox[0].value == dates[0]
    assert at.sidebar.selectbox[1].value == department


def test_overview_links_every_goal_to_its_area_page() -> None:
    at = start({"lang": "en"})
    labels = [link.value for link in at.main.get("page_link")]
    for goal_id in GOAL_IDS:
        assert any(f" {goal_id} " in label for label in labels), goal_id
    for link in at.main.get("page_link"):
        assert link.proto.page in {area.replace("_", "-") for area in AREAS}, link.value
        goal = re.search(r"(G\d\d|Milestones)", link.value).group(1)
        assert f"goal={goal if goal != 'Milestones' else 'milestones'}" in link.proto.query_string, link.value
        assert "lang=en" in link.proto.query_string and "as_of=" in link.proto.query_string


def test_the_sidebar_lists_the_app_pages_with_the_state_in_their_links() -> None:
    """The app draws its own page list (the built-in one is switched off in config.toml)."""
    at = start({"lang": "en", "as_of": "2021-06-30"})
    links = at.sidebar.get("page_link")
    assert [link.value for link in links][:2] == ["Overview", "Online service"]
    assert len(links) == 12 and {link.proto.page for link in links} >= {"one-thing", "method", "data"}
    assert all("lang=en" in link.proto.query_string and "as_of=2021-06-30" in link.proto.query_string for link in links)
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "showSidebarNavigation = false" in config


# --------------------------------------------------------------------------- the warehouse


def test_the_app_never_writes_to_the_warehouse(warehouse: Path, dates: list[dt.date]) -> None:
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    at = start({"lang": "zh", "as_of": dates[-1].isoformat()})
    for page in PAGES:
        at.switch_page(page).run()
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert not warehouse.with_name(warehouse.name + ".wal").exists()


def test_missing_warehouse_is_built_with_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    """A hosted demo's first start: no warehouse, so the app builds the demo one, then shows it."""
    import qjgov.demo.build as demo

    target = tmp_path / "fresh" / "warehouse.duckdb"
    real_build = demo.build_demo
    monkeypatch.setattr(
        demo,
        "build_demo",
        lambda target, log=print: real_build(target, tmp_path / "raw", cases_per_year=1000, log=log),
    )
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(target))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert target.exists()
    assert not at.exception
    assert at.get("status") or any("progress" == getattr(n, "type", "") for n in at.main)
    assert len(at.dataframe[0].value) == 21


def test_a_warehouse_built_by_another_version_is_named_never_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse: Path,
) -> None:
    """After an update the app never rebuilds the warehouse it finds (demo data or the
    office's own): when it lacks a mart this version's pages read, the page stops with the
    commands that rebuild it (not a traceback); when it was built from other models or seeds,
    or before builds recorded which, a notice says so above the page, and a page that cannot
    be drawn from it says why; one built by this version says nothing."""

    def copy(name: str, *changes: str) -> Path:
        target = tmp_path / name / "warehouse.duckdb"
        target.parent.mkdir()
        target.write_bytes(warehouse.read_bytes())
        with duckdb.connect(str(target)) as con:
            for change in changes:
                con.execute(change)
        return target

    own_data = "update meta.raw_files set origin = null"
    copies = [
        copy("current"),
        copy("current-own", own_data),
        copy("other", own_data, "update meta.build_info set models_digest = 'another'"),
        # Built before the digest was recorded; an intermediate table the pages do not read is gone.
        copy("unknown", "alter table meta.build_info drop column models_digest", "drop table intermediate.int_item_departments"),
        copy("older", own_data, "alter table meta.build_info drop column models_digest", "drop table marts.case_list_counts",
             "drop view marts.case_goal_records"),
        copy("older-demo", "update meta.build_info set models_digest = 'an older one'", "drop table marts.case_list_counts"),
        # A mart the overview reads, with a column less.
        copy("columns", own_data, "update meta.build_info set models_digest = 'another'",
             "alter table marts.goal_progress drop column projected"),
    ]
    seen = {}
    for target in copies:
        before = hashlib.sha256(target.read_bytes()).hexdigest()
        monkeypatch.setenv("QJGOV_WAREHOUSE", str(target))
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params.update({"lang": "en"})
        at.run()
        assert not at.exception, target
        assert not at.get("status"), "no build started"
        assert hashlib.sha256(target.read_bytes()).hexdigest() == before, "the app never rebuilds a warehouse it finds"
        seen[target.parent.name] = ([e.value for e in at.error], [w.value for w in at.warning], len(at.dataframe))
    for name in ("current", "current-own"):
        assert seen[name][:2] == ([], []) and seen[name][2], (name, seen[name])
    for name, words_seen in (("other", "other models or seeds"), ("unknown", "before builds recorded")):
        errors, (notice,), tables = seen[name]
        assert errors == [] and tables and words_seen in notice and "make build" in notice and "make demo" in notice, seen[name]
    (error,), (notice,), _ = seen["columns"]
    assert "cannot be drawn" in error and "projected" in error and "make build" in error and "other models" in notice
    for name, lacking in (("older", "marts.case_goal_records, marts.case_list_counts"), ("older-demo", "marts.case_list_counts")):
        (error,), _, tables = seen[name]
        assert lacking in error and "make build" in error and "make demo" in error and name in error and tables == 0, seen[name]


# --------------------------------------------------------------------------- words


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(words.ZH) == set(words.EN)
    for key in words.ZH:
        assert words.placeholders(words.ZH[key]) == words.placeholders(words.EN[key]), key
        assert words.ZH[key].strip() and words.EN[key].strip(), key


def test_chinese_strings_are_chinese_and_english_strings_are_english() -> None:
    def prose(text: str) -> str:  # placeholders and `code` are not prose
        return re.sub(r"`[^`]*`|\{\w+\}", "", text)

    latin = {key: text for key, text in words.ZH.items() if untranslated([prose(text)], "zh")}
    assert not latin, latin
    chinese = {key: text for key, text in words.EN.items() if CJK.search(text)}
    assert not chinese, chinese


def test_what_it_takes_names_units_and_reads_the_required_rate(marts: duckdb.DuckDBPyConnection) -> None:
    goals = marts.sql(
        "select goal_id, family, take_zh, take_en, take_met_zh, take_met_en, rate_noun_zh, rate_noun_en, "
        "rate_verb_zh, rate_verb_en from marts.goals"
    ).pl()
    seeds = {row["goal_id"]: row for row in goals.iter_rows(named=True)}

    def what_it_takes(state: State, goal_id: str, row: dict) -> list[str]:
        return takes.what_it_takes(state.lang, state.as_of, row, seeds[goal_id])

    state = State(dt.date(2021, 6, 30), None, "en")
    base = dict(
        goal_id="G09", unit="ratio", actual=0.8, numerator=8, denominator=10, to_go=2, met=False,
        target=1.0, comparator="=", target_kind="fixed", required_rate=1.2, projected=0.85, projection_kind="run_rate",
        deadline=dt.date(2021, 12, 31), gap=0.2,
    )
    sentences = what_it_takes(state, "G09", base)
    assert sentences[0] == "2 bad reviews past the deadline still to be rectified."
    assert "can no longer be met" in sentences[1] and "120.0\u00a0%" in sentences[1]
    assert what_it_takes(state, "G09", base | {"required_rate": 0.973})[1] == (
        "From now to the year end, 97.3\u00a0% of new bad reviews must be rectified in time."
    )
    assert "assured" in what_it_takes(state, "G19", base | {"goal_id": "G19", "required_rate": -0.1})[1]
    # A rate just above all of them is not printed as 100.0 % (nor one just below it).
    assert "100.04\u00a0%" in what_it_takes(state, "G09", base | {"required_rate": 1.0004})[1]
    assert "99.96\u00a0%" in what_it_takes(state, "G09", base | {"required_rate": 0.9996})[1]
    licensing = base | {"goal_id": "G01", "to_go": 12, "numerator": 20, "denominator": 40, "required_rate": None, "projection_kind": "trend"}
    assert what_it_takes(state, "G01", licensing)[0] == "12 more licensing items must become fully online (now 20 of 40)."
    trips = base | {"goal_id": "G05", "unit": "trips", "to_go": 17, "numerator": 48, "denominator": 106, "required_rate": None}
    assert what_it_takes(state, "G05", trips)[0].startswith("17 required trips on site must be removed")
    handling = base | {"goal_id": "G04", "to_go": None, "numerator": None, "denominator": None, "actual": 0.78, "target": 0.8, "gap": 0.02, "required_rate": None}
    assert what_it_takes(state, "G04", handling)[0] == (
        "Handling time must on average be at least 80.0\u00a0% below the statutory limit; it is 78.0\u00a0%, 2.0\u00a0pp short."
    )
    zh = what_it_takes(State(dt.date(2021, 6, 30), None, "zh"), "G01", licensing)
    assert zh[0] == "还需 12 个行政许可事项实现“全程网办”（目前 20 / 40）。"


def test_a_baseline_of_100_percent_gets_no_count_to_go_nobody_could_reach(marts: duckdb.DuckDBPyConnection) -> None:
    """A "raise" goal whose baseline is 100 % cannot be beaten at today's denominator: the
    mart's to_go is empty (docs/metrics.md §3), and the page does not ask for "1 more" of what
    cannot be had: it says the target cannot be exceeded, the To go tile shows —, and the
    scorecard no count."""
    found = marts.sql(
        "select goal_id, department, as_of from marts.goal_progress_by_department "
        "where comparator = '>' and to_go is null and denominator is not null and target is not null "
        "and actual is not null order by as_of limit 1"
    ).fetchall()
    assert found, "the demo should have a department whose baseline is 100 % (G18, 老龄健康科)"
    goal_id, department, as_of = found[0]
    area = marts.sql("select area from marts.goals where goal_id = ?", params=[goal_id]).fetchall()[0][0]
    at = start({"lang": "en", "as_of": as_of.isoformat(), "dept": department, "goal": goal_id})
    at.switch_page(navigation.area_file(area)).run()
    assert not at.exception
    texts = " ".join(m.value for m in at.markdown)
    assert "cannot rise above 100\u00a0%" in texts
    assert not re.search(r"\b1 more\b", texts)
    assert [m.value for m in at.metric if m.label == "To go"] == ["—"]
    at = start({"lang": "en", "as_of": as_of.isoformat(), "dept": department})
    scorecard = {r["goal_id"]: r["to_go"] for r in at.dataframe[0].value.to_dict("records")}
    assert not isinstance(scorecard[goal_id], str)  # no count (None, NaN once in pandas)
    # The goal tab's department table, all departments: that department's row has no count either.
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": goal_id})
    at.switch_page(navigation.area_file(area)).run()
    table = next(f.value for f in at.dataframe if {"Department", "To go", "Meeting", "In scope"} <= set(f.value.columns))
    at_full = table[(table["Meeting"] == table["In scope"]) & (table["Target"] >= 1.0)]
    assert len(at_full) and at_full["To go"].isna().all(), table


def test_the_goal_tab_s_department_table_gives_each_department_s_chance(marts: duckdb.DuckDBPyConnection) -> None:
    """Each department's chance of meeting the goal, from marts.goal_progress_by_department,
    written as the scorecard writes it ("> 99 %", "< 1 %", "72 %")."""
    as_of = dt.date(2021, 6, 30)
    expected = dict(marts.sql(
        "select l.label_en, d.p_meet from marts.goal_progress_by_department as d "
        "left join marts.labels as l on l.code_list = 'department' and l.code = d.department "
        "where d.goal_id = 'G19' and d.as_of = ?", params=[as_of]).fetchall())
    assert any(p is not None for p in expected.values())
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": "G19"})
    area = marts.sql("select area from marts.goals where goal_id = 'G19'").fetchall()[0][0]
    at.switch_page(navigation.area_file(area)).run()
    assert not at.exception
    table = next(f.value for f in at.dataframe if {"Department", "Chance"} <= set(f.value.columns))
    shown = dict(zip(table["Department"], table["Chance"]))
    assert shown and all(shown[name] == numbers.fmt_chance(p, 6) for name, p in expected.items() if name in shown)


def test_english_counts_of_one_take_the_singular() -> None:
    assert words.t("en", "common.rows", n="1") == "1 row" and words.t("en", "common.rows", n="2") == "2 rows"
    assert words.agree("en", "1 more application items must become fully online") == "1 more application item must become fully online"
    assert words.agree("en", "due 1 working days after") == "due 1 working day after"
    for unchanged in ("1 of the items", "21 rows", "1,001 rows", "0.1 days", "in 1 of 3 departments"):
        assert words.agree("en", unchanged) == unchanged
    assert words.agree("zh", "1 rows") == "1 rows"
    assert words.agree("en", "1 more second-batch Sichuan–Chongqing items") == "1 more second-batch Sichuan–Chongqing item"
    assert words.agree("en", "1 licensing and penalty decisions past") == "1 licensing and penalty decision past"
    # Only the template's own counts: what a user typed or an error says is never changed.
    assert words.t("en", "import.refused.because", file="1 rows.csv", reason="select 1 as rows") == (
        "1 rows.csv is refused; none of it is imported: select 1 as rows")
    # Every goal's sentence reads right for one and for many (no verb that must agree).
    seeds = {r["goal_id"]: r for r in csv.DictReader((ROOT / "seeds" / "goal_words.csv").open(encoding="utf-8"))}
    for goal_id, seed in seeds.items():
        one = words.agree("en", seed["take_en"].format(n=1, num=1, den=2, target="x", actual="y", gap="z"))
        assert not re.search(r"\b1 [^(]*\b(are|need|were|have)\b", one), (goal_id, one)


def test_numbers_read_as_the_platform_writes_them() -> None:
    assert numbers.fmt_percent(0.83333) == "83.3\u00a0%"
    assert numbers.fmt_value(0.4528, "trips") == "0.45"
    assert numbers.fmt_value(None, "ratio") == "—"
    assert numbers.fmt_target("zh", 0.357, ">", "ratio", "baseline") == ">\u00a035.7\u00a0%（上年）"
    assert numbers.fmt_target("en", 0.3, "<=", "trips", "fixed") == "≤\u00a00.30"
    assert numbers.fmt_gap("en", 0.0302, "ratio", ">=") == "3.0\u00a0pp short"
    assert numbers.fmt_gap("zh", -0.0293, "ratio", ">=") == "领先 2.9\u00a0个百分点"
    assert numbers.fmt_gap("en", 0.1528, "trips", "<=") == "0.15\u00a0trips over"


def test_numbers_never_round_across_the_target() -> None:
    # 99.95 % against "= 100 %" must not read "100.0 %"; the same value far from a target keeps one decimal.
    assert numbers.fmt_value(0.9995, "ratio", 1.0) == "99.95\u00a0%"
    assert numbers.fmt_value(0.9995, "ratio", 0.8) == "100.0\u00a0%"
    assert numbers.fmt_value(0.79996, "ratio", 0.8) == "79.996\u00a0%"
    assert numbers.fmt_value(0.8, "ratio", 0.8) == "80.0\u00a0%"
    assert numbers.fmt_value(0.3004, "trips", 0.3) == "0.3004"
    # "On target" only when the gap is exactly zero; a small gap shows the decimals it needs.
    assert numbers.fmt_gap("en", 0.0, "ratio", "=") == "level"
    assert numbers.fmt_gap("en", 0.0005, "ratio", "=") == "0.05\u00a0pp short"
    assert numbers.fmt_gap("zh", 0.0005, "ratio", "=") != numbers.fmt_gap("zh", 0.0, "ratio", "=")
    assert numbers.fmt_gap("en", -0.0004, "trips", "<=") == "0.0004\u00a0trips ahead"
    assert words.english("Share of on-the-spot (即办件) items ≥ 40%") == "Share of on-the-spot items ≥ 40%"
    assert words.plan_clause("en", "保障措施二") == "Safeguard 2"
    assert words.plan_clause("zh", "重点任务九") == "重点任务九"


# --------------------------------------------------------------------------- downloads


def test_excel_and_csv_downloads_keep_types_and_chinese() -> None:
    frame = pl.DataFrame(
        {
            "事项名称": ["医师执业注册", "护士执业注册"],
            "截止日期": [dt.date(2021, 3, 1), None],
            "减少比例": [0.8333, 0.5],
        }
    )
    workbook = load_workbook(io.BytesIO(spreadsheets.to_xlsx(frame, "未整改的差评: G09", ["减少比例"])))
    sheet = workbook.active
    assert sheet.title == "未整改的差评  G09"
    assert [c.value for c in sheet[1]] == ["事项名称", "截止日期", "减少比例"]
    assert sheet["A2"].value == "医师执业注册"
    assert sheet["B2"].value.date() == dt.date(2021, 3, 1)
    assert sheet["C2"].value == pytest.approx(0.8333) and sheet["C2"].number_format == "0.0%"
    csv = spreadsheets.to_csv(frame, ["减少比例"])
    assert csv.startswith("\ufeff".encode("utf-8"))
    assert "减少比例 (%)" in csv.decode("utf-8-sig").splitlines()[0]
    assert "83.3" in csv.decode("utf-8-sig")
    overdue = pl.DataFrame({"记录": ["a", "b", "c"], "已逾期": [True, False, None]})
    assert spreadsheets.to_csv(overdue, yes_no=("是", "否")).decode("utf-8-sig").splitlines() == ["记录,已逾期", "a,是", "b,否", "c,"]


def test_imports_are_switched_off_unless_the_app_runs_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    """A public deployment never writes: no uploader without QJGOV_LOCAL; with it, the panel."""
    monkeypatch.delenv("QJGOV_LOCAL", raising=False)
    at = start({"lang": "en"})
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert any("Imports are switched off" in info.value for info in at.info)
    assert not at.get("file_uploader")
    monkeypatch.setenv("QJGOV_LOCAL", "1")
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert len(at.get("file_uploader")) == 1
    assert not any("Imports are switched off" in info.value for info in at.info)


def test_long_record_lists_are_paged(monkeypatch: pytest.MonkeyPatch, marts: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> None:
    """No list sends more than a page of rows to the browser; the caption and the downloads
    still speak of all of them."""
    monkeypatch.setattr(goal, "LIST_PAGE_ROWS", 2)
    goal_id, open_count = marts.sql(
        "select goal_id, count(*) from marts.open_duties where goal_id in ('G08', 'G09', 'G10') and as_of = ? "
        "group by goal_id order by 2 desc limit 1", params=[dates[-1]]
    ).fetchall()[0]
    assert open_count > 2, "the demo should have more than a page of open review duties"
    at = start({"lang": "en", "goal": goal_id})
    at.switch_page("pages/reviews.py").run()
    assert not at.exception
    pagers = [n for n in at.number_input if n.label.startswith("Page (of")]
    assert pagers, [n.label for n in at.number_input]
    tables = [frame for frame in at.dataframe if "Record" in getattr(frame.value, "columns", [])]
    assert tables and all(len(frame.value) <= 2 for frame in tables)
    assert any(f"{open_count:,} rows" in caption.value for caption in at.caption)


def test_a_case_list_is_read_a_page_at_a_time_and_searched_in_the_warehouse(
    monkeypatch: pytest.MonkeyPatch, marts: duckdb.DuckDBPyConnection, dates: list[dt.date],
) -> None:
    """A case-share goal's list can run to millions of cases: the app reads only the page shown
    (the page asked for, in the list's order), searches and counts in the warehouse, and
    offers a list longer than an Excel sheet as CSV only."""
    from qjgov.app import tables

    monkeypatch.setattr(goal, "LIST_PAGE_ROWS", 3)
    monkeypatch.setattr(tables, "EXCEL_ROWS", 5)
    as_of = dates[len(dates) // 2]
    expected = [row[0] for row in marts.sql(
        "select case_id from marts.case_goal_records where goal_id = 'G19' and counted_from between make_date(year(?::date), 1, 1) and ? "
        "and (meets_from is null or meets_from > ?) order by counted_from desc, case_id", params=[as_of, as_of, as_of]
    ).fetchall()]
    assert len(expected) > 6, "the demo should have more than two pages of G19 cases"
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": "G19"})
    at.switch_page("pages/inclusive.py").run()
    assert not at.exception
    pager = next(n for n in at.number_input if n.key == "page_G19_en")
    pager.set_value(2).run()
    assert not at.exception
    table = next(frame.value for frame in at.dataframe if "Case" in getattr(frame.value, "columns", []))
    assert list(table["Case"]) == expected[3:6]
    assert any(c.value == f"{len(expected):,} rows" for c in at.caption)
    excel = [b for b in at.get("download_button") if "Excel" in b.proto.label]
    assert excel and all(b.proto.disabled for b in excel), "a list longer than an Excel sheet is CSV only"
    # Search by a case's number: that case alone, found in the warehouse.
    next(t for t in at.text_input if t.key == "search_G19_en").set_value(expected[-1].lower()).run()
    assert not at.exception
    table = next(frame.value for frame in at.dataframe if "Case" in getattr(frame.value, "columns", []))
    assert list(table["Case"]) == [expected[-1]]
    assert any(c.value == "1 row" for c in at.caption)


def test_a_duty_list_is_read_a_page_at_a_time_searched_and_filtered_in_the_warehouse(
    monkeypatch: pytest.MonkeyPatch, marts: duckdb.DuckDBPyConnection, dates: list[dt.date],
) -> None:
    """A done-over-due goal's open records: the page asked for (deadlines first), the count of
    the whole list, a search and the overdue filter, all from the warehouse."""
    from qjgov.app import reads

    monkeypatch.setattr(goal, "LIST_PAGE_ROWS", 2)
    records_read: list[int] = []  # rows of each read of the list's records (not its counts)
    real_query = reads.query

    def recording(sql: str, params: tuple = ()) -> pl.DataFrame:
        frame = real_query(sql, params)
        if sql.startswith("select record_id") and "marts.open_duties" in sql:
            records_read.append(frame.height)
        return frame

    monkeypatch.setattr(reads, "query", recording)
    downloaded = recorded_downloads(monkeypatch)
    as_of = dates[-1]
    mart = "from marts.open_duties where goal_id = 'G15' and as_of = ?"
    expected = [row[0] for row in marts.sql(f"select record_id {mart} order by deadline_date, record_id", params=[as_of]).fetchall()]
    overdue = marts.sql(f"select count(*) {mart} and is_overdue", params=[as_of]).fetchall()[0][0]
    assert len(expected) > 4 and 0 < overdue < len(expected), "the demo should have open and overdue G15 records"
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": "G15"})
    at.switch_page("pages/credit.py").run()
    assert not at.exception
    next(n for n in at.number_input if n.key == "page_G15_en").set_value(2).run()
    assert not at.exception

    def shown() -> list[str]:
        return list(next(frame.value for frame in at.dataframe if "Record" in getattr(frame.value, "columns", []))["Record"])

    assert shown() == expected[2:4]
    assert any(c.value == f"{len(expected):,} rows" for c in at.caption)
    next(t for t in at.toggle if t.key == "overdue_G15_en").set_value(True).run()
    assert not at.exception
    assert any(c.value == f"{overdue:,} rows" for c in at.caption)
    # The page holds the overdue records only, in deadline order, and so does the download.
    overdue_records = [row[0] for row in marts.sql(
        f"select record_id {mart} and is_overdue order by deadline_date, record_id", params=[as_of]).fetchall()]
    pager = [n for n in at.number_input if n.key == "page_G15_en"]
    page = int(pager[0].value) if pager else 1
    assert shown() == overdue_records[(page - 1) * 2:page * 2] and shown()
    pages_read = len(records_read)
    assert list(downloaded("G15")["Record"]) == overdue_records
    del records_read[pages_read:]  # the download reads the whole list, as it should when clicked
    # The record due last is not overdue: searched for with the filter on, it is not listed;
    # with the filter off, it is.
    next(t for t in at.text_input if t.key == "search_G15_en").set_value(expected[-1].upper()).run()
    assert not at.exception
    assert expected[-1] not in overdue_records and shown() == []
    next(t for t in at.toggle if t.key == "overdue_G15_en").set_value(False).run()
    assert not at.exception
    assert shown() == [expected[-1]]
    assert any(c.value == "1 row" for c in at.caption)
    assert records_read and max(records_read) <= 2, records_read


def recorded_downloads(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], pl.DataFrame]:
    """What the last download offered for a goal's list holds: read as a click would read it."""
    offered: dict[str, Callable[[], pl.DataFrame]] = {}
    real = goal.downloads

    def recording(state, frame, stem, *args, **kwargs):
        offered[stem.split("-")[0]] = frame if callable(frame) else (lambda: frame)
        return real(state, frame, stem, *args, **kwargs)

    monkeypatch.setattr(goal, "downloads", recording)
    return lambda goal_id: offered[goal_id]()


def test_the_pages_of_a_duty_list_are_the_whole_list_in_order(
    warehouse: Path, dates: list[dt.date], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages come in deadline order, a tie broken by the record's number, whatever order the
    mart's rows are stored in: here a copy of the warehouse stores them backwards."""
    from qjgov.app import reads

    backwards = tmp_path / "warehouse.duckdb"
    backwards.write_bytes(warehouse.read_bytes())
    with duckdb.connect(str(backwards)) as con:
        con.execute("create or replace table marts.open_duties as "
                    "select * from marts.open_duties order by deadline_date desc, record_id desc")
        rows = con.sql("select deadline_date, record_id from marts.open_duties where goal_id = 'G15' and as_of = ?",
                       params=[dates[-1]]).fetchall()
    assert len(rows) > 9 and len({deadline for deadline, _ in rows}) < len(rows), "two records should be due the same day"
    expected = [record for _, record in sorted(rows)]
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(backwards))
    assert reads.open_duties("G15", dates[-1], None)["record_id"].to_list() == expected
    pages = [reads.open_duties("G15", dates[-1], None, page=n, page_rows=4)["record_id"].to_list() for n in range(1, len(expected) // 4 + 3)]
    assert [record for page in pages for record in page] == expected
    assert int(reads.open_duty_counts("G15", dates[-1], None)["records"].sum()) == len(expected)


def test_a_duty_list_shows_its_case_column_on_every_page_or_on_none(
    monkeypatch: pytest.MonkeyPatch, marts: duckdb.DuckDBPyConnection, dates: list[dt.date],
) -> None:
    """Whether the case column shows is decided by the whole list, not by the page: a page of
    records that name no case still has the column when others do (and the download too)."""
    # A date whose list mixes records with and without a case: with a page of one row, the
    # page of the first record without one.
    as_of, found = next(
        ((day, ids.index(None) + 1) for day in dates
         for ids in [[row[0] for row in marts.sql(
             "select case_id from marts.open_duties where goal_id = 'G15' and as_of = ? order by deadline_date, record_id",
             params=[day]).fetchall()]]
         if None in ids and any(ids)),
        (None, None),
    )
    assert as_of, "the demo should have open G15 records with and without a case at some date"
    monkeypatch.setattr(goal, "LIST_PAGE_ROWS", 1)
    downloaded = recorded_downloads(monkeypatch)
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": "G15"})
    at.switch_page("pages/credit.py").run()
    next(n for n in at.number_input if n.key == "page_G15_en").set_value(found).run()
    assert not at.exception
    table = next(frame.value for frame in at.dataframe if "Record" in getattr(frame.value, "columns", []))
    assert "Case" in table.columns and table["Case"].isna().all()
    assert "Case" in downloaded("G15").columns


@pytest.mark.parametrize("page_rows", [3, 40])
def test_the_pages_of_a_case_list_are_the_whole_list_in_order(warehouse: Path, dates: list[dt.date], page_rows: int) -> None:
    """Each page is read from the days it spans (found from the counts per day): every page
    in turn, with and without a search, gives back the whole list, in its order, once."""
    from qjgov.app import reads

    for goal_id, text in (("G21", None), ("G07", "qjwj2021-000")):
        as_of = dates[len(dates) // 2]
        whole = reads.case_records(goal_id, as_of, None, text)["case_id"].to_list()
        assert len(whole) > 3 * page_rows, (goal_id, len(whole))
        pages = [reads.case_records(goal_id, as_of, None, text, page=n, page_rows=page_rows)["case_id"].to_list()
                 for n in range(1, len(whole) // page_rows + 3)]
        assert [case for page in pages for case in page] == whole
        assert all(len(page) == page_rows for page in pages[: len(whole) // page_rows])


# --------------------------------------------------------------------------- what a leader reads first


def _contrast(fill: str, ink: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(fill), luminance(ink)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_status_word_reads_on_its_colour_at_wcag_aa_and_the_worst_looks_worst() -> None:
    for status, style in statuses.STATUS_STYLE.items():
        assert _contrast(style["fill"], style["ink"]) >= 4.5, status
        assert style["icon"] and words.t("zh", ("ms." if status in statuses.MILESTONE_STATUSES else "status.") + status)
    assert _contrast("#000000", "#FFFFFF") == pytest.approx(21.0)  # the formula itself
    # Severity: amber (at risk), orange-red (off track), dark red (missed): each darker than the last.
    fills = [statuses.STATUS_STYLE[s]["fill"] for s in ("at_risk", "off_track", "missed")]
    darkness = [_contrast(fill, "#FFFFFF") for fill in fills]
    assert darkness == sorted(darkness) and len(set(darkness)) == 3, darkness
    assert statuses.SEVERITY[-1] == "missed"


def test_a_click_on_any_cell_of_the_scorecard_opens_the_goal(dates: list[dt.date]) -> None:
    at = start({"lang": "en", "as_of": dates[-1].isoformat()})
    at.session_state["scorecard_en"] = {"selection": {"rows": [], "columns": [], "cells": [[4, "actual"]]}}
    at.run()
    assert [t.value for t in at.title] == ["Efficiency"]
    assert at.query_params["goal"] == "G05"


def test_the_scorecard_shows_met_today_and_the_units_still_to_go(marts: duckdb.DuckDBPyConnection, dates: list[dt.date]) -> None:
    as_of = dates[len(dates) // 2]
    at = start({"lang": "zh", "as_of": as_of.isoformat()})
    table = at.dataframe[0].value
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["met"]["label"] == "目前达标" and config["to_go"]["help"]
    assert config["goal_id"]["pinned"] is True
    met = dict(marts.sql("select goal_id, met from marts.goal_progress where as_of = ?", params=[as_of]).fetchall())
    assert {r["goal_id"]: r["met"] for r in table.to_dict("records")} == met
    assert any(met.values()), "the mid-year demo has goals met today"
    # The phone's cards carry the same goals, each with status, actual and target.
    cards = next(h.value for h in at.get("html") if "qj-card" in h.value)
    assert cards.count('class="qj-card"') == len(GOAL_IDS)
    assert cards.count("实际 <b>") == len(GOAL_IDS) and cards.count(" · 目标值 ") == len(GOAL_IDS)
    assert all(re.search(r'class="qj-badge"', card) for card in cards.split('class="qj-card"')[1:])


def test_an_english_browser_opens_in_english_unless_the_link_says_otherwise() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.context = {"locale": "en-US"}
    at.run()
    assert at.session_state["qj_lang"] == "en"
    assert at.title[0].value == words.t("en", "overview.title")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.context = {"locale": "zh-CN"}
    assert at.run().session_state["qj_lang"] == "zh"
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.context = {"locale": "en-GB"}
    at.query_params["lang"] = "zh"
    assert at.run().session_state["qj_lang"] == "zh"  # a shared link keeps its language


def test_the_language_switch_leads_the_sidebar_and_relabels_the_department_box(department: str) -> None:
    at = start({"lang": "zh", "dept": department})
    assert at.sidebar.radio[0].key == "qj_lang"
    first_widget = next(node for node in at.sidebar if getattr(node, "type", "") in {"radio", "selectbox", "page_link"})
    assert first_widget.type == "radio"
    at.sidebar.radio[0].set_value("en").run()
    box = at.sidebar.selectbox(key="qj_dept_en")
    assert box.options[0] == words.t("en", "sidebar.dept_all")
    assert box.value == department  # the chosen department stays across the switch
    assert not [label for label in box.options if CJK.search(label)], box.options


def test_the_record_list_filters_one_department_kept_in_the_link(
    monkeypatch: pytest.MonkeyPatch, marts: duckdb.DuckDBPyConnection, dates: list[dt.date],
) -> None:
    downloaded = recorded_downloads(monkeypatch)
    as_of = dates[-1].isoformat()  # G08 (reviews not yet reported) has open records in four departments then
    at = start({"lang": "zh", "as_of": as_of, "goal": "G08"})
    at.switch_page("pages/reviews.py").run()
    assert not at.multiselect, "no multiselect (and its untranslated 'Select all') on the page"
    box = at.selectbox(key="list_dept_G08_zh")
    assert box.value == "" and box.options[0] == "全部科室"
    chosen = box.options[1]
    box.set_value(chosen).run()
    assert at.query_params["list_dept"] == chosen
    # The page and the download hold that department's records only, all of them.
    held = [row[0] for row in marts.sql(
        "select record_id from marts.open_duties where goal_id = 'G08' and as_of = ? and department = ? "
        "order by deadline_date, record_id", params=[dates[-1], chosen]).fetchall()]
    assert held and len(held) < marts.sql(
        "select count(*) from marts.open_duties where goal_id = 'G08' and as_of = ?", params=[dates[-1]]).fetchall()[0][0]
    record, department = words.t("zh", "col.record_id"), words.t("zh", "col.department")
    table = next(frame.value for frame in at.dataframe if record in getattr(frame.value, "columns", []))
    assert list(table[record]) == held and set(table[department]) == {formatting.department_label("zh", chosen)}
    assert list(downloaded("G08")[record]) == held
    assert any(chosen in b.proto.id for b in at.get("download_button")), "the download is named after the filter"
    # A copied link opens the list with the same filter.
    again = start({"lang": "zh", "as_of": as_of, "goal": "G08", "list_dept": chosen})
    again.switch_page("pages/reviews.py").run()
    assert again.selectbox(key="list_dept_G08_zh").value == chosen


def test_lists_say_how_late_and_files_say_what_they_hold() -> None:
    assert goal.time_left("zh", -94) == "逾期 94 个工作日"
    assert goal.time_left("en", -1) == "1 working day overdue"
    assert goal.time_left("zh", 0) == "今日到期"
    assert goal.time_left("en", 3) == "3 working days left"
    assert goal.time_left("zh", None) == "—"
    state = State(dt.date(2021, 6, 30), None, "zh")
    assert goal.file_stem(state, "G09", "妇幼健康科", "", True) == "G09-2021-06-30-妇幼健康科-已逾期"
    assert goal.file_stem(state, "G09", None, " 体检/证明 ", False) == "G09-2021-06-30-含“体检_证明”"
    assert goal.file_stem(State(dt.date(2021, 6, 30), "疾控科", "en"), "G03", None, "", False).startswith("G03-2021-06-30-")


def test_a_milestone_done_late_says_so_with_the_working_days(dates: list[dt.date]) -> None:
    at = start({"lang": "zh", "as_of": dates[-1].isoformat(), "goal": "milestones"})
    at.switch_page("pages/safeguards.py").run()
    table = next(d.value for d in at.dataframe if "M03" in list(d.value.iloc[:, 0]))
    m03 = table[table.iloc[:, 0] == "M03"].iloc[0]
    assert m03[words.t("zh", "col.status")] == "✓ 逾期完成"
    # Due Wed 30 Jun 2021, done Wed 15 Sep 2021: the working days after the due date up to the done date.
    import chinese_calendar
    expected = sum(
        chinese_calendar.is_workday(dt.date(2021, 6, 30) + dt.timedelta(days=n)) for n in range(1, (dt.date(2021, 9, 15) - dt.date(2021, 6, 30)).days + 1)
    )
    assert int(m03[words.t("zh", "col.days_overdue")]) == expected


DEVELOPER_WORDS = re.compile(r"METRICS\.md|seeds/|\.csv\b|\.sql\b|assert_|warn_|（无说明）|同上|\(no description\)")


def _texts_outside_details(node: object) -> list[str]:
    """The texts of a page a reader sees without opening a collapsed detail (an expander)."""
    if getattr(node, "type", "") == "expander":
        return []
    texts: list[str] = []
    for child in getattr(node, "children", {}).values():
        texts += _texts_outside_details(child)
    kind = getattr(node, "type", "")
    if kind in {"markdown", "caption", "title", "header", "subheader", "info"}:
        texts.append(str(node.value))
    elif kind == "dataframe":
        texts += [str(value) for value in node.value.astype(str).to_numpy().ravel()]
    return texts


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_method_and_data_pages_speak_the_users_words_outside_details(lang: str) -> None:
    at = start({"lang": lang})
    for page in ("pages/method.py", "pages/data.py"):
        at.switch_page(page).run()
        shown = " ".join(_texts_outside_details(at.main))
        assert not DEVELOPER_WORDS.findall(shown), (page, DEVELOPER_WORDS.findall(shown))
        assert at.expander, page  # the technical names are still there, in a detail
    method = " ".join(_texts_outside_details(at.switch_page("pages/method.py").run().main))
    assert ("D** 是所选的截至日期" if lang == "zh" else "**D** in the formulas is the chosen as-of date") in method
    assert ("容差" if lang == "zh" else "Tolerance") in method


def test_the_demo_notice_shows_on_a_demo_build_and_not_on_imported_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    at = start({"lang": "zh"})
    assert any("qj-demo-notice" in m.value and "演示数据（随机生成）" in m.value for m in at.markdown)
    # The same rows written by something else than the generator (no origin stamp): no notice.
    from qjgov.warehouse.build import build

    raw = tmp_path / "raw"
    for part in (warehouse.parent / "raw").rglob("*.parquet"):
        target = raw / part.relative_to(warehouse.parent / "raw")
        target.parent.mkdir(parents=True, exist_ok=True)
        pl.read_parquet(part).write_parquet(target)
    imported = tmp_path / "warehouse.duckdb"
    build(raw, ROOT / "seeds", imported, ROOT / "sql", log=lambda message: None, allow_shrink=True)
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(imported))
    at = start({"lang": "en"})
    assert not at.exception
    assert not any("qj-demo-notice" in m.value for m in at.markdown)
    assert at.title[0].value == words.t("en", "overview.title")


@pytest.mark.parametrize("goal_id", ["G07", "G19", "G20", "G21"])
def test_a_case_share_goal_lists_exactly_the_cases_that_do_not_count(marts: duckdb.DuckDBPyConnection, dates: list[dt.date], goal_id: str) -> None:
    """The list under a case-share goal holds its denominator minus its numerator, case by case."""
    as_of = dates[len(dates) // 2]
    area, numerator, denominator = marts.sql(
        "select area, numerator, denominator from marts.goal_progress where goal_id = ? and as_of = ?", params=[goal_id, as_of]
    ).fetchall()[0]
    at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": goal_id})
    at.switch_page(f"pages/{area.replace('_', '-')}.py").run()
    assert not at.exception
    shown = [c.value for c in at.caption if c.value == words.t("en", "common.rows", n=f"{int(denominator - numerator):,}")]
    assert shown, (goal_id, denominator - numerator, [c.value for c in at.caption])
    assert words.t("en", "goal.list_unavailable") not in [c.value for c in at.caption]


# --------------------------------------------------------------------------- chance of meeting


def _chance_as_written(p: float | None, month_no: int) -> str:
    """The chance as a leader reads it, worked out here: whole percent, and before December
    never 0 % or 100 %."""
    if p is None:
        return "—"
    if month_no == 12:
        return f"{p * 100:.0f}\u00a0%"
    if p >= 0.995:
        return ">\u00a099\u00a0%"
    if p < 0.005:
        return "<\u00a01\u00a0%"
    return f"{round(p * 100)}\u00a0%"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_scorecard_and_the_phone_cards_give_each_goals_chance(marts: duckdb.DuckDBPyConnection, dates: list[dt.date], lang: str) -> None:
    """Mid-year the demo has goals almost sure to be met, goals that can no longer be met and
    goals in between: "> 99 %", "< 1 %" and a plain percentage, as p_meet says; in December
    only "100 %" and "0 %"."""
    for as_of, kinds in ((dates[len(dates) // 2], {">\u00a099\u00a0%", "<\u00a01\u00a0%", "plain"}), (dates[-1], {"100\u00a0%", "0\u00a0%"})):
        at = start({"lang": lang, "as_of": as_of.isoformat()})
        frame = at.dataframe[0]
        config = json.loads(frame.proto.columns)
        assert config["chance"]["label"] == words.t(lang, "col.chance_short")
        assert config["chance"]["help"] == words.t(lang, "col.chance_help")
        rows = marts.sql("select goal_id, p_meet, month_no from marts.goal_progress where as_of = ? order by goal_id", params=[as_of]).fetchall()
        expected = {goal_id: _chance_as_written(p, month_no) for goal_id, p, month_no in rows}
        shown = {r["goal_id"]: r["chance"] for r in frame.value.to_dict("records")}
        assert shown == expected, as_of
        assert {c if not re.fullmatch(r"\d\d?\u00a0%", c) or as_of == dates[-1] else "plain" for c in shown.values()} == kinds, shown
        # The phone's cards: each goal's card carries its chance.
        cards = next(h.value for h in at.get("html") if "qj-card" in h.value).split('class="qj-card"')[1:]
        for goal_id, card in zip(sorted(expected), cards):
            assert f"{goal_id} " in card and f"{words.t(lang, 'col.chance')} <b>{html.escape(expected[goal_id], quote=False)}</b>" in card, card


def _band_layers(spec: dict) -> list[dict]:
    return [layer for layer in spec.get("layer", []) if (layer.get("mark") or {}).get("type") == "area"]


def test_the_goal_chart_shades_the_likely_range_from_the_last_value_to_december() -> None:
    from qjgov.present import charts

    path = pl.DataFrame({"as_of": [dt.date(2021, 5, 31), dt.date(2021, 6, 30)], "actual": [0.70, 0.72]})
    december = dt.date(2021, 12, 31)
    spec = charts.goal_path(path, "zh", "ratio", 0.8, 0.78, december, 0.69, 0.86).to_dict()
    (band,) = _band_layers(spec)
    label = "年末可能区间（80\u00a0%）"
    assert spec["datasets"][band["data"]["name"]] == [  # from today's actual, widening to the interval
        {"date": "2021-06-30T00:00:00", "low": 0.72, "high": 0.72, "band": label},
        {"date": "2021-12-31T00:00:00", "low": 0.69, "high": 0.86, "band": label},
    ]
    assert band["encoding"]["fill"]["scale"]["domain"] == [label]  # the legend, in the reader's language
    assert [t["title"] for t in band["encoding"]["tooltip"]] == ["系列", "日期", "下限", "上限"]
    # No band without an interval, nor in December, when both ends are the year's value.
    assert not _band_layers(charts.goal_path(path, "en", "ratio", 0.8, 0.78, december).to_dict())
    year = pl.DataFrame({"as_of": [dt.date(2021, 11, 30), december], "actual": [0.70, 0.74]})
    assert not _band_layers(charts.goal_path(year, "en", "ratio", 0.8, 0.74, december, 0.74, 0.74).to_dict())


def test_the_goal_tab_gives_the_chance_the_likely_range_and_the_band(marts: duckdb.DuckDBPyConnection, dates: list[dt.date], warehouse: Path) -> None:
    """The goal tab's tiles hold the chance and, under the projection, the likely range; its
    chart (and the report's) shades the range before December and not in December."""
    from qjgov.reporting import data as report_data, document

    for as_of in (dates[len(dates) // 2], dates[-1]):
        at = start({"lang": "en", "as_of": as_of.isoformat(), "goal": "G09"})
        at.switch_page("pages/reviews.py").run()
        assert not at.exception
        row = marts.sql(
            "select p_meet, month_no, projected_low, projected_high from marts.goal_progress where goal_id = 'G09' and as_of = ?",
            params=[as_of],
        ).fetchall()[0]
        tiles = {m.label: m for m in at.metric}
        assert tiles["Chance of meeting"].value == _chance_as_written(row[0], row[1])
        assert tiles["Chance of meeting"].proto.help == words.t("en", "col.chance_help")
        low, high = (f"{value * 100:.1f}\u00a0%" for value in row[2:])
        assert tiles["Year-end projection"].proto.delta == f"Likely range {low if low == high else f'{low}–{high}'}"
        chart = next(json.loads(c.proto.spec) for c in at.get("vega_lite_chart") if "Year-end projection" in chart_words(json.loads(c.proto.spec)))
        data = report_data.read(warehouse, as_of)  # the report's own reads and row
        report = document.chart_spec(data, data.goals.filter(pl.col("goal_id") == "G09").row(0, named=True), "en")
        assert len(_band_layers(chart)) == len(_band_layers(report)) == (1 if row[1] < 12 else 0), as_of


def test_what_it_takes_says_how_the_chance_moves_if_the_required_rate_is_held(marts: duckdb.DuckDBPyConnection) -> None:
    seed = marts.sql("select * from marts.goals where goal_id = 'G09'").pl().row(0, named=True)
    row = dict(
        goal_id="G09", unit="ratio", actual=0.9, numerator=90, denominator=100, to_go=10, met=False, target=1.0,
        comparator="=", target_kind="fixed", required_rate=0.931, recent_rate=0.9, projected=0.92,
        projection_kind="run_rate", deadline=dt.date(2021, 12, 31), gap=0.1, month_no=6, p_meet=0.35, p_meet_if_held=0.52,
    )
    june = dt.date(2021, 6, 30)
    en = takes.what_it_takes("en", june, row, seed)
    assert "Holding the required rate of 93.1\u00a0% next month would move the chance of meeting the target from 35\u00a0% to 52\u00a0%." in en
    zh = takes.what_it_takes("zh", june, row, seed)
    assert "下月若保持所需比例 93.1\u00a0%，达标可能性将由 35\u00a0% 变为 52\u00a0%。" in zh
    # Already near certain: the chance stays where it is, and says so.
    sure = takes.what_it_takes("en", june, row | {"p_meet": 0.996, "p_meet_if_held": 0.999}, seed)
    assert "Holding the required rate of 93.1\u00a0% next month would keep the chance of meeting the target at >\u00a099\u00a0%." in sure
    # A required rate above 100 %: no rate can be held, and the chance agrees that it can no longer be met.
    beyond = takes.what_it_takes("en", june, row | {"required_rate": 1.04, "p_meet": 0.0, "p_meet_if_held": None}, seed)
    assert "can no longer be met" in beyond[1]
    assert "Its chance of being met is therefore <\u00a01\u00a0%." in beyond
    assert "因此达标可能性 <\u00a01\u00a0%。" in takes.what_it_takes("zh", june, row | {"required_rate": 1.04, "p_meet": 0.0, "p_meet_if_held": None}, seed)
    # A required rate of 100 % off by the float's last digit is within reach, as the chance has it.
    level = takes.what_it_takes("en", june, row | {"required_rate": 1.0000000000000002, "p_meet": 0.76, "p_meet_if_held": None}, seed)
    assert "From now to the year end, 100.0\u00a0% of new bad reviews must be rectified in time." in level
    assert not [s for s in level if "no longer" in s or "chance" in s]
    # No chance given (a row without one): no sentence about it.
    assert not [s for s in takes.what_it_takes("en", june, row | {"p_meet": None}, seed) if "chance" in s]


CALIBRATION_ROWS = [  # scope, family, goal_id, from, to, predictions, met_share, mean_chance, brier, brier_base_rate, brier_status, skill_base_rate, skill_status
    ("commission", "catalogue", "G01", 3, 11, 1800, 0.61, 0.6, 0.0834, 0.24, 0.15, 0.6525, 0.444),
    ("commission", "catalogue", "all", 3, 11, 19800, 0.55, 0.54, 0.091, 0.247, 0.2, 0.6316, 0.545),
    ("commission", "duty", "all", 3, 11, 10800, 0.2, 0.21, 0.07, 0.16, 0.062, 0.5625, -0.129),
    ("commission", "all", "all", 3, 11, 37800, 0.43, 0.42, 0.08, 0.245, 0.16, 0.6735, 0.5),
    ("commission", "all", "all", 6, 6, 4200, 0.43, 0.42, 0.0912, 0.245, 0.17, 0.6278, 0.4635),
    ("commission", "all", "all", 3, 3, 4200, 0.43, 0.41, 0.1234, 0.245, 0.19, 0.4963, 0.3505),
    ("department", "catalogue", "G01", 3, 11, 9000, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_method_page_says_how_each_chance_is_found_and_how_well_the_chances_came_true(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lang: str,
) -> None:
    from qjgov.present import calibration

    def method_page() -> tuple[AppTest, list[str]]:
        at = start({"lang": lang})
        at.switch_page("pages/method.py").run()
        assert not at.exception and not at.error
        return at, [m.value for m in at.markdown]

    monkeypatch.setattr(calibration, "CALIBRATION_CSV", tmp_path / "calibration.csv")
    at, texts = method_page()
    assert words.t(lang, "method.chance.read") in texts and ("72\u00a0%" in words.t(lang, "method.chance.read"))
    table = next(text for text in texts if text.startswith("<table") and words.t(lang, "method.chance.how") in text)
    kinds = dict(pl.read_csv(ROOT / "seeds" / "targets.csv").select("goal_id", "kind").iter_rows())
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]
    assert [re.sub(r"<[^>]+>", "|", r).strip("|").split("||")[0] for r in rows] == list(GOAL_IDS)
    for goal_id, cells in zip(GOAL_IDS, rows):
        assert html.escape(words.t(lang, f"method.chance.how_{kinds[goal_id]}"), quote=False) in cells, goal_id
    assert [i.value for i in at.info] == [words.t(lang, "method.calib.none")]  # not run: said, not an error

    with (tmp_path / "calibration.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["scope", "family", "goal_id", "from_month", "to_month", "predictions", "met_share", "mean_chance",
                      "brier", "brier_base_rate", "brier_status", "skill_base_rate", "skill_status"])
        out.writerows(CALIBRATION_ROWS)
    at, texts = method_page()
    assert not at.info
    goals = next(text for text in texts if text.startswith("<table") and words.t(lang, "method.chance.how") in text)
    cells = lambda row: re.findall(r"<td[^>]*>(.*?)</td>", row)  # noqa: E731
    by_goal = {cells(r)[0]: cells(r) for r in re.findall(r"<tr>(.*?)</tr>", goals)[1:]}
    assert by_goal["G01"][3:] == ["0.083", "0.44", "0.65", "1,800"]  # the commission's March–November row, not a department's
    assert by_goal["G02"][3:] == ["—"] * 4
    tables = [text for text in texts if text.startswith("<table")]
    heading = lambda text: re.search(r"<th[^>]*>(.*?)</th>", text).group(1)  # noqa: E731
    families = next(text for text in tables if heading(text) == words.t(lang, "method.calib.col.family"))
    family_rows = [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", families)[1:]]
    assert [r[0] for r in family_rows] == [words.t(lang, f"method.family.{f}") for f in ("catalogue", "duty", "all")]
    assert family_rows[1][1:] == ["20.0\u00a0%", "0.070", "−0.13", "0.56", "10,800"]
    months = next(text for text in tables if heading(text) == words.t(lang, "method.calib.col.month"))
    assert [cells(r)[0] for r in re.findall(r"<tr>(.*?)</tr>", months)[1:]] == [
        words.t(lang, "method.calib.month", month=str(m)) for m in (3, 6)
    ]
