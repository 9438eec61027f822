"""Where things live, relative to the repository root (overridable by environment)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("QJGOV_DATA", ROOT / "data"))
RAW_DIR = DATA_DIR / "raw"
SEEDS_DIR = ROOT / "seeds"
SQL_DIR = ROOT / "sql"
WAREHOUSE = Path(os.environ.get("QJGOV_WAREHOUSE", DATA_DIR / "warehouse.duckdb"))


def raw_dir() -> Path:
    """The landing zone as the environment names it now (QJGOV_DATA), read when asked, as the
    app reads the served warehouse's path: a rebuild from the app lands on the data it serves."""
    return Path(os.environ.get("QJGOV_DATA", ROOT / "data")) / "raw"
