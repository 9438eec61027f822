"""`python -m qjgov.bench`: the benchmark (see `qjgov.bench.bench`)."""

import sys

from qjgov.bench.bench import main

if __name__ == "__main__":
    sys.exit(main())
