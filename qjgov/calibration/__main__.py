"""Measure how well the chance of meeting each goal comes true, over simulated plan years.

Each year is the demo generator's data under conditions drawn from the year's seed (rates that
improve, stall or worsen during 2021, a bad month, a catalogue change; qjgov.demo.conditions),
built into a warehouse of its own; the chance stated at every month-end from March to November
is scored against whether the goal was met at year-end. Writes docs/calibration.md, with
docs/calibration/calibration.csv and docs/calibration/reliability.png beside it.

    python -m qjgov.calibrate [--years 200] [--out docs] [--cases-per-year C] [--jobs 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from qjgov.calibration import publish, simulate
from qjgov.paths import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qjgov.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=200, help="plan years to simulate (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs",
                        help="folder for calibration.md and calibration/ (default: %(default)s)")
    parser.add_argument("--cases-per-year", type=int, default=None,
                        help="one volume for every year (default: drawn per year, 1,500 to 15,000)")
    parser.add_argument("--jobs", type=int, default=2, help="years built at once, one process each (default: %(default)s)")
    parser.add_argument("--first-seed", type=int, default=1, help="seed of the first year; the others follow (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.years < 1 or args.jobs < 1 or (args.cases_per_year is not None and args.cases_per_year < 1):
        parser.error("--years, --jobs and --cases-per-year must be at least 1")

    seeds = list(range(args.first_seed, args.first_seed + args.years))
    print(f"simulating {args.years} plan years, {args.jobs} at a time")
    started = time.perf_counter()
    judged, lines = simulate.run_years(seeds, args.cases_per_year, args.jobs)
    volumes = judged["cases_per_year"]
    run = publish.Run(args.years, (int(volumes.min()), int(volumes.max())), time.perf_counter() - started, dt.date.today(), lines)
    doc = args.out / "calibration.md"
    held = publish.publish(judged, run, doc, args.out / "calibration")
    print(f"wrote {doc}, {args.out / 'calibration' / 'calibration.csv'} and {args.out / 'calibration' / 'reliability.png'}")
    for goal, ok in held.items():
        print(f"  {goal} goal: {'met' if ok else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
