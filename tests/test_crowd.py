"""The load client of `make bench` (qjgov.bench.crowd) against a real server: visitors that
speak Streamlit's websocket protocol really get both pages drawn, and a page that fails is
counted as failed. No timing is asserted here: the speed goals are the bench's."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterator

import pytest

from conftest import demo_for_the_app
from qjgov.bench import crowd
from qjgov.paths import ROOT


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from demo_for_the_app(tmp_path_factory, "crowd-warehouse", cases_per_year=3000)


@pytest.fixture(scope="module")
def app_url(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as `make run` serves it (one process), on a free port."""
    log = tmp_path_factory.mktemp("crowd-server") / "server.log"
    with crowd.serving(warehouse, 1, set(), log) as url:
        yield url


def test_three_visitors_arriving_together_each_get_the_overview_and_the_area_page(app_url: str) -> None:
    port = int(app_url.rsplit(":", 1)[1])
    pids = crowd.server_pids(port)
    assert pids, "the server's process is found from its port"
    figures, visits = asyncio.run(crowd.crowd(app_url, 3, pids))
    assert figures["failures"] == [] and figures["completed"] == 3 and len(visits) == 3
    for visit in visits:
        # The overview: the scorecard and the milestones as tables, the sidebar's and the
        # goals' links; the reviews page: a goal's path and its departments as charts.
        assert visit.overview.elements.get("dataframe", 0) >= 2, visit.overview.elements
        assert visit.overview.elements.get("page_link", 0) >= 12, visit.overview.elements
        assert visit.area.elements.get("vega_lite_chart", 0) >= 1, visit.area.elements
        assert visit.area.elements.get("metric", 0) >= 1, visit.area.elements
        assert visit.overview.seconds > 0 and visit.area.seconds > 0
    assert figures["cpu_s"] > 0, "the server's CPU was read from /proc"
    assert figures["peak_mb"] > 0


FAILING_APP = '''
import streamlit as st

def overview():
    st.title("Overview")

def reviews():
    st.title("Reviews")
    raise RuntimeError("a page that fails")

pages = [st.Page(overview, title="Overview", url_path="overview", default=True), st.Page(reviews, title="Reviews", url_path="reviews")]
page = st.navigation(pages, position="hidden")
st.sidebar.page_link(pages[1])
page.run()
'''


def test_a_page_that_fails_is_counted_as_failed(tmp_path: Path) -> None:
    """A visit whose area page raises is not counted as completed, and says why."""
    script = tmp_path / "failing.py"
    script.write_text(FAILING_APP, encoding="utf-8")
    command = crowd.serve_command(crowd._free_port(), 1, set())
    assert command[-len(crowd.STREAMLIT_OPTIONS):] == list(crowd.STREAMLIT_OPTIONS)
    with crowd.serving(tmp_path / "no-warehouse.duckdb", 1, set(), tmp_path / "server.log", script=script) as url:
        visit = asyncio.run(crowd.visit(url))
        assert visit.overview.errors == []
        # The app's config shows no error details: the exception element says only that there was one.
        assert any(error.startswith("exception: ") for error in visit.area.errors), visit.area.errors
        figures, _ = asyncio.run(crowd.crowd(url, 2, crowd.server_pids(int(url.rsplit(":", 1)[1]))))
    assert figures["completed"] == 0
    assert len(figures["failures"]) == 2 and all(failure.startswith("reviews: exception: ") for failure in figures["failures"])


def test_a_visitor_refused_at_the_door_is_a_failed_visit(tmp_path: Path) -> None:
    """Nothing listening: the visit fails with the reason, it does not hang or crash the crowd."""
    url = f"http://127.0.0.1:{crowd._free_port()}"
    with pytest.raises(crowd.VisitFailed, match="GET|Connection|refused"):
        asyncio.run(crowd.visit(url, timeout=10))


def test_the_nearest_rank_percentile() -> None:
    assert crowd.percentile([3.0], 0.95) == 3.0
    assert crowd.percentile([float(n) for n in range(1, 11)], 0.95) == 10.0
    assert crowd.percentile([float(n) for n in range(1, 51)], 0.95) == 48.0
    assert crowd.percentile([float(n) for n in range(1, 101)], 0.5) == 50.0


