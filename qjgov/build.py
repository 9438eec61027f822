"""`python -m qjgov.build`: build the warehouse (see `qjgov.warehouse.build`)."""

import sys

from qjgov.warehouse.build import main

if __name__ == "__main__":
    sys.exit(main())
