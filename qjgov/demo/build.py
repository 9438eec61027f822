"""Generate the demo data and build the demo warehouse in one step.

`make run` calls this when there is no warehouse yet; the app calls `ensure_demo_warehouse`
for the same reason on a hosted demo's first start.

    python -m qjgov.demo [--force] [--seed 42] [--cases-per-year 30000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

from qjgov.office import notes
from qjgov.warehouse.build import BuildError, Log, build
from qjgov.demo.generate import LandedDataError, generate
from qjgov.paths import RAW_DIR, WAREHOUSE
from qjgov.warehouse.contract import RAW_TABLES
from qjgov.warehouse.load import find_files


def build_demo(
    target: Path = WAREHOUSE,
    raw_dir: Path = RAW_DIR,
    seed: int = 42,
    cases_per_year: int = 30_000,
    regenerate: bool = False,
    log: Log = print,
) -> Path:
    """Write demo raw data (unless some is already there) and build the warehouse from it.
    Regenerating refuses while the landing zone holds data the generator did not write
    (`generate.LandedDataError`)."""
    if regenerate or not any(find_files(raw_dir / table)[0] for table in RAW_TABLES):
        log(f"generating demo data into {raw_dir} (seed {seed}, {cases_per_year:,} cases a year)")
        generate(raw_dir, seed=seed, cases_per_year=cases_per_year, log=log)
    else:
        log(f"using the raw data already in {raw_dir}")
    added = add_sample_commentary(notes.store_path(target))
    if added:
        log(f"wrote the demo's sample commentary: {added} notes into {notes.store_path(target)}")
    # Regenerated demo data replaces the old on purpose, however much smaller it is.
    build(raw_dir=raw_dir, target=target, log=log, allow_shrink=regenerate)
    return target


SAMPLE_COMMENTARY = Path(__file__).with_name("commentary.csv")


def add_sample_commentary(store: Path, sample: Path = SAMPLE_COMMENTARY) -> int:
    """Write the demo's sample commentary (a few goals, a few month-ends, one edited twice)
    into an empty store, so the hosted demo shows what commentary looks like; a store that
    already holds notes is never touched. The number of notes written."""
    if notes.read_all(store):
        return 0
    rows = csv.DictReader(sample.open(encoding="utf-8", newline=""))
    count = 0
    for row in rows:
        note = notes.Note(
            row["goal_id"], dt.date.fromisoformat(row["as_of"]), row["progress"], row["barriers"], row["next_steps"],
            row["asserted_status"] or None, row["justification"],
        )
        notes.add(store, note, source="demo", written_at=dt.datetime.fromisoformat(row["written_at"]))
        count += 1
    return count


def ensure_demo_warehouse(target: Path = WAREHOUSE, log: Log = print) -> bool:
    """Build the demo warehouse if `target` does not exist; say whether it was built."""
    if Path(target).exists():
        return False
    build_demo(target, log=log)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="regenerate the raw demo data even if some exists")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: %(default)s)")
    parser.add_argument("--cases-per-year", type=int, default=30_000, help="cases per year (default: %(default)s)")
    parser.add_argument("--target", type=Path, default=WAREHOUSE, help="warehouse file (default: %(default)s)")
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw landing zone (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        build_demo(args.target, args.raw, args.seed, args.cases_per_year, regenerate=args.force)
    except LandedDataError as error:
        print(error, file=sys.stderr)
        return 1
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    return 0

