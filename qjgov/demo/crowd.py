"""`python -m qjgov.demo.crowd`: a crowd of visitors on the app (see `qjgov.bench.crowd`)."""

import sys

from qjgov.bench.crowd import main

if __name__ == "__main__":
    sys.exit(main())
