"""Run a visitor's costly work in a child process that the operating system bounds.

A limit inside the page's own process is only as good as every function's respect for it: a
single DuckDB call (`lpad('', 1e9, 'x')`, a million-item `IN` list at parse time) can pass its
memory limit, and Python code holds the lock every page of the process needs. A child process
cannot: its address space is capped with `RLIMIT_AS` (an allocation past it fails inside the
child), its CPU with `RLIMIT_CPU`, and the parent kills it at the wall-clock deadline. Its
answer comes back through a pipe read with a length bound, so no answer can flood the parent.

Children are forked from a fork server (`multiprocessing`'s "forkserver"): a clean process
started once, with DuckDB and Polars already imported, so a child starts in milliseconds and
never inherits the app's threads or open connections.

    answer = worker.call(function, (arguments,), Bounds(seconds=5, memory=1 << 30))

`function` must be importable by name (a module-level function); it runs in the child.

Some libraries reserve far more address space than they use (vl-convert's V8 reserves a heap
cage of many gigabytes at its first chart), so a cap on the address space would refuse them at
once. For such work `Bounds(resident=True)` bounds what the child holds in memory instead: the
parent reads the child's resident anonymous memory every few milliseconds and kills it past
the bound. `Bounds(nice=…)` lowers the child's CPU priority, so work that may take seconds
(a file to download) gives way to the pages the server draws meanwhile.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import spawn
from typing import Any

PRELOAD = ["duckdb", "polars"]  # imported once in the fork server, so every child has them
MB = 1 << 20


@dataclass(frozen=True)
class Bounds:
    seconds: float  # wall clock, from the child's start to its answer
    memory: int  # bytes the child may map beyond what it starts with (with `resident`: hold, in all)
    output: int = 256 * MB  # bytes of pickled answer at most
    resident: bool = False  # bound the memory held (watched by the parent), not the address space
    nice: int = 0  # added to the child's niceness: above 0, it yields the CPU to the pages


class Exceeded(RuntimeError):
    """The work passed a bound; `bound` is "time", "memory" or "output"."""

    def __init__(self, bound: str, message: str) -> None:
        super().__init__(message)
        self.bound = bound


class Failed(RuntimeError):
    """The work raised an error in the child; the message is the error's first line."""


NAME = "qjgov-worker"  # the name of every child this module starts


def _without_main(get_preparation_data: Callable[[str], dict]) -> Callable[[str], dict]:
    """multiprocessing re-runs the parent's main script in a new child before its work, to
    find functions defined there. A Streamlit server's main module is the page script the last
    run executed (Streamlit installs it as `__main__`), so each child would first draw the app's
    page, outside its bounds. The function a child runs is importable by name, so our children
    skip that step."""

    def preparation(name: str) -> dict:
        data = get_preparation_data(name)
        if name.startswith(NAME):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    return preparation


if not getattr(spawn.get_preparation_data, "_qjgov", False):
    spawn.get_preparation_data = _without_main(spawn.get_preparation_data)
    spawn.get_preparation_data._qjgov = True  # type: ignore[attr-defined]

_context_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


def _forkserver() -> multiprocessing.context.BaseContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def preload(*modules: str) -> None:
    """Have the fork server import `modules` too (a module whose function runs in children
    calls this at its import, before the first child starts)."""
    with _context_lock:
        PRELOAD.extend(m for m in modules if m not in PRELOAD)
        if _context is not None:
            _context.set_forkserver_preload(PRELOAD)


def warm() -> None:
    """Start the fork server now (a server calls this at start, so the first visitor's query
    does not wait for DuckDB and Polars to be imported)."""
    from multiprocessing import forkserver

    _forkserver()
    forkserver.ensure_running()


