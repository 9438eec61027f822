"""`python -m qjgov.bench`: the benchmark (see `qjgov.demo.bench`)."""

import sys

from qjgov.demo.bench import main

if __name__ == "__main__":
    sys.exit(main())
