"""The one setting that separates an analyst's own machine from a shared, public deployment.

`QJGOV_LOCAL=1` (for example `QJGOV_LOCAL=1 make run`) switches on what writes or costs:
importing export files from the Data page, writing commentary on the goal tabs, and the SQL
sandbox's higher limits. Without it,
as on a hosted demo, the app only reads, within the public limits.
"""

from __future__ import annotations

import os

LOCAL = "QJGOV_LOCAL"


def local() -> bool:
    """Whether this app runs on an analyst's own machine with writing switched on."""
    return os.environ.get(LOCAL, "").strip().lower() in ("1", "true", "yes", "on")
