"""Shared fixtures: build a tiny warehouse from hand-written raw rows."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb
import pytest

from qjgov.warehouse.build import build
from qjgov.warehouse.contract import RAW_TABLES, frame
from qjgov.paths import SEEDS_DIR, SQL_DIR


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
