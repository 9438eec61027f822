"""Settings read from the environment, in one place.

`QJGOV_LOCAL=1` (for example `QJGOV_LOCAL=1 make run`) switches on what writes or costs:
importing export files from the Data page, writing commentary on the goal tabs, and the SQL
sandbox's higher limits. Without it,
as on a hosted demo, the app only reads, within the public limits.

`QJGOV_BUILD_MEMORY` (e.g. `800MB`, `4GB`) is the most memory DuckDB may hold during a build
(`python -m qjgov.build --memory-limit` says the same for one build); beyond it joins and
aggregates spill to disk. The default keeps a build of 10,000,000 cases a year under 2 GB.

`QJGOV_SQL_SLOTS` and `QJGOV_DOWNLOAD_SLOTS` are how many SQL queries and how many downloads
(spreadsheets of lists and answers, the monthly report) run at once for the whole server,
every app process behind the front together (public defaults 2 and 1; locally 4 and 2).
`QJGOV_RUN_DIR` is where the app processes share their slots and the reports they made
(default: `.run/` beside the warehouse file).
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL = "QJGOV_LOCAL"


MODE = "QJGOV_MODE"
MODES = ("public", "local", "office")


class SettingError(ValueError):
    """A setting with a value it cannot have; the message names the variable, the value and the choices."""


def mode() -> str:
    """public (the default: read only), local (an analyst's own machine: everything on) or
    office (the commission's server: sign-in, and what a person may do follows the access file)."""
    given = os.environ.get(MODE, "").strip().lower()
    if not given:
        return "local" if os.environ.get(LOCAL, "").strip().lower() in ("1", "true", "yes", "on") else "public"
    if given not in MODES:
        raise SettingError(f"{MODE}={given!r} is none of {', '.join(MODES)}")
    return given


def local() -> bool:
    """Whether this app runs on an analyst's own machine with writing switched on."""
    return mode() == "local"


def office() -> bool:
    """Whether this app is the commission's own server, behind sign-in."""
    return mode() == "office"


BUILD_MEMORY = "QJGOV_BUILD_MEMORY"
DEFAULT_BUILD_MEMORY = "1.5GB"


def build_memory() -> str:
    """The memory limit for DuckDB during a build."""
    return os.environ.get(BUILD_MEMORY, "").strip() or DEFAULT_BUILD_MEMORY


RUN_DIR = "QJGOV_RUN_DIR"
SQL_SLOTS = "QJGOV_SQL_SLOTS"
DOWNLOAD_SLOTS = "QJGOV_DOWNLOAD_SLOTS"


def run_dir() -> Path:
    """The folder the app processes of one server share (slots, reports made)."""
    given = os.environ.get(RUN_DIR, "").strip()
    if given:
        return Path(given)
    from qjgov.paths import WAREHOUSE  # read at call time: tests point QJGOV_WAREHOUSE elsewhere

    return Path(os.environ.get("QJGOV_WAREHOUSE", str(WAREHOUSE))).parent / ".run"


def _count(name: str, public: int, here: int) -> int:
    given = os.environ.get(name, "").strip()
    if not given:
        return here if local() else public
    try:
        value = int(given)
    except ValueError:
        raise ValueError(f"{name}={given!r}: a whole number of at least 1 is needed") from None
    if value < 1:
        raise ValueError(f"{name}={given!r}: a whole number of at least 1 is needed")
    return value


def sql_slots() -> int:
    """SQL queries at once for the whole server."""
    return _count(SQL_SLOTS, 2, 4)


def download_slots() -> int:
    """Downloads being made at once for the whole server."""
    return _count(DOWNLOAD_SLOTS, 1, 2)
