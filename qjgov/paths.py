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