def _mapped_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _die_with_parent() -> None:
    """Linux: the child is killed when its parent (the fork server, which ends with the app
    process) ends, so no child outlives a killed replica with its memory unwatched."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child(conn, function: Callable, args: tuple, bounds: Bounds) -> None:
    try:
        _die_with_parent()
        if not bounds.resident:
            limit = _mapped_bytes() + bounds.memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if bounds.nice > 0:
            os.nice(bounds.nice)
        cpu = math.ceil(bounds.seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            payload = pickle.dumps(("ok", function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory", ""))
        except Exception as error:  # noqa: BLE001 - every error goes back to the parent as text
            text = str(error).strip()
            kind = "memory" if _looks_like_memory(text) else "error"
            payload = pickle.dumps((kind, text.splitlines()[0] if text else type(error).__name__))
        if len(payload) > bounds.output:
            payload = pickle.dumps(("output", len(payload)))
        conn.send_bytes(payload)
    finally:
        conn.close()


def _looks_like_memory(text: str) -> bool:
    lowered = text.lower()
    return "out of memory" in lowered or "bad_alloc" in lowered or "could not allocate" in lowered


def call(function: Callable, args: tuple, bounds: Bounds) -> Any:
    """`function(*args)` in a bounded child: its answer, or Exceeded / Failed."""
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args, bounds), daemon=True, name=NAME)
    process.start()
    sender.close()
    try:
        if not _answered(receiver, process, bounds):
            raise Exceeded("time", f"stopped after {bounds.seconds:g} s, the time limit")
        try:
            payload = receiver.recv_bytes(bounds.output + 4096)
        except EOFError:
            process.join(1)
            raise _died(process.exitcode, bounds) from None
        except OSError:
            raise Exceeded("output", f"the answer is larger than {bounds.output // MB} MB") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return value
    if kind == "memory":
        raise Exceeded("memory", f"stopped: it needed more than {_size(bounds.memory)}, the memory limit")
    if kind == "output":
        raise Exceeded("output", f"the answer is larger than {bounds.output // MB} MB")
    raise Failed(value)


WATCH = 0.02  # seconds between two looks at a child's resident memory


def _answered(receiver, process, bounds: Bounds) -> bool:
    """Whether the answer arrived within the time bound; with `resident`, the child is killed
    (Exceeded) once it holds more than the memory bound."""
    if not bounds.resident:
        return receiver.poll(bounds.seconds)
    deadline = time.monotonic() + bounds.seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if receiver.poll(min(WATCH, left)):
            return True
        if _resident_bytes(process.pid) > bounds.memory:
            process.kill()
            raise Exceeded("memory", f"stopped: it needed more than {_size(bounds.memory)}, the memory limit")


def _resident_bytes(pid: int | None) -> int:
    """The anonymous memory `pid` holds (its heap and stacks; shared libraries not counted)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _died(exitcode: int | None, bounds: Bounds) -> Exceeded | Failed:
    if exitcode is not None and exitcode < 0 and -exitcode in (signal.SIGXCPU,):
        return Exceeded("time", f"stopped after {bounds.seconds:g} s, the time limit")
    if exitcode is not None and exitcode < 0 and -exitcode in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
        return Exceeded("memory", f"stopped: it needed more than {_size(bounds.memory)}, the memory limit")
    return Failed(f"the worker stopped without an answer (exit code {exitcode})")


def _size(size: int) -> str:
    return f"{size / (1 << 30):g} GB" if size >= 1 << 30 else f"{size // MB} MB"


def parse_size(text: str) -> int:
    """'1GB', '512MB', '4 GiB' as bytes (DuckDB's spelling of a memory limit)."""
    cleaned = text.strip().upper().replace(" ", "").replace("IB", "B")
    for unit, factor in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if cleaned.endswith(unit):
            number = cleaned[: -len(unit)]
            break
    else:
        number, factor = cleaned, 1
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size (e.g. 1GB, 512MB)") from None
    if value <= 0:
        raise ValueError(f"{text!r}: a size above zero is needed")
    return int(value * factor)


