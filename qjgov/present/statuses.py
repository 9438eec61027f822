"""The statuses a goal or milestone can have, how they look and how they read.

Colours follow severity: green (achieved), blue (on track), amber (at risk), orange-red (off
track), dark red (missed, the worst), grey (no data). Every `ink` (the text colour on its
`fill`) reads at 4.5:1 or more (WCAG AA for normal text; a test computes it), and a status is
always shown with an icon and a word, never by colour alone.
"""

from __future__ import annotations

import html

from qjgov.present.words import t

STATUSES: tuple[str, ...] = ("achieved", "on_track", "at_risk", "off_track", "missed", "no_data")
MILESTONE_STATUSES: tuple[str, ...] = ("done", "done_late", "overdue", "open")

STATUS_STYLE: dict[str, dict[str, str]] = {
    "achieved": {"icon": "✓", "fill": "#1A7A4A", "ink": "#FFFFFF"},
    "on_track": {"icon": "➚", "fill": "#2C6FB7", "ink": "#FFFFFF"},
    "at_risk": {"icon": "⚠", "fill": "#F0B323", "ink": "#2B1D00"},
    "off_track": {"icon": "▼", "fill": "#C2410C", "ink": "#FFFFFF"},
    "missed": {"icon": "✗", "fill": "#8E1B1B", "ink": "#FFFFFF"},
    "no_data": {"icon": "–", "fill": "#9AA3AE", "ink": "#1B2430"},
    "done": {"icon": "✓", "fill": "#1A7A4A", "ink": "#FFFFFF"},
    "done_late": {"icon": "✓", "fill": "#F0B323", "ink": "#2B1D00"},
    "overdue": {"icon": "⚠", "fill": "#C2410C", "ink": "#FFFFFF"},
    "open": {"icon": "○", "fill": "#2C6FB7", "ink": "#FFFFFF"},
}
SEVERITY: tuple[str, ...] = ("achieved", "on_track", "at_risk", "off_track", "missed")  # mildest to worst


def status_word(lang: str, status: str | None) -> str:
    """Icon and word for a goal status, e.g. "✓ 已达成"."""
    status = status or "no_data"
    return f"{STATUS_STYLE[status]['icon']} {t(lang, 'status.' + status)}"


def milestone_word(lang: str, status: str) -> str:
    """Icon and word for a milestone status."""
    return f"{STATUS_STYLE[status]['icon']} {t(lang, 'ms.' + status)}"


def pill(lang: str, status: str | None, css_class: str, style: str = "") -> str:
    """A goal or milestone status as a coloured pill (HTML): its fill, its ink, its icon and its
    word, never colour alone. The app (`formatting.badge`) and the monthly report both draw
    this one; `css_class` and `style` say how their page shapes it."""
    status = status or "no_data"
    look = STATUS_STYLE[status]
    word = milestone_word(lang, status) if status in MILESTONE_STATUSES else status_word(lang, status)
    return (f'<span class="{css_class}" style="background:{look["fill"]};color:{look["ink"]};{style}">'
            f"{html.escape(word)}</span>")


def fmt_status_change(lang: str, previous: str | None, current: str | None) -> str:
    """"有风险 → 进度正常" / "at risk → on track"; empty when the status did not change or there
    is no previous month-end."""
    if not previous or not current or previous == current:
        return ""
    return f"{t(lang, 'status.' + previous)} → {t(lang, 'status.' + current)}"
