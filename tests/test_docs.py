"""The project's documentation stays readable and reachable: the README is a front door of
at most 150 lines, every relative link in the README and docs/ reaches a file (and, for a
`#anchor`, a heading of it), every docs/ path the code, SQL comments and messages cite
exists, nothing cites a definitions file that is not in the repository, and docs/metrics.md
says of each goal what seeds/targets.csv says.

Each check is a function over a repository root, so the tests at the end can show it failing
on a small tree made to break it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from qjgov.paths import ROOT

README_MAX_LINES = 150
# Where code, SQL comments and messages live; the files in them that hold text.
CITING = ("qjgov", "sql", "tests", "pages", "app.py", "Makefile")
TEXT_SUFFIXES = {".py", ".sql", ".toml", ".csv", ".md", ".txt", ".sh", ".cfg", ".ini", ".json", ""}
# This file names broken paths and outside files on purpose, to show the checks fail on them.
SELF = Path(__file__).resolve()

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
_DOC_PATH = re.compile(r"(?<![\w./-])docs/[\w./#-]*")
_OUTSIDE = re.compile(r"(?<![\w/.-])(?:(?P<dir>[\w./-]*/))?(?P<name>METRICS\.md|DATA_CONTRACT\.md)")


def readme_lines(root: Path) -> int:
    return len((root / "README.md").read_text(encoding="utf-8").splitlines())


def markdown_files(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def prose(text: str) -> str:
    """The Markdown without fenced code blocks and code spans, where a link is only text."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: the text without its inline markup, lowercased,
    every character but letters, digits, `_`, `-` and spaces dropped, spaces made `-`."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = re.sub(r"[`*~]|<[^>]+>", "", text)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading's anchor in a Markdown file, repeated headings numbered as GitHub does."""
    seen: dict[str, int] = {}
    found = set()
    for _, heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(root: Path) -> list[str]:
    """Relative links (and images) in the README and docs/*.md that reach no file, or no heading."""
    broken = []
    for page in markdown_files(root):
        if not page.exists():
            continue
        for target in _LINK.findall(prose(page.read_text(encoding="utf-8"))):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
                continue
            path_part, _, anchor = target.partition("#")
            linked = (page.parent / path_part).resolve() if path_part else page
            where = f"{page.relative_to(root)}: {target}"
            if not linked.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{where} (no heading #{anchor} in {linked.name})")
    return broken


def citing_files(root: Path) -> list[Path]:
    files = []
    for name in CITING:
        place = root / name
        candidates = [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
        files += [
            p for p in candidates
            if p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts and p.resolve() != SELF
        ]
    return files


def unresolved_doc_paths(root: Path) -> list[str]:
    """`docs/…` paths cited in code, SQL comments and messages that name nothing in the
    repository, or (`docs/x.md#anchor`) no heading of the file they name."""
    missing = []
    for path in citing_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            for cited in _DOC_PATH.findall(line):
                cited = cited.rstrip(".")  # a sentence's full stop
                cited_path, _, anchor = cited.partition("#")
                where = f"{path.relative_to(root)}:{number}: {cited}"
                if not (root / cited_path).exists():
                    missing.append(where)
                elif anchor and cited_path.endswith(".md") and anchor not in anchors(root / cited_path):
                    missing.append(f"{where} (no such heading)")
    return missing


def outside_citations(root: Path) -> list[str]:
    """Citations of METRICS.md or DATA_CONTRACT.md that are not a docs/ path: files a clone of
    the repository does not have."""
    found = []
    for path in citing_files(root):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            for match in _OUTSIDE.finditer(line):
                if not (match["dir"] or "").endswith("docs/"):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()[:120]}")
    return found


# --------------------------------------------------------------------------- the repository


def test_readme_is_a_front_door_of_at_most_150_lines():
    lines = readme_lines(ROOT)
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move reference prose into docs/"


def test_every_relative_link_in_the_readme_and_docs_resolves():
    assert len(markdown_files(ROOT)) > 2  # the README and the docs are all read
    assert broken_links(ROOT) == []


def test_every_doc_path_cited_in_code_sql_and_messages_resolves():
    assert unresolved_doc_paths(ROOT) == []


def test_nothing_cites_a_definitions_file_outside_the_repository():
    found = outside_citations(ROOT)
    assert found == [], "cite docs/metrics.md or docs/data.md instead:\n" + "\n".join(found)


# --------------------------------------------------------------------------- the checks fail


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_slugs_follow_github():
    assert slug("Choices the sources leave open") == "choices-the-sources-leave-open"
    assert slug("Projection, to go and status") == "projection-to-go-and-status"
    assert slug("G04: handling time") == "g04-handling-time"
    assert slug("Who may import `whom`") == "who-may-import-whom"
    assert slug("总览 Overview") == "总览-overview"


