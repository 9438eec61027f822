"""Which models and seeds a warehouse was built from, so an outdated one is told, not trusted.

A warehouse outlives the code that built it: after an update, the file in `data/` still holds
the marts of the models it was built with. The build records a digest of the model SQL and the
seed files it ran (`meta.build_info.models_digest`); the app compares it with the digest of its
own `sql/` and `seeds/`, and names the published models the file lacks (see
`qjgov.app.reads.warehouse_age`). The app never rebuilds a warehouse that exists: it says
what is wrong and which command rebuilds it. Shared by the build and the app, as
`qjgov.paths` is.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from qjgov.paths import SEEDS_DIR, SQL_DIR


def models_digest(sql_dir: Path = SQL_DIR, seeds_dir: Path = SEEDS_DIR) -> str:
    """A digest of every model, data test and seed file: their names within their folder and
    their bytes (so a copy of the folders elsewhere has the same digest). Read again only when
    a file's size or time changes: the app asks on every page."""
    files = []
    for label, root, pattern in (("sql", Path(sql_dir), "**/*.sql"), ("seeds", Path(seeds_dir), "*.csv")):
        for path in sorted(root.glob(pattern)):
            stat = path.stat()
            files.append((f"{label}/{path.relative_to(root).as_posix()}", path, stat.st_mtime_ns, stat.st_size))
    return _digest(tuple(files))


@functools.lru_cache(maxsize=8)
def _digest(files: tuple[tuple[str, Path, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, path, _, _ in files:
        digest.update(f"{name}\0".encode())
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


_MATERIALIZED = re.compile(r"^--\s*materialized:\s*(\w+)", re.MULTILINE | re.IGNORECASE)


def published_models(sql_dir: Path = SQL_DIR) -> list[str]:
    """The tables and views the models publish (`schema.table`), temporary ones left out, as
    each model's header says (`-- materialized: …`; the build refuses a model without one)."""
    return list(_published(tuple((path, path.stat().st_mtime_ns) for path in sorted(Path(sql_dir).glob("*/*.sql")))))


@functools.lru_cache(maxsize=8)
def _published(files: tuple[tuple[Path, int], ...]) -> tuple[str, ...]:
    names = []
    for path, _ in files:
        if path.parent.name in ("staging", "intermediate", "marts"):
            kept = _MATERIALIZED.search(path.read_text(encoding="utf-8"))
            if kept and kept.group(1).lower() != "temporary":
                names.append(f"{path.parent.name}.{path.stem}")
    return tuple(names)


def warehouse_age(query: Callable) -> tuple[list[str], str]:
    """(the marts these models publish that the warehouse read through `query` (SQL to a polars
    frame) lacks; whether it was built from the "same" models and seeds as these, from "other"
    ones, or from "unknown" ones: built before builds recorded a digest of them)."""
    present = set(query(
        "select schema_name || '.' || table_name as name from duckdb_tables() where database_name = current_database() "
        "union all select schema_name || '.' || view_name from duckdb_views() where database_name = current_database()"
    )["name"].to_list())
    missing = [name for name in published_models() if name.startswith("marts.") and name not in present]
    info = query("select * from meta.build_info") if "meta.build_info" in present else None
    if info is None or "models_digest" not in info.columns or not info.height:
        return missing, "unknown"
    return missing, "same" if info["models_digest"][0] == models_digest() else "other"