def test_the_crowd_section_replaces_its_own_in_the_benchmarks_and_leaves_the_rest(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n\n## 100,000 cases a year\n\nvolume table\n", encoding="utf-8")
    figures = {"runs": [{"replicas": 2, "front": True, "visitors": 50, "completed": 50, "overview_p50_s": 1.0, "overview_p95_s": 6.0,
                         "area_p50_s": 0.5, "area_p95_s": 2.0, "wall_s": 7.0, "cpu_per_visitor_s": 0.1, "peak_mb": 600.0, "after_mb": 590.0}],
               "skipped": [], "warehouse": "w.duckdb", "date": "2021-12-31", "cores": 2, "area": "reviews"}
    crowd.write_section(doc, crowd.table(figures))
    first = doc.read_text(encoding="utf-8")
    assert first.startswith("# Benchmarks\n\nintro\n\n## 100,000 cases a year\n\nvolume table\n\n## A crowd of visitors\n")
    assert "| 2 | nginx front | 50 | 50 | 1.00 s | 6.00 s |" in first
    assert "p95 6.00 s (1.2× the goal)" in first and "at most 0.100 s (goal met)" in first
    figures["runs"][0]["overview_p95_s"] = 4.0
    doc.write_text(first + "\n## Later section\n\nkept\n", encoding="utf-8")
    crowd.write_section(doc, crowd.table(figures))
    second = doc.read_text(encoding="utf-8")
    assert second.count("## A crowd of visitors") == 1 and "| 4.00 s |" in second and "| 6.00 s |" not in second
    assert second.endswith("## Later section\n\nkept\n") and "volume table" in second


@pytest.mark.parametrize("argv, message", [
    (["--url", "ftp://example.org"], "not an http(s) URL"),
    (["--visitors", "0"], "each crowd is 1 to"),
    (["--visitors", "100000"], "each crowd is 1 to"),
    (["--replicas", "0"], "--replicas: 1 to 16"),
])
def test_bad_options_get_a_clear_message(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        crowd.main(argv)
    assert message in capsys.readouterr().err


def test_a_url_with_nothing_of_this_machine_behind_it_is_told() -> None:
    port = crowd._free_port()
    with pytest.raises(SystemExit, match=f"no process listens on port {port}"):
        crowd.crowds(f"http://127.0.0.1:{port}", [1], warm=0, log=lambda message: None)


def test_what_the_overview_keeps_follows_a_rebuild(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The overview's parts are kept per (build, date, department, language): a rebuild with a
    goal renamed shows the new name in the scorecard, the phone cards and the goal links on
    the next page load of the same session."""
    import shutil

    from streamlit.testing.v1 import AppTest

    from qjgov.paths import ROOT, SEEDS_DIR, SQL_DIR
    from qjgov.warehouse.build import build

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    target = tmp_path / "warehouse.duckdb"
    raw = warehouse.parent / "raw"
    build(raw, seeds, target, SQL_DIR, log=lambda message: None, allow_shrink=True)
    monkeypatch.setenv("QJGOV_WAREHOUSE", str(target))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lang": "en"})
    at.run()
    assert not at.exception

    def shown() -> tuple[list[str], str, list[str]]:
        scorecard = next(frame.value for frame in at.dataframe if "goal_id" in frame.value.columns)
        cards = next(element.proto.body for element in at.get("html") if "qj-card" in element.proto.body)
        links = [element.proto.label for element in at.get("page_link")]
        return list(scorecard["goal"]), cards, links

    old, new = "Licensing items fully online", "Licences wholly online"
    names, cards, links = shown()
    assert old in names and old in cards and any(old in label for label in links)
    targets = seeds / "targets.csv"
    targets.write_text(targets.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    build(raw, seeds, target, SQL_DIR, log=lambda message: None, allow_shrink=True)
    at.run()
    assert not at.exception
    names, cards, links = shown()
    assert new in names and new in cards and any(new in label for label in links)
    assert old not in names and old not in cards


def test_the_first_run_takes_the_loaded_libraries_out_of_the_collectors_way(warehouse: Path) -> None:
    """Streamlit collects garbage in full after every run; the objects alive at the first run
    (the libraries') are frozen out of those collections (qjgov.app.heap), once. In a process
    of its own: nothing else there has frozen anything before the app's first run."""
    import json
    import os
    import subprocess
    import sys

    from qjgov.paths import ROOT

    script = (
        "import gc, json\n"
        "from streamlit.testing.v1 import AppTest\n"
        "before = gc.get_freeze_count()\n"
        f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=60).run()\n"
        "first = gc.get_freeze_count()\n"
        "at.run()\n"
        "print(json.dumps([before, first, gc.get_freeze_count(), bool(at.exception)]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QJGOV_WAREHOUSE": str(warehouse)})
    before, first, second, failed = json.loads(result.stdout.strip().splitlines()[-1])
    assert not failed
    assert before == 0 and first > 10_000, (before, first)
    assert second <= first  # not frozen again (frozen objects freed leave the count)


def test_the_bench_keeps_the_sections_measured_by_hand() -> None:
    """A section measured apart from `make bench` (marked KEPT) survives the next report; the
    bench's own sections do not stay twice."""
    from qjgov.bench import bench

    old = (
        "# Benchmarks\n\n## 100,000 cases a year\n\nold table\n\n"
        f"## What the build's proofs save\n\n{bench.KEPT}\n\nby hand\n\n## A crowd of visitors\n\ncrowd\n"
    )
    assert bench.kept_sections(old) == f"## What the build's proofs save\n\n{bench.KEPT}\n\nby hand\n\n"
    assert bench.kept_sections(old.replace(bench.KEPT, "")) == ""
    assert bench.KEPT in (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
