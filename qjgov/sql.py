"""`python -m qjgov.sql`: one reading query on the warehouse, in the sandbox (see `qjgov.warehouse.sandbox`)."""

import sys

from qjgov.warehouse.sandbox import main

if __name__ == "__main__":
    sys.exit(main())
