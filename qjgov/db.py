"""Read-only access to the served warehouse, for the app and for scripts.

The app never writes: it opens one read-only connection per process and gives each query a
cursor of its own, so analysts' DuckDB clients and a rebuild can work beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

from qjgov.paths import WAREHOUSE


def warehouse_path() -> Path:
    """The warehouse file, read from the environment at call time.

    `qjgov.paths.WAREHOUSE` is fixed when the module is first imported; tests and hosted
    demos that set QJGOV_WAREHOUSE later (AppTest runs the app in the test's own process)
    still get the file they asked for.
    """
    return Path(os.environ.get("QJGOV_WAREHOUSE", str(WAREHOUSE)))


def connect(path: Path = WAREHOUSE) -> duckdb.DuckDBPyConnection:
    """A read-only connection; a clear error when the warehouse has not been built."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `make run` or `python -m qjgov.demo` to build the demo one")
    return duckdb.connect(str(path), read_only=True)


def query(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pl.DataFrame:
    """Run `sql` on a fresh cursor of `con` and return a polars frame."""
    cursor = con.cursor()
    try:
        return cursor.sql(sql, params=params).pl()
    finally:
        cursor.close()
