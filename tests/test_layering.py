"""Data flows one way: the app's queries name only marts (and meta.*), never raw, seeds,
staging or intermediate tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qjgov.paths import ROOT

APP_FILES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *(ROOT / "qjgov" / name for name in ("reads.py", "ui.py", "charts.py", "export.py")),
]
OTHER_LAYER = re.compile(r"\b(?:from|join)\s+((?:raw|seeds|staging|intermediate)\.[a-z_]+)", re.I)


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_app_queries_read_only_marts(path: Path):
    queried = sorted(set(OTHER_LAYER.findall(path.read_text(encoding="utf-8"))))
    assert not queried, f"{path.name} queries {queried}; the app reads marts only"


def test_the_check_catches_a_query_on_a_seed():
    assert OTHER_LAYER.findall('query("select department from seeds.departments")') == ["seeds.departments"]
