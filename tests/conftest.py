"""Shared fixtures: build a tiny warehouse from hand-written raw rows."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pytest
from aiosmtpd.controller import Controller

from qjgov.warehouse.build import build
from qjgov.warehouse.contract import RAW_TABLES, frame
from qjgov.paths import SEEDS_DIR, SQL_DIR

# The settings a developer's shell may carry (say QJGOV_MODE=office from trying the office
# server): the tests start from the public setting, and each test that wants another sets it.
SHELL_SETTINGS = ("QJGOV_MODE", "QJGOV_LOCAL", "QJGOV_ACCESS")


@pytest.fixture(scope="session", autouse=True)
def public_setting_to_start_with() -> Iterator[None]:
    kept = {name: os.environ.pop(name) for name in SHELL_SETTINGS if name in os.environ}
    yield
    os.environ.update(kept)


def write_raw(raw_dir: Path, tables: dict[str, list[dict]]) -> None:
    """Write every contract table (empty unless given rows) as `raw_dir/<table>/part-0.parquet`."""
    for table in RAW_TABLES:
        folder = raw_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        frame(table, tables.get(table, [])).write_parquet(folder / "part-0.parquet")


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> Callable[..., duckdb.DuckDBPyConnection]:
    """Build a warehouse from the given raw rows and the project's seeds; return a read-only connection."""
    connections = []

    def make(seeds_dir: Path = SEEDS_DIR, sql_dir: Path = SQL_DIR, **tables: list[dict]) -> duckdb.DuckDBPyConnection:
        raw_dir = tmp_path / "raw"
        write_raw(raw_dir, tables)
        target = tmp_path / "warehouse.duckdb"
        build(raw_dir, seeds_dir, target, sql_dir, log=lambda message: None, allow_shrink=True)
        con = duckdb.connect(str(target), read_only=True)
        connections.append(con)
        return con

    yield make
    for con in connections:
        con.close()


def demo_for_the_app(tmp_path_factory: pytest.TempPathFactory, name: str, cases_per_year: int) -> Iterator[Path]:
    """Build a small demo warehouse into a fresh folder and point the app at it
    (QJGOV_WAREHOUSE, read at call time) until the fixture using this ends."""
    from qjgov.demo.build import build_demo

    folder = tmp_path_factory.mktemp(name)
    target = build_demo(folder / "warehouse.duckdb", folder / "raw", cases_per_year=cases_per_year, log=lambda message: None)
    before = os.environ.get("QJGOV_WAREHOUSE")
    os.environ["QJGOV_WAREHOUSE"] = str(target)
    yield target
    if before is None:
        os.environ.pop("QJGOV_WAREHOUSE", None)
    else:
        os.environ["QJGOV_WAREHOUSE"] = before


# ---- a real SMTP server on localhost, for the digest and the alerts -------------------------

class Inbox:
    """An aiosmtpd handler that keeps every message it is handed."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def settings_for(port: int) -> dict[str, str]:
    return {"QJGOV_SMTP_HOST": "127.0.0.1", "QJGOV_SMTP_PORT": str(port), "QJGOV_SMTP_FROM": "notify@example.gov.cn",
            "QJGOV_SMTP_TLS": "none"}
