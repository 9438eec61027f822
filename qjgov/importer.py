"""`python -m qjgov.importer`: import the platform's export files (see `qjgov.warehouse.importer`)."""

import sys

from qjgov.warehouse.importer import main

if __name__ == "__main__":
    sys.exit(main())
