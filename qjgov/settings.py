"""Settings read from the environment, in one place.

`QJGOV_LOCAL=1` (for example `QJGOV_LOCAL=1 make run`) switches on what writes or costs:
importing export files from the Data page, writing commentary on the goal tabs, and the SQL
sandbox's higher limits. Without it,
as on a hosted demo, the app only reads, within the public limits.

`QJGOV_BUILD_MEMORY` (e.g. `800MB`, `4GB`) is the most memory DuckDB may hold during a build
(`python -m qjgov.build --memory-limit` says the same for one build); beyond it joins and
aggregates spill to disk. The default keeps a build of 10,000,000 cases a year under 2 GB.
"""

from __future__ import annotations

import os

LOCAL = "QJGOV_LOCAL"


def local() -> bool:
    """Whether this app runs on an analyst's own machine with writing switched on."""
    return os.environ.get(LOCAL, "").strip().lower() in ("1", "true", "yes", "on")


BUILD_MEMORY = "QJGOV_BUILD_MEMORY"
DEFAULT_BUILD_MEMORY = "1.5GB"


def build_memory() -> str:
    """The memory limit for DuckDB during a build."""
    return os.environ.get(BUILD_MEMORY, "").strip() or DEFAULT_BUILD_MEMORY
