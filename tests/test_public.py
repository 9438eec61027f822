"""The public link under heavy visitors: three sessions keep the SQL page's costliest queries
running (each opened as a shared `/sql?q=` link does, which runs the query on opening) while a
fourth visitor opens the overview and an area page; that visitor's pages keep within twice
their own time on an idle server. The queries run in bounded child processes at a lower CPU
priority, two at once for the whole server; the third session hears the server is busy.

Visitors speak Streamlit's websocket protocol (`qjgov.bench.crowd`), as the bench's crowd does.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest

from conftest import demo_for_the_app
from qjgov.bench import crowd, pageload

HEAVY_SQL = "select count(*) from range(1000000000000)"  # one core until its 5 s limit stops it
ROUNDS = 5


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from demo_for_the_app(tmp_path_factory, "public-warehouse", cases_per_year=3000)


@pytest.fixture(scope="module")
def app_url(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("public-server") / "server.log"
    with pageload.serve(warehouse, log) as url:
        yield url


async def open_link(url: str, path: str, query: dict[str, str], timeout: float = 60) -> crowd.Page:
    """A new session opening `url/path?query` as a shared link: the page named by its path."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.asyncio.client import connect

    base = url.rstrip("/")
    parts = urllib.parse.urlsplit(base)
    text = urllib.parse.urlencode(query)
    jar: dict[str, str] = {}
    await asyncio.to_thread(crowd._get, f"{base}/{path}?{text}", jar, timeout)
    await asyncio.to_thread(crowd._get, f"{base}/_stcore/health", jar, timeout)
    message = BackMsg()
    message.rerun_script.query_string = text
    message.rerun_script.page_name = path
    message.rerun_script.context_info.locale = "en-GB"
    message.rerun_script.context_info.url = f"{base}/{path}?{text}"
    async with connect(
        f"ws://{parts.netloc}/_stcore/stream", origin=f"http://{parts.netloc}",
        subprotocols=["streamlit", *([jar["_streamlit_xsrf"]] if "_streamlit_xsrf" in jar else [])],
        additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}, proxy=None,
        ping_interval=None, max_size=crowd.LARGEST_MESSAGE,
    ) as connection:
        return await asyncio.wait_for(crowd._Stream(connection).run(message.SerializeToString(), time.perf_counter()), timeout)


async def visitor_times(url: str, rounds: int) -> list[float]:
    """A new visitor's overview and area page, `rounds` times one after another: seconds each."""
    times = []
    for _ in range(rounds):
        visit = await crowd.visit(url, lang="en")
        assert not visit.overview.errors and not visit.area.errors, (visit.overview.errors, visit.area.errors)
        times.append(visit.overview.seconds + visit.area.seconds)
    return times


async def heavy_sessions(url: str, sessions: int, stop: asyncio.Event) -> list[crowd.Page]:
    """`sessions` visitors reopening the heavy query's link until `stop`: every page they got."""
    pages: list[crowd.Page] = []

    async def one() -> None:
        while not stop.is_set():
            pages.append(await open_link(url, "sql", {"lang": "en", "q": HEAVY_SQL}))

    tasks = [asyncio.create_task(one()) for _ in range(sessions)]
    await stop.wait()
    await asyncio.gather(*tasks)
    return pages


async def under_load(url: str) -> tuple[list[float], list[crowd.Page]]:
    stop = asyncio.Event()
    heavy = asyncio.create_task(heavy_sessions(url, 3, stop))
    await asyncio.sleep(2)  # the queries are running
    try:
        times = await visitor_times(url, ROUNDS)
    finally:
        stop.set()
    return times, await heavy


def test_heavy_queries_in_three_sessions_leave_a_fourth_visitors_pages_their_speed(app_url: str) -> None:
    asyncio.run(visitor_times(app_url, 2))  # warm: the pages' reads are cached per build
    idle = statistics.median(asyncio.run(visitor_times(app_url, ROUNDS)))
    loaded, heavy = asyncio.run(under_load(app_url))
    # The heavy queries really ran, and the server said what it did with each.
    assert heavy and all(not page.errors for page in heavy), [page.errors for page in heavy]
    alerts = sum(page.elements.get("alert", 0) for page in heavy)
    assert alerts >= len(heavy), "every heavy page answered with the time limit or the server being busy"
    assert statistics.median(loaded) <= 2 * idle, f"idle {idle:.2f} s, under load {statistics.median(loaded):.2f} s ({loaded})"
