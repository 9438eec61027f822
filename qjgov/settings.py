"""Settings read from the environment, in one place.

`QJGOV_MODE` says whom the app serves, and so what it lets them do:

- `public` (the default: a hosted link): no sign-in; the app only reads, within the public
  limits of the SQL sandbox and downloads;
- `local` (one analyst's own machine, e.g. `QJGOV_MODE=local make run`): no sign-in;
  everything that writes or costs is on: importing export files from the Data page, writing
  commentary on the goal tabs (approved on saving), and the SQL sandbox's higher limits;
- `office` (the commission's own server): every page asks for sign-in first, and what a
  person may do follows the access file (`QJGOV_ACCESS`, below); the SQL sandbox and the
  slots keep the public limits, since many people share one server.

`QJGOV_LOCAL=1` (the older switch) still means `local` when `QJGOV_MODE` is not set. Any other
`QJGOV_MODE` stops whatever reads it with a SettingError naming the value and the choices, so
a misspelt `ofice` never falls back to a setting nobody asked for.

`QJGOV_ACCESS` is the access file of the office mode (default `config/access.toml`; kept out
of git, `config/access.example.toml` explains it): who may write, approve, import and audit
(qjgov/office/access.py, docs/deployment.md).

`QJGOV_BUILD_MEMORY` (e.g. `800MB`, `4GB`) is the most memory DuckDB may hold during a build
(`python -m qjgov.build --memory-limit` says the same for one build); beyond it joins and
aggregates spill to disk. The default keeps a build of 10,000,000 cases a year under 2 GB.

`QJGOV_BASE_URL` is the address people open the app at (e.g. `https://qjgov.example.gov.cn`):
the messages the commission's server sends (`qjgov.notify`) link into the app under it.

`QJGOV_SQL_SLOTS` and `QJGOV_DOWNLOAD_SLOTS` are how many SQL queries and how many downloads
(spreadsheets of lists and answers, the monthly report) run at once for the whole server,
every app process behind the front together (public and office defaults 2 and 1; locally 4
and 2). `QJGOV_RUN_DIR` is where the app processes share their slots and the reports they
made (default: `.run/` beside the warehouse file).
"""

from __future__ import annotations

import os
from pathlib import Path

from qjgov.paths import ROOT

MODE = "QJGOV_MODE"
MODES = ("public", "local", "office")
LOCAL = "QJGOV_LOCAL"
ACCESS = "QJGOV_ACCESS"
DEFAULT_ACCESS = ROOT / "config" / "access.toml"


class SettingError(ValueError):
    """A setting the environment gives a value it cannot have; the message names the
    variable, the value and what it may be."""


def mode() -> str:
    """"public", "local" or "office" (see the module's docstring). Read at every call, so a
    test or a server's environment decides, never an import made earlier."""
    given = os.environ.get(MODE, "").strip()
    if given:
        if given.lower() not in MODES:
            raise SettingError(f"{MODE}={given!r} is not a mode: use one of {', '.join(MODES)}")
        return given.lower()
    if os.environ.get(LOCAL, "").strip().lower() in ("1", "true", "yes", "on"):
        return "local"
    return "public"


def local() -> bool:
    """Whether this app runs on an analyst's own machine with writing switched on."""
    return mode() == "local"


def office() -> bool:
    """Whether this app runs on the commission's own server, behind sign-in and the access file."""
    return mode() == "office"


def access_path() -> Path:
    """The access file of the office mode (QJGOV_ACCESS, default config/access.toml)."""
    given = os.environ.get(ACCESS, "").strip()
    return Path(given) if given else DEFAULT_ACCESS


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


BASE_URL = "QJGOV_BASE_URL"


def base_url() -> str | None:
    """The address people open the app at (QJGOV_BASE_URL, e.g. https://qjgov.example.gov.cn),
    for the links that messages carry into it; None when it is not set (the messages then
    carry none). Anything but an http(s) address is a SettingError: a link that cannot open is
    worse than none."""
    given = os.environ.get(BASE_URL, "").strip()
    if not given:
        return None
    if not given.lower().startswith(("http://", "https://")) or " " in given:
        raise SettingError(f"{BASE_URL}={given!r} is not an http(s) address: the address people open the app at, "
                           "e.g. https://qjgov.example.gov.cn")
    return given.rstrip("/")
