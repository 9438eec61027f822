"""The statuses a goal or milestone can have, how they look and how they read.

Colours are Okabe–Ito (distinguishable with the common colour-vision deficiencies), always
shown with an icon and a word, never alone. `ink` is the text colour that reads on the fill.
"""

from __future__ import annotations

from qjgov.app.words import t

STATUSES: tuple[str, ...] = ("achieved", "on_track", "at_risk", "off_track", "missed", "no_data")
MILESTONE_STATUSES: tuple[str, ...] = ("done", "overdue", "open")

STATUS_STYLE: dict[str, dict[str, str]] = {
    "achieved": {"icon": "✓", "fill": "#009E73", "ink": "#FFFFFF"},
    "on_track": {"icon": "➚", "fill": "#56B4E9", "ink": "#08263A"},
    "at_risk": {"icon": "⚠", "fill": "#E69F00", "ink": "#2B1D00"},
    "off_track": {"icon": "▼", "fill": "#D55E00", "ink": "#FFFFFF"},
    "missed": {"icon": "✗", "fill": "#CC79A7", "ink": "#2A0F1F"},
    "no_data": {"icon": "–", "fill": "#D9D9D9", "ink": "#222222"},
    "done": {"icon": "✓", "fill": "#009E73", "ink": "#FFFFFF"},
    "overdue": {"icon": "⚠", "fill": "#D55E00", "ink": "#FFFFFF"},
    "open": {"icon": "○", "fill": "#56B4E9", "ink": "#08263A"},
}


def status_word(lang: str, status: str | None) -> str:
    """Icon and word for a goal status, e.g. "✓ 已达成"."""
    status = status or "no_data"
    return f"{STATUS_STYLE[status]['icon']} {t(lang, 'status.' + status)}"


def milestone_word(lang: str, status: str) -> str:
    """Icon and word for a milestone status."""
    return f"{STATUS_STYLE[status]['icon']} {t(lang, 'ms.' + status)}"