def test_the_link_check_finds_a_missing_file_and_a_missing_heading(tmp_path):
    root = _tree(tmp_path, {
        "README.md": "[ok](docs/a.md) [gone](docs/gone.md) ![shot](docs/shot.png) [web](https://example.org)\n"
                     "`[code](docs/not-a-link.md)`\n```\n[fenced](docs/fenced.md)\n```\n",
        "docs/a.md": "# A\n\n## Twice\n\n## Twice\n\n[up](../README.md) [here](#twice-1) [there](b.md#nowhere) [self](#a)\n",
        "docs/b.md": "# B\n",
    })
    assert broken_links(root) == [
        "README.md: docs/gone.md (no such file)",
        "README.md: docs/shot.png (no such file)",
        "docs/a.md: b.md#nowhere (no heading #nowhere in b.md)",
    ]
    (root / "docs" / "shot.png").write_bytes(b"")
    (root / "docs" / "gone.md").write_text("# Gone\n", encoding="utf-8")
    (root / "docs" / "b.md").write_text("# B\n\n## Nowhere\n", encoding="utf-8")
    assert broken_links(root) == []


def test_the_doc_path_check_finds_a_path_cited_in_code_sql_or_a_message(tmp_path):
    root = _tree(tmp_path, {
        "docs/metrics.md": "# Metrics\n\n## Status\n",
        "qjgov/a.py": '"""See docs/metrics.md."""\nraise ValueError("see docs/missing.md#rules")\n',
        "sql/marts/m.sql": "-- the rules are docs/metrics.md#status; docs/gone.md too\n-- docs/metrics.md#nowhere\n",
        "Makefile": "# docs/deployment.md\n",
        "qjgov/words.toml": 'x = "see docs/words.md"\n',
    })
    assert sorted(unresolved_doc_paths(root)) == [
        "Makefile:1: docs/deployment.md",
        "qjgov/a.py:2: docs/missing.md#rules",
        "qjgov/words.toml:1: docs/words.md",
        "sql/marts/m.sql:1: docs/gone.md",
        "sql/marts/m.sql:2: docs/metrics.md#nowhere (no such heading)",
    ]


def test_the_outside_citation_check_allows_only_docs_paths(tmp_path):
    root = _tree(tmp_path, {
        "qjgov/a.py": '"""The contract (DATA_CONTRACT.md) as code; see docs/data.md."""\n',
        "sql/m.sql": "-- METRICS.md section 3\n-- ../shared/METRICS.md\n-- docs/METRICS.md\n",
        "tests/test_x.py": "# docs/metrics.md, not METRICS.md\n",
        "pages/p.py": "# nothing here\n",
    })
    assert outside_citations(root) == [
        'qjgov/a.py:1: """The contract (DATA_CONTRACT.md) as code; see docs/data.md."""',
        "sql/m.sql:1: -- METRICS.md section 3",
        "sql/m.sql:2: -- ../shared/METRICS.md",
        "tests/test_x.py:1: # docs/metrics.md, not METRICS.md",
    ]


def test_the_readme_check_counts_lines(tmp_path):
    assert readme_lines(_tree(tmp_path, {"README.md": "line\n" * README_MAX_LINES})) == README_MAX_LINES
    assert readme_lines(_tree(tmp_path, {"README.md": "line\n" * (README_MAX_LINES + 1)})) > README_MAX_LINES


# --------------------------------------------------------------------------- metrics.md and the seed


def seed_table_drift(root: Path) -> list[str]:
    """Where docs/metrics.md's table of what seeds/targets.csv says of each goal differs from the
    seed: projection kind, unit, family, responsible department or leading office."""
    with open(root / "seeds" / "targets.csv", encoding="utf-8", newline="") as handle:
        seed = {row["goal_id"]: row for row in csv.DictReader(handle)}
    documented = {}
    for line in (root / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 8 and re.fullmatch(r"G\d\d", cells[0]):
            documented[cells[0]] = cells
    drift = [f"{goal}: not in the table" for goal in seed if goal not in documented]
    for goal, (_, _, kind, unit, family, _, owner, lead) in documented.items():
        row = seed.get(goal)
        if row is None:
            drift.append(f"{goal}: not in seeds/targets.csv")
            continue
        wanted = {"projection": row["kind"], "unit": row["unit"], "family": row["family"],
                  "responsible department": row["owner_department"], "leading office": row["lead_office"]}
        shown = {"projection": kind, "unit": unit.split(",")[0], "family": family.split(" ")[0],
                 "responsible department": owner, "leading office": lead}
        drift += [f"{goal}: {key} is {wanted[key]} in the seed, {shown[key]} in docs/metrics.md"
                  for key in wanted if wanted[key] != shown[key]]
    return drift


def test_metrics_doc_says_what_the_seed_says():
    assert seed_table_drift(ROOT) == []


def test_the_seed_check_finds_a_changed_owner(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "docs").mkdir()
    header = (ROOT / "seeds" / "targets.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = header.split(",")
    values = dict.fromkeys(columns, "")
    values.update(goal_id="G01", kind="trend", unit="ratio", family="catalogue", owner_department="医政医管科", lead_office="行政审批科")
    (tmp_path / "seeds" / "targets.csv").write_text(header + "\n" + ",".join(values[c] for c in columns) + "\n", encoding="utf-8")
    table = "| G01 | ≥ 0.80 | trend | ratio | catalogue | | {owner} | 行政审批科 |\n"
    (tmp_path / "docs" / "metrics.md").write_text(table.format(owner="医政医管科"), encoding="utf-8")
    assert seed_table_drift(tmp_path) == []
    (tmp_path / "docs" / "metrics.md").write_text(table.format(owner="妇幼健康科"), encoding="utf-8")
    assert seed_table_drift(tmp_path) == ["G01: responsible department is 医政医管科 in the seed, 妇幼健康科 in docs/metrics.md"]
