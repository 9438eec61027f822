"""`python -m qjgov.importer`: import the platform's export files (see `qjgov.importing.importer`)."""

import sys

from qjgov.importing.importer import main

if __name__ == "__main__":
    sys.exit(main())
