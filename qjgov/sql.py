"""`python -m qjgov.sql`: one reading query on the warehouse, in the sandbox (see `qjgov.limits.sandbox`)."""

import sys

from qjgov.limits.sandbox import main

if __name__ == "__main__":
    sys.exit(main())
