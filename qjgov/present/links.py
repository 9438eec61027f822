"""Addresses of the app's pages, as a copied link carries them (docs/app.md#the-sidebar-and-the-url): the page is
the goal area's path, and the query string holds the as-of date, the language, the department
and the open goal. The app's own links and the messages that point into it (the digest) make
them here alike."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode


def area_path(area: str) -> str:
    """The URL path of a goal area's page: the area code with dashes (one_thing → one-thing)."""
    return area.replace("_", "-")


def goal_url(base: str, area: str, goal_id: str, as_of: dt.date, lang: str, department: str | None = None) -> str:
    """The goal's tab on its area's page at `as_of` in `lang` (for `department` alone, when
    given), under the app's address `base` (QJGOV_BASE_URL)."""
    params = {"as_of": as_of.isoformat(), "lang": lang}
    if department:
        params["dept"] = department
    params["goal"] = goal_id
    return f"{base.rstrip('/')}/{area_path(area)}?{urlencode(params)}"
