"""A crowd of visitors arriving together, each speaking Streamlit's own websocket protocol.

A headless browser per visitor costs this machine more CPU than the server it measures, so
each visitor here is what a browser sends and waits for, no more: a plain GET of the page
(the front's sticky cookie comes with the first answer), the health check that hands out
Streamlit's XSRF cookie, then a websocket on `/_stcore/stream` with those cookies, the
`streamlit` subprotocol and the XSRF token, as the browser opens it. On it the visitor asks
for the overview (a BackMsg `rerun_script` with the page's query string, as a first load
does) and waits for `script_finished`; then opens an area page as the sidebar's page link
does (the link's `page_script_hash` and query string; the sidebar's widget values are not
sent, the link's query string carries the date, department and language) and waits again.
A page's time runs
from the visitor's request to the end of the run that drew it; a page whose stream holds an
exception element or an error box counts as failed.

The server's CPU is read from /proc before and after each crowd, for every process that
serves the URL (the front and every replica: the process listening on its port, with the
`qjgov.serve` process that started it and all their children), so it is the server's own,
not this client's. Memory is the sum of those processes' resident sets, sampled while the
crowd is served. Caches are warmed first by visitors not counted (enough for every replica
to have drawn both pages), so the figures are of warm caches and new sessions.

    python -m qjgov.demo.crowd --url http://127.0.0.1:8501 --visitors 1 10 50
    python -m qjgov.demo.crowd            # starts its own servers on the demo warehouse: 1 and 2 replicas

`make bench` runs the second form and writes its table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from qjgov.bench import pageload
from qjgov.paths import ROOT, WAREHOUSE

CROWDS = (1, 10, 50)
MAX_VISITORS = 1_000  # a crowd larger than this would measure this client, not the server
REPLICAS = (1, 2)
AREA = "reviews"
PAGE_TIMEOUT = 300.0  # s: a page not drawn by then is a failed visit, not a hung bench
LARGEST_MESSAGE = 64 * 2**20  # bytes: a ForwardMsg larger than this ends the visit
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class VisitFailed(RuntimeError):
    """A visit that did not get its pages: refused, cut off or timed out (an error drawn on a
    page is in that page's `errors`)."""


@dataclass
class Page:
    """One page as a visitor saw it: seconds from the request to the end of the run that drew
    it, how many elements the run sent, by kind, and what went wrong on it."""

    seconds: float = 0.0
    elements: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Visit:
    overview: Page
    area: Page


# --------------------------------------------------------------------------- one visitor


def _cookies(headers: list[str], jar: dict[str, str]) -> None:
    for header in headers:
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update({name: morsel.value for name, morsel in parsed.items()})


def _get(url: str, jar: dict[str, str], timeout: float) -> None:
    """A browser's GET: cookies sent, cookies kept, the body read and dropped."""
    request = urllib.request.Request(url, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
            _cookies(response.headers.get_all("Set-Cookie") or [], jar)
    except urllib.error.HTTPError as error:
        raise VisitFailed(f"GET {url}: HTTP {error.code}") from error


def _rerun(query_string: str, page_script_hash: str = "", locale: str = "zh-CN", url: str = "") -> bytes:
    """The BackMsg a browser sends to run a page: on a first load the page is named by the
    URL's path (empty for the main page), on a page link by the link's page_script_hash."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    state = message.rerun_script
    state.query_string = query_string
    state.page_script_hash = page_script_hash
    state.page_name = ""
    state.context_info.timezone = "Asia/Shanghai"
    state.context_info.timezone_offset = -480
    state.context_info.locale = locale
    state.context_info.url = url
    state.context_info.is_embedded = False
    state.context_info.color_scheme = "light"
    return message.SerializeToString()


class _Stream:
    """What a visitor keeps of the ForwardMsg stream: the app's pages, the page links drawn."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.links: list[tuple[str, str]] = []  # (page_script_hash, query string), in drawing order

    async def run(self, request: bytes, began: float) -> Page:
        """Send a rerun and read until the run that draws the page is over."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        page = Page()
        await self.connection.send(request)
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.connection.recv())
            kind = message.WhichOneof("type")
            if kind in ("new_session", "navigation"):
                pages = message.new_session.app_pages if kind == "new_session" else message.navigation.app_pages
                self.pages.update({p.url_pathname: p.page_script_hash for p in pages})
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                name = element.WhichOneof("type") or "?"
                page.elements[name] = page.elements.get(name, 0) + 1
                if name == "exception":
                    shown = " ".join(part for part in (element.exception.type, element.exception.message) if part)
                    page.errors.append(f"exception: {shown[:200]}")  # the server may redact both
                elif name == "alert" and element.alert.format == Alert.ERROR:
                    page.errors.append(f"error box: {element.alert.body[:200]}")
                elif name == "page_link":
                    self.links.append((element.page_link.page_script_hash, element.page_link.query_string))
            elif kind == "page_not_found":
                page.errors.append(f"page not found: {message.page_not_found.page_name}")
            elif kind == "script_finished":
                status = message.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # the app reran itself: the page comes next
                    page.elements.clear()
                    self.links.clear()
                    continue
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    page.errors.append("the page's script did not compile")
                page.seconds = time.perf_counter() - began
                return page

    def link_to(self, path: str) -> tuple[str, str]:
        """The first link drawn to the page at `path` (the sidebar's, drawn before the page):
        its page_script_hash and query string, as a click sends them."""
        wanted = self.pages.get(path)
        for page_hash, query in self.links:
            if page_hash == wanted:
                return page_hash, query
        raise VisitFailed(f"no link to /{path} on the overview (pages: {', '.join(sorted(self.pages)) or 'none'})")


async def visit(url: str, area: str = AREA, lang: str = "zh", timeout: float = PAGE_TIMEOUT) -> Visit:
    """One new visitor: the overview, then the area page by its sidebar link."""
    from google.protobuf.message import DecodeError
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    base = url.rstrip("/")
    parts = urllib.parse.urlsplit(base)
    jar: dict[str, str] = {}
    query = urllib.parse.urlencode({"lang": lang})
    locale = "zh-CN" if lang == "zh" else "en-GB"
    began = time.perf_counter()
    try:
        await asyncio.to_thread(_get, f"{base}/?{query}", jar, timeout)
        await asyncio.to_thread(_get, f"{base}/_stcore/health", jar, timeout)
        scheme = "wss" if parts.scheme == "https" else "ws"
        protocols = ["streamlit", *([jar["_streamlit_xsrf"]] if "_streamlit_xsrf" in jar else [])]
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        async with connect(
            f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream", origin=f"{parts.scheme}://{parts.netloc}",
            subprotocols=protocols, additional_headers=headers, proxy=None, open_timeout=timeout,
            ping_interval=None, max_size=LARGEST_MESSAGE,
        ) as connection:
            stream = _Stream(connection)
            overview = await asyncio.wait_for(stream.run(_rerun(query, locale=locale, url=f"{base}/?{query}"), began), timeout)
            path = area.replace("_", "-")  # the page's URL path (one_thing -> one-thing)
            page_hash, link_query = stream.link_to(path)
            began = time.perf_counter()
            request = _rerun(link_query, page_hash, locale=locale, url=f"{base}/{path}?{link_query}")
            area_page = await asyncio.wait_for(stream.run(request, began), timeout)
    except (OSError, asyncio.TimeoutError, WebSocketException, DecodeError) as error:
        raise VisitFailed(f"{type(error).__name__}: {error}") from error
    return Visit(overview, area_page)


# --------------------------------------------------------------------------- the server's processes


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _processes() -> dict[int, tuple[int, bool]]:
    """pid -> (parent pid, whether it runs `python -m qjgov.serve`) of every process this
    user may read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        serving = any(a == "-m" and b == "qjgov.serve" for a, b in zip(argv, argv[1:]))
        found[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), serving)
    return found


def server_pids(port: int) -> set[int]:
    """Every process that serves `port`: the one listening on it, the `qjgov.serve` process
    that started it (if any), and all their children (the front's workers, the replicas)."""
    inodes = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    listeners = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                listeners.add(int(entry.name))
        except OSError:
            continue
    processes = _processes()
    roots = set()
    for pid in listeners:
        root = pid
        while processes.get(processes.get(root, (0, False))[0], (0, False))[1]:
            root = processes[root][0]
        roots.add(root)
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += [child for child, (parent, _) in processes.items() if parent == pid]
    return found


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU of `pids` so far (processes gone are left out)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def resident_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            continue
    return total * PAGE_SIZE / 2**20


# --------------------------------------------------------------------------- a crowd


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at
    or below it."""
    ordered = sorted(values)
    rank = max(1, -(-int(round(share * 1000)) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


async def crowd(url: str, visitors: int, pids: set[int], area: str = AREA, lang: str = "zh",
                timeout: float = PAGE_TIMEOUT) -> tuple[dict, list[Visit]]:
    """`visitors` arriving together at `url`: the figures of the crowd, and each visit drawn
    (a failed one is left out of the visits and named in the figures' failures)."""
    peak = resident_mb(pids)
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, resident_mb(pids))
            try:
                await asyncio.wait_for(done.wait(), 0.2)
            except asyncio.TimeoutError:
                pass

    sampler = asyncio.create_task(sample())
    load = os.getloadavg()[0]
    cpu_before = cpu_seconds(pids)
    began = time.perf_counter()
    outcomes = await asyncio.gather(*(visit(url, area, lang, timeout) for _ in range(visitors)), return_exceptions=True)
    wall = time.perf_counter() - began
    cpu = cpu_seconds(pids) - cpu_before
    done.set()
    await sampler
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, VisitFailed):
            raise outcome  # a defect of this client, not of the server
    visits = [o for o in outcomes if isinstance(o, Visit)]
    failures = [str(o) for o in outcomes if isinstance(o, VisitFailed)]
    failures += [f"{name}: {error}" for v in visits for name, page in (("overview", v.overview), (area, v.area)) for error in page.errors]
    overview = [v.overview.seconds for v in visits] or [float("nan")]
    area_times = [v.area.seconds for v in visits] or [float("nan")]
    figures = {
        "visitors": visitors, "completed": sum(1 for v in visits if not (v.overview.errors or v.area.errors)),
        "overview_p50_s": statistics.median(overview), "overview_p95_s": percentile(overview, 0.95),
        "area_p50_s": statistics.median(area_times), "area_p95_s": percentile(area_times, 0.95),
        "wall_s": wall, "cpu_s": cpu, "cpu_per_visitor_s": cpu / visitors,
        "peak_mb": peak, "after_mb": resident_mb(pids), "load_average": load, "failures": failures[:10],
    }
    return figures, visits


def crowds(url: str, sizes: list[int], warm: int = 4, area: str = AREA, lang: str = "zh", timeout: float = PAGE_TIMEOUT,
           pids: set[int] | None = None, log=print) -> list[dict]:
    """Each crowd of `sizes` visitors arriving together at `url`, after `warm` visitors not
    counted; one dict of figures per crowd."""
    port = urllib.parse.urlsplit(url).port or (443 if url.startswith("https") else 80)
    pids = pids or server_pids(port)
    if not pids:
        raise SystemExit(f"no process listens on port {port} here: is the server at {url} running on this machine? (or pass --pids)")
    log(f"server processes on port {port}: {', '.join(map(str, sorted(pids)))}")
    results = []
    if warm:
        figures, _ = asyncio.run(crowd(url, warm, pids, area, lang, timeout))
        if figures["failures"]:
            raise SystemExit(f"the warm-up visits failed: {figures['failures'][0]}")
        log(f"warmed up with {warm} visitors in {figures['wall_s']:.1f} s")
    for size in sizes:
        log(f"{size} visitor{'s' if size > 1 else ''} arriving together …")
        figures, _ = asyncio.run(crowd(url, size, pids, area, lang, timeout))
        results.append(figures)
        log(f"  overview p50 {figures['overview_p50_s']:.2f} s p95 {figures['overview_p95_s']:.2f} s, "
            f"{area} p50 {figures['area_p50_s']:.2f} s p95 {figures['area_p95_s']:.2f} s, "
            f"server CPU {figures['cpu_per_visitor_s']:.3f} s a visitor, memory peak {figures['peak_mb']:.0f} MB "
            f"(after {figures['after_mb']:.0f} MB), {figures['completed']}/{size} completed")
        for failure in figures["failures"]:
            log(f"    {failure}")
    return results


# --------------------------------------------------------------------------- servers of its own


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


STREAMLIT_OPTIONS = ("--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                     "--server.fileWatcherType", "none")


def serve_options() -> set[str]:
    """Which of --replicas (app processes behind the front) and --front (the front even before
    one) `python -m qjgov.serve` takes here."""
    result = subprocess.run([sys.executable, "-m", "qjgov.serve", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return {option for option in ("--replicas", "--front") if option in result.stdout}


def serve_command(port: int, replicas: int, options: set[str], script: Path | None = None) -> list[str]:
    """The command that serves `replicas` app processes on `port`: through the front when
    `python -m qjgov.serve` has one (with one replica too, when it takes --front), else one
    plain process as `make run` starts it. With `script`, that script instead of the app."""
    command = [sys.executable, "-m", "qjgov.serve", *([str(script)] if script else [])]
    if "--replicas" in options and (replicas > 1 or "--front" in options):
        return [*command, "--replicas", str(replicas), "--port", str(port), *(["--front"] if replicas == 1 else []), *STREAMLIT_OPTIONS]
    if replicas > 1:
        raise ValueError("python -m qjgov.serve has no --replicas here: only one replica can be measured")
    return [*command, "--server.port", str(port), *STREAMLIT_OPTIONS]


@contextmanager
def serving(warehouse: Path, replicas: int, options: set[str], log_file: Path, wait: float = 180,
            script: Path | None = None) -> Iterator[str]:
    """`warehouse` served on a free local port (`serve_command`); yields its URL once its
    health check answers, and stops it (the front stops its replicas) after."""
    port = _free_port()
    command = serve_command(port, replicas, options, script)
    with pageload.running(command, f"http://127.0.0.1:{port}", warehouse, log_file, wait) as url:
        yield url


def measure(warehouse: Path = WAREHOUSE, sizes: list[int] | tuple[int, ...] = CROWDS, replicas: tuple[int, ...] = REPLICAS,
            work: Path = ROOT / "bench-output" / "crowd", log=print) -> dict:
    """The crowd table's figures: `warehouse` served with each number of `replicas` by a server
    of its own, warmed up (every replica draws both pages), then each crowd of `sizes`."""
    options = serve_options()
    runs, skipped = [], []
    for count in replicas:
        try:
            serve_command(0, count, options)
        except ValueError as why:
            skipped.append(f"{count} replicas: {why}")
            log(f"skipping {count} replicas: {why}")
            continue
        front = "--replicas" in options and (count > 1 or "--front" in options)
        log(f"== {count} replica{'s' if count > 1 else ''}{' behind the front' if front else ', one plain process'}")
        with serving(warehouse, count, options, work / f"server-{count}.log") as url:
            for figures in crowds(url, list(sizes), warm=4 * count, log=log):
                runs.append({"replicas": count, "front": front, **figures})
    shown = warehouse.resolve()
    return {"runs": runs, "skipped": skipped, "warehouse": str(shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown),
            "date": dt.date.today().isoformat(), "cores": os.cpu_count(), "area": AREA}


GOALS = {"server CPU a visitor (s)": 0.15, "p95 of 50 visitors with 2 replicas (s)": 5.0}
SECTION = "## A crowd of visitors"


def table(figures: dict) -> list[str]:
    """The crowd section of docs/benchmarks.md: how the figures were taken, the table, the goals."""
    lines = [
        SECTION,
        "",
        f"`python -m qjgov.demo.crowd` on `{figures['warehouse']}` ({figures['cores']} cores, {figures['date']}): visitors "
        "arriving together, each a new session speaking Streamlit's websocket protocol as a browser does (no browser: one "
        f"per visitor would cost this machine more than the server), opening the overview and then the {figures['area']} page "
        "by its sidebar link. A page's time runs from the visitor's request to the end of the script run that drew it. Server "
        "CPU is the user and system time of every server process (the front's nginx and every replica) read from /proc "
        "before and after the crowd, divided by the visitors; memory is the sum of their resident sets, the peak while the "
        "crowd was served and what stayed after. Caches were warm (visitors not counted first, so each replica had drawn both "
        "pages); every session is new. The client runs on the same machine; the machine's load average (over the minute "
        "before the crowd arrived) says what else ran. Goals: " + "; ".join(f"{k} ≤ {v}" for k, v in GOALS.items()) + ".",
        "",
        "| replicas | served by | visitors | completed | overview p50 | overview p95 | area p50 | area p95 | all served in | server CPU a visitor | memory peak / after | load average |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in figures["runs"]:
        lines.append(
            f"| {run['replicas']} | {'nginx front' if run['front'] else 'one process'} | {run['visitors']} | {run['completed']} | "
            f"{run['overview_p50_s']:.2f} s | {run['overview_p95_s']:.2f} s | {run['area_p50_s']:.2f} s | {run['area_p95_s']:.2f} s | "
            f"{run['wall_s']:.1f} s | {run['cpu_per_visitor_s']:.3f} s | {run['peak_mb']:.0f} / {run['after_mb']:.0f} MB | "
            f"{run.get('load_average', float('nan')):.1f} |"
        )
    lines.append("")
    if figures["skipped"]:
        lines += ["Not measured: " + "; ".join(figures["skipped"]) + ".", ""]
    lines += verdict(figures)
    return lines


def verdict(figures: dict) -> list[str]:
    """Whether the goals are met, or by how much not."""
    runs = figures["runs"]
    if not runs:
        return []
    cpu_goal, p95_goal = GOALS["server CPU a visitor (s)"], GOALS["p95 of 50 visitors with 2 replicas (s)"]
    cpu = max(run["cpu_per_visitor_s"] for run in runs)
    said = [f"Server CPU a visitor: at most {cpu:.3f} s " + ("(goal met)." if cpu <= cpu_goal else f"({cpu / cpu_goal:.1f}× the goal).")]
    two = [run for run in runs if run["replicas"] == 2 and run["visitors"] == 50]
    if two:
        p95 = max(two[0]["overview_p95_s"], two[0]["area_p95_s"])
        said.append(f"50 visitors with 2 replicas: p95 {p95:.2f} s " + ("(goal met)." if p95 <= p95_goal else f"({p95 / p95_goal:.1f}× the goal)."))
    else:
        said.append("50 visitors with 2 replicas: not measured.")
    return [" ".join(said), ""]


def write_section(doc: Path, lines: list[str]) -> None:
    """Put the crowd section into `doc` in place of the one there (or at its end), leaving the
    bench's other tables as they are."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    section = "\n".join(lines).rstrip("\n") + "\n"
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.demo.crowd", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (its front) on this machine; default: servers of its own on --warehouse")
    parser.add_argument("--visitors", type=int, nargs="+", default=list(CROWDS), help="crowd sizes, each arriving together (default: %(default)s)")
    parser.add_argument("--warm", type=int, default=4, help="visitors not counted before the crowds, with --url (default: %(default)s)")
    parser.add_argument("--area", default=AREA, help="the area page each visitor opens after the overview (default: %(default)s)")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh", help="the pages' language (default: %(default)s)")
    parser.add_argument("--pids", type=int, nargs="+", help="the server's processes, with --url (default: found from the URL's port)")
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE, help="the warehouse its own servers serve (default: %(default)s)")
    parser.add_argument("--replicas", type=int, nargs="+", default=list(REPLICAS), help="replicas of its own servers (default: %(default)s)")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="where its own servers' table goes, in place of the crowd section there (default: %(default)s)")
    parser.add_argument("--no-doc", dest="doc", action="store_const", const=None, help="print the table only")
    args = parser.parse_args(argv)
    if any(not 1 <= size <= MAX_VISITORS for size in args.visitors):
        parser.error(f"--visitors: each crowd is 1 to {MAX_VISITORS} visitors")
    if not 0 <= args.warm <= MAX_VISITORS:
        parser.error(f"--warm: 0 to {MAX_VISITORS} visitors")
    if any(not 1 <= count <= 16 for count in args.replicas):
        parser.error("--replicas: 1 to 16")
    if args.url:
        parts = urllib.parse.urlsplit(args.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            parser.error(f"--url: {args.url!r} is not an http(s) URL such as http://127.0.0.1:8501")
        figures = crowds(args.url, args.visitors, args.warm, args.area, args.lang, pids=set(args.pids or ()) or None)
        return 0 if all(f["completed"] == f["visitors"] for f in figures) else 1
    if not args.warehouse.exists():
        print(f"no warehouse at {args.warehouse}: run `make demo` or pass --warehouse", file=sys.stderr)
        return 1
    figures = measure(args.warehouse, args.visitors, tuple(args.replicas))
    lines = table(figures)
    print("\n".join(lines))
    if args.doc is not None:
        write_section(args.doc, lines)
        print(f"written into {args.doc}")
    return 0 if all(run["completed"] == run["visitors"] for run in figures["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
