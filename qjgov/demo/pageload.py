"""`python -m qjgov.demo.pageload`: page loads in a real browser (see `qjgov.bench.pageload`)."""

import sys

from qjgov.bench.pageload import main

if __name__ == "__main__":
    sys.exit(main())
